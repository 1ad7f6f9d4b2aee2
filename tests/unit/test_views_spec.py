"""Views named in crud.yaml, without a database: the typed table plan/views.py makes, the key it
infers, and what it refuses (the live behaviour is tests/live/test_views.py)."""

from __future__ import annotations

from typing import Any

import pytest

from dbgen.core import Inputs, generate
from dbgen.dialects import get_dialect
from dbgen.plan.views import view_tables

SQL = """
CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL, label text);
CREATE VIEW v (ident, total) AS SELECT id, n + 1 FROM t;
CREATE MATERIALIZED VIEW m AS SELECT id, count(*) AS c, max(label) AS top FROM t GROUP BY id;
CREATE UNIQUE INDEX m_id ON m (id);
CREATE MATERIALIZED VIEW m2 AS SELECT label, count(*) AS c FROM t GROUP BY label;
CREATE UNIQUE INDEX m2_label ON m2 (label);
"""


def _tables(crud: str) -> dict[str, Any]:
    catalog, problems = get_dialect("postgresql").read_schema((("schema.sql", SQL),))
    assert catalog is not None and not problems
    tables, found = view_tables(catalog, ("crud.yaml", crud))
    assert not found, found
    return {t.qname.name: t for t in tables}


def test_columns_names_and_keys() -> None:
    got = _tables("entities:\n  v: {key: [ident]}\n  m: {}\n  m2: {}\n  t: {}\n")
    v, m, m2 = (got[n] for n in ("v", "m", "m2"))
    cols = {t: [(c.name, c.type.sql, c.nullable) for c in t.columns] for t in (v, m, m2)}
    assert cols[v] == [("ident", "integer", False), ("total", "integer", False)]
    assert cols[m] == [("id", "integer", False), ("c", "bigint", False), ("top", "text", True)]
    assert v.primary_key.columns == ("ident",)
    assert m.primary_key.columns == ("id",)
    # a unique index on a nullable column identifies no row with a NULL: no key inferred
    assert m2.primary_key is None
    assert "t" not in got  # a table stays the catalog's


def test_views_do_not_reach_the_migration() -> None:
    crud = "version: 1\npackage: p\nentities:\n  v:\n    key: [ident]\n    operations: [get]\n"
    plain = "version: 1\npackage: p\nentities:\n  t:\n    operations: [get]\n"
    a = generate(Inputs((("schema.sql", SQL),), ("crud.yaml", crud)))
    b = generate(Inputs((("schema.sql", SQL),), ("crud.yaml", plain)))
    assert a.ok and b.ok
    migrations = [
        {k: v for k, v in r.files.items() if "/migrations/versions/" in k} for r in (a, b)
    ]
    assert migrations[0] == migrations[1]
    assert (
        'info={"is_view": True}' in a.files["p/models/v.py"]
        or '"is_view": True' in a.files["p/models/v.py"]
    )


@pytest.mark.parametrize("dialect", ["mysql", "sqlite"])
def test_other_dialects_refuse_view_entities(dialect: str) -> None:
    sql = "CREATE TABLE t (id INT PRIMARY KEY);\nCREATE VIEW v AS SELECT id FROM t;\n"
    crud = "version: 1\npackage: p\nentities:\n  v:\n    key: [id]\n    operations: [get]\n"
    r = generate(Inputs((("schema.sql", sql),), ("crud.yaml", crud)), dialect=dialect)
    assert [str(d) for d in r.diagnostics] == [
        "schema.sql:2:1: error[views-unsupported-dialect]: view v is named in crud.yaml; views as "
        'entities are typed with PostgreSQL\'s rules and need dialect = "postgresql"'
    ]
    assert not r.files


def test_crud_yaml_is_read_by_the_one_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither reader of crud.yaml (the views' look-up, the binder) parses it with PyYAML's
    pure-Python loader when libyaml is there: a scaffolded 500-entity crud.yaml took 0.57 s
    through ``yaml.safe_load`` in the views' look-up alone, 0.10 s through libyaml."""
    import yaml

    from dbgen.spec.yaml_loader import YAML_LOADER

    if YAML_LOADER is yaml.SafeLoader:
        pytest.skip("PyYAML without libyaml: the pure-Python loader is the only one")

    def refuse(self: object, stream: object) -> None:
        raise AssertionError("crud.yaml parsed by the pure-Python loader")

    monkeypatch.setattr(yaml.SafeLoader, "__init__", refuse)
    assert set(_tables("entities:\n  v: {key: [ident]}\n  t: {}\n")) == {"v"}
    crud = "version: 1\npackage: v_db\nentities:\n  v: {key: [ident]}\n"
    result = generate(Inputs((("schema.sql", SQL),), ("crud.yaml", crud)))
    assert result.ok, result.diagnostics
    assert "v_db/repositories/v.py" in result.files

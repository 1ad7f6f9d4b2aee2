"""Imports computed from the names a generated module reads (dbgen/layout/imports.py).

ruff is the oracle: over many random spec combinations, every generated module must be free of
unused imports (F401), undefined names (F821) and redefinitions (F811).
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from dbgen.core import Inputs, generate
from dbgen.layout.imports import (
    IMPORTS,
    UnresolvedName,
    free_names,
    import_block,
    with_imports,
)


def _free(source: str) -> set[str]:
    return free_names("x.py", source)


def test_free_names_follow_python_scoping() -> None:
    source = """from __future__ import annotations

import os
X = 1

@decorate(Y)
def f(a: A, b: int = DEFAULT, *args: Z, **kw: W) -> R:
    local = a + X
    inner: LocalAnnotation = 3
    return [local for local in items if cond(local)] + list(map(lambda q: q + bound, kw))

class C(Base, metaclass=Meta):
    attr: T = make()
    other = attr

    def method(self, v: Sequence[V] = attr) -> None:
        return attr, self, v, os.sep

try:
    pass
except Failure as exc:
    print(exc)
"""
    assert _free(source) == {
        "decorate", "Y", "A", "DEFAULT", "Z", "W", "R", "items", "cond", "bound",
        "Base", "Meta", "T", "make", "Sequence", "V", "attr", "Failure", "LocalAnnotation",
    }  # fmt: skip


def test_exactly_the_imports_the_body_reads() -> None:
    text = (
        f'"""Doc."""\n\nfrom __future__ import annotations\n\n{IMPORTS}\n\nx: Any = sa.select(M)\n'
    )
    offered = {
        ("typing", "Any"),
        ("typing", "cast"),
        ("sqlalchemy", None),
        ("pkg.models.m", "M"),
        ("pkg.models.n", "N"),
        ("collections.abc", "Sequence"),
    }
    assert with_imports("pkg/x.py", text, offered, "pkg") == (
        '"""Doc."""\n\nfrom __future__ import annotations\n\n'
        "from typing import Any\n\nimport sqlalchemy as sa\n\nfrom pkg.models.m import M\n\n"
        "x: Any = sa.select(M)\n"
    )


def test_a_name_nothing_provides_is_a_dbgen_bug_not_a_name_error() -> None:
    text = f"{IMPORTS}\nx = Missing\n"
    with pytest.raises(UnresolvedName, match="'Missing' but nothing provides it"):
        with_imports("pkg/x.py", text, {("typing", "Any")}, "pkg")
    with pytest.raises(UnresolvedName, match="several imports bind it"):
        with_imports("pkg/x.py", "x = M\n", {("a", "M"), ("b", "M")}, "pkg")


def test_long_from_lines_are_exploded_for_isort() -> None:
    names = [f"Name{i:02d}" for i in range(12)]
    block = import_block({("pkg.schemas.some_module", n) for n in names}, "pkg")
    assert block.startswith("from pkg.schemas.some_module import (\n    Name00,\n")
    assert block.endswith("    Name11,\n)")


_SCHEMA = """
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE author (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    email text,
    born date,
    score numeric(10, 2),
    tags text[],
    meta jsonb,
    uid uuid NOT NULL DEFAULT gen_random_uuid(),
    feeling mood,
    deleted_at timestamptz,
    version integer NOT NULL DEFAULT 1
);
CREATE TABLE tag (id serial PRIMARY KEY, label text NOT NULL UNIQUE);
CREATE TABLE book (
    id serial PRIMARY KEY,
    author_id bigint NOT NULL REFERENCES author (id),
    title text NOT NULL,
    published_at timestamp,
    is_deleted boolean NOT NULL DEFAULT false
);
CREATE TABLE book_tag (
    book_id integer NOT NULL REFERENCES book (id),
    tag_id integer NOT NULL REFERENCES tag (id),
    PRIMARY KEY (book_id, tag_id)
);
CREATE TABLE review (
    book_id integer NOT NULL REFERENCES book (id),
    n integer NOT NULL,
    body text,
    stars smallint,
    PRIMARY KEY (book_id, n)
);
CREATE TABLE event_log (at timestamptz NOT NULL, message text, level integer);
"""

_KEYED = ["get", "exists", "update", "delete", "bulk_update", "bulk_delete"]
_ANY = ["list", "stream", "count", "create", "bulk_create"]
# (columns with their operators, sortable, text, finders, relations, soft delete, version)
_TABLES: dict[str, dict[str, object]] = {
    "author": {
        "filters": {
            "name": ["eq", "in", "ilike"],
            "email": ["is_null", "like"],
            "born": ["lt", "between"],
            "score": ["gte"],
            "tags": ["contains"],
            "uid": ["eq", "not_in"],
            "feeling": ["eq"],
        },
        "sort": ["name", "born", "score", "uid"],
        "search": ["name", "email"],
        "finders": [["name"], ["email"], ["uid"]],
        "relations": ["book"],
        "soft_delete": "deleted_at",
        "version_column": "version",
        "upsert_on": ["name"],
    },
    "tag": {
        "filters": {"label": ["eq", "ilike"]},
        "sort": ["label"],
        "search": ["label"],
        "finders": [["label"]],
        "relations": ["book"],
        "upsert_on": ["label"],
    },
    "book": {
        "filters": {"author_id": ["eq", "in"], "published_at": ["gte", "is_null"]},
        "sort": ["title", "published_at"],
        "search": ["title"],
        "finders": [["author_id"], ["title"]],
        "relations": ["author", "tag", "review"],
        "soft_delete": "is_deleted",
    },
    "review": {
        "filters": {"stars": ["gte", "lte"], "body": ["ilike"]},
        "sort": ["stars"],
        "search": ["body"],
        "finders": [["book_id"], ["book_id", "n"]],
        "relations": ["book"],
    },
    "event_log": {
        "filters": {"level": ["eq", "gt"], "message": ["ilike"]},
        "sort": ["at", "level"],
        "search": ["message"],
        "finders": [["level"]],
        "keyless": True,
    },
}


def _pick(rng: random.Random, items: list[str]) -> list[str]:
    return [i for i in items if rng.random() < 0.5]


def _yaml_list(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _random_spec(rng: random.Random) -> str:
    lines = ["version: 1", "package: combo_db", "entities:"]
    listed: list[str] = []
    for table, facts in _TABLES.items():
        if rng.random() < 0.15:
            continue  # not every table is an entity
        listed.append(table)
        keyless = bool(facts.get("keyless"))
        ops = _pick(rng, _ANY + ([] if keyless else [*_KEYED, "upsert"]))
        lines.append(f"  {table}:")
        lines.append(f"    operations: {_yaml_list(ops)}")
        filters: dict[str, list[str]] = facts["filters"]  # type: ignore[assignment]
        chosen = {c: _pick(rng, o) for c, o in filters.items() if rng.random() < 0.5}
        if any(chosen.values()):
            lines.append("    filters:")
            lines += [f"      {c}: {_yaml_list(o)}" for c, o in chosen.items() if o]
        for key in ("sort", "search"):
            picked = _pick(rng, facts[key])  # type: ignore[arg-type]
            if picked:
                lines.append(f"    {key}: {_yaml_list(picked)}")
        lines.append(
            "    pagination: "
            + rng.choice(["[offset]"] if keyless else ["[offset]", "[cursor]", "[offset, cursor]"])
        )
        finders = _pick(rng, [",".join(f) for f in facts["finders"]])  # type: ignore[attr-defined]
        if finders:
            lines.append("    finders:")
            lines += [f"      - by: [{f}]" for f in finders]
        relations = _pick(rng, facts.get("relations", []))  # type: ignore[arg-type]
        if relations:
            lines.append(f"    relations: {_yaml_list(relations)}")
        for key in ("soft_delete", "version_column"):
            if key in facts and rng.random() < 0.5:
                lines.append(f"    {key}: {facts[key]}")
        if "upsert_on" in facts and rng.random() < 0.5:
            lines.append(f"    upsert_on: {_yaml_list(facts['upsert_on'])}")  # type: ignore[arg-type]
    if "author" in listed and "book" in listed and rng.random() < 0.5:
        lines += ["transactions:", "  write_author:", "    root: author", "    children: [book]"]
    return "\n".join(lines) + "\n"


def test_random_spec_combinations_import_exactly_what_they_use(tmp_path: Path) -> None:
    rng = random.Random(12)
    built = 0
    rejected: list[str] = []
    for i in range(40):
        crud = _random_spec(rng)
        result = generate(Inputs((("schema.sql", _SCHEMA),), ("crud.yaml", crud)))
        if not result.ok:
            rejected.append("\n".join(str(d) for d in result.diagnostics if d.is_error))
            continue
        for rel, text in result.files.items():
            if rel.endswith(".py"):
                (tmp_path / str(i) / rel).parent.mkdir(parents=True, exist_ok=True)
                (tmp_path / str(i) / rel).write_text(text, encoding="utf-8")
        built += 1
    assert built >= 30, rejected  # the combinations must be valid specs, mostly
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--select",
         "F401,F811,F821,F822,F823", "--target-version", "py311", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]

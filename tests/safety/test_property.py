"""Random valid schemas and specs build, import and configure their mappers (issue 9).

Each example is one schema of a few tables (random names, including names the generated
modules use, quoted and non-ASCII ones; random column types, defaults, comments, keys to other
tables and to itself) and a spec listing every table, with filters, sort keys, finders and a
transaction where the columns and keys allow (all 60 of a sample run were accepted). Whatever dbgen accepts must import in a
fresh interpreter with configure_mappers(); a refusal must be a located diagnostic. Bounded to
stay well under a minute (every example costs an import in a child process).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.generated import build, import_all, write

_NAMES = st.one_of(
    st.sampled_from(
        [
            "list",
            "str",
            "int",
            "type",
            "sa",
            "datetime",
            "page",
            "base",
            "any",
            "metadata",
            "self",
            "limit",
            "params",
            "id_",
            "Order Status",
            "é_table",
            'q"""x',
            "a\\b",
        ]
    ),
    st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True),
)
_TYPES = st.sampled_from(
    [
        "integer",
        "bigint",
        "text",
        "boolean",
        "numeric(10,2)",
        "timestamptz",
        "date",
        "uuid",
        "jsonb",
        "bytea",
        "text[]",
        "double precision",
    ]
)
_TEXT = st.text(alphabet=st.sampled_from(list("ab \"'\\\n{}%:é")), max_size=12)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_SIMPLE = ("integer", "bigint", "text", "boolean", "date")  # filterable, sortable, findable


@st.composite
def _schema(draw: st.DrawFn) -> tuple[str, str]:
    """(schema.sql, crud.yaml): tables with random columns, keys, defaults and comments, and a
    spec using filters, sort, finders, relations and a transaction where the keys allow."""
    tables = draw(st.lists(_NAMES, min_size=1, max_size=3, unique=True))
    out = []
    entities = []
    for i, table in enumerate(tables):
        cols = draw(
            st.lists(_NAMES.filter(lambda n: n not in ("id", "ref_id")), max_size=4, unique=True)
        )
        lines = ["id integer PRIMARY KEY"]
        simple: list[str] = []
        for col in cols:
            ty = draw(_TYPES)
            extra = ""
            if ty == "text" and draw(st.booleans()):
                extra = f" DEFAULT {_lit(draw(_TEXT))}"
            lines.append(f"{_ident(col)} {ty}{extra}")
            if ty in _SIMPLE:
                simple.append(col)
        has_ref = i > 0 and draw(st.booleans())
        if has_ref:
            lines.append(f"ref_id integer REFERENCES {_ident(tables[0])} (id)")
        if draw(st.booleans()):
            lines.append(f"parent_id integer REFERENCES {_ident(table)} (id)")
        out.append(f"CREATE TABLE {_ident(table)} (\n    " + ",\n    ".join(lines) + "\n);")
        if draw(st.booleans()):
            out.append(f"COMMENT ON TABLE {_ident(table)} IS {_lit(draw(_TEXT))};")
        entity = [
            f"  {json.dumps(table)}:",
            "    operations: [get, list, count, create, update, delete]",
        ]
        if simple and draw(st.booleans()):
            entity.append(
                "    filters: {" + ", ".join(f"{json.dumps(c)}: [eq, in]" for c in simple) + "}"
            )
            entity.append(f"    sort: [{', '.join(json.dumps(c) for c in simple)}]")
            entity.append(f"    finders:\n      - by: [{json.dumps(simple[0])}]")
        entities.append(("\n".join(entity), has_ref))
    crud = "version: 1\npackage: prop_db\nentities:\n" + "\n".join(e for e, _ in entities) + "\n"
    children = [t for t, (_, ref) in zip(tables, entities, strict=True) if ref]
    if children and draw(st.booleans()):
        crud += (
            f"transactions:\n  create_all:\n    root: {json.dumps(tables[0])}\n"
            f"    children: [{', '.join(json.dumps(c) for c in children)}]\n"
        )
    return "\n".join(out) + "\n", crud


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(_schema())
def test_random_schemas_build_and_import(schema: tuple[str, str]) -> None:
    sql, crud = schema
    result = build(sql, crud)
    if not result.ok:
        # Refused: every error is located in an input, never in a generated file.
        for d in result.diagnostics:
            if d.is_error:
                assert d.span.file in ("schema.sql", "crud.yaml"), str(d)
                assert d.code != "internal-invalid-python", str(d)
        return
    with tempfile.TemporaryDirectory() as tmp:
        proc = import_all(write(result, Path(tmp)), "prop_db")
        assert proc.returncode == 0, sql + "\n" + proc.stderr[-3000:]

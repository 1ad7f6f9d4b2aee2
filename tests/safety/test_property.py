"""Random valid schemas and specs build, import and configure their mappers (issue 9).

Each example is one schema of a few tables (random names, including names the generated
modules use, quoted and non-ASCII ones; random column types, defaults, comments, keys to other
tables and to itself) and a spec listing every table. Whatever dbgen accepts must import in a
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


@st.composite
def _schema(draw: st.DrawFn) -> tuple[str, list[str]]:
    tables = draw(st.lists(_NAMES, min_size=1, max_size=3, unique=True))
    out = []
    for i, table in enumerate(tables):
        cols = draw(st.lists(_NAMES.filter(lambda n: n != "id"), max_size=4, unique=True))
        lines = ["id integer PRIMARY KEY"]
        for col in cols:
            ty = draw(_TYPES)
            extra = ""
            if ty == "text" and draw(st.booleans()):
                extra = f" DEFAULT {_lit(draw(_TEXT))}"
            lines.append(f"{_ident(col)} {ty}{extra}")
        if i > 0 and draw(st.booleans()):
            lines.append(f"ref_id integer REFERENCES {_ident(tables[0])} (id)")
        if draw(st.booleans()):
            lines.append(f"parent_id integer REFERENCES {_ident(table)} (id)")
        out.append(f"CREATE TABLE {_ident(table)} (\n    " + ",\n    ".join(lines) + "\n);")
        if draw(st.booleans()):
            out.append(f"COMMENT ON TABLE {_ident(table)} IS {_lit(draw(_TEXT))};")
    return "\n".join(out) + "\n", tables


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(_schema())
def test_random_schemas_build_and_import(schema: tuple[str, list[str]]) -> None:
    sql, tables = schema
    crud = "version: 1\npackage: prop_db\nentities:\n" + "".join(
        f"  {json.dumps(t)}:\n    operations: [get, list, count, create, update, delete]\n"
        for t in tables
    )
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

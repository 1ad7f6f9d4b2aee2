"""No text from the inputs reaches Python source unescaped (issue 9, part 2).

Every string that comes from the schema or crud.yaml enters generated code through
``plan/pyexpr.py`` (``pystr`` for literals, ``docbody`` inside docstrings, ``pycomment`` in
comments). These tests feed every input kind the hostile and the merely awkward strings, then
check that the package imports without running anything, and that each text comes back exactly:
from the imported package, from ``sa.text()`` as SQLAlchemy renders it, and from PostgreSQL
itself after the generated migration ran (pg_dump of the migrated database against the schema
loaded directly).
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from safety_kit import Run, snapshot
from sqlalchemy.dialects import postgresql

from dbgen.plan.pyexpr import docbody, pycomment, pystr, text_escape
from support import FreshDb, require_shared
from support.generated import build, errors, import_all, write

# The hostile and the merely awkward: quotes of every kind, triple quotes, a backslash at the end,
# line breaks, non-ASCII, template syntax, format and bind-parameter syntax, code.
AWKWARD = {
    "double-quotes": 'He said "hi"',
    "single-quote": "it's",
    "triple-double": 'x"""; import os; os.system("echo PWNED"); """y',
    "triple-single": "x'''; import os; os.system('echo PWNED'); '''y",
    "backslash-end": "ends with a backslash\\",
    "quote-end": 'ends with a quote"',
    "quote-start": '"starts with a quote',
    "newlines": 'line one\n"""\nimport os\nos.system("echo PWNED")\n"',
    "non-ascii": "é ß 漢字 🙂 \u202e reversed",
    "jinja": "{{ x }} {% if y %}z{% endif %} {# c #}",
    "format": "%(name)s %s {0} :name \\:x ::int",
}
# Characters PostgreSQL keeps in text but a source file must not hold raw: they go in through
# E'' escapes (a NUL cannot: PostgreSQL rejects it in text, see test_importable.py).
CONTROL = "tab\tcr\rvt\x0bff\x0cdel\x7fnbsp\xa0ls\u2028end"


def _lit(text: str) -> str:
    """An SQL string literal for text (E'' with escapes when it holds control characters)."""
    if all(c.isprintable() or c == "\n" for c in text):
        return "'" + text.replace("'", "''") + "'"
    body = "".join(
        "\\\\" if c == "\\" else "''" if c == "'" else c if c.isprintable() else f"\\u{ord(c):04x}"
        for c in text
    )
    return "E'" + body + "'"


def _ident(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _schema(text: str, name: str) -> str:
    """Every input kind that reaches the generated code holding ``text``; names keep ``name``
    (quoted identifiers take any character, up to 63 bytes)."""
    table, col, enum, view = (_ident(p + name) for p in ("t ", "c ", "e ", "v "))
    lit = _lit(text)
    return f"""\
CREATE SCHEMA {_ident("s " + name)};
CREATE TYPE {enum} AS ENUM ({lit}, 'plain');
CREATE TABLE {table} (
    id integer PRIMARY KEY,
    {col} text NOT NULL DEFAULT {lit} CONSTRAINT {_ident("ck " + name)} CHECK ({col} <> {lit}),
    kind {enum} NOT NULL DEFAULT 'plain',
    n text GENERATED ALWAYS AS ({col} || {lit}) STORED
);
CREATE TABLE {_ident("s " + name)}.other (id integer PRIMARY KEY, t_id integer REFERENCES {table} (id));
CREATE INDEX {_ident("ix " + name)} ON {table} (({col} || {lit})) WHERE {col} <> {lit};
CREATE VIEW {view} AS SELECT {lit}::text AS x, id FROM {table};
CREATE FUNCTION {_ident("f " + name)}() RETURNS text LANGUAGE sql AS $body$SELECT {lit}::text$body$;
COMMENT ON TABLE {table} IS {lit};
COMMENT ON COLUMN {table}.{col} IS {lit};
COMMENT ON TYPE {enum} IS {lit};
COMMENT ON VIEW {view} IS {lit};
"""


def _crud(name: str) -> str:
    other = f"s {name}.other"
    return (
        "version: 1\npackage: hostile_db\nentities:\n"
        f"  {json.dumps('t ' + name)}:\n"
        "    operations: [get, list, count, create, update, delete]\n"
        f"    filters: {{{json.dumps('c ' + name)}: [eq, ilike]}}\n"
        f"    sort: [{json.dumps('c ' + name)}]\n"
        f"    relations: [{json.dumps(other)}]\n"
        f"  {json.dumps(other)}:\n    operations: [get, list, create]\n"
        f"    relations: [{json.dumps('t ' + name)}]\n"
    )


# What the imported package says about each text (run in a fresh interpreter).
_READ_BACK = """
import json, sys, importlib
from sqlalchemy.dialects import postgresql
import hostile_db.models as models, hostile_db.enums as enums
from hostile_db.base import Base
name = sys.argv[1]
t = Base.metadata.tables["t " + name]
c = t.c["c " + name]
d = postgresql.dialect(paramstyle="named")  # pyformat would double every %
ck = next(x for x in t.constraints if x.name == "ck " + name)
ix = next(iter(t.indexes))
enum_cls = next(e for e in vars(enums).values() if isinstance(e, type) and e.__module__ == enums.__name__)
print(json.dumps({
    "table": t.name, "column": c.name, "schema": Base.metadata.tables["s " + name + ".other"].schema,
    "table_comment": t.comment, "column_comment": c.comment,
    "default": str(c.server_default.arg.compile(dialect=d)),
    "check": str(ck.sqltext.compile(dialect=d)),
    "computed": str(t.c.n.computed.sqltext.compile(dialect=d)),
    "index": ix.name,
    "index_expr": str(ix.expressions[0].compile(dialect=d)),
    "index_where": str(ix.dialect_options["postgresql"]["where"].compile(dialect=d)),
    "enum": [m.value for m in enum_cls],
}))
"""


def _cases() -> list[tuple[str, str, str]]:
    cases = [(key, text, key) for key, text in AWKWARD.items()]
    # Names carry the awkward text too, where it fits PostgreSQL's 63 bytes.
    cases.append(("names", "q\"\"\"'''\\{{x}}%}é\n", "q\"\"\"'''\\{{x}}%}é\n"))
    cases.append(("control", CONTROL, "control\t\r\x7f"))
    return cases


@pytest.mark.parametrize(("key", "text", "name"), _cases(), ids=[c[0] for c in _cases()])
def test_every_input_kind_round_trips(key: str, text: str, name: str, tmp_path: Path) -> None:
    result = build(_schema(text, name), _crud(name))
    assert result.ok, "\n".join(errors(result))
    out = write(result, tmp_path / "out")
    proc = import_all(out, "hostile_db")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "PWNED" not in proc.stdout + proc.stderr
    back = subprocess.run(
        [sys.executable, "-c", _READ_BACK, name],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(out)},
    )
    assert back.returncode == 0, back.stderr[-3000:]
    got = json.loads(back.stdout)
    lit = _lit(text)
    col = _ident("c " + name)
    assert got == {
        "table": "t " + name,
        "column": "c " + name,
        "schema": "s " + name,
        "table_comment": text,
        "column_comment": text,
        "default": lit,
        "check": f"{col} <> {lit}",
        "computed": f"{col} || {lit}",
        "index": "ix " + name,
        "index_expr": f"({col} || {lit})",
        "index_where": f"{col} <> {lit}",
        "enum": [text, "plain"],
    }


@pytest.mark.live
@pytest.mark.parametrize(
    "key", ["triple-double", "newlines", "backslash-end", "format", "newlines-crlf"]
)
def test_postgresql_gets_exactly_the_schema_back(
    key: str, tmp_path: Path, fresh_db: FreshDb
) -> None:
    """The generated migration rebuilds the hostile schema exactly (pg_dump of both compared)."""
    tool = require_shared("tools/pg-roundtrip")
    crlf = key.endswith("-crlf")  # the file itself written with CRLF line ends
    text = AWKWARD[key.removesuffix("-crlf")]
    sql = _schema(text, key)
    if crlf:
        sql = sql.replace("\n", "\r\n")
    result = build(sql, _crud(key))
    assert result.ok, "\n".join(errors(result))
    out = write(result, tmp_path / "out")
    (tmp_path / "schema.sql").write_bytes(sql.encode("utf-8"))
    alembic = [str(Path(sys.executable).parent / "alembic"), "-c", str(out / "alembic.ini")]
    proc = subprocess.run(
        [
            sys.executable,
            str(tool),
            "--downgrade",
            " ".join([*alembic, "downgrade", "base"]),
            str(tmp_path / "schema.sql"),
            "--",
            *alembic,
            "upgrade",
            "head",
        ],
        env=dict(os.environ, **fresh_db.server.libpq_env()),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "PWNED" not in proc.stdout + proc.stderr


_TEXT = st.text(alphabet=st.sampled_from(list("\"'\\\n\r\t\x00ab é\u202e\ud800{}%:$")), max_size=16)


@settings(max_examples=1000, deadline=None)
@given(_TEXT, st.sampled_from(["", "Table x: "]), st.sampled_from(["", ".", " y"]))
def test_literals_docstrings_and_comments_hold_any_text(text: str, pre: str, post: str) -> None:
    assert ast.literal_eval(pystr(text)) == text
    assert ast.literal_eval('"""' + pre + docbody(text) + post + '"""') == pre + text + post
    comment = "# " + pycomment(text)
    assert "\n" not in comment and "\r" not in comment
    compile(comment.encode("utf-8"), "<comment>", "exec")


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(":\\ab$ '_é1%\n")), max_size=14))
def test_sql_text_renders_exactly_what_was_written(sql: str) -> None:
    clause = sa.text(text_escape(sql))
    assert not clause._bindparams
    rendered = str(clause.compile(dialect=postgresql.dialect()))
    assert rendered == re.sub("%", "%%", sql)  # psycopg2's paramstyle doubles % (and undoes it)


def test_line_ends_inside_sql_text_are_kept(project: Path, dbgen: Callable[..., Run]) -> None:
    """A schema written with CRLF line ends: PostgreSQL keeps the CR inside a multi-line
    comment or literal, so the package must too (it was read with newline translation)."""
    sql = (
        "CREATE TABLE t (id integer PRIMARY KEY, x text DEFAULT 'a\r\nb');\r\n"
        "COMMENT ON TABLE t IS 'line one\r\nline two';\r\n"
    )
    (project / "specs" / "schema.sql").write_bytes(sql.encode())
    (project / "specs" / "crud.yaml").write_text(
        "version: 1\npackage: crlf_db\nentities:\n  t:\n    operations: [get]\n"
    )
    run = dbgen("build", "specs", "--out", "gen")
    assert run.code == 0, run.stderr
    model = (project / "gen" / "crlf_db" / "models" / "t.py").read_bytes().decode()
    assert "\r" not in model  # escaped, never raw
    assert ast.literal_eval(pystr("line one\r\nline two")) == "line one\r\nline two"
    assert pystr("line one\r\nline two") in model
    assert pystr("'a\r\nb'") in model
    scaffold = dbgen("scaffold", "specs/schema.sql", "--package", "typing", "--out", "x.yaml")
    assert scaffold.code == 2 and "error[invalid-package]" in scaffold.stderr


def test_file_names_are_text_too(project: Path, dbgen: Callable[..., Run]) -> None:
    """The spec's file names reach docstrings, pyproject.toml and the schema diff: one holding
    quotes, backslashes and code gives files that parse and import; one with a line break or
    that is not UTF-8 is refused before anything is read or written."""
    specs = project / "specs"
    hostile = specs / 'a"""; import os; os.system("echo PWNED"); """ \\ {{ x }}.sql'
    (specs / "schema.sql").rename(hostile)
    run = dbgen("build", "specs", "--out", "gen")
    assert run.code == 0, run.stderr
    pyproject = tomllib.loads((project / "gen" / "pyproject.toml").read_text(encoding="utf-8"))
    assert hostile.name in pyproject["project"]["description"]
    proc = import_all(project / "gen", "shelf_db")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "PWNED" not in proc.stdout + proc.stderr
    before = snapshot(project)
    for bad in (os.fsencode(specs) + b"/x\nimport os.sql", os.fsencode(specs) + b"/\xff\xfe.sql"):
        with open(bad, "wb") as f:
            f.write(b"CREATE TABLE extra (id integer PRIMARY KEY);\n")
        run = dbgen("build", "specs", "--out", "gen")
        assert run.code == 2 and "error[invalid-file-name]" in run.stderr, run.stderr
        os.remove(bad)
        assert snapshot(project) == before

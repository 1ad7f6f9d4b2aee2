"""``dialect`` in dbgen.toml (and ``dbgen scaffold --dialect``): validated on load, read by every
command, and a schema file that is obviously another dialect's is refused at file:line:col."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import dbgen.dialects as dialects
from dbgen.config import load_config
from dbgen.dialects import DIALECTS, KNOWN_DIALECTS, dialect_problem, get_dialect, read_schema
from dbgen.dialects.sniff import MARKERS, find_marker, wrong_dialect
from support import REPO_ROOT
from support.paths import require_shared

PG_SCHEMA = "CREATE TABLE item (id bigint PRIMARY KEY, name text NOT NULL);\n"
CRUD = "version: 1\npackage: shop_db\nentities:\n  item:\n    operations: [get, list]\n"


def dbgen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "dbgen", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def spec(tmp_path: Path, sql: str, toml: str | None = None) -> Path:
    d = tmp_path / "specs"
    d.mkdir()
    (d / "schema.sql").write_text(sql)
    (d / "crud.yaml").write_text(CRUD)
    if toml is not None:
        (d / "dbgen.toml").write_text(toml)
    return d


# -- the setting --------------------------------------------------------------------------


def test_default_is_postgresql(tmp_path: Path) -> None:
    config, diags = load_config(spec(tmp_path, PG_SCHEMA), tmp_path)
    assert diags == ()
    assert config.dialect == "postgresql"
    assert "the default" in config.dialect_setting


def test_a_registered_dialect_is_taken_with_where_it_was_set(tmp_path: Path) -> None:
    for name in DIALECTS:
        d = tmp_path / name
        d.mkdir()
        (d / "dbgen.toml").write_text(f'out = "gen"\ndialect = "{name}"\n')
        config, diags = load_config(d, tmp_path)
        assert diags == ()
        assert config.dialect == name
        assert config.dialect_setting == f'dialect = "{name}" in {d / "dbgen.toml"}'


def test_pyprojects_tool_dbgen_section_sets_it_too(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.dbgen]\ndialect = "postgresql"\n')
    config, diags = load_config(tmp_path / "nowhere", tmp_path)
    assert diags == () and config.dialect == "postgresql"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"oracle"', "unknown dialect 'oracle' (known: 'postgresql', 'mysql', 'sqlite')"),
        ('"PostgreSQL"', "unknown dialect 'PostgreSQL'"),
        ("3", "'dialect' must be a string"),
    ],
)
def test_an_unknown_value_is_a_config_error_at_its_line(
    tmp_path: Path, value: str, expected: str
) -> None:
    (tmp_path / "dbgen.toml").write_text(f'out = "gen"\n\n  dialect = {value}\n')
    _, diags = load_config(tmp_path, tmp_path)
    assert len(diags) == 1 and diags[0].is_error, diags
    assert str(diags[0].span) == f"{tmp_path / 'dbgen.toml'}:3:3"
    assert expected in diags[0].message


def test_a_known_dialect_without_a_module_is_refused_clearly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Whichever dialect is not registered (all may be, one day): take one out to see.
    monkeypatch.setattr(dialects, "DIALECTS", {"postgresql": DIALECTS["postgresql"]})
    for name in KNOWN_DIALECTS:
        if name == "postgresql":
            assert dialect_problem(name) is None
            continue
        problem = dialect_problem(name)
        assert problem is not None
        assert "not supported by this dbgen yet" in problem and f'"{name}"' in problem
        (tmp_path / "dbgen.toml").write_text(f'dialect = "{name}"\n')
        _, diags = load_config(tmp_path, tmp_path)
        assert [d.message for d in diags] == [problem]


def test_the_cli_refuses_an_unknown_dialect_with_exit_2(tmp_path: Path) -> None:
    d = spec(tmp_path, PG_SCHEMA, 'dialect = "oracle"\n')
    for command in ("build", "check", "diff", "inspect", "verify"):
        proc = dbgen(command, str(d), cwd=tmp_path)
        assert proc.returncode == 2, (command, proc.stderr)
        assert "dbgen.toml:1:1: error[config]: unknown dialect 'oracle'" in proc.stderr, command
    assert not (tmp_path / "generated").exists()
    proc = dbgen("scaffold", str(d / "schema.sql"), "--dialect", "oracle", cwd=tmp_path)
    assert proc.returncode == 2 and "--dialect:1:1: error[invalid-dialect]" in proc.stderr


# -- obviously another dialect ------------------------------------------------------------

MYSQL = "CREATE TABLE `item` (\n  id int NOT NULL AUTO_INCREMENT PRIMARY KEY\n) ENGINE=InnoDB;\n"
SQLITE = "CREATE TABLE item (\n  id INTEGER PRIMARY KEY AUTOINCREMENT\n) STRICT;\n"


def test_a_mysql_file_under_postgresql_is_reported_where_it_shows(tmp_path: Path) -> None:
    d = spec(tmp_path, "-- `not this` in a comment\n" + MYSQL)
    proc = dbgen("build", str(d), cwd=tmp_path)
    assert proc.returncode == 2
    assert "specs/schema.sql:2:14: error[wrong-dialect]: a backtick-quoted name" in proc.stderr
    assert 'dialect = "postgresql" (the default' in proc.stderr
    assert 'set dialect = "mysql"' in proc.stderr
    assert not (tmp_path / "generated").exists()


def test_a_sqlite_file_under_an_explicit_postgresql_setting(tmp_path: Path) -> None:
    d = spec(tmp_path, SQLITE, 'dialect = "postgresql"\n')
    for command in ("build", "check", "inspect"):
        proc = dbgen(command, str(d), cwd=tmp_path)
        assert proc.returncode == 2, command
        assert "schema.sql:2:26: error[wrong-dialect]: AUTOINCREMENT" in proc.stderr, command
        assert f'dialect = "postgresql" in {d / "dbgen.toml"}' in proc.stderr
    proc = dbgen("scaffold", str(d / "schema.sql"), cwd=tmp_path)
    assert proc.returncode == 2 and "error[wrong-dialect]" in proc.stderr
    proc = dbgen("scaffold", str(d / "schema.sql"), "--dialect", "postgresql", cwd=tmp_path)
    assert proc.returncode == 2 and "--dialect postgresql chooses PostgreSQL" in proc.stderr


def test_one_error_per_file_at_its_first_marker() -> None:
    diags = wrong_dialect(
        [("a.sql", PG_SCHEMA), ("b.sql", MYSQL), ("c.sql", SQLITE)], "postgresql", "x"
    )
    assert [str(d.span) for d in diags] == ["b.sql:1:14", "c.sql:2:26"]
    assert read_schema(get_dialect(), [("b.sql", MYSQL)])[0] is None


@pytest.mark.parametrize(
    "text",
    [
        "-- ENGINE=InnoDB `x` AUTOINCREMENT ::\nSELECT 1;",
        "/* WITHOUT ROWID ENGINE = x */ SELECT 1;",
        "SELECT 'it''s `quoted` AUTO_INCREMENT ::text';",
        'CREATE TABLE "AUTOINCREMENT" ("ENGINE=" int);',
        "CREATE FUNCTION f() RETURNS int AS $$ SELECT `x` -- ENGINE=1\n$$ LANGUAGE sql STRICT;",
        "CREATE TABLE t (strict int, without_rowid int, pragma int);",
        "SELECT x FROM t WHERE y = E'\\' ENGINE=';",
    ],
)
def test_what_comments_literals_and_names_hold_does_not_count(text: str) -> None:
    assert find_marker(text, "postgresql") is None


@pytest.mark.parametrize("marker", MARKERS, ids=lambda m: f"{m.dialect}:{m.what}")
def test_every_marker_is_found_under_the_dialects_that_refuse_it(marker: object) -> None:
    examples = {
        "a backtick-quoted name": "CREATE TABLE `t` (id int);",
        "a version comment (/*!...*/)": "/*!40101 SET NAMES utf8 */;",
        "the ENGINE= table option": "CREATE TABLE t (id int) ENGINE=InnoDB;",
        "AUTO_INCREMENT": "CREATE TABLE t (id int AUTO_INCREMENT);",
        "a DELIMITER line": "DELIMITER //\nCREATE PROCEDURE p() BEGIN END //",
        "AUTOINCREMENT": "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);",
        "WITHOUT ROWID": "CREATE TABLE t (id int PRIMARY KEY) WITHOUT ROWID;",
        "a STRICT table": "CREATE TABLE t (id int PRIMARY KEY) STRICT;",
        "a PRAGMA": "PRAGMA foreign_keys = ON;",
        "CREATE VIRTUAL TABLE": "CREATE VIRTUAL TABLE d USING fts5(body);",
        "a [bracket]-quoted name": "CREATE TABLE [t] ([id] int);",
        "a :: cast": "CREATE TABLE t (d text DEFAULT 'x'::text);",
        "a dollar-quoted body": "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1 $body$;",
        "CREATE EXTENSION": "CREATE EXTENSION citext;",
        "CREATE TYPE": "CREATE TYPE mood AS ENUM ('a');",
        "CREATE DOMAIN": "CREATE DOMAIN d AS text;",
        "OWNER TO": "ALTER TABLE t OWNER TO app;",
        "SET search_path": "SET search_path = app;",
        "a pg_catalog name": "SELECT pg_catalog.set_config('x', '', false);",
    }
    m = marker
    assert hasattr(m, "what") and hasattr(m, "accepted_by") and hasattr(m, "dialect")
    text = examples[m.what]
    for dialect in KNOWN_DIALECTS:
        hit = find_marker(text, dialect)
        if dialect in m.accepted_by:
            assert hit is None or hit[1].dialect != m.dialect or hit[1] is not m, dialect
        else:
            assert hit is not None and hit[1] is m, (dialect, hit)


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("corpus", "dialect"),
    [("corpus", "postgresql"), ("corpus-mysql", "mysql"), ("corpus-sqlite", "sqlite")],
)
def test_each_corpus_reads_as_its_own_dialect_and_no_other(corpus: str, dialect: str) -> None:
    """The real-world schemas: never flagged under their own dialect; under another, flagged
    unless nothing in them is another dialect's (plain SQL such as chinook's)."""
    root = require_shared(corpus)
    files = sorted(root.glob("*/*.sql"))
    assert files
    flagged = {d: 0 for d in KNOWN_DIALECTS}
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert find_marker(text, dialect) is None, path
        for other in KNOWN_DIALECTS:
            if other != dialect and find_marker(text, other) is not None:
                flagged[other] += 1
    assert all(n >= len(files) // 2 for d, n in flagged.items() if d != dialect), flagged


def test_the_demo_is_postgresql() -> None:
    for path in sorted((REPO_ROOT / "specs").glob("*.sql")):
        assert find_marker(path.read_text(), "postgresql") is None


SQLITE_OK = "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT;\n"


def test_every_command_reads_the_sqlite_setting(tmp_path: Path) -> None:
    d = spec(tmp_path, SQLITE_OK, 'dialect = "sqlite"\n')
    proc = dbgen("build", str(d), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "sqlite+aiosqlite" in (tmp_path / "generated" / "shop_db" / "_dialect.py").read_text()
    for command in ("check", "diff"):
        assert dbgen(command, str(d), cwd=tmp_path).returncode == 0, command
    proc = dbgen("inspect", str(d), cwd=tmp_path)
    assert proc.returncode == 0 and '"sql": "INTEGER"' in proc.stdout
    proc = dbgen("verify", str(d), cwd=tmp_path)  # two scratch files: no server, no URL
    assert proc.returncode == 0 and "rebuilds specs exactly" in proc.stdout, proc.stderr
    # scaffold takes the dbgen.toml beside the schema, and --dialect over it
    proc = dbgen("scaffold", str(d / "schema.sql"), cwd=tmp_path)
    assert proc.returncode == 0 and "item:" in proc.stdout, proc.stderr
    proc = dbgen("scaffold", str(d / "schema.sql"), "--dialect", "postgresql", cwd=tmp_path)
    assert proc.returncode == 2 and "a STRICT table" in proc.stderr


def test_a_postgresql_file_under_the_sqlite_setting(tmp_path: Path) -> None:
    d = spec(
        tmp_path,
        "CREATE TABLE item (id bigint PRIMARY KEY, d text DEFAULT 'x'::text);\n",
        'dialect = "sqlite"\n',
    )
    proc = dbgen("build", str(d), cwd=tmp_path)
    assert proc.returncode == 2
    assert "schema.sql:1:61: error[wrong-dialect]: a :: cast" in proc.stderr, proc.stderr
    assert 'chooses SQLite; set dialect = "postgresql"' in proc.stderr

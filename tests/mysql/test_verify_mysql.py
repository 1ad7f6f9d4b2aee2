"""`dbgen verify` on a mysql spec: the schema loaded by the mariadb client into one scratch
database, the generated revision migrated into another, both compared through
information_schema and SHOW CREATE. The corpus (``$DBGEN_SHARED_DIR``) and the server are found
as in test_corpus_mysql.py; without MariaDB the tests skip, and fail under CI=true."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dbgen.core import generate, read_inputs
from dbgen.mysql.verify import _KEY_LINE, _name, verify
from support import require_shared
from support.mariadb import MariaDb, require_mariadb

CASES = Path(__file__).parent / "cases"
DEMO = CASES.parent.parent / "golden" / "cases" / "demo_mysql"
CORPUS = [
    "chinook",
    "employees",
    "friendica",
    "guacamole",
    "kanboard",
    "powerdns",
    "roundcube",
    "sakila",
]


def _dbgen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DBGEN_VERIFY_URL")}
    return subprocess.run(
        [sys.executable, "-m", "dbgen", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def _spec(schema: Path, tmp_path: Path, package: str) -> Path:
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "schema.sql").write_bytes(schema.read_bytes())
    (spec / "dbgen.toml").write_text('dialect = "mysql"\n', encoding="utf-8")
    scaffold = _dbgen(
        "scaffold", "schema.sql", "--out", "crud.yaml", "--package", package, cwd=spec
    )
    assert scaffold.returncode == 0, scaffold.stderr
    return spec


def _scratch(server: MariaDb) -> set[str]:
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW DATABASES LIKE 'dbgen\\_verify\\_%'")
            return {r[0] for r in cur.fetchall()}
    finally:
        conn.close()


def _verify_cli(spec: Path, url: str) -> subprocess.CompletedProcess[str]:
    return _dbgen("verify", ".", "--database-url", url, cwd=spec)


@pytest.mark.corpus
@pytest.mark.parametrize("name", CORPUS)
def test_corpus_schema_verifies(name: str, tmp_path: Path) -> None:
    schema = require_shared(f"corpus-mysql/{name}/schema.sql")
    server = require_mariadb()
    spec = _spec(schema, tmp_path, f"{name}_db")
    proc = _verify_cli(spec, server.url(""))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-3000:]
    assert "dbgen: verify: the migration rebuilds . exactly" in proc.stdout


@pytest.mark.parametrize(
    "schema", [CASES / "features.sql", DEMO / "schema.sql"], ids=lambda p: p.parent.name
)
def test_own_cases_verify(schema: Path, tmp_path: Path) -> None:
    server = require_mariadb()
    proc = _verify_cli(_spec(schema, tmp_path, "case_db"), server.url(""))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-3000:]


def test_string_escapes_come_back_as_written(tmp_path: Path) -> None:
    """Comments and defaults with every kind of escape: \\% and \\_ keep their backslash (the
    reader once dropped it, and the migrated comment lost it), doubled quotes of both kinds."""
    server = require_mariadb()
    schema = tmp_path / "escapes.sql"
    schema.write_text(
        "CREATE TABLE t (\n"
        "  id int NOT NULL PRIMARY KEY,\n"
        "  a varchar(40) DEFAULT 'x\\%y\\_z\\\\w''q\\\"'"
        " COMMENT 'it''s \\\"q\\\" a\\\\b\\n\\% \\_ \\Z',\n"
        '  b varchar(10) DEFAULT "d""q" COMMENT "say ""hi"" \'x\'"\n'
        ") ENGINE=InnoDB COMMENT='t\\%able';\n"
    )
    proc = _verify_cli(_spec(schema, tmp_path, "esc_db"), server.url(""))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-3000:]


def _files(spec: Path) -> dict[str, str]:
    cwd = os.getcwd()
    os.chdir(spec)
    try:
        inputs, _ = read_inputs(Path("."))
        assert inputs is not None
        result = generate(inputs, dialect="mysql")
    finally:
        os.chdir(cwd)
    assert result.ok, result.diagnostics
    return result.files


def _tamper(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"tamper target moved: {old!r}"
    return text.replace(old, new)


def test_a_broken_revision_is_caught(tmp_path: Path) -> None:
    """A revision edited by hand (or generated wrong): each change shows up by name."""
    from sqlalchemy.engine import make_url

    server = require_mariadb()
    spec = _spec(CASES / "features.sql", tmp_path, "features_db")
    files = _files(spec)
    [revision] = [p for p in files if "/versions/" in p and p.endswith("_initial.py")]
    text = files[revision]
    for old, new in (
        # a dropped column
        (
            '        sa.Column("ratio", mysql.DOUBLE(asdecimal=False), server_default=sa.text("NULL")),\n',
            "",
        ),
        # a changed default
        ("server_default=sa.text(\"'1'\"),", "server_default=sa.text(\"'2'\"),"),
        # a missing index
        ('    op.execute(sa.text("CREATE INDEX `ix_placed` ON `orders` (`placed`)"))\n', ""),
        # ON UPDATE lost
        (
            'RawType("timestamp NULL ON UPDATE current_timestamp()")',
            'RawType("timestamp NULL")',
        ),
        # a table option changed
        ('mysql_row_format="DYNAMIC"', 'mysql_row_format="COMPACT"'),
        # a foreign key's action
        ('ondelete="SET NULL"', 'ondelete="CASCADE"'),
        # an index's prefix length
        ("(`code`(8))", "(`code`(6))"),
    ):
        text = _tamper(text, old, new)
    schema = spec / "schema.sql"
    url = make_url(server.url(""))
    assert verify(url, [schema], files) == []
    diffs = [str(d) for d in verify(url, [schema], {**files, revision: text})]
    expected = [
        "missing: column `order line`.ratio",
        "differs: column `order line`.qty default: source '1', migration '2'",
        "missing: index orders.ix_placed",
        "differs: column `order line`.touched attributes: source 'on update current_timestamp()', "
        "migration (unset)",
        "differs: index `order line`.ix_code key parts: source 'code(8)', migration 'code(6)'",
        "differs: foreign key audit.fk_audit_line on delete: source 'SET NULL', "
        "migration 'CASCADE'",
    ]
    for line in expected:
        assert line in diffs, "\n".join(diffs)
    # the column after the dropped one moved up; the row format is in the table's options
    assert any(d.startswith("differs: column `order line`.active position:") for d in diffs)
    assert any(
        d.startswith("differs: table `order line` options:") and "ROW_FORMAT=COMPACT" in d
        for d in diffs
    ), "\n".join(diffs)


def test_counters_of_seeded_tables_are_not_schema(tmp_path: Path) -> None:
    """icinga, kamailio and tt-rss INSERT seed rows: the source's counter moved past them, and
    verify reported the table's options as different. A seeded table's counter is data; an
    empty table's (AUTO_INCREMENT=N declared, or none) is compared, and a change shows."""
    from sqlalchemy.engine import make_url

    server = require_mariadb()
    schema = tmp_path / "seeded.sql"
    schema.write_text(
        "CREATE TABLE seeded (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(20))"
        " ENGINE=InnoDB;\n"
        "INSERT INTO seeded (name) VALUES ('a'), ('b'), ('c');\n"
        "CREATE TABLE started (id int NOT NULL AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB"
        " AUTO_INCREMENT=1000;\n"
        "CREATE TABLE seeded_started (id int NOT NULL AUTO_INCREMENT PRIMARY KEY)"
        " ENGINE=InnoDB AUTO_INCREMENT=50;\n"
        "INSERT INTO seeded_started VALUES (NULL), (NULL);\n"
        "CREATE TABLE plain (id int NOT NULL AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;\n"
    )
    spec = _spec(schema, tmp_path, "seeded_db")
    proc = _verify_cli(spec, server.url(""))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-3000:]
    files = _files(spec)
    [revision] = [p for p in files if "/versions/" in p and p.endswith("_initial.py")]
    text = _tamper(files[revision], 'mysql_auto_increment="1000"', 'mysql_auto_increment="7"')
    diffs = [str(d) for d in verify(make_url(server.url("")), [schema], {**files, revision: text})]
    assert len(diffs) == 1 and diffs[0].startswith("differs: table started options:"), diffs
    assert "AUTO_INCREMENT=1000" in diffs[0] and "AUTO_INCREMENT=7" in diffs[0], diffs


def test_cli_exit_codes_and_cleanup(tmp_path: Path) -> None:
    server = require_mariadb()
    spec = _spec(DEMO / "schema.sql", tmp_path, "app_db")
    before = _scratch(server)
    assert _verify_cli(spec, server.url("")).returncode == 0
    # A URL of another database system, and none at all, are usage errors.
    wrong = _verify_cli(spec, "postgresql://postgres@127.0.0.1:5432/postgres")
    assert wrong.returncode == 2 and "error[invalid-url]" in wrong.stderr, wrong.stderr
    assert "a mysql:// or mariadb:// URL is needed" in wrong.stderr
    none = _dbgen("verify", ".", cwd=spec)
    assert none.returncode == 2 and "verify needs a server: pass --database-url mysql://" in (
        none.stderr
    )
    # A server that refuses us is bad input too (exit 2), not a traceback.
    refused = _verify_cli(spec, f"mysql://no_such_user_dbgen@{server.host}:{server.port}/")
    assert refused.returncode == 2 and "dbgen: verify:" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    # A schema the server does not load: exit 2, the client's message, no scratch database left.
    (spec / "schema.sql").write_text(
        (spec / "schema.sql").read_text() + "\nCREATE TABLE nope (x int REFERENCES);\n"
    )
    (spec / "extra.sql").write_text("CREATE TABLE twice (x int);\nCREATE TABLE twice (x int);\n")
    bad = _verify_cli(spec, server.url(""))
    assert bad.returncode == 2, bad.stdout + bad.stderr
    assert _scratch(server) <= before, "verify left a scratch database behind"


def test_a_difference_is_exit_1(tmp_path: Path) -> None:
    """What the reader leaves out on purpose still shows: a CALL is not schema (warned and
    skipped), but the procedure it calls made a table when the client loaded the file."""
    server = require_mariadb()
    schema = tmp_path / "made.sql"
    schema.write_text(
        "CREATE TABLE kept (id int NOT NULL PRIMARY KEY);\n"
        "DELIMITER ;;\n"
        "CREATE PROCEDURE make_one() BEGIN CREATE TABLE made_by_call (id int); END;;\n"
        "DELIMITER ;\n"
        "CALL make_one();\n"
    )
    spec = _spec(schema, tmp_path, "made_db")
    proc = _verify_cli(spec, server.url(""))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        "missing: column made_by_call.id",
        "missing: table made_by_call",
    ], proc.stdout
    assert "dbgen: verify: 2 differences between the schema and the migration" in proc.stderr


def test_identities_and_key_lines() -> None:
    assert _name("order line", "id") == "`order line`.id"
    assert _name("t", "a`b") == "t.`a``b`"
    line = "  UNIQUE KEY `uq` (`a`(10),`b` DESC) USING HASH COMMENT 'x, y',"
    key = _KEY_LINE.fullmatch(line)
    assert key is not None
    assert key.group("name") == "uq" and key.group("options") == " USING HASH COMMENT 'x, y'"
    primary = _KEY_LINE.fullmatch("  PRIMARY KEY (`id`)")
    assert primary is not None and primary.group("name") is None
    assert _KEY_LINE.fullmatch("  `id` int(11) NOT NULL,") is None


@pytest.fixture(autouse=True)
def _own_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DBGEN_CACHE_DIR", str(tmp_path / "cache"))

"""The MySQL corpus (../shared/corpus-mysql, 8 real-world schemas): each one scaffolds, builds
with ``dialect = "mysql"``, imports and configures its mappers, and its initial revision
rebuilds the schema on MariaDB so that ../shared/tools/mysql-roundtrip reports nothing missing
or extra, and its downgrade leaves nothing behind; then `alembic check` on a database at head
finds nothing to do (the models agree with what the migration built).

The corpus and the tool are found through ``$DBGEN_SHARED_DIR`` (skip without them, fail under
CI=true), the server as in support/mariadb.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import black
import pytest

from support import require_shared
from support.mariadb import mysql_database, require_mariadb

pytestmark = pytest.mark.corpus

SCHEMAS = [
    "chinook",
    "employees",
    "friendica",
    "guacamole",
    "kanboard",
    "powerdns",
    "roundcube",
    "sakila",
]

_IMPORT_ALL = """
import importlib, pkgutil, sys, warnings
warnings.simplefilter("error")
import sqlalchemy.orm
pkg = importlib.import_module(sys.argv[1])
names = [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")
         if ".migrations" not in m.name]
for name in names:
    importlib.import_module(name)
sqlalchemy.orm.configure_mappers()
print(len(names))
"""


def _dbgen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dbgen", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _ok(proc: subprocess.CompletedProcess[str], what: str) -> None:
    assert proc.returncode == 0, (
        f"{what} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )


def build(schema: Path, tmp_path: Path, package: str) -> Path:
    """``dbgen scaffold --dialect mysql`` and ``dbgen build`` of a spec directory whose
    dbgen.toml says ``dialect = "mysql"``; the output directory."""
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "schema.sql").write_bytes(schema.read_bytes())
    (spec / "dbgen.toml").write_text('dialect = "mysql"\nout = "../out"\n', encoding="utf-8")
    _ok(
        _dbgen(
            "scaffold",
            "--dialect",
            "mysql",
            "schema.sql",
            "--out",
            "crud.yaml",
            "--package",
            package,
            cwd=spec,
        ),
        "scaffold",
    )
    _ok(_dbgen("build", str(spec), cwd=tmp_path), "dbgen build")
    out = tmp_path / "out"
    mode = black.Mode(line_length=100, target_versions={black.TargetVersion.PY311})
    for path in sorted(out.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert black.format_str(text, mode=mode) == text, f"black would change {path}"
    return out


@pytest.mark.parametrize("name", SCHEMAS)
def test_mysql_corpus_schema(name: str, tmp_path: Path) -> None:
    check_schema(require_shared(f"corpus-mysql/{name}/schema.sql"), tmp_path, f"{name}_db")


def test_mysql_feature_case(tmp_path: Path) -> None:
    """Our own schema with what the corpus lacks: generated columns, SPATIAL, CHECK (column and
    table, named and not), partitions (inline and by ALTER), INVISIBLE, ON UPDATE without a
    default, prefix and DESC keys, index comments, unnamed keys added later, a MEMORY table, a
    trigger in version comments, a function and a procedure in DELIMITER blocks, views over
    views."""
    check_schema(CASES / "features.sql", tmp_path, "features_db")


def test_mysql_demo_schema(tmp_path: Path) -> None:
    """The MySQL variant of the demo (the golden case demo_mysql): ENUMs, uuid() defaults,
    FULLTEXT, CHECKs, a key added later, a view."""
    check_schema(
        CASES.parent.parent / "golden" / "cases" / "demo_mysql" / "schema.sql", tmp_path, "app_db"
    )


CASES = Path(__file__).parent / "cases"

# Neighbours of what `alembic check` compared differently from the schema: the server's name
# for utf8 (utf8mb3) in a column's charset and collation, descending keys (reflected as plain
# columns), and other databases on the server (never compared).
NEIGHBOURS = {
    "utf8_columns": (
        "CREATE TABLE t (id int NOT NULL, a varchar(40) CHARACTER SET 'utf8' DEFAULT NULL,\n"
        "  b text CHARACTER SET utf8 COLLATE utf8_bin NOT NULL,\n"
        "  c char(3) CHARSET UTF8 COLLATE UTF8_UNICODE_CI, d enum('x','y') CHARACTER SET utf8,\n"
        "  e varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,\n"
        "  PRIMARY KEY (id)) ENGINE=InnoDB DEFAULT CHARSET=latin1;"
    ),
    # A column's REFERENCES is a foreign key on MariaDB (tt-rss), numbered with the table's
    # other unnamed ones; ALTER ... ADD COLUMN with one carries on the count.
    "column_references": (
        "CREATE TABLE p (id int NOT NULL PRIMARY KEY, code varchar(5) NOT NULL UNIQUE);\n"
        "CREATE TABLE c (id int NOT NULL PRIMARY KEY,\n"
        "  b int REFERENCES p(id) ON DELETE SET NULL,\n"
        "  CONSTRAINT c_b FOREIGN KEY (b) REFERENCES p (id),\n"
        "  c varchar(5) UNIQUE REFERENCES p (code) ON UPDATE CASCADE,\n"
        "  INDEX (b)) ENGINE=InnoDB;\n"
        "ALTER TABLE c ADD COLUMN e int REFERENCES p (id) ON DELETE CASCADE;"
    ),
    # The server drops a primary key's name (gammu-smsd) and a key prefix as long as its
    # column (ejabberd's `server_host(191)` on a varchar(191)).
    "full_length_prefixes_and_key_names": (
        "CREATE TABLE t (a varchar(191) NOT NULL, b varbinary(8), c char(4) NOT NULL,\n"
        "  d text, PRIMARY KEY `a` (a(191), c), KEY kb (b(8)), UNIQUE KEY kc (c(4)),\n"
        "  KEY kd (d(10), a(191))) ENGINE=InnoDB;"
    ),
    # cacti's `PRIMARY KEY (pid(75))`, ejabberd's USING BTREE / USING HASH on the key, a key
    # added by ALTER TABLE, and an AUTO_INCREMENT column whose key has a prefix after it.
    "primary_key_prefixes_and_using": (
        "CREATE TABLE settings (pid varchar(255) NOT NULL, v text,\n"
        "  PRIMARY KEY (pid(75))) ENGINE=InnoDB;\n"
        "CREATE TABLE sess (host varchar(191) NOT NULL, name varchar(191) NOT NULL,\n"
        "  PRIMARY KEY (host(20), name) USING BTREE) ENGINE=InnoDB;\n"
        "CREATE TABLE hashed (a int NOT NULL, b varchar(40) NOT NULL,\n"
        "  PRIMARY KEY USING HASH (a, b)) ENGINE=InnoDB;\n"
        "CREATE TABLE counted (id int NOT NULL AUTO_INCREMENT, tag varchar(100) NOT NULL,\n"
        "  PRIMARY KEY (id, tag(10))) ENGINE=InnoDB;\n"
        "CREATE TABLE later (k text NOT NULL, x int) ENGINE=InnoDB;\n"
        "ALTER TABLE later ADD PRIMARY KEY (k(12)) USING BTREE;\n"
        "CREATE TABLE uses (id int NOT NULL PRIMARY KEY, pid varchar(255),\n"
        "  KEY uses_pid (pid(75)), FOREIGN KEY (id) REFERENCES counted (id)) ENGINE=InnoDB;"
    ),
    # ZoneMinder's triggers.sql: statements sharing one `//` chunk (3 triggers were lost)
    "statements_sharing_a_delimiter_chunk": (
        "CREATE TABLE m (id int NOT NULL PRIMARY KEY, n int DEFAULT 0, d bigint DEFAULT 0)"
        " ENGINE=InnoDB;\n"
        "CREATE TABLE e (id int NOT NULL PRIMARY KEY, mid int, d bigint) ENGINE=InnoDB;\n"
        "delimiter //\n"
        "DROP TRIGGER IF EXISTS e_ins//\n"
        "CREATE TRIGGER e_ins AFTER INSERT ON e FOR EACH ROW BEGIN\n"
        "  UPDATE m SET n = COALESCE(n,0)+1 WHERE id=NEW.mid; END;\n//\n"
        "DROP TRIGGER IF EXISTS e_upd;\n"
        "CREATE TRIGGER e_upd AFTER UPDATE ON e\nFOR EACH ROW\n  BEGIN\n"
        "    declare diff BIGINT default 0;\n"
        "    set diff = COALESCE(NEW.d,0) - COALESCE(OLD.d,0);\n"
        "    IF ( diff ) THEN\n"
        "      IF ( NEW.mid != OLD.mid ) THEN\n"
        "        UPDATE m SET d = GREATEST(COALESCE(d,0) - COALESCE(OLD.d,0), 0)"
        " WHERE id = OLD.mid;\n"
        "      ELSE\n"
        "        UPDATE m SET d = IF(d > 0, d + diff, diff) WHERE id = NEW.mid;\n"
        "      END IF;\n"
        "    END IF;\n"
        "  END;\n//\n"
        "DROP TRIGGER IF EXISTS e_del; CREATE TRIGGER e_del BEFORE DELETE ON e FOR EACH ROW\n"
        "  UPDATE m SET n = GREATEST(COALESCE(n,1)-1,0) WHERE id=OLD.mid//\n"
        "DROP VIEW IF EXISTS v1, v2; CREATE VIEW v1 AS SELECT id FROM m//\n"
        "DELIMITER ;\n"
    ),
    "descending_keys": (
        "CREATE TABLE t (id int NOT NULL, a datetime(6) NOT NULL, b int, c varchar(20),\n"
        "  PRIMARY KEY (id), KEY t_a (a DESC), KEY t_b_a (b, a DESC), UNIQUE KEY t_c (c DESC),\n"
        "  KEY t_c_prefix (c(5) DESC)) ENGINE=InnoDB;"
    ),
}


@pytest.mark.parametrize("name", sorted(NEIGHBOURS))
def test_mysql_neighbours(name: str, tmp_path: Path) -> None:
    schema = tmp_path / f"{name}.sql"
    schema.write_text(NEIGHBOURS[name], encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    check_schema(schema, work, f"{name}_db")


def check_schema(schema: Path, tmp_path: Path, package: str) -> None:
    roundtrip = require_shared("tools/mysql-roundtrip")
    server = require_mariadb()
    out = build(schema, tmp_path, package)

    imported = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, package],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert imported.returncode == 0, imported.stderr[-4000:]

    # alembic upgrade head through the generated env.py (aiomysql), downgrade base after
    alembic = [sys.executable, "-m", "alembic", "-c", str(out / "alembic.ini")]
    proc = subprocess.run(
        [
            sys.executable,
            str(roundtrip),
            "--downgrade",
            " ".join([*alembic, "downgrade", "base"]),
            str(schema),
            "--",
            *alembic,
            "upgrade",
            "head",
        ],
        cwd=out,
        env=server.env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    assert proc.returncode == 0 and " 0 missing, 0 extra" in last and "FAILED" not in last, (
        f"{last}\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    )

    # The models agree with the migrated database (as the PostgreSQL corpus test checks):
    # alembic check on a database at head, the one DATABASE_URL names and no other.
    with mysql_database(server, "dbgen_check") as database:
        env = {
            **server.env(),
            "DATABASE_URL": server.url(database, "aiomysql"),
            "DATABASE_URL_SYNC": server.url(database),
        }
        for step in ("upgrade", "check"):
            args = [*alembic, step, *(["head"] if step == "upgrade" else [])]
            done = subprocess.run(
                args, cwd=out, env=env, capture_output=True, text=True, check=False, timeout=900
            )
            assert done.returncode == 0, f"alembic {step}:\n{done.stderr[-4000:]}"
        assert "No new upgrade operations detected" in done.stdout + done.stderr

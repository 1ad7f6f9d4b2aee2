"""Day two on the demo, against a real PostgreSQL: deploy, edit the schema, build, upgrade.

The README's workflow, step by step: the first revision is deployed and holds rows; an added
column and a declared rename become one new revision chained to it; the deployed database
upgrades with every row kept, Alembic's own comparison finds nothing left to do, and the
downgrade brings the old shape (and the renamed column's values) back. Then adopting a database
that was never migrated: build from its dump, `alembic stamp head`, evolve.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO_ROOT, FreshDb, psql

BIN = Path(sys.executable).parent
VERSIONS = "generated/app_db/migrations/versions"


def dbgen(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dbgen", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def alembic(out: Path, db: FreshDb, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=db.async_url)
    return subprocess.run(
        [str(BIN / "alembic"), "-c", str(out / "alembic.ini"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc


def query(db: FreshDb, sql: str) -> list[str]:
    return psql(db.dsn, "-Atc", sql).stdout.splitlines()


def files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(REPO_ROOT / "specs", tmp_path / "specs")
    return tmp_path


def test_day_two_edit_build_upgrade_keeps_rows(project: Path, fresh_db: FreshDb) -> None:
    out = project / "generated"
    ok(dbgen(project, "build", "specs"))
    first = files(project / VERSIONS)
    assert sorted(first) == [n for n in sorted(first) if n.endswith(("_initial.py", ".diff"))]
    ok(alembic(out, fresh_db, "upgrade", "head"))
    psql(
        fresh_db.dsn,
        "-c",
        "INSERT INTO users (email, display_name) VALUES ('ann@example.org', 'Ann'), "
        "('bob@example.org', 'Bob');"
        "INSERT INTO user_profiles (user_id, avatar_url) "
        "SELECT id, 'https://img/' || display_name FROM users;",
    )

    # The edit: one added column, one declared rename.
    schema = project / "specs" / "schema.sql"
    text = schema.read_text()
    assert "    avatar_url  text,\n" in text
    text = text.replace(
        "    last_login_at timestamptz,\n", "    last_login_at timestamptz,\n    nickname text,\n"
    )
    schema.write_text(text.replace("    avatar_url  text,\n", "    avatar_uri  text,\n"))
    (project / "specs" / "dbgen.toml").write_text(
        '[renames]\ncolumns = { "user_profiles.avatar_url" = "avatar_uri" }\n'
    )
    initial_rev = next(n for n in first if n.endswith(".py")).split("_")[0]
    check = dbgen(project, "check", "specs")
    assert check.returncode == 1
    assert f"schema changed since revision {initial_rev}: run dbgen build" in check.stderr
    diff = dbgen(project, "diff", "specs")
    assert diff.returncode == 1
    assert "+++ b/app_db/migrations/versions/" in diff.stdout
    assert "RENAME COLUMN avatar_url TO avatar_uri" in diff.stdout

    built = ok(dbgen(project, "build", "specs"))
    assert "dbgen: revision adds " in built.stdout
    assert "hazards:" in built.stdout
    after = files(project / VERSIONS)
    assert {n: after[n] for n in first} == first, "the deployed revision was rewritten"
    (new_py,) = [n for n in after if n not in first and n.endswith(".py")]
    assert f'down_revision: str | Sequence[str] | None = "{initial_rev}"' in after[new_py].decode()
    assert "DROP COLUMN avatar_url" not in after[new_py].decode()
    ok(dbgen(project, "check", "specs"))

    ok(alembic(out, fresh_db, "upgrade", "head"))
    assert query(fresh_db, "SELECT count(*) FROM users") == ["2"]
    assert query(fresh_db, "SELECT avatar_uri FROM user_profiles ORDER BY 1") == [
        "https://img/Ann",
        "https://img/Bob",
    ]
    assert query(fresh_db, "SELECT count(nickname) FROM users") == ["0"]
    ok(alembic(out, fresh_db, "check"))  # the models agree with the upgraded database

    ok(alembic(out, fresh_db, "downgrade", "-1"))
    assert query(fresh_db, "SELECT avatar_url FROM user_profiles ORDER BY 1") == [
        "https://img/Ann",
        "https://img/Bob",
    ]
    assert query(
        fresh_db,
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' "
        "AND column_name = 'nickname'",
    ) == ["0"]
    ok(alembic(out, fresh_db, "upgrade", "head"))

    # A second build of the same tree changes nothing; the history is an input.
    again = ok(dbgen(project, "build", "specs"))
    assert "up to date" in again.stdout
    assert files(project / VERSIONS) == after


def test_adopting_an_existing_database(project: Path, fresh_db: FreshDb) -> None:
    # A database that was built without migrations: its schema is all there is.
    psql(fresh_db.dsn, "-q", "-f", str(REPO_ROOT / "specs" / "schema.sql"))
    psql(fresh_db.dsn, "-c", "INSERT INTO tags (name) VALUES ('urgent');")
    spec = project / "adopted"
    spec.mkdir()
    dump = subprocess.run(
        ["pg_dump", "--schema-only", "--no-owner", "--no-privileges", fresh_db.dsn],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (spec / "schema.sql").write_text(dump)
    (spec / "crud.yaml").write_text("version: 1\npackage: app_db\nentities: {}\n")
    ok(dbgen(project, "build", "adopted"))
    out = project / "generated"
    ok(alembic(out, fresh_db, "stamp", "head"))  # the schema is there: record it, run nothing
    ok(alembic(out, fresh_db, "check"))

    (spec / "schema.sql").write_text(
        dump + "\nALTER TABLE public.tags ADD COLUMN colour text DEFAULT 'grey' NOT NULL;\n"
    )
    ok(dbgen(project, "build", "adopted"))
    ok(alembic(out, fresh_db, "upgrade", "head"))
    assert query(fresh_db, "SELECT name || ':' || colour FROM tags") == ["urgent:grey"]
    ok(alembic(out, fresh_db, "check"))


def test_fold_on_a_developer_database(project: Path, fresh_db: FreshDb) -> None:
    """The documented fold: downgrade your own database, fold, upgrade again."""
    out = project / "generated"
    ok(dbgen(project, "build", "specs"))
    first = files(project / VERSIONS)
    ok(alembic(out, fresh_db, "upgrade", "head"))
    schema = project / "specs" / "schema.sql"
    text = schema.read_text()
    schema.write_text(
        text.replace(
            "    last_login_at timestamptz,\n",
            "    last_login_at timestamptz,\n    nickname text,\n",
        )
    )
    ok(dbgen(project, "build", "specs"))
    ok(alembic(out, fresh_db, "upgrade", "head"))
    schema.write_text(
        schema.read_text().replace(
            "    bio         text,\n", "    bio         text,\n    pronouns    text,\n"
        )
    )
    ok(alembic(out, fresh_db, "downgrade", "-1"))
    ok(dbgen(project, "build", "specs", "--fold"))
    folded = files(project / VERSIONS)
    assert len(folded) == 4 and {n: folded[n] for n in first} == first
    ok(alembic(out, fresh_db, "upgrade", "head"))
    assert query(
        fresh_db,
        "SELECT table_name || '.' || column_name FROM information_schema.columns "
        "WHERE column_name IN ('nickname', 'pronouns') ORDER BY 1",
    ) == ["user_profiles.pronouns", "users.nickname"]
    ok(alembic(out, fresh_db, "check"))

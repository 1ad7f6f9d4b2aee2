"""Each per-kind evolution case, exact on a real database both ways.

For tests/evolve_cases/<case>: old.sql is built (its initial revision), then new.sql into the
same tree (`dbgen build` adds the revision), and pg-roundtrip compares ``upgrade head`` with new.sql loaded fresh and
``upgrade head`` + ``downgrade -1`` with old.sql loaded fresh (column order aside).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

from support import FreshDb, PgServer, require_shared
from support.evolution import alembic, environ, evolve, initial_revision, roundtrip
from support.evolve_cases import CASES, CASES_DIR, case_options, case_renames


def _last(stdout: str) -> str:
    lines = stdout.strip().splitlines()
    return lines[-1] if lines else ""


@pytest.mark.parametrize("name", CASES)
def test_case_is_exact_both_ways(name: str, pg_server: PgServer, tmp_path: Path) -> None:
    tool = require_shared("tools/pg-roundtrip")
    case = CASES_DIR / name
    old, new = case / "old.sql", case / "new.sql"
    out, _ = evolve(old, new, tmp_path, f"{name}_db", case_renames(case), **case_options(case))
    env = environ(pg_server.libpq_env())
    a = alembic(out)
    up = roundtrip(tool, new, out, f"{a} upgrade head", env)
    assert up.returncode == 0 and ", 0 missing, 0 extra" in _last(up.stdout), (
        up.stdout[-4000:] + up.stderr[-3000:]
    )
    down = roundtrip(tool, old, out, f"{a} upgrade head && {a} downgrade -1", env)
    assert down.returncode == 0 and ", 0 missing, 0 extra" in _last(down.stdout), (
        down.stdout[-4000:] + down.stderr[-3000:]
    )


def _alembic(out: Path, db: FreshDb, *args: str) -> None:
    env = dict(
        environ(db.server.libpq_env()), DATABASE_URL=db.async_url, DATABASE_URL_SYNC=db.sync_url
    )
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(out / "alembic.ini"), *args],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _rows(db: FreshDb, sql: str) -> list[tuple[object, ...]]:
    with psycopg2.connect(db.dsn) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall()) if cur.description else []


def test_rows_survive_declared_renames(fresh_db: FreshDb, tmp_path: Path) -> None:
    case = CASES_DIR / "renames"
    out, plan = evolve(
        case / "old.sql",
        case / "new.sql",
        tmp_path,
        "renames_db",
        case_renames(case),
        allow_destructive=False,
        **case_options(case),
    )
    assert not plan.refused and not plan.diagnostics, plan.diagnostics
    initial = initial_revision(out)
    _alembic(out, fresh_db, "upgrade", initial)
    _rows(
        fresh_db,
        "INSERT INTO customers VALUES (1, 'Ada Lovelace', 'ada@example.org'), (2, 'Alan Turing', NULL)",
    )
    _rows(fresh_db, "INSERT INTO orders VALUES (10, 1, 12.50), (11, 2, 7)")
    _alembic(out, fresh_db, "upgrade", "head")
    assert _rows(fresh_db, "SELECT id, display_name, email FROM clients ORDER BY id") == [
        (1, "Ada Lovelace", "ada@example.org"),
        (2, "Alan Turing", None),
    ]
    assert [
        (i, c, str(a))
        for i, c, a in _rows(fresh_db, "SELECT id, customer_id, amount FROM orders ORDER BY id")
    ] == [
        (10, 1, "12.50"),
        (11, 2, "7"),
    ]
    _alembic(out, fresh_db, "downgrade", "-1")
    assert _rows(fresh_db, "SELECT id, fullname FROM customers ORDER BY id") == [
        (1, "Ada Lovelace"),
        (2, "Alan Turing"),
    ]


def test_rows_survive_additive_changes(fresh_db: FreshDb, tmp_path: Path) -> None:
    case = CASES_DIR / "columns_add"
    out, plan = evolve(
        case / "old.sql", case / "new.sql", tmp_path, "additive_db", allow_destructive=False
    )
    assert not plan.refused
    initial = initial_revision(out)
    _alembic(out, fresh_db, "upgrade", initial)
    _rows(fresh_db, "INSERT INTO accounts VALUES (1, 'A@x.org'), (2, 'b@x.org')")
    _alembic(out, fresh_db, "upgrade", "head")
    rows = _rows(
        fresh_db,
        "SELECT id, email, nickname, active, email_lower, token IS NOT NULL, seq FROM accounts ORDER BY id",
    )
    assert rows == [
        (1, "A@x.org", None, True, "a@x.org", True, 1),
        (2, "b@x.org", None, True, "b@x.org", True, 2),
    ]
    _alembic(out, fresh_db, "downgrade", "-1")
    assert _rows(fresh_db, "SELECT id, email FROM accounts ORDER BY id") == [
        (1, "A@x.org"),
        (2, "b@x.org"),
    ]


def test_downgrade_refuses_to_lose_a_not_null_column(fresh_db: FreshDb, tmp_path: Path) -> None:
    """columns_drop drops legacy_code (NOT NULL, no default): with rows, the downgrade stops
    with a message instead of failing half-way (it cannot invent the values)."""
    case = CASES_DIR / "columns_drop"
    out, _ = evolve(case / "old.sql", case / "new.sql", tmp_path, "drop_db")
    initial = initial_revision(out)
    _alembic(out, fresh_db, "upgrade", initial)
    _rows(fresh_db, "INSERT INTO accounts VALUES (1, 'a@x.org', 7, 'n')")
    _alembic(out, fresh_db, "upgrade", "head")
    assert _rows(fresh_db, "SELECT id, email FROM accounts") == [(1, "a@x.org")]
    with pytest.raises(AssertionError, match=r"cannot downgrade: column accounts\.legacy_code"):
        _alembic(out, fresh_db, "downgrade", "-1")
    assert _rows(fresh_db, "SELECT id, email FROM accounts") == [(1, "a@x.org")]


def test_numbering_continues_across_serial_and_identity(fresh_db: FreshDb, tmp_path: Path) -> None:
    """serial_to_identity: a column whose numbering moves between a serial's sequence and an
    identity keeps counting after the rows it holds, both ways (a fresh sequence would hand
    out 1 again, a duplicate key)."""
    case = CASES_DIR / "serial_to_identity"
    out, _ = evolve(case / "old.sql", case / "new.sql", tmp_path, "numbering_db")
    _alembic(out, fresh_db, "upgrade", initial_revision(out))
    _rows(fresh_db, "INSERT INTO tickets (title) VALUES ('a'), ('b')")
    _rows(fresh_db, "INSERT INTO events (at) VALUES (now())")
    _rows(fresh_db, "INSERT INTO notes (body) VALUES ('x'), ('y'), ('z')")
    _alembic(out, fresh_db, "upgrade", "head")
    _rows(fresh_db, "INSERT INTO tickets (title) VALUES ('c')")
    _rows(fresh_db, "INSERT INTO events (at) VALUES (now())")
    _rows(fresh_db, "INSERT INTO notes (body) VALUES ('w')")
    assert _rows(fresh_db, "SELECT id, title FROM tickets ORDER BY id") == [
        (1, "a"),
        (2, "b"),
        (3, "c"),
    ]
    assert _rows(fresh_db, "SELECT id FROM events ORDER BY id") == [(1,), (2,)]
    assert _rows(fresh_db, "SELECT max(id) FROM notes") == [(4,)]
    _alembic(out, fresh_db, "downgrade", "-1")
    _rows(fresh_db, "INSERT INTO tickets (title) VALUES ('d')")
    _rows(fresh_db, "INSERT INTO notes (body) VALUES ('v')")
    assert _rows(fresh_db, "SELECT max(id) FROM tickets") == [(4,)]
    assert _rows(fresh_db, "SELECT max(id) FROM notes") == [(5,)]

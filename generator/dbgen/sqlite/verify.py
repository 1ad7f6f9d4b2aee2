"""`dbgen verify` for SQLite: no server, two scratch files.

The spec's SQL files are loaded into one file the way the sqlite3 shell would load them
(``executescript``, after ``PRAGMA foreign_keys=ON``), the generated migration into the other
(``alembic upgrade head`` on the in-memory output of ``generate()``, written to a temporary
directory). Both are read back through sqlite_master and SQLite's pragmas and compared fact by
fact, with dbgen.verify's ``compare``: every table, index, view, trigger and virtual table with
its CREATE text; per table its columns (``table_xinfo``: declared type, NOT NULL, default,
key position, hidden/generated), WITHOUT ROWID and STRICT (``table_list``), foreign keys
(``foreign_key_list``) and indexes (``index_list``); per index its keys (``index_xinfo``).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from dbgen.verify import Difference, Facts, VerifyError, compare

_SKIPPED = ("sqlite_%", "alembic_version")


def _rows(conn: sqlite3.Connection, pragma: str, name: str) -> list[tuple[object, ...]]:
    try:
        return list(conn.execute(f'PRAGMA {pragma}("{name.replace(chr(34), chr(34) * 2)}")'))
    except sqlite3.DatabaseError:  # a pragma this SQLite does not have (table_list before 3.37)
        return []


def read_facts(path: Path) -> Facts:
    facts: Facts = {}
    conn = sqlite3.connect(path)
    try:
        objects = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE name NOT LIKE ? AND name <> ? ORDER BY type, name",
            _SKIPPED,
        ).fetchall()
        for kind, name, table, sql in objects:
            entry = facts.setdefault((kind, name), {})
            entry["table"] = table
            if sql is not None:
                entry["sql"] = sql
            if kind == "table":
                for row in _rows(conn, "table_xinfo", name):
                    cid, column, *rest = row
                    entry[f"column {cid} {column}"] = repr(tuple(rest))
                for row in _rows(conn, "table_list", name):
                    entry["table_list"] = repr(row[2:])
                for row in _rows(conn, "foreign_key_list", name):
                    entry[f"foreign key {row[0]}.{row[1]}"] = repr(row[2:])
                for row in _rows(conn, "index_list", name):
                    entry[f"index {row[1]}"] = repr((row[2], row[3], row[4]))
            elif kind == "index":
                for row in _rows(conn, "index_xinfo", name):
                    entry[f"key {row[0]}"] = repr(row[1:])
    finally:
        conn.close()
    return facts


def load_sql(target: Path, sql_paths: list[Path]) -> None:
    conn = sqlite3.connect(target)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        for path in sql_paths:
            try:
                conn.executescript(path.read_text(encoding="utf-8"))
            except sqlite3.Error as exc:
                raise VerifyError(f"{path}: the schema does not load into SQLite: {exc}") from None
    finally:
        conn.close()


def apply_migration(target: Path, files: dict[str, str], root: Path) -> None:
    for rel, text in files.items():
        out = root / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite+aiosqlite:///{target}",
        PYTHONDONTWRITEBYTECODE="1",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(root / "alembic.ini"), "upgrade", "head"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-12:])
        raise VerifyError(f"the generated migration failed:\n{tail}")


def verify(sql_paths: list[Path], files: dict[str, str]) -> list[Difference]:
    """The differences between the schema loaded as written and the migrated one."""
    with tempfile.TemporaryDirectory(prefix="dbgen_verify_") as tmp:
        root = Path(tmp)
        source, migrated = root / "source.db", root / "migrated.db"
        load_sql(source, sql_paths)
        apply_migration(migrated, files, root / "package")
        return compare(read_facts(source), read_facts(migrated))

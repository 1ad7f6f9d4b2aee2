"""The bench's seeded data (``data.generate``, the same rows PostgreSQL gets) loaded into SQLite
and MySQL/MariaDB with the sync drivers, and values converted to what each stores.

SQLite has no uuid, timestamp or array types: the demo's SQLite schema keeps uuids as TEXT,
timestamps as DATETIME (text in the format SQLAlchemy's SQLite DATETIME reads and writes) and
labels as a JSON array. MySQL has no arrays (its tasks have no labels) and DATETIME(6) has no
time zone: stamps are stored as naive UTC. Serial keys are given explicitly (1..N, as
PostgreSQL's sequences give them), so every reference in the generated rows holds.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

from bench.data import UTC, Dataset, Loaded, generate
from bench.settings import Sizes

# SQLAlchemy's SQLite DATETIME storage format (what the generated layer writes and parses)
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def sqlite_value(v: object) -> object:
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, dt.datetime):
        return v.astimezone(UTC).replace(tzinfo=None).strftime(SQLITE_DATETIME)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list):
        return json.dumps(v)
    if isinstance(v, bool):
        return int(v)
    return v


def mysql_value(v: object) -> object:
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, dt.datetime):
        return v.astimezone(UTC).replace(tzinfo=None)
    if isinstance(v, list):
        return json.dumps(v)
    return v


def model_value(v: object) -> object:
    """A generated row's value as the dialect's ``*Create`` schema takes it: both schemas type
    the uuid columns as strings."""
    return str(v) if isinstance(v, uuid.UUID) else v


def _rows(
    data: Dataset, columns_of: dict[str, list[str]], convert: Any
) -> list[tuple[str, list[str], list[tuple[object, ...]]]]:
    """Each table's rows restricted to the columns the dialect's table has, with an explicit
    ``id`` where the table has a serial key the generated rows leave out."""
    out = []
    for t in data.tables:
        have = columns_of[t.name]
        keep = [i for i, c in enumerate(t.columns) if c in have]
        names = [t.columns[i] for i in keep]
        serial = "id" in have and "id" not in t.columns
        rows = [
            ((n,) if serial else ()) + tuple(convert(r[i]) for i in keep)
            for n, r in enumerate(t.rows, 1)
        ]
        out.append((t.name, (["id"] if serial else []) + names, rows))
    return out


def load_sqlite(path: Path, schema_sql: Path, sizes: Sizes, seed: int) -> Loaded:
    """A new database file from the SQLite demo schema and the seeded rows, in WAL mode."""
    start = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.executescript(schema_sql.read_text())
        # WAL is kept in the file, so every connection of the run uses it: readers do not
        # block the writers, and a commit appends to the log instead of rewriting pages.
        conn.execute("PRAGMA journal_mode=WAL")
        # The schema turns foreign keys on; the rows are consistent by construction.
        conn.execute("PRAGMA foreign_keys=OFF")
        data = generate(sizes, seed)
        columns = {
            t.name: [r[1] for r in conn.execute(f"PRAGMA table_info({t.name})")]
            for t in data.tables
        }
        conn.execute("BEGIN")
        for name, cols, rows in _rows(data, columns, sqlite_value):
            conn.executemany(
                f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                rows,
            )
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return data.loaded(sizes, time.perf_counter() - start)


def load_mysql(conn: Any, schema_sql: Path, sizes: Sizes, seed: int) -> Loaded:
    """The MySQL demo schema and the seeded rows, on a PyMySQL connection to the bench's own
    (empty) database, opened with CLIENT.MULTI_STATEMENTS for the schema script."""
    start = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute(schema_sql.read_text())
        while cur.nextset():
            pass
        data = generate(sizes, seed)
        columns: dict[str, list[str]] = {}
        for t in data.tables:
            cur.execute(f"SHOW COLUMNS FROM `{t.name}`")
            columns[t.name] = [r[0] for r in cur.fetchall()]
        # The rows are consistent by construction: the per-row checks are not needed to load.
        cur.execute("SET foreign_key_checks = 0, unique_checks = 0")
        for name, cols, rows in _rows(data, columns, mysql_value):
            sql = (
                f"INSERT INTO `{name}` ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
            )
            for i in range(0, len(rows), 5_000):
                cur.executemany(sql, rows[i : i + 5_000])
        conn.commit()
        cur.execute("SET foreign_key_checks = 1, unique_checks = 1")
        cur.execute("ANALYZE TABLE " + ", ".join(f"`{t.name}`" for t in data.tables))
        cur.fetchall()
    return data.loaded(sizes, time.perf_counter() - start)

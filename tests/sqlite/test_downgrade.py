"""The downgrade of a SQLite package's initial revision on a database that holds rows, with the
engines' ``PRAGMA foreign_keys=ON``: tables are dropped children first whatever order the
schema created them in (SQLite lets a key name a table created later: zabbix's proxy schema,
Zotero's), and a cycle of keys is dropped under deferred checks. In reverse creation order a
parent went first and its children's rows failed the drop (FOREIGN KEY constraint failed)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from dbgen.ir import Catalog, ForeignKey, QName, Table
from dbgen.sqlite.droporder import table_drop_order
from support.sqlite_roundtrip import run

CASES = {
    # c refers to p, created after it; p's code is keyed by a later UNIQUE index
    "forward_reference": (
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p (id),\n"
        "  p_code TEXT REFERENCES p (code));\n"
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT);\n"
        "CREATE UNIQUE INDEX p_code ON p (code);\n"
        "CREATE TABLE g (id INTEGER PRIMARY KEY, c_id INT REFERENCES c (id));",
        "INSERT INTO p VALUES (1, 'a'); INSERT INTO c VALUES (1, 1, 'a');"
        "INSERT INTO g VALUES (1, 1);",
    ),
    # a -> b -> a, rows both ways; d hangs off the cycle
    "cycle": (
        "CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INT REFERENCES b (id));\n"
        "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INT REFERENCES a (id));\n"
        "CREATE TABLE d (id INTEGER PRIMARY KEY, a_id INT REFERENCES a (id));",
        "INSERT INTO a VALUES (1, NULL); INSERT INTO b VALUES (1, 1);"
        "UPDATE a SET b_id = 1; INSERT INTO d VALUES (1, 1);",
    ),
    # a cycle with a RESTRICT key in it, which DROP TABLE's own delete does not apply
    "cycle_with_restrict": (
        "CREATE TABLE x (id INTEGER PRIMARY KEY,\n"
        "  y_id INT REFERENCES y (id) ON DELETE RESTRICT);\n"
        "CREATE TABLE y (id INTEGER PRIMARY KEY, x_id INT REFERENCES x (id));",
        "INSERT INTO x VALUES (1, NULL); INSERT INTO y VALUES (1, 1); UPDATE x SET y_id = 1;",
    ),
    # a self-reference and a key to a table the schema never makes (Zotero's `fields`)
    "self_and_missing_parent": (
        "CREATE TABLE node (id INTEGER PRIMARY KEY, parent INT REFERENCES node (id));\n"
        "CREATE TABLE extra (id INTEGER PRIMARY KEY, field INT REFERENCES fields (fieldID),\n"
        "  node INT REFERENCES node (id));\n"
        "CREATE VIEW roots AS SELECT id FROM node WHERE parent IS NULL;\n"
        "CREATE TRIGGER node_ai AFTER INSERT ON node BEGIN SELECT 1; END;",
        "INSERT INTO node VALUES (1, NULL); INSERT INTO node VALUES (2, 1);",
    ),
}


def _alembic(out: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=f"sqlite+aiosqlite:///{db}")
    return subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(out / "alembic.ini"), *args],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_downgrade_with_rows(name: str, tmp_path: Path) -> None:
    schema, rows = CASES[name]
    outcome = run(schema, tmp_path)  # the empty round trip, its downgrade included
    assert outcome.exact, outcome.explain()
    out, db = tmp_path / "out", tmp_path / "rows.db"
    up = _alembic(out, db, "upgrade", "head")
    assert up.returncode == 0, up.stderr[-3000:]
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(rows)
        assert not list(conn.execute("PRAGMA foreign_key_check"))
    finally:
        conn.close()
    down = _alembic(out, db, "downgrade", "base")
    assert down.returncode == 0, down.stderr[-3000:]
    conn = sqlite3.connect(db)
    try:
        left = conn.execute(
            "SELECT type, name FROM sqlite_master WHERE tbl_name <> 'alembic_version'"
        ).fetchall()
    finally:
        conn.close()
    assert left == []


def _table(name: str, *refs: str) -> Table:
    keys = tuple(
        ForeignKey(f"{name}_{i}", ("c",), QName("public", ref), ("id",))
        for i, ref in enumerate(refs)
    )
    return Table(QName("public", name), (), foreign_keys=keys)


def test_drop_order_children_first_and_cycles() -> None:
    catalog = Catalog(
        tables=(
            _table("Child", "parent"),
            _table("parent"),
            _table("leaf", "child", "nowhere"),
            _table("a", "b"),
            _table("b", "a", "b"),
        )
    )
    names = ["Child", "parent", "leaf", "a", "b"]
    order, cyclic = table_drop_order(catalog, names)
    assert cyclic
    assert order.index("leaf") < order.index("Child") < order.index("parent")
    assert sorted(order) == sorted(names)
    # no cycle: reverse creation order wherever the keys allow it
    acyclic = Catalog(tables=catalog.tables[:3])
    assert table_drop_order(acyclic, names[:3]) == (["leaf", "Child", "parent"], False)

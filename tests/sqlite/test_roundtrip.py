"""Hand-written SQLite schemas through scaffold, build, import and the shared round-trip tool:
features.sql has every feature the reader handles; the small cases are its neighbours."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbgen.dialects.sniff import find_marker
from support.sqlite_roundtrip import run

FEATURES = Path(__file__).with_name("features.sql")


def test_every_feature_round_trips(tmp_path: Path) -> None:
    outcome = run(FEATURES.read_text(), tmp_path)
    assert outcome.exact, outcome.explain()
    # 10 tables, 4 indexes, 2 views, 2 triggers, 2 virtual tables, 3 automatic indexes
    assert outcome.summary.startswith("roundtrip: 23/23 statements match"), outcome.summary
    # What is reported, not carried: each where it is.
    for expected in (
        "schema.sql:3:1: warning[pragma]",
        "schema.sql:101:1: warning[temporary]",
        "schema.sql:107:1: warning[data-statement]",
    ):
        assert expected in outcome.diagnostics, outcome.diagnostics
    assert "error" not in outcome.diagnostics
    assert find_marker(FEATURES.read_text(), "sqlite") is None


NEIGHBOURS = {
    "bare": "CREATE TABLE t (a, b, c);",
    "rowid_alias_table_key": "CREATE TABLE t (id INTEGER, v TEXT, PRIMARY KEY (id));",
    "autoincrement_only": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);\n"
        "CREATE TABLE u (id INTEGER PRIMARY KEY AUTOINCREMENT, t_id INT REFERENCES t);"
    ),
    "if_not_exists_everywhere": (
        'CREATE TABLE IF NOT EXISTS "a b" ("c d" TEXT PRIMARY KEY) WITHOUT ROWID;\n'
        'CREATE INDEX IF NOT EXISTS "i j" ON "a b" ("c d" DESC);\n'
        'CREATE VIEW IF NOT EXISTS v AS SELECT * FROM "a b";\n'
        'CREATE TRIGGER IF NOT EXISTS tr AFTER DELETE ON "a b" BEGIN DELETE FROM "a b"; END;'
    ),
    "self_reference_deferred": (
        "CREATE TABLE node (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES node (id) "
        "ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, name TEXT COLLATE RTRIM);"
    ),
}


@pytest.mark.parametrize("name", sorted(NEIGHBOURS))
def test_neighbours_round_trip(name: str, tmp_path: Path) -> None:
    outcome = run(NEIGHBOURS[name], tmp_path)
    assert outcome.exact, outcome.explain()

"""Hand-written SQLite schemas through scaffold, build, import and the shared round-trip tool,
then `alembic check` (the models agree with the migrated file): features.sql has every feature
the reader handles; the small cases are its neighbours."""

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
    assert outcome.models_agree, outcome.check[-4000:]


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
    "self_reference_deferred_table_key": (
        "CREATE TABLE node (id INTEGER PRIMARY KEY, parent INTEGER, name TEXT COLLATE RTRIM,\n"
        "  FOREIGN KEY (parent) REFERENCES node (id) ON DELETE CASCADE\n"
        "  DEFERRABLE INITIALLY DEFERRED);"
    ),
    # What alembic check compares, each where SQLAlchemy's reflection reads SQLite differently
    # from the text: constraints without names, inline ones with names, actions of inline keys.
    "unnamed_and_inline_named_uniques": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE, b VARCHAR(10) NOT NULL UNIQUE,\n"
        "  c CHAR(1) NOT NULL DEFAULT 'X' UNIQUE, d TEXT CONSTRAINT d_once UNIQUE, e, f,\n"
        "  UNIQUE (e, f), CONSTRAINT ef_named UNIQUE (f, e), UNIQUE (a, e));"
    ),
    "inline_and_table_keys_with_actions": (
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY,\n"
        "  p_id INTEGER REFERENCES p (id) ON DELETE CASCADE ON UPDATE SET NULL,\n"
        "  p_code TEXT CONSTRAINT c_code REFERENCES p (code) ON UPDATE CASCADE,\n"
        "  q INTEGER, r TEXT,\n"
        "  FOREIGN KEY (q) REFERENCES p ON DELETE SET DEFAULT,\n"
        "  CONSTRAINT c_r FOREIGN KEY (r) REFERENCES p (code) ON DELETE RESTRICT);"
    ),
    "keys_sqlite_lets_hold_null": (
        "CREATE TABLE a (k TEXT PRIMARY KEY, v);\n"
        "CREATE TABLE b (x BIGINT PRIMARY KEY, y TEXT NOT NULL);\n"
        "CREATE TABLE c (m TEXT, n INTEGER NOT NULL, PRIMARY KEY (m, n));\n"
        "CREATE TABLE d (k TEXT PRIMARY KEY, v) WITHOUT ROWID;\n"
        "CREATE TABLE e (id INTEGER PRIMARY KEY DESC, v);"
    ),
    # SQLite ignores a rowid alias's DEFAULT (gammu-smsd's `Version INTEGER NOT NULL DEFAULT
    # '0' PRIMARY KEY`); a key that is no alias keeps it.
    "rowid_aliases_with_defaults": (
        "CREATE TABLE a (v INTEGER NOT NULL DEFAULT '0' PRIMARY KEY, x TEXT);\n"
        "CREATE TABLE b (id INTEGER PRIMARY KEY AUTOINCREMENT DEFAULT 7, x TEXT);\n"
        "CREATE TABLE c (id INTEGER DEFAULT (1 + 1), x TEXT, PRIMARY KEY (id));\n"
        "CREATE TABLE d (id INT PRIMARY KEY DEFAULT 0, x TEXT);\n"
        "CREATE TABLE e (id INTEGER PRIMARY KEY DEFAULT 3, x TEXT) WITHOUT ROWID;"
    ),
    # What the sqlite3 shell's `.schema` prints (dnote): the shadow tables after their FTS5
    # table, as CREATE TABLE IF NOT EXISTS, and `/* ... */` column lists.
    "shell_schema_with_shadow_tables": (
        "CREATE TABLE notes (uuid text NOT NULL, body text NOT NULL);\n"
        "CREATE VIRTUAL TABLE note_fts USING fts5(content=notes, body)\n/* note_fts(body) */;\n"
        "CREATE TABLE IF NOT EXISTS 'note_fts_data'(id INTEGER PRIMARY KEY, block BLOB);\n"
        "CREATE TABLE IF NOT EXISTS 'note_fts_idx'(segid, term, pgno, PRIMARY KEY(segid, term))"
        " WITHOUT ROWID;\n"
        "CREATE TABLE IF NOT EXISTS 'note_fts_docsize'(id INTEGER PRIMARY KEY, sz BLOB);\n"
        "CREATE TABLE IF NOT EXISTS 'note_fts_config'(k PRIMARY KEY, v) WITHOUT ROWID;\n"
        "CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN\n"
        "  INSERT INTO note_fts(rowid, body) VALUES (new.rowid, new.body);\nEND;"
    ),
    # Table constraints with no comma between them (Zotero), and keys with no declared type,
    # which scaffold must not sort on (build refuses that).
    "constraints_without_commas_and_untyped_keys": (
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n"
        "CREATE TABLE c (a INT, b INT, PRIMARY KEY (a, b),\n"
        "  FOREIGN KEY (a) REFERENCES p(id)\n  FOREIGN KEY (b) REFERENCES p(id));\n"
        "CREATE TABLE kv (k PRIMARY KEY, v);\n"
        "CREATE TABLE kw (k PRIMARY KEY, v NOT NULL) WITHOUT ROWID;"
    ),
    # Zotero's columns without a type (`value`, `dateDeleted DEFAULT CURRENT_TIMESTAMP NOT
    # NULL`, `value UNIQUE`), beside typed ones, and a type SQLite gives NUMERIC (`NONE`):
    # `alembic check` raised IndexError on an untyped column a key names (`valueID`). Keys to
    # tables created later (Zotero's items -> libraries).
    "untyped_columns_and_forward_keys": (
        "CREATE TABLE t (a, b TEXT);\n"
        "CREATE TABLE settings (setting TEXT, key TEXT, value, PRIMARY KEY (setting, key));\n"
        "CREATE TABLE items (itemID INTEGER PRIMARY KEY, libraryID INT, key TEXT NOT NULL,\n"
        "  UNIQUE (libraryID, key), FOREIGN KEY (libraryID) REFERENCES libraries(libraryID));\n"
        "CREATE TABLE itemDataValues (valueID INTEGER PRIMARY KEY, value UNIQUE);\n"
        "CREATE TABLE itemData (itemID INT, fieldID INT, valueID, odd BLOBBY REFERENCES t (b),\n"
        "  PRIMARY KEY (itemID, fieldID), FOREIGN KEY (itemID) REFERENCES items(itemID),\n"
        "  FOREIGN KEY (valueID) REFERENCES itemDataValues(valueID));\n"
        "CREATE TABLE deletedItems (itemID INTEGER PRIMARY KEY,\n"
        "  dateDeleted DEFAULT CURRENT_TIMESTAMP NOT NULL);\n"
        "CREATE INDEX deletedItems_dateDeleted ON deletedItems(dateDeleted);\n"
        "CREATE TABLE conditions (id INTEGER PRIMARY KEY, required NONE, odd BLOBBY,\n"
        "  v DEFAULT 0);\n"
        "CREATE TABLE libraries (libraryID INTEGER PRIMARY KEY, libraryType TEXT NOT NULL);"
    ),
    "partial_expression_collated_descending_indexes": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, gone INTEGER);\n"
        "CREATE INDEX t_live ON t (name) WHERE gone IS NULL;\n"
        "CREATE UNIQUE INDEX t_live_score ON t (score DESC, name) WHERE gone = 0;\n"
        "CREATE INDEX t_lower ON t (lower(name));\n"
        "CREATE INDEX t_nocase ON t (name COLLATE NOCASE DESC, id);"
    ),
    "quoted_and_odd_declared_types": (
        'CREATE TABLE t (id INTEGER PRIMARY KEY, a "MONEY", b `STRING`(20), c [DOUBLE],'
        " d UNSIGNED BIG INT, e VARYING CHARACTER(5));"
    ),
    "virtual_tables_and_their_shadows": (
        "CREATE TABLE doc (id INTEGER PRIMARY KEY, body TEXT);\n"
        "CREATE VIRTUAL TABLE doc_fts USING fts5(body, content='doc', content_rowid='id');\n"
        "CREATE VIRTUAL TABLE doc_fts4 USING fts4(body);\n"
        "CREATE VIRTUAL TABLE box USING rtree(id, minx, maxx);"
    ),
}


@pytest.mark.parametrize("name", sorted(NEIGHBOURS))
def test_neighbours_round_trip(name: str, tmp_path: Path) -> None:
    outcome = run(NEIGHBOURS[name], tmp_path)
    assert outcome.exact, outcome.explain()
    if name in CHECK_REPORTS:
        # Only the key, and only its deferral (docs/sqlite.md, "What is not done yet").
        ops = CHECK_REPORTS[name]
        assert not outcome.models_agree, f"{name} agrees now: drop it from CHECK_REPORTS"
        reported = outcome.check.split("New upgrade operations detected:")[1].splitlines()[0]
        assert [op for op in ("remove_fk", "add_fk", "add_constraint") if op in reported] == ops
        assert "deferrable=True, initially='DEFERRED'" in reported, reported
    else:
        assert outcome.models_agree, outcome.check[-4000:]


# What `alembic check` reports by design: the deferral of an inline REFERENCES, which neither
# SQLite's pragmas nor SQLAlchemy's reflection reads (its table-key twin agrees).
CHECK_REPORTS = {"self_reference_deferred": ["remove_fk", "add_fk"]}

"""The SQLite reader on hand-written DDL: what it models, what it carries verbatim, and what it
reports at file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbgen.diagnostics import Severity
from dbgen.ir import Catalog, Deferral, Identity, QName, Table
from dbgen.sqlite import read_schema
from dbgen.sqlite.lex import split
from dbgen.sqlite.parse import NULLABLE_KEY, UNNAMED
from dbgen.sqlite.types import affinity, declared_type

FEATURES = Path(__file__).with_name("features.sql")


def read(sql: str) -> tuple[Catalog, list[str]]:
    catalog, diags = read_schema([("s.sql", sql)])
    return catalog, [str(d) for d in diags]


def table(catalog: Catalog, name: str) -> Table:
    found = catalog.table(QName("public", name))
    assert found is not None, name
    return found


@pytest.fixture(scope="module")
def features() -> Catalog:
    catalog, diags = read_schema([("features.sql", FEATURES.read_text())])
    assert not [d for d in diags if d.is_error], diags
    return catalog


@pytest.mark.parametrize(
    ("declared", "aff", "base", "mods"),
    [
        ("INTEGER", "INTEGER", "bigint", ()),
        ("TINYINT", "INTEGER", "smallint", ()),
        ("UNSIGNED BIG INT", "INTEGER", "bigint", ()),
        ("NVARCHAR(160)", "TEXT", "character varying", (160,)),
        ("VARYING CHARACTER(255)", "TEXT", "character varying", (255,)),
        ("CLOB", "TEXT", "text", ()),
        ("BLOB SUB_TYPE TEXT", "TEXT", "text", ()),
        ("BLOB", "BLOB", "bytea", ()),
        ("", "BLOB", "any", ()),
        ("DOUBLE PRECISION", "REAL", "double precision", ()),
        ("FLOAT", "REAL", "double precision", ()),
        ("NUMERIC(10,2)", "NUMERIC", "numeric", (10, 2)),
        ("decimal(5, 2)", "NUMERIC", "numeric", (5, 2)),
        ("BOOLEAN", "NUMERIC", "boolean", ()),
        ("DATETIME", "NUMERIC", "timestamp without time zone", ()),
        ("MONEY", "NUMERIC", "numeric", ()),
    ],
)
def test_declared_types_keep_their_text_and_get_the_base_of_their_meaning(
    declared: str, aff: str, base: str, mods: tuple[int, ...]
) -> None:
    t = declared_type(declared)
    assert affinity(declared) == aff
    assert (t.sql, t.base, t.modifiers) == (declared, base, mods)


def test_affinity_follows_sqlites_rules_in_order() -> None:
    assert affinity("POINT") == "INTEGER"  # contains INT, as SQLite's documentation warns
    assert affinity("CHARINT") == "INTEGER"
    assert affinity("FLOATING POINT") == "INTEGER"
    assert affinity("STRING") == "NUMERIC"


def test_columns_defaults_collations_generated(features: Catalog) -> None:
    kinds = table(features, "Kinds")
    cols = {c.name: c for c in kinds.columns}
    assert cols["Id"].identity == Identity(always=False)  # rowid alias
    assert not cols["Id"].nullable
    assert cols["name"].collation == "NOCASE" and not cols["name"].nullable
    assert cols["big_n"].default == "0"
    assert cols["score"].default == "-1.5"
    assert cols["price"].default == "(0)"
    assert cols["weird"].default == "'x''y'" and cols["weird"].type.sql == '"MONEY"'
    assert cols["blob_default"].default == "X'00FF'"
    assert cols["seen_at"].default == "CURRENT_TIMESTAMP"
    assert cols["anything"].type.sql == "" and cols["anything"].type.base == "any"
    assert cols["total"].generated == "big_n * 2"
    assert cols["label"].generated == "upper(name)"
    assert [c.expression for c in kinds.checks] == ["big_n >= 0"]
    assert [u.columns for u in kinds.uniques] == [("code",)]


def test_quoted_names_composite_keys_and_named_constraints(features: Catalog) -> None:
    lines = table(features, "Order Lines")
    assert [c.name for c in lines.columns] == ["order_id", "line", "kind_id", "qty"]
    assert lines.primary_key is not None
    assert (lines.primary_key.name, lines.primary_key.columns) == (
        "order_lines_pk",
        ("order_id", "line"),
    )
    assert all(c.identity is None for c in lines.columns)
    (fk,) = lines.foreign_keys
    assert (fk.name, fk.columns, fk.ref_table.name, fk.ref_columns) == (
        "order_lines_kind",
        ("kind_id",),
        "Kinds",
        ("Id",),
    )
    assert (fk.on_delete, fk.on_update) == ("SET NULL", "CASCADE")
    assert fk.deferral == Deferral(True, True)
    assert [(c.name, c.expression) for c in lines.checks] == [("qty_positive", "qty > 0")]
    assert [u.columns for u in lines.uniques] == [("kind_id", "line")]


def _flags(t: Table) -> tuple[tuple[str, str], ...]:
    return tuple(o for o in t.options if o[0] != UNNAMED)


def test_constraint_names_sqlite_does_not_keep_are_recorded() -> None:
    """Made-up names, and an inline UNIQUE's or REFERENCES' own (nothing reads those back);
    a CHECK's own name is kept (SQLite's error message names it), as are table constraints'."""
    sql = (
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT);\n"
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE, b TEXT CONSTRAINT b_u UNIQUE,\n"
        "  c INTEGER CONSTRAINT c_ref REFERENCES p, d INTEGER REFERENCES p,\n"
        "  e INTEGER CONSTRAINT e_pos CHECK (e > 0), f INTEGER CHECK (f > 0),\n"
        "  CONSTRAINT ab UNIQUE (a, b), UNIQUE (b, a), CONSTRAINT fk_e FOREIGN KEY (e)\n"
        "  REFERENCES p, FOREIGN KEY (f) REFERENCES p);"
    )
    catalog, _ = read_schema([("schema.sql", sql)])
    t = table(catalog, "t")
    unkept = {name for key, name in t.options if key == UNNAMED}
    names = {u.columns: u.name for u in t.uniques}
    fks = {fk.columns: fk.name for fk in t.foreign_keys}
    checks = {c.expression: c.name for c in t.checks}
    assert unkept == {
        t.primary_key.name if t.primary_key else "",
        names[("a",)],
        "b_u",
        names[("b", "a")],
        "c_ref",
        fks[("d",)],
        checks["f > 0"],
        fks[("f",)],
    }
    assert {"ab", "fk_e", "e_pos"}.isdisjoint(unkept)
    assert checks["e > 0"] == "e_pos"


def test_key_columns_sqlite_lets_hold_null_are_marked() -> None:
    sql = (
        "CREATE TABLE a (k TEXT PRIMARY KEY, v);\n"
        "CREATE TABLE b (k TEXT PRIMARY KEY NOT NULL);\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE d (id INTEGER PRIMARY KEY DESC);\n"
        "CREATE TABLE e (k TEXT PRIMARY KEY) WITHOUT ROWID;\n"
        "CREATE TABLE f (m TEXT, n INT NOT NULL, PRIMARY KEY (m, n));"
    )
    catalog, _ = read_schema([("schema.sql", sql)])
    marked = {
        (t.qname.name, c.name)
        for t in catalog.tables
        for c in t.columns
        if any(key == NULLABLE_KEY for key, _ in c.options)
    }
    # every key column stays NOT NULL for the application
    assert all(not c.nullable for t in catalog.tables for c in t.columns if c.name != "v")
    assert marked == {("a", "k"), ("d", "id"), ("f", "m")}


def test_without_rowid_strict_and_an_implicit_reference(features: Catalog) -> None:
    kv = table(features, "kv")
    assert kv.columns[0].identity is None  # WITHOUT ROWID: no rowid to alias
    (fk,) = kv.foreign_keys
    assert (fk.ref_table.name, fk.ref_columns) == ("kv", ("key",))  # REFERENCES kv: its key
    assert _flags(kv) == (("without rowid", ""),)
    assert _flags(table(features, "both_options")) == (("without rowid", ""), ("strict", ""))
    assert _flags(table(features, "Kinds")) == (("autoincrement", ""),)
    strict = table(features, "strict_things")
    assert _flags(strict) == (("strict", ""),)
    assert strict.columns[0].identity == Identity(always=False)
    assert table(features, "both_options").primary_key is not None
    # INTEGER PRIMARY KEY DESC is no rowid alias (SQLite's quirk); IF NOT EXISTS kept the first
    desc = table(features, "desc_key")
    assert [c.name for c in desc.columns] == ["id", "v"] and desc.columns[0].identity is None


def test_alter_add_column_and_drops(features: Catalog) -> None:
    no_key = table(features, "no_key")
    assert [c.name for c in no_key.columns] == ["a", "b", "c", "d"]
    assert [fk.ref_table.name for fk in no_key.foreign_keys] == ["strict_things"]
    assert features.table(QName("public", "dropped")) is None
    assert features.table(QName("public", "never_created")) is None
    names = [r.name for r in features.raw]
    assert "dropped" not in names and "dropped_idx" not in names and "gone_idx" not in names
    assert [r.kind for r in features.raw if r.name == "no_key"] == [
        "sqlite table",
        "alter table",
        "alter table",
    ]


def test_indexes_partial_expression_collated(features: Catalog) -> None:
    kinds = {i.name: i for i in table(features, "Kinds").indexes}
    by_name = kinds["kinds_name"].elements
    assert [(e.column, e.collation, e.descending) for e in by_name] == [
        ("name", "NOCASE", True),
        ("big_n", None, False),
    ]
    assert kinds["kinds_code_active"].unique and kinds["kinds_code_active"].where == "active = 1"
    assert [(e.expression, e.column) for e in kinds["kinds_lower_name"].elements] == [
        ("lower(name)", None),
        ("big_n + 1", None),
    ]
    (lines_kind,) = table(features, "Order Lines").indexes
    assert lines_kind.where == "kind_id IS NOT NULL AND qty > 1"


def test_views_triggers_and_virtual_tables_are_carried_verbatim(features: Catalog) -> None:
    kinds = {r.name: r for r in features.raw}
    assert kinds["kind_names"].kind == "view"
    assert kinds["kind_names"].drop == 'DROP VIEW "kind_names"'
    trigger = kinds["kinds_touch"]
    assert trigger.kind == "trigger" and trigger.table == QName("public", "Kinds")
    assert trigger.sql.endswith("DO UPDATE SET value = excluded.value;\nEND")
    assert kinds["lines_guard"].sql.endswith("WHERE NEW.qty > 1000;\nEND")
    assert "temp_one" not in kinds
    assert kinds["docs_fts"].kind == "virtual table"
    assert kinds["docs_fts"].sql == (
        "CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, tokenize = 'porter')"
    )
    assert kinds["notes_fts"].drop == 'DROP TABLE "notes_fts"'


def test_statements_split_as_sqlite_completes_them() -> None:
    import sqlite3

    text = FEATURES.read_text()
    statements, diags = split("f.sql", text)
    assert diags == []
    for s in statements:
        assert sqlite3.complete_statement(s.sql + ";"), s.sql
        assert not sqlite3.complete_statement(s.sql) or not s.sql.upper().startswith(
            "CREATE TRIGGER"
        )


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("CREATE TABLE t (a INTEGER,, b TEXT);", "s.sql:1:27: error[syntax]"),
        (
            "CREATE TABLE t (a TEXT);\nCREATE TABLE T (b TEXT);",
            "s.sql:2:1: error[duplicate-object]",
        ),
        ("CREATE INDEX i ON missing (a);", "s.sql:1:1: error[unknown-table]"),
        ("CREATE TABLE t (a TEXT, A INT);", "s.sql:1:1: error[duplicate-column]"),
        ("CREATE TABLE t (a TEXT, PRIMARY KEY (b));", "s.sql:1:1: error[unknown-column]"),
        (
            "CREATE TABLE t (a TEXT);\nALTER TABLE t RENAME TO u;",
            "s.sql:2:15: error[unsupported-alter]",
        ),
        ("ATTACH 'x.db' AS x;", "s.sql:1:1: error[unsupported-statement]"),
        ("CREATE TABLE aux.t (a TEXT);", "s.sql:1:1: error[unsupported-schema]"),
        ("GRANT ALL ON t TO x;", "s.sql:1:1: error[unsupported-statement]"),
        ("CREATE TABLE t (a TEXT DEFAULT 'x);", "s.sql:1:32: error[syntax]: unterminated string"),
        ("DROP TABLE t;", "s.sql:1:12: error[unknown-object]"),
        ("CREATE TABLE t (a) WITHOUT ROWID;", "s.sql:1:1: error[syntax]"),
        ("CREATE TABLE t (a INTEGER PRIMARY KEY, b INT PRIMARY KEY);", "s.sql:1:46: error[syntax]"),
    ],
)
def test_bad_input_is_reported_where_it_is(sql: str, expected: str) -> None:
    _, diags = read(sql)
    assert any(d.startswith(expected) for d in diags), diags


def test_a_foreign_key_to_a_table_the_schema_lacks_is_a_warning() -> None:
    catalog, diags = read("CREATE TABLE t (id INTEGER PRIMARY KEY, o INT REFERENCES other (id));")
    assert table(catalog, "t").foreign_keys == ()
    assert any("s.sql:1:41: warning[unknown-reference]" in d for d in diags), diags


def test_names_resolve_case_insensitively_to_their_declared_spelling() -> None:
    catalog, diags = read(
        "CREATE TABLE Artist (ArtistId INTEGER PRIMARY KEY, Name TEXT);\n"
        "CREATE TABLE album (id INTEGER PRIMARY KEY, artistid INT REFERENCES ARTIST (artistID));\n"
        "CREATE INDEX ix ON ARTIST (NAME);"
    )
    assert not [d for d in diags if "error" in d or "warning" in d], diags
    (fk,) = table(catalog, "album").foreign_keys
    assert (fk.ref_table.name, fk.ref_columns) == ("Artist", ("ArtistId",))
    assert table(catalog, "Artist").indexes[0].elements[0].column == "Name"


def test_an_index_keeps_its_name_and_spells_plain_columns_as_the_ir_does() -> None:
    catalog, _ = read(
        "CREATE TABLE [T] ([Name] TEXT, `b` INT);\nCREATE INDEX [ix] ON [T] ([Name], `b`);"
    )
    (ix,) = table(catalog, "T").indexes
    assert ix.name == "ix"
    assert [(e.column, e.expression) for e in ix.elements] == [("Name", '"Name"'), ("b", "b")]
    (raw,) = [r for r in catalog.raw if r.kind == "sqlite index"]
    assert (raw.name, raw.drop) == ("ix", 'DROP INDEX "ix"')


def test_pragmas_are_reported_not_carried() -> None:
    catalog, diags = read("PRAGMA foreign_keys=1;\nPRAGMA main.user_version = 7;")
    assert catalog.raw == ()
    assert diags[0].startswith("s.sql:1:1: note[pragma]")
    assert diags[1].startswith("s.sql:2:1: warning[pragma]")
    assert Severity.WARNING.value in diags[1]


def test_table_constraints_need_no_comma_between_them() -> None:
    """SQLite's grammar lets the comma between table constraints out (Zotero's itemCreators
    has `REFERENCES creators(creatorID)` then `FOREIGN KEY ...` on the next line)."""
    catalog, diags = read(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n"
        "CREATE TABLE c (a INT, b INT, k TEXT,\n"
        "  PRIMARY KEY (a, b) FOREIGN KEY (a) REFERENCES p(id)\n"
        "  FOREIGN KEY (b) REFERENCES p(id) ON DELETE CASCADE\n"
        "  CONSTRAINT c_k FOREIGN KEY (k) REFERENCES p(code) UNIQUE (k) CHECK (a > 0)\n"
        "  CONSTRAINT c_b CHECK (b <> a));"
    )
    assert not [d for d in diags if "error" in d], diags
    c = table(catalog, "c")
    assert c.primary_key is not None and c.primary_key.columns == ("a", "b")
    assert [(fk.columns, fk.on_delete) for fk in c.foreign_keys] == [
        (("a",), None),
        (("b",), "CASCADE"),
        (("k",), None),
    ]
    assert [fk.name for fk in c.foreign_keys][2] == "c_k"
    assert [u.columns for u in c.uniques] == [("k",)]
    assert [ck.expression for ck in c.checks] == ["a > 0", "b <> a"]


def test_shadow_tables_the_shell_prints_are_the_virtual_tables() -> None:
    """`.schema` prints a virtual table's shadow tables as CREATE TABLE IF NOT EXISTS: they
    exist already (skipped with a note, not modelled); without IF NOT EXISTS SQLite refuses."""
    sql = (
        "CREATE TABLE notes (body TEXT);\n"
        "CREATE VIRTUAL TABLE note_fts USING fts5(content=notes, body);\n"
        "CREATE TABLE IF NOT EXISTS 'note_fts_data'(id INTEGER PRIMARY KEY, block BLOB);\n"
        "CREATE TABLE IF NOT EXISTS 'note_fts_config'(k PRIMARY KEY, v) WITHOUT ROWID;\n"
        "CREATE VIRTUAL TABLE box USING rtree(id, minx, maxx);\n"
        'CREATE TABLE IF NOT EXISTS "box_node"(nodeno INTEGER PRIMARY KEY,data);\n'
    )
    catalog, diags = read(sql)
    assert [t.qname.name for t in catalog.tables] == ["notes"]
    assert sum("virtual table note_fts made it" in d for d in diags) == 2, diags
    assert not [d for d in diags if "error" in d or "warning" in d], diags
    _, diags = read(sql + "CREATE TABLE note_fts_idx (segid, term);")
    assert (
        [d for d in diags if "error" in d]
        == [d for d in diags if d.startswith("s.sql:7:1: error[duplicate-object]")]
        != []
    ), diags
    # a table of that name once the virtual table is dropped is the user's
    catalog, diags = read(sql + "DROP TABLE note_fts;\nCREATE TABLE note_fts_idx (segid, term);")
    assert "note_fts_idx" in [t.qname.name for t in catalog.tables], diags

"""The MySQL reader on hand-written cases: each feature of issue 14's list, and what it reports."""

from __future__ import annotations

from dbgen.diagnostics import Diagnostic
from dbgen.ir import Catalog, Table
from dbgen.mysql.coltypes import mysql_type, option
from dbgen.mysql.reader import read_schema
from dbgen.mysql.split import split_script
from dbgen.mysql.tables import UNNAMED


def read(sql: str) -> tuple[Catalog, list[Diagnostic]]:
    catalog, diags = read_schema([("s.sql", sql)])
    return catalog, list(diags)


def table(sql: str, name: str = "t") -> Table:
    catalog, diags = read(sql)
    assert not [d for d in diags if d.is_error], [str(d) for d in diags]
    found = next(t for t in catalog.tables if t.qname.name == name)
    return found


def test_version_comments_apply_and_keep_positions() -> None:
    statements, diags = split_script(
        "s.sql", "/*!40101 SET a=1 */;\n/*!50003 CREATE*/ /*!50003 VIEW v AS SELECT 1 */;"
    )
    assert not diags
    assert [s.text.split() for s in statements] == [
        ["SET", "a=1"],
        ["CREATE", "VIEW", "v", "AS", "SELECT", "1"],
    ]
    assert statements[1].span.line == 2


def test_a_version_comment_for_a_newer_server_is_a_comment() -> None:
    statements, _ = split_script("s.sql", "/*!999999 SET a=1 */; SET b=2;")
    assert [s.text for s in statements] == ["SET b=2"]


def test_delimiter_blocks_keep_semicolons_inside_bodies() -> None:
    sql = "delimiter //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END //\nDELIMITER ;\nSET x = 1;"
    statements, _ = split_script("s.sql", sql)
    assert statements[0].text.endswith("END")
    assert "SELECT 1; SELECT 2;" in statements[0].text
    assert statements[1].text == "SET x = 1"


def test_comments_and_quotes_do_not_split() -> None:
    sql = "# one; two\n-- three; four\nCREATE TABLE `a;b` (c varchar(3) DEFAULT ';', d int COMMENT 'it''s \\'x\\'');"
    t = table(sql, "a;b")
    assert t.column("c") is not None and t.column("c").default == "';'"  # type: ignore[union-attr]
    assert t.column("d").comment == "it's 'x'"  # type: ignore[union-attr]


def test_integer_attributes_and_table_options() -> None:
    t = table(
        "CREATE TABLE t (id int(10) unsigned zerofill NOT NULL AUTO_INCREMENT, PRIMARY KEY (id))"
        " ENGINE=MyISAM DEFAULT CHARSET=latin1 COLLATE latin1_bin ROW_FORMAT=COMPACT COMMENT='hi'"
    )
    c = t.columns[0]
    assert (mysql_type(c.type), c.type.modifiers) == ("int", (10,))
    assert option(c.type, "unsigned") == "" and option(c.type, "zerofill") == ""
    assert c.identity is not None and not c.identity.always
    assert c.type.base == "integer"  # the family crud.yaml's rules read
    assert t.options == (
        ("ENGINE", "MyISAM"),
        ("DEFAULT CHARACTER SET", "latin1"),
        ("COLLATE", "latin1_bin"),
        ("ROW_FORMAT", "COMPACT"),
    )
    assert t.comment == "hi"


def test_enum_set_charsets_collations_on_update_generated() -> None:
    t = table(
        "CREATE TABLE t (id int PRIMARY KEY,"
        " s enum('a','b''c') CHARACTER SET latin1 COLLATE latin1_bin NOT NULL DEFAULT 'a',"
        " f set('x','y'),"
        " n varchar(10) BINARY,"
        " u timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,"
        " g int AS (id + 1) STORED)"
    )
    s, f, n, u, g = t.columns[1:]
    assert [v for k, v in s.type.options if k == "value"] == ["a", "b'c"]
    assert option(s.type, "charset") == "latin1" and option(s.type, "collate") == "latin1_bin"
    assert mysql_type(f.type) == "set"
    assert option(n.type, "binary") == ""
    assert dict(u.options)["on update"] == "CURRENT_TIMESTAMP"
    assert g.generated == "id + 1" and dict(g.options)["generated"] == "STORED"
    assert t.primary_key is not None and t.primary_key.columns == ("id",)


def test_keys_are_named_as_mysql_names_them() -> None:
    t = table(
        "CREATE TABLE t (a int, b varchar(50), c text, p point NOT NULL,"
        " KEY (a), KEY (a, b), UNIQUE (b), KEY (b(10)), FULLTEXT (c), SPATIAL KEY (p),"
        " CHECK (a > 0), FOREIGN KEY (a) REFERENCES u (id));"
        " CREATE TABLE u (id int PRIMARY KEY)"
    )
    assert [u.name for u in t.uniques] == ["b"]
    assert [(i.name, i.method) for i in t.indexes] == [
        ("a", "btree"),
        ("a_2", "btree"),
        ("b_2", "btree"),
        ("c", "fulltext"),
        ("p", "spatial"),
    ]
    assert t.indexes[2].elements[0].length == 10
    assert [c.name for c in t.checks] == ["CONSTRAINT_1"]
    assert [fk.name for fk in t.foreign_keys] == ["t_ibfk_1"]
    assert {v for k, v in t.options if k == UNNAMED} == {"CONSTRAINT_1", "t_ibfk_1"}


def test_keys_added_later_and_partitions() -> None:
    catalog, diags = read(
        "SET FOREIGN_KEY_CHECKS=0;\n"
        "CREATE TABLE t (id int NOT NULL, u_id int, PRIMARY KEY (id));\n"
        "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u_id) REFERENCES u (id), ADD KEY ix (u_id);\n"
        "CREATE TABLE u (id int PRIMARY KEY) PARTITION BY HASH (id) PARTITIONS 2;\n"
        "ALTER TABLE t PARTITION BY KEY (id) PARTITIONS 3;\n"
    )
    assert not [d for d in diags if d.is_error]
    t, u = catalog.tables
    assert [(fk.name, fk.inline, fk.position) for fk in t.foreign_keys] == [("fk", False, 3)]
    assert [i.name for i in t.indexes] == ["ix"]
    assert u.partition_by == "HASH (id) PARTITIONS 2"
    kinds = [(r.kind, r.position) for r in catalog.raw]
    assert kinds == [("session", 1), ("partitioning", 5)]


def test_views_triggers_routines_are_carried_with_their_undo() -> None:
    catalog, _ = read(
        "CREATE TABLE t (id int PRIMARY KEY);\n"
        "CREATE DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW v AS SELECT id FROM t;\n"
        "DELIMITER ;;\n"
        "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.id = 1; END;;\n"
        "CREATE FUNCTION f() RETURNS int DETERMINISTIC BEGIN RETURN 1; END;;\n"
        "DELIMITER ;\n"
        "DROP VIEW IF EXISTS v;\n"
        "CREATE VIEW v AS SELECT 2;\n"
    )
    assert [(r.kind, r.name, r.drop) for r in catalog.raw] == [
        ("trigger", "tr", None),
        ("function", "f", "DROP FUNCTION IF EXISTS `f`"),
        ("view", "v", "DROP VIEW IF EXISTS `v`"),
    ]
    assert catalog.raw[0].table is not None and catalog.raw[0].table.name == "t"


# ZoneMinder's triggers.sql: under `delimiter //`, `DROP TRIGGER IF EXISTS t;` and the CREATE
# TRIGGER after it are one chunk, which the server runs as two statements. The reader read the
# DROP and lost the trigger (3 of ZoneMinder's triggers were missing after the round trip).
_ONE_CHUNK = """CREATE TABLE m (id int PRIMARY KEY, n int, d bigint);
CREATE TABLE e (id int PRIMARY KEY, mid int, d bigint);
delimiter //
DROP TRIGGER IF EXISTS e_ins//
CREATE TRIGGER e_ins AFTER INSERT ON e FOR EACH ROW BEGIN UPDATE m SET n = 1; END;
//
DROP TRIGGER IF EXISTS e_upd;
CREATE TRIGGER e_upd AFTER UPDATE ON e
FOR EACH ROW
  BEGIN
    declare diff BIGINT default 0;
    set diff = COALESCE(NEW.d,0) - COALESCE(OLD.d,0);
    IF ( diff ) THEN
      IF ( NEW.mid != OLD.mid ) THEN
        UPDATE m SET d = GREATEST(COALESCE(d,0) - 1, 0) WHERE id = OLD.mid;
      ELSE
        UPDATE m SET d = IF(d > 0, d + diff, diff), n = CHAR_LENGTH(REPEAT('x', 2));
      END IF;
    END IF;
    CASE WHEN diff > 0 THEN SET diff = 1; ELSE SET diff = CASE diff WHEN 0 THEN 0 END; END CASE;
  END;
//
DROP PROCEDURE IF EXISTS p; CREATE PROCEDURE p() BEGIN DECLARE i INT DEFAULT 0;
  lbl: LOOP SET i = i + 1; IF i > 3 THEN LEAVE lbl; END IF; END LOOP;
  WHILE i > 0 DO SET i = i - 1; END WHILE; REPEAT SET i = i + 1; UNTIL i > 2 END REPEAT; END;
SET @a = 1; SET @b = 2//
DELIMITER ;
"""


def test_a_chunk_of_several_statements_is_each_of_them() -> None:
    catalog, diags = read(_ONE_CHUNK)
    assert not [d for d in diags if d.is_error], [str(d) for d in diags]
    raw = [(r.kind, r.name) for r in catalog.raw if r.kind != "session"]
    assert raw == [("trigger", "e_ins"), ("trigger", "e_upd"), ("procedure", "p")], raw
    upd = next(r for r in catalog.raw if r.name == "e_upd")
    assert upd.sql.startswith("CREATE TRIGGER e_upd") and upd.sql.endswith("END CASE;\n  END")
    assert upd.span.line == 8
    sets = [r.sql for r in catalog.raw if r.kind == "session"]
    assert sets == ["SET @a = 1", "SET @b = 2"], sets


def test_drop_takes_every_name_and_nothing_after_it_is_lost() -> None:
    catalog, diags = read(
        "CREATE VIEW v1 AS SELECT 1;\nCREATE VIEW v2 AS SELECT 2;\nCREATE VIEW v3 AS SELECT 3;\n"
        "DROP VIEW IF EXISTS v1, v2;\n"
    )
    assert [r.name for r in catalog.raw] == ["v3"]
    _, diags = read("CREATE TABLE t (id int PRIMARY KEY);\nDROP TRIGGER IF EXISTS tr tr2;")
    errors = [str(d) for d in diags if d.is_error]
    assert len(errors) == 1 and "unexpected text after DROP TRIGGER" in errors[0], errors


def test_unbalanced_blocks_leave_the_chunk_whole() -> None:
    from dbgen.mysql.compound import statements

    text = "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2"
    assert statements(text) == [(0, len(text))]
    assert statements("BEGIN; SELECT 1") == [(0, 5), (7, 15)]  # a transaction, not a block
    text = "DROP TABLE IF EXISTS t; CREATE TABLE IF NOT EXISTS t (a int)"
    assert [text[a:b] for a, b in statements(text)] == [
        "DROP TABLE IF EXISTS t",
        "CREATE TABLE IF NOT EXISTS t (a int)",
    ]


def test_mysqldump_stand_in_tables_are_replaced() -> None:
    catalog, _ = read(
        "CREATE TABLE v (x tinyint NOT NULL) ENGINE=MyISAM;\n"
        "DROP TABLE IF EXISTS v;\n"
        "CREATE VIEW v AS SELECT 1 AS x;\n"
    )
    assert catalog.tables == ()
    assert [r.kind for r in catalog.raw] == ["view"]


def test_what_is_not_schema_is_reported_with_its_position() -> None:
    _, diags = read(
        "CREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t VALUES (1);\nLOCK TABLES t WRITE;"
    )
    assert [(d.severity.value, d.span.line, d.span.col) for d in diags] == [
        ("warning", 2, 1),
        ("note", 3, 1),
    ]


def test_errors_name_file_line_and_column() -> None:
    _, diags = read("CREATE TABLE t (\n  id int,\n  x wibble(3)\n);")
    (d,) = [d for d in diags if d.is_error]
    assert (d.span.file, d.span.line, d.span.col, d.code) == ("s.sql", 3, 5, "mysql-unknown-type")
    _, diags = read("CREATE TABLE t (id int) ENGINE=InnoDB FROBNICATE=1;")
    assert [d.code for d in diags if d.is_error] == ["mysql-unsupported"]
    _, diags = read("GRANT ALL ON *.* TO x;\nFROBNICATE;")
    assert [(d.code, d.span.line) for d in diags if d.is_error] == [
        ("mysql-unsupported-statement", 2)
    ]
    _, diags = read("CREATE TABLE t (s varchar(3) DEFAULT 'x);")
    assert [d.code for d in diags if d.is_error] == ["mysql-unterminated"]


def test_column_names_in_keys_ignore_case_and_must_exist() -> None:
    catalog, diags = read(
        "CREATE TABLE Parent (ID int NOT NULL, Name varchar(9), PRIMARY KEY (id), KEY (NAME));\n"
        "CREATE TABLE child (id int PRIMARY KEY, parent_id int,"
        " FOREIGN KEY (PARENT_ID) REFERENCES Parent (Id));"
    )
    assert not [d for d in diags if d.is_error]
    parent, child = catalog.tables
    assert parent.primary_key is not None and parent.primary_key.columns == ("ID",)
    assert parent.indexes[0].elements[0].column == "Name"
    (fk,) = child.foreign_keys
    assert (fk.columns, fk.ref_columns) == (("parent_id",), ("ID",))
    _, diags = read("CREATE TABLE t (id int PRIMARY KEY,\n  KEY (nope));")
    assert [(d.code, d.span.line, d.span.col) for d in diags if d.is_error] == [
        ("mysql-unknown-column", 2, 8)
    ]


def test_a_foreign_key_to_a_table_never_created_is_reported() -> None:
    catalog, diags = read(
        "SET FOREIGN_KEY_CHECKS=0;\n"
        "CREATE TABLE t (id int PRIMARY KEY, u_id int, FOREIGN KEY (u_id) REFERENCES u (id),\n"
        "  v_id int, CONSTRAINT fk_v FOREIGN KEY (v_id) REFERENCES v (nope));\n"
        "CREATE TABLE v (id int PRIMARY KEY);"
    )
    errors = [(d.code, d.span.line) for d in diags if d.is_error]
    assert errors == [("mysql-unknown-table", 2), ("mysql-unknown-column", 3)]
    assert catalog.tables[0].foreign_keys == ()


def _lines_run(sql: str) -> int:
    """How many lines of dbgen's Python reading ``sql`` runs (a count, not a time: the same on
    a loaded machine)."""
    import sys
    from types import FrameType
    from typing import Any

    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        count += event == "line"
        return local

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        return local if "/dbgen/" in frame.f_code.co_filename else None

    from dbgen.dialects import get_dialect
    from dbgen.dialects import read_schema as read_any

    sys.settrace(tracer)
    try:
        catalog, diags = read_any(get_dialect("mysql"), [("s.sql", sql)])
    finally:
        sys.settrace(None)
    assert catalog is not None and not [d for d in diags if d.is_error], diags
    return count


def test_a_long_literal_is_not_read_a_character_at_a_time() -> None:
    """The splitter, the tokenizer and the unquoting step over a string literal with one
    regex match each (a 4 MB COMMENT took seconds of CPU a character at a time): the reader
    runs as many lines of Python for a 400 KB literal as for a 1 KB one, plain, with escapes and
    doubled quotes, as a default and as a comment."""

    def sql(literal: str, where: str) -> str:
        clause = f"DEFAULT '{literal}'" if where == "default" else f"COMMENT '{literal}'"
        return f"CREATE TABLE t (id int NOT NULL PRIMARY KEY, x text {clause}) ENGINE=InnoDB;"

    for unit in ("a", "ab\\'''c\\n"):
        for where in ("default", "comment"):
            small = _lines_run(sql(unit * (1000 // len(unit)), where))
            large = _lines_run(sql(unit * (400_000 // len(unit)), where))
            assert large <= small + 50, (unit, where, small, large)


def test_string_values_unescape_as_mysql_does() -> None:
    t = table(r"""CREATE TABLE t (a varchar(9) COMMENT 'it''s \"q\" a\\b\n\%', b int);""")
    # \% keeps its backslash, as the server keeps it
    assert t.columns[0].comment == 'it\'s "q" a\\b\n\\%'
    t = table("""CREATE TABLE t (a varchar(9) COMMENT "say ""hi"" 'x'", b int);""")
    assert t.columns[0].comment == "say \"hi\" 'x'"


def test_a_column_references_clause_is_a_foreign_key_numbered_in_order() -> None:
    """MariaDB (10.5 on) makes a column's REFERENCES a foreign key (tt-rss writes them); its
    unnamed keys are numbered <table>_ibfk_<n> in declaration order, table constraints and
    column clauses alike, and an ALTER ... ADD COLUMN carries on the count."""
    catalog, diags = read(
        "CREATE TABLE p (id int PRIMARY KEY, code varchar(5) UNIQUE);\n"
        "CREATE TABLE c (id int PRIMARY KEY,\n"
        "  b int REFERENCES p(id) ON DELETE SET NULL,\n"
        "  CONSTRAINT x FOREIGN KEY (b) REFERENCES p (id),\n"
        "  FOREIGN KEY (id) REFERENCES p (id),\n"
        "  c varchar(5) NOT NULL UNIQUE REFERENCES `p` (`code`) MATCH FULL ON UPDATE CASCADE);\n"
        "ALTER TABLE c ADD COLUMN e int REFERENCES p (id) ON DELETE CASCADE;"
    )
    assert not [d for d in diags if d.is_error or "inline-references" in d.code]
    c = next(t for t in catalog.tables if t.qname.name == "c")
    keys = [
        (fk.name, fk.columns, fk.ref_columns, fk.on_delete, fk.on_update, fk.inline)
        for fk in c.foreign_keys
    ]
    assert keys == [
        ("c_ibfk_1", ("b",), ("id",), "SET NULL", None, True),
        ("x", ("b",), ("id",), None, None, True),
        ("c_ibfk_2", ("id",), ("id",), None, None, True),
        ("c_ibfk_3", ("c",), ("code",), None, "CASCADE", True),
        ("c_ibfk_4", ("e",), ("id",), "CASCADE", None, False),
    ]
    assert [u.columns for u in c.uniques] == [("c",)]


def test_a_column_references_clause_without_columns_is_refused() -> None:
    # MariaDB rejects it (errno 150) instead of guessing the key
    _, diags = read("CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE c (a int REFERENCES p);")
    errors = [str(d) for d in diags if d.is_error]
    assert len(errors) == 1 and errors[0].startswith("s.sql:2:"), errors


def test_a_primary_key_name_is_dropped_as_the_server_drops_it() -> None:
    """gammu-smsd writes `PRIMARY KEY `ID` (`ID`)`: the grammar's index name, ignored."""
    catalog, diags = read(
        "CREATE TABLE t (ID int unsigned NOT NULL auto_increment, PRIMARY KEY `ID` (`ID`));\n"
        "CREATE TABLE u (a int NOT NULL, b int NOT NULL, PRIMARY KEY u_pk USING BTREE (a, b));"
    )
    t, u = catalog.tables
    assert t.primary_key is not None and t.primary_key.columns == ("ID",)
    assert t.primary_key.name == "PRIMARY"
    assert [d.code for d in diags if d.code == "mysql-pk-name"] == ["mysql-pk-name"] * 2
    assert u.primary_key is not None and u.primary_key.options == (("using", "BTREE"),)
    assert not [d for d in diags if d.is_error]


def test_a_primary_key_keeps_its_prefixes_and_using() -> None:
    """cacti's `PRIMARY KEY (pid(75))`, ejabberd's `PRIMARY KEY (...) USING BTREE` and
    `USING HASH`: once refused (ir.PrimaryKey had no room for them)."""
    catalog, diags = read(
        "CREATE TABLE a (pid varchar(255) NOT NULL, PRIMARY KEY (pid(75)));\n"
        "CREATE TABLE b (h varchar(191) NOT NULL, n varchar(191) NOT NULL,\n"
        "  PRIMARY KEY (h(20), n(191)) USING HASH);\n"
        "CREATE TABLE c (k text NOT NULL, x int);\n"
        "ALTER TABLE c ADD PRIMARY KEY USING BTREE (k(12));\n"
        "CREATE TABLE d (k varchar(9) NOT NULL, PRIMARY KEY (k) COMMENT 'no');\n"
        "CREATE TABLE e (k int NOT NULL, PRIMARY KEY (k DESC));"
    )
    a, b, c = catalog.tables
    assert a.primary_key is not None and a.primary_key.lengths == (("pid", 75),)
    assert b.primary_key is not None and b.primary_key.lengths == (("h", 20),)
    assert b.primary_key.options == (("using", "HASH"),)
    assert c.primary_key is not None and not c.primary_key.inline
    assert (c.primary_key.lengths, c.primary_key.options) == ((("k", 12),), (("using", "BTREE"),))
    errors = [str(d) for d in diags if d.is_error]
    assert [e.split(":")[1] for e in errors] == ["6", "7"], errors


def test_a_prefix_as_long_as_its_column_is_the_whole_column() -> None:
    """ejabberd writes `PRIMARY KEY (server_host(191), username)` on a varchar(191): the
    server keeps a key part whose prefix is the column's length as the plain column, in any
    key; a shorter prefix, and any prefix of a TEXT or BLOB, stays."""
    t = table(
        "CREATE TABLE t (a varchar(191) NOT NULL, b varbinary(8), c char(4), d text,\n"
        "  e varchar(40), PRIMARY KEY (a(191), c), KEY kb (b(8)), UNIQUE KEY kc (c(4)),\n"
        "  KEY kd (d(10)), KEY ke (e(20), a(191)))"
    )
    assert t.primary_key is not None and t.primary_key.columns == ("a", "c")
    assert [(u.name, u.columns) for u in t.uniques] == [("kc", ("c",))]
    lengths = {i.name: [e.length for e in i.elements] for i in t.indexes}
    assert lengths == {"kb": [None], "kd": [10], "ke": [20, None]}

"""PostgreSQL's choice of names for unnamed objects."""

from __future__ import annotations

from dbgen.ddl import read_schema
from dbgen.ddl.names import Namespaces, make_object_name, name_addition, truncate_identifier
from dbgen.ir import Catalog, QName


def _read(sql: str) -> Catalog:
    cat, diags = read_schema([("n.sql", sql)])
    assert [str(d) for d in diags if d.is_error] == []
    return cat


def test_make_object_name_truncates_longer_part_first() -> None:
    long1 = "a" * 40
    long2 = "b" * 30
    name = make_object_name(long1, long2, "key")
    assert len(name) == 63
    assert name == "a" * 29 + "_" + "b" * 29 + "_key"
    assert make_object_name("t", None, "pkey") == "t_pkey"


def test_truncation_respects_utf8_boundaries() -> None:
    name = truncate_identifier("é" * 40)  # 80 bytes
    assert name == "é" * 31
    assert len(make_object_name("é" * 40, None, "pkey").encode()) <= 63


def test_name_addition_stops_after_63_bytes() -> None:
    cols = ["c" * 30, "d" * 30, "e" * 30, "f"]
    assert name_addition(cols) == "c" * 30 + "_" + "d" * 30 + "_" + "e" * 30


def test_conflicts_get_numbered_labels() -> None:
    ns = Namespaces()
    ns.add_relation("public", "t_a_idx")
    assert ns.choose_index_name("public", "t", ["a"], "idx") == "t_a_idx1"
    ns.add_constraint("public", "t_a_key")
    assert ns.choose_index_name("public", "t", ["a"], "key") == "t_a_key1"
    # plain indexes do not look at constraint names
    ns.add_constraint("public", "t_b_idx")
    assert ns.choose_index_name("public", "t", ["b"], "idx") == "t_b_idx"


def test_constraint_names() -> None:
    cat = _read(
        "CREATE TABLE p (id int PRIMARY KEY, code text UNIQUE);"
        "CREATE TABLE t (id int, a int CHECK (a > 0), b int, CHECK (a < b), CHECK (b > 0),"
        " p_id int REFERENCES p, code text REFERENCES p (code), UNIQUE (a, b), PRIMARY KEY (id));"
        "ALTER TABLE t ADD CHECK (a > 1);"
        "ALTER TABLE t ADD FOREIGN KEY (p_id) REFERENCES p;"
    )
    t = cat.table(QName("public", "t"))
    assert t is not None and t.primary_key is not None
    assert t.primary_key.name == "t_pkey"
    assert [c.name for c in t.checks] == ["t_a_check", "t_check", "t_b_check", "t_a_check1"]
    assert [(c.name, c.inline) for c in t.uniques] == [("t_a_b_key", True)]
    assert [(f.name, f.ref_columns, f.inline) for f in t.foreign_keys] == [
        ("t_p_id_fkey", ("id",), True),
        ("t_code_fkey", ("code",), True),
        ("t_p_id_fkey1", ("id",), False),
    ]
    assert t.foreign_keys[2].position > t.position


def test_index_names_with_expressions_include_and_conflicts() -> None:
    cat = _read(
        "CREATE TABLE t (a int, b text, c text);"
        "CREATE INDEX ON t (a); CREATE INDEX ON t (a);"
        "CREATE INDEX ON t (lower(b), (b || c), (c::text), a) INCLUDE (c);"
        "CREATE INDEX ON t ((a + 1)); CREATE INDEX ON t (a, a);"
    )
    assert [i.name for i in cat.tables[0].indexes] == [
        "t_a_idx",
        "t_a_idx1",
        "t_lower_expr_c_a_c1_idx",
        "t_expr_idx",
        "t_a_a1_idx",
    ]


def test_serial_sequence_name_truncation_and_conflict() -> None:
    long_t = "t" * 60
    long_c = "c" * 60
    cat = _read(
        f"CREATE TABLE x_id_seq (v int); CREATE TABLE x (id serial); CREATE TABLE {long_t} ({long_c} serial);"
    )
    assert [s.qname.name for s in cat.sequences] == [
        "x_id_seq1",
        "t" * 29 + "_" + "c" * 29 + "_seq",
    ]
    x = cat.table(QName("public", "x"))
    assert x is not None and x.columns[0].default == "nextval('x_id_seq1'::regclass)"


def test_unique_duplicating_primary_key_is_dropped_like_postgres() -> None:
    cat = _read("CREATE TABLE t (id int PRIMARY KEY UNIQUE, v int UNIQUE, UNIQUE (v));")
    t = cat.tables[0]
    assert [u.name for u in t.uniques] == ["t_v_key"]

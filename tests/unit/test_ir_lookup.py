"""Catalog.table() and BoundSpec.entity() answer from a dict built with the object (a linear
scan per lookup made a 500-table build quadratic): the same answers as the scan, the first of a
name winning, a catalog made by dataclasses.replace indexed again, and the index is no data
(`dbgen inspect` and equality do not see it)."""

from __future__ import annotations

import dataclasses

from dbgen.dialects import get_dialect
from dbgen.graph import build_graph
from dbgen.ir import Catalog, QName, Table
from dbgen.jsonify import to_jsonable
from dbgen.spec import BoundSpec, load_spec

A, B = QName("public", "a"), QName("s", "b")


def test_table_lookup() -> None:
    first, second, other = Table(A, (), position=1), Table(A, (), position=2), Table(B, ())
    cat = Catalog(tables=(first, other, second))
    assert cat.table(A) is first
    assert cat.table(B) is other
    assert cat.table(QName("public", "b")) is None
    grown = dataclasses.replace(cat, tables=(other, Table(QName("public", "v"), ())))
    assert grown.table(A) is None
    assert grown.table(QName("public", "v")) is not None
    assert cat == Catalog(tables=(first, other, second))
    assert "_tables" not in to_jsonable(cat)
    assert set(to_jsonable(cat)) == {f.name for f in dataclasses.fields(cat) if f.init}


def test_entity_lookup() -> None:
    sql = "CREATE TABLE a (id int PRIMARY KEY);\nCREATE SCHEMA s;\nCREATE TABLE s.b (id int PRIMARY KEY);"
    catalog, problems = get_dialect("postgresql").read_schema((("schema.sql", sql),))
    assert catalog is not None and not problems
    bound, diags = load_spec(
        "crud.yaml", "version: 1\npackage: p\nentities:\n  a: {}\n  s.b: {}\n", build_graph(catalog)
    )
    assert bound is not None and not diags, diags
    a, b = bound.entities
    assert bound.entity(A) is a and bound.entity(B) is b
    assert bound.entity(QName("public", "b")) is None
    twice = BoundSpec(1, "p", (a, b, dataclasses.replace(a, key="again")), ())
    assert twice.entity(A) is a
    assert twice == BoundSpec(1, "p", (a, b, dataclasses.replace(a, key="again")), ())

"""The schema graph: mapped tables, associations and relationships, decided once and read by
spec binding, scaffold and planning alike."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dbgen.ddl import read_schema
from dbgen.graph import RelationKind, SchemaGraph, build_graph
from dbgen.graph.naming import class_name
from dbgen.ir import QName
from dbgen.plan.models import plan_project
from dbgen.scaffold import scaffold
from dbgen.spec import load_spec
from support.generated import build, errors, import_all, write

SCHEMA = """
CREATE SCHEMA sales;
CREATE TABLE person (id int PRIMARY KEY, parent_id int REFERENCES person (id), name text);
CREATE TABLE passport (id int PRIMARY KEY, person_id int UNIQUE NOT NULL REFERENCES person);
CREATE TABLE tag (id int PRIMARY KEY);
CREATE TABLE person_tag (person_id int REFERENCES person, tag_id int REFERENCES tag,
                         PRIMARY KEY (person_id, tag_id));
CREATE TABLE friendship (a int REFERENCES person, b int REFERENCES person, PRIMARY KEY (a, b));
CREATE TABLE transfer (id int PRIMARY KEY, src int REFERENCES person, dst int REFERENCES person,
                       note_id int REFERENCES tag);
CREATE TABLE rated (person_id int REFERENCES person, tag_id int REFERENCES tag,
                    stars int, PRIMARY KEY (person_id, tag_id));
CREATE TABLE log (at timestamptz, person_id int REFERENCES person);
CREATE TABLE sales.orders (id int, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (d);
CREATE TABLE sales.orders_2020 PARTITION OF sales.orders
    FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
"""


def _graph(sql: str = SCHEMA) -> SchemaGraph:
    catalog, diags = read_schema([("schema.sql", textwrap.dedent(sql))])
    assert not [d for d in diags if d.is_error], diags
    return build_graph(catalog)


def _q(name: str) -> QName:
    schema, _, table = name.rpartition(".")
    return QName(schema or "public", table)


def _ends(g: SchemaGraph, table: str) -> list[tuple[str, str, str | None]]:
    return [
        (r.kind.value, str(r.target), str(r.association) if r.association else None)
        for r in g.relations(_q(table))
    ]


def test_mapped_tables_and_associations() -> None:
    g = _graph()
    assert not g.is_mapped(_q("log"))  # no primary key: a Core table
    assert not g.is_mapped(_q("sales.orders_2020"))  # a partition: reached via its parent
    assert g.is_mapped(_q("sales.orders"))
    # Exactly two disjoint keys and nothing else: person_tag and friendship; rated has stars.
    assert g.associations == {_q("person_tag"), _q("friendship")}
    assert g.table_vars[_q("log")] == "log_table"
    assert _q("person") not in g.table_vars


def test_every_kind_of_relation_in_catalog_order() -> None:
    g = _graph()
    assert _ends(g, "person") == [
        ("many_to_one", "person", None),  # parent_id
        ("one_to_many", "person", None),  # its inverse, on the same class
        ("one_to_one", "passport", None),  # passport.person_id is unique
        ("many_to_many", "tag", "person_tag"),
        ("many_to_many", "person", "friendship"),  # both ends are person
        ("many_to_many", "person", "friendship"),
        ("one_to_many", "transfer", None),
        ("one_to_many", "transfer", None),
        ("one_to_many", "rated", None),  # rated is not pure: a one-to-many
    ]
    assert _ends(g, "person_tag") == []  # the association itself takes part in nothing
    assert _ends(g, "log") == []  # Core tables take part in nothing
    assert g.keys_between(_q("transfer"), _q("person")) == 2
    assert g.keys_between(_q("passport"), _q("person")) == 1
    assert g.related(_q("tag")) == (_q("person"), _q("transfer"), _q("rated"))


def test_a_key_pairing_each_column_with_itself_gets_no_relation() -> None:
    g = _graph("CREATE TABLE a (id int PRIMARY KEY REFERENCES a (id), up int REFERENCES a);")
    assert [r.fk.columns for r in g.relations(_q("a"))] == [("up",), ("up",)]


IDENTITY_SELF_KEYS = [
    "CREATE TABLE a (id integer PRIMARY KEY REFERENCES a (id), name text);",
    "CREATE TABLE a (x int, y int, PRIMARY KEY (x, y), FOREIGN KEY (x, y) REFERENCES a (x, y));",
    # Two keys to itself and no other column: not an association of itself; up is a parent.
    "CREATE TABLE a (id int PRIMARY KEY REFERENCES a (id), up int REFERENCES a);",
]


@pytest.mark.parametrize(
    ("sql", "relationships"),
    list(zip(IDENTITY_SELF_KEYS, (0, 0, 2), strict=True)),
    ids=["single", "composite", "and-a-parent"],
)
def test_a_primary_key_referencing_itself_builds_and_configures(
    sql: str, relationships: int, tmp_path: Path
) -> None:
    crud = "version: 1\npackage: selfref_db\nentities:\n  a:\n    operations: [get, list, create]\n"
    result = build(sql, crud)
    assert result.ok, errors(result)
    model = result.files["selfref_db/models/a.py"]
    assert model.count("relationship(") == relationships
    assert "ForeignKey" in model  # the constraint is kept
    proc = import_all(write(result, tmp_path), "selfref_db")
    assert proc.returncode == 0, proc.stderr


def test_naming_it_as_a_relation_says_why_there_is_none() -> None:
    sql = IDENTITY_SELF_KEYS[0]
    result = build(sql, "version: 1\npackage: p\nentities:\n  a:\n    relations: [a]\n")
    assert errors(result) == [
        "crud.yaml:5:17: error[unknown-relation]: table 'a' has no relation 'a' (its foreign "
        "key to itself pairs each column with itself: every row references itself)"
    ]
    result = build(
        SCHEMA, "version: 1\npackage: p\nentities:\n  tag:\n    relations: [person_tag]\n"
    )
    assert errors(result) == [
        "crud.yaml:5:17: error[unknown-relation]: table 'tag' has no relation 'person_tag' "
        "(table 'person_tag' is a pure association table: it links 'person' and "
        "'tag' many-to-many and has no relations of its own) (did you mean 'person'?)"
    ]


def test_binding_scaffold_and_planning_agree_on_every_relation() -> None:
    """The three readers of the graph: what scaffold lists, binding accepts and the model
    planner gives a relationship to are the same tables."""
    g = _graph()
    text = scaffold(g, "p", ["schema.sql"])
    spec, diags = load_spec("crud.yaml", text, g)
    assert spec is not None, diags
    plan = plan_project(g, "p", spec)
    for entity in spec.entities:
        planned = {r.target for r in plan.entity(entity.qname).relationships}
        assert {r.target for r in entity.relations} == planned == set(g.related(entity.qname))
        for rel in entity.relations:
            assert rel.paths == g.relations_between(entity.qname, rel.target)
    kinds = {r.kind for e in plan.entities for r in e.relationships}
    assert kinds == set(RelationKind)


_PACKAGE = Path(__file__).resolve().parents[2] / "generator" / "dbgen"


def _imports(module: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("spec", ("dbgen.plan",)), ("graph", ("dbgen.plan", "dbgen.spec", "dbgen.render"))],
)
def test_no_import_cycle_between_spec_and_plan(package: str, forbidden: tuple[str, ...]) -> None:
    for module in sorted((_PACKAGE / package).glob("*.py")):
        bad = sorted(m for m in _imports(module) if m.startswith(forbidden))
        assert not bad, f"{module.name} imports {bad}"


@pytest.mark.parametrize("layout", ["layer", "feature"])
@pytest.mark.parametrize("order", ["widget first", "sync_widget first"])
def test_a_class_named_after_another_ones_sync_repository_is_renamed(
    layout: str, order: str, tmp_path: Path
) -> None:
    # widget's SyncWidgetRepository and sync_widget's (async) SyncWidgetRepository would share the
    # repositories facade and the unit of work's imports; the later table gives way.
    tables = ["widget", "sync_widget", "widget_repository"]
    if order != "widget first":
        tables.reverse()
    sql = "".join(f"CREATE TABLE {t} (id int PRIMARY KEY, note text);\n" for t in tables)
    crud = "version: 1\npackage: clash_db\nentities:\n" + "".join(
        f"  {t}:\n    operations: [get, list, create]\n"
        + (f"    feature: f{i}\n" if layout == "feature" else "")
        for i, t in enumerate(tables)
    )
    graph = _graph(sql)
    names = graph.class_names()
    made = [n for c in names.values() for n in (c, f"{c}Repository", f"Sync{c}Repository")]
    assert len(made) == len(set(made)), names
    first = _q(tables[0])
    assert names[first] == class_name(first)  # the first keeps its natural name
    result = build(sql, crud, layout)
    assert result.ok, errors(result)
    out = write(result, tmp_path)
    check = (
        "import clash_db.repositories as r, clash_db.uow as u\n"
        "for n in r.__all__:\n"
        "    cls = getattr(r, n)\n"
        "    assert cls.__name__ == n, (n, cls)\n"
        "print(len(r.__all__))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", check], cwd=out, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(2 * len(tables))

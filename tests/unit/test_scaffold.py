"""dbgen scaffold: the starter crud.yaml is complete, fits each table, and the loader accepts it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from dbgen.ddl import read_schema
from dbgen.graph import build_graph
from dbgen.scaffold import default_package, scaffold, yaml_scalar
from dbgen.spec import load_spec

SCHEMA = """
CREATE SCHEMA shop;
CREATE TYPE mood AS ENUM ('a', 'b');
CREATE TABLE shop.customers (
    id serial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    "on" boolean,
    "Yes" integer,
    mood mood,
    tags text[],
    doc jsonb,
    search tsvector
);
CREATE INDEX customers_mood ON shop.customers (mood);
CREATE TABLE shop.orders (
    id bigint PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES shop.customers,
    placed date NOT NULL,
    ref uuid,
    CONSTRAINT orders_ref_key UNIQUE (ref)
);
CREATE INDEX orders_placed ON shop.orders (placed);
CREATE TABLE tags (id int PRIMARY KEY);
CREATE TABLE order_tags (
    order_id bigint REFERENCES shop.orders,
    tag_id int REFERENCES tags,
    PRIMARY KEY (order_id, tag_id)
);
CREATE TABLE log (at timestamptz NOT NULL, line text);
CREATE INDEX log_at ON log (at);
CREATE TABLE m (id int, d date NOT NULL, PRIMARY KEY (id, d)) PARTITION BY RANGE (d);
CREATE TABLE m1 PARTITION OF m FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
"""


def _spec() -> tuple[str, dict[str, dict[str, object]]]:
    catalog, diags = read_schema([("schema.sql", SCHEMA)])
    assert not [d for d in diags if d.is_error]
    graph = build_graph(catalog)
    text = scaffold(graph, "shop_db", ["schema.sql"])
    bound, spec_diags = load_spec("crud.yaml", text, graph)
    assert bound is not None, spec_diags
    assert not [d for d in spec_diags if d.is_error], spec_diags
    return text, yaml.safe_load(text)["entities"]


def test_every_table_but_partitions_is_an_entity() -> None:
    _, entities = _spec()
    assert list(entities) == ["shop.customers", "shop.orders", "tags", "order_tags", "log", "m"]


def test_operations_fit_the_table() -> None:
    _, e = _spec()
    assert e["log"]["operations"] == ["list", "count"]  # no primary key: read-only
    # all columns are key: nothing to update
    assert e["order_tags"]["operations"] == [
        "get",
        "list",
        "count",
        "exists",
        "create",
        "delete",
        "bulk_create",
        "bulk_delete",
    ]
    assert "upsert" in e["shop.orders"]["operations"]


def test_filters_sorts_finders_relations() -> None:
    _, e = _spec()
    orders = e["shop.orders"]
    assert orders["filters"] == {
        "id": ["eq", "in", "lt", "lte", "gt", "gte", "between"],
        "customer_id": ["eq", "in"],  # a reference is matched, not ranged
        "placed": ["eq", "in", "lt", "lte", "gt", "gte", "between"],
        "ref": ["eq", "in", "is_null"],
    }
    assert orders["sort"] == ["id", "customer_id", "placed", "ref"]
    assert orders["finders"] == [{"by": ["ref"], "exists": True}]
    assert orders["relations"] == ["shop.customers", "tags"]  # tags: many-to-many via order_tags
    customers = e["shop.customers"]
    assert customers["filters"]["email"] == ["eq", "in", "like", "ilike"]
    assert customers["filters"]["mood"] == ["eq", "in", "is_null"]
    assert "search" not in customers["filters"]  # indexes on tsvector are for searching
    assert e["log"]["filters"] == {"at": ["eq", "in", "lt", "lte", "gt", "gte", "between"]}


def test_yaml_quotes_what_yaml_would_misread() -> None:
    assert yaml_scalar("plain_name") == "plain_name"
    assert yaml.safe_load(yaml_scalar("on")) == "on"
    assert yaml.safe_load(yaml_scalar("Yes")) == "Yes"
    assert yaml.safe_load(yaml_scalar("größe")) == "größe"
    assert yaml.safe_load(yaml_scalar('we"ird: name')) == 'we"ird: name'


def test_default_package_from_directory(tmp_path: Path) -> None:
    d = tmp_path / "My-Shop"
    d.mkdir()
    assert default_package([d / "schema.sql"]) == "my_shop_db"


def test_cli_writes_the_file(tmp_path: Path) -> None:
    spec = tmp_path / "shop"
    spec.mkdir()
    (spec / "schema.sql").write_text(SCHEMA)
    proc = subprocess.run(
        [sys.executable, "-m", "dbgen", "scaffold", "schema.sql", "--out", "crud.yaml"],
        cwd=spec,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "package: shop_db" in (spec / "crud.yaml").read_text()
    bad = subprocess.run(
        [sys.executable, "-m", "dbgen", "scaffold", "missing.sql"],
        cwd=spec,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2


RICH = """
CREATE TABLE notes (
    id bigserial PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    title text NOT NULL,
    body text,
    labels text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE stamped (
    id int PRIMARY KEY,
    note text,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TRIGGER stamped_touch BEFORE UPDATE ON stamped FOR EACH ROW EXECUTE FUNCTION stamp();
"""


def test_rich_starter_search_sort_touch_exists_and_index_hints() -> None:
    catalog, diags = read_schema([("schema.sql", RICH)])
    assert not [d for d in diags if d.is_error]
    graph = build_graph(catalog)
    text = scaffold(graph, "notes_db", ["schema.sql"])
    bound, spec_diags = load_spec("crud.yaml", text, graph)
    assert bound is not None and not [d for d in spec_diags if d.is_error], spec_diags
    notes = yaml.safe_load(text)["entities"]["notes"]
    assert notes["search"] == ["slug", "title", "body"]  # text, not the key, not arrays
    assert notes["default_sort"] == ["-created_at"]  # newest first
    assert notes["touch"] == ["updated_at"]
    assert notes["finders"] == [{"by": ["slug"], "exists": True}]
    assert notes["filters"] == {
        "id": ["eq", "in", "lt", "lte", "gt", "gte", "between"],
        "slug": ["eq", "in", "like", "ilike"],
    }
    # The other columns are offered as comments naming the index they would need.
    assert (
        "      # title: [eq, in, like, ilike]  # needs CREATE INDEX ON public.notes (title)\n"
        in text
    )
    assert (
        "      # labels: [contains]  # needs CREATE INDEX ON public.notes USING gin (labels)\n"
        in text
    )
    stamped = yaml.safe_load(text)["entities"]["stamped"]
    assert "touch" not in stamped  # its trigger sets updated_at already
    assert stamped["default_sort"] == ["id"]  # no creation timestamp: the key
    assert bound.entity(next(e.qname for e in bound.entities if e.key == "notes")).touch == (
        "updated_at",
    )


def test_scaffold_without_indexed_filters_comments_the_key() -> None:
    catalog, _ = read_schema([("schema.sql", "CREATE TABLE t (a int, b text);")])
    graph = build_graph(catalog)
    text = scaffold(graph, "t_db", ["schema.sql"])
    assert "    # filters:\n      # a: [eq, in, lt, lte, gt, gte, between, is_null]" in text
    bound, diags = load_spec("crud.yaml", text, graph)
    assert bound is not None, diags

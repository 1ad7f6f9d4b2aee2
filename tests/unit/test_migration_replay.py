"""The migration replays what the source relied on: its search_path, and drops in an order that
undoes objects created between a table and what hangs off it."""

from __future__ import annotations

from dbgen.ddl import read_schema
from dbgen.graph import build_graph
from dbgen.plan.migration import MigrationPlan, plan_migration
from dbgen.plan.models import plan_project


def _plan(sql: str) -> MigrationPlan:
    catalog, diags = read_schema([("s.sql", sql)])
    assert not [d for d in diags if d.is_error], diags
    return plan_migration(catalog, plan_project(build_graph(catalog), "p").type_context)


def _upgrade(m: MigrationPlan) -> list[str]:
    return [line for s in m.steps for line in s.upgrade]


def _downgrade(m: MigrationPlan) -> list[str]:
    return [line for s in m.downgrade_steps for line in s.downgrade]


def test_search_path_changes_are_replayed_in_place() -> None:
    m = _plan(
        "CREATE SCHEMA app;\n"
        "SET search_path = app, public;\n"
        "CREATE FUNCTION ok(t text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;\n"
        "CREATE TABLE t (id int PRIMARY KEY, v text CHECK (ok(v)));\n"
        "SET search_path = public;\n"
        "CREATE TABLE u (id int PRIMARY KEY);\n"
    )
    up = _upgrade(m)
    set_app = up.index('op.execute(sa.text("SET LOCAL search_path TO app, public"))')
    function = next(i for i, line in enumerate(up) if "CREATE FUNCTION ok" in line)
    table_t = next(i for i, line in enumerate(up) if 'op.create_table("t"' in line)
    back = up.index('op.execute(sa.text("SET LOCAL search_path TO DEFAULT"))')
    assert set_app < function < table_t < back
    # the downgrade walks back through the same paths
    down = _downgrade(m)
    assert down.index('op.execute(sa.text("SET LOCAL search_path TO app, public"))') < next(
        i for i, line in enumerate(down) if "DROP FUNCTION app.ok(text)" in line
    )


def test_public_objects_are_qualified_while_another_schema_comes_first() -> None:
    m = _plan(
        "CREATE SCHEMA app;\nCREATE TYPE mood AS ENUM ('a');\n"
        "SET search_path = app, public;\n"
        "CREATE TABLE public.p (id int PRIMARY KEY, m public.mood);\n"
        "CREATE INDEX p_m ON public.p (m);\n"
        "CREATE TABLE public.q (id int PRIMARY KEY, p_id int REFERENCES public.p);\n"
    )
    up = "\n".join(_upgrade(m))
    assert 'op.create_table("p"' in up and 'schema="public"' in up
    assert 'postgresql.ENUM(name="mood", schema="public", create_type=False)' in up
    assert '["public.p.id"]' in up  # the foreign key names its target's schema
    # still unqualified where public comes first
    plain = "\n".join(_upgrade(_plan("CREATE TABLE p (id int PRIMARY KEY);")))
    assert "schema=" not in plain and "search_path" not in plain


def test_pg_dump_empty_search_path_changes_nothing() -> None:
    m = _plan(
        "SELECT pg_catalog.set_config('search_path', '', false);\nCREATE TABLE public.t (id int);\n"
    )
    assert not any("search_path" in line for line in _upgrade(m))


def test_triggers_policies_rules_and_late_indexes_are_dropped_explicitly() -> None:
    m = _plan(
        "CREATE TABLE t (id int PRIMARY KEY, v text);\n"
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n"
        "CREATE FUNCTION g(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT $1 $$;\n"
        "CREATE TRIGGER trg BEFORE UPDATE OF v ON t FOR EACH ROW EXECUTE FUNCTION f();\n"
        "CREATE INDEX t_g ON t (g(v));\n"
        "CREATE INDEX t_v ON t (v);\n"
        "ALTER TABLE t ADD CONSTRAINT t_v_check CHECK (g(v) <> '');\n"
        "CREATE POLICY pol ON t USING (true);\n"
        "CREATE RULE r AS ON DELETE TO t DO INSTEAD NOTHING;\n"
    )
    down = _downgrade(m)
    text = "\n".join(down)
    assert "DROP TRIGGER trg ON public.t" in text
    assert "DROP POLICY pol ON public.t" in text and "DROP RULE r ON public.t" in text
    assert 'op.drop_index("t_g", table_name="t")' in text
    assert 'op.drop_index("t_v"' not in text  # a plain index goes with its table
    drop_g = next(i for i, line in enumerate(down) if "DROP FUNCTION public.g(text)" in line)
    assert down.index('op.drop_constraint("t_v_check", "t", type_="check")') < drop_g
    assert down.index('op.drop_index("t_g", table_name="t")') < drop_g


def test_do_block_drops_what_it_may_create() -> None:
    catalog, _ = read_schema(
        [
            (
                "s.sql",
                (
                    "CREATE SCHEMA s;\n"
                    "DO $$ BEGIN CREATE FUNCTION s.a(int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
                    "EXCEPTION WHEN others THEN CREATE OR REPLACE FUNCTION s.b() RETURNS int LANGUAGE sql AS 'SELECT 2'; END $$;\n"
                ),
            )
        ]
    )
    [do] = [r for r in catalog.raw if r.kind == "do"]
    assert do.drop == (
        "DO $dbgen$\nBEGIN\n  DROP FUNCTION IF EXISTS s.b();\n  DROP FUNCTION IF EXISTS s.a(int);\nEND\n$dbgen$"
    )


def test_client_encoding_reads_the_rest_as_psql_sends_it() -> None:
    catalog, diags = read_schema(
        [
            (
                "s.sql",
                (
                    "CREATE TABLE t (a int);\nSET CLIENT_ENCODING=latin1;\nCOMMENT ON TABLE t IS 'Résumé';\n"
                ),
            )
        ]
    )
    assert catalog.tables[0].comment == "RÃ©sumÃ©"  # what the server stores from these bytes
    assert [d.code for d in diags if d.severity.value == "warning"] == ["client-encoding"]
    catalog, diags = read_schema(
        [
            (
                "s.sql",
                "SET client_encoding TO 'UTF8';\nCREATE TABLE t (a int);\nCOMMENT ON TABLE t IS 'Résumé';\n",
            )
        ]
    )
    assert catalog.tables[0].comment == "Résumé"


def test_no_primary_key_note_points_at_create_table() -> None:
    _, diags = read_schema(
        [("s.sql", "CREATE TABLE k (id int PRIMARY KEY);\n\n  CREATE TABLE log (line text);\n")]
    )
    [n] = [d for d in diags if d.code == "no-primary-key"]
    assert str(n).startswith("s.sql:3:3: note[no-primary-key]: table log has no primary key")

"""Changes PostgreSQL has no ALTER for are errors with a way out, never a silent inexact plan."""

from __future__ import annotations

from dbgen.ddl import read_schema
from dbgen.evolve import plan_revision
from dbgen.ir import Catalog


def _cat(sql: str) -> Catalog:
    catalog, diags = read_schema([("schema.sql", sql)])
    assert not [d for d in diags if d.is_error], diags
    return catalog


def test_repartitioning_is_refused_with_a_way_out() -> None:
    old = _cat("CREATE TABLE m (id int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);")
    new = _cat("CREATE TABLE m (id int NOT NULL, at date NOT NULL) PARTITION BY HASH (id);")
    plan = plan_revision(old, new, allow_destructive=True)
    errors = [d for d in plan.diagnostics if d.is_error]
    assert plan.refused and len(errors) == 1
    assert errors[0].code == "unsupported-change" and "partitioning" in errors[0].message
    assert str(errors[0].span).startswith("schema.sql:1:")


def test_retyping_a_composite_in_use_is_refused() -> None:
    old = _cat("CREATE TYPE a AS (x int, y int); CREATE TABLE t (id int PRIMARY KEY, v a);")
    new = _cat("CREATE TYPE a AS (x bigint, y int); CREATE TABLE t (id int PRIMARY KEY, v a);")
    plan = plan_revision(old, new, allow_destructive=True)
    assert plan.refused
    assert [d.code for d in plan.diagnostics if d.is_error] == ["unsupported-change"]
    assert "t.v" in plan.diagnostics[0].message


def test_a_composite_nobody_uses_is_rebuilt() -> None:
    old = _cat("CREATE TYPE a AS (x int, y int);")
    new = _cat("CREATE TYPE a AS (y int, x bigint);")
    plan = plan_revision(old, new)
    assert not plan.refused
    assert "DROP TYPE public.a" in plan.upgrade_body
    assert "CREATE TYPE public.a AS (y int, x bigint)" in plan.upgrade_body


def test_destructive_changes_refuse_unless_allowed() -> None:
    old = _cat("CREATE TABLE t (id int PRIMARY KEY, gone text);")
    new = _cat("CREATE TABLE t (id int PRIMARY KEY);")
    refused = plan_revision(old, new)
    assert refused.refused
    codes = [d.code for d in refused.diagnostics]
    assert codes.count("destructive-change") == 2  # the drop, and the summary saying how to allow
    assert "--allow-destructive" in refused.diagnostics[-1].message
    allowed = plan_revision(old, new, allow_destructive=True)
    assert not allowed.refused
    assert [d.code for d in allowed.diagnostics] == ["destructive-change", "irreversible-downgrade"]


def test_a_drop_and_add_of_the_same_type_hints_at_a_rename() -> None:
    old = _cat("CREATE TABLE t (id int PRIMARY KEY, fullname text);")
    new = _cat("CREATE TABLE t (id int PRIMARY KEY, display_name text);")
    plan = plan_revision(old, new, allow_destructive=True)
    hints = [d for d in plan.diagnostics if d.code == "possible-rename"]
    assert len(hints) == 1
    assert 'columns = { "t.fullname" = "display_name" }' in hints[0].message
    assert str(hints[0].span).startswith("schema.sql:1:")


def test_a_downgrade_with_no_inverse_raises_and_says_so() -> None:
    """Dropping an attribute of a type in use has an ALTER; putting it back in its place has none."""
    old = _cat("CREATE TYPE a AS (x int, y int, z int); CREATE TABLE t (id int PRIMARY KEY, v a);")
    new = _cat("CREATE TYPE a AS (x int, z int); CREATE TABLE t (id int PRIMARY KEY, v a);")
    plan = plan_revision(old, new, allow_destructive=True)
    assert not plan.refused
    assert "ALTER TYPE public.a DROP ATTRIBUTE y" in plan.upgrade_body
    irreversible = [d for d in plan.diagnostics if d.code == "irreversible-downgrade"]
    assert any("cannot downgrade: type a" in d.message for d in irreversible)
    first = plan.downgrade_body.splitlines()[0].strip()
    assert first.startswith('raise RuntimeError("cannot downgrade: type a')

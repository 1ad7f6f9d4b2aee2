"""SQLite's initial revision: every statement the reader kept, replayed as written.

SQLite keeps a table's definition as the text of its CREATE TABLE (sqlite_master.sql) and
reads every property back from it, so the revision runs each CREATE the schema made (tables,
indexes, views, triggers, virtual tables, ALTER TABLE ... ADD COLUMN) in the source's order:
the rebuilt schema is the source's, text included.

The downgrade drops views, triggers and indexes in reverse, then the tables in the order of
their foreign keys (dbgen.sqlite.droporder): SQLite lets a table refer to one created after it,
and the engines turn foreign keys on, so dropping in reverse creation order dropped a parent
while its children's rows still referred to it (``FOREIGN KEY constraint failed``).
"""

from __future__ import annotations

import hashlib

from dbgen.ir import Catalog, RawStatement
from dbgen.plan.migration import MigrationPlan, Step
from dbgen.plan.pyexpr import sql_text
from dbgen.plan.typemap import TypeContext
from dbgen.sqlite.droporder import DEFER, table_drop_order

# What DROP TABLE removes: the raw kinds that are tables of their own.
_TABLE_KINDS = frozenset({"sqlite table", "table as", "virtual table"})


def _execute(sql: str) -> str:
    return f"op.execute({sql_text(sql)})"


def _label(r: RawStatement) -> str:
    return f"{r.kind.removeprefix('sqlite ')} {r.name or ''}".strip()


def plan_migration(catalog: Catalog, ctx: TypeContext) -> MigrationPlan:
    raw = sorted(catalog.raw, key=lambda r: r.position)
    tables = [r for r in raw if r.kind in _TABLE_KINDS and r.drop]
    order, cyclic = table_drop_order(catalog, [r.name or "" for r in tables])
    by_name = {(r.name or "").lower(): r for r in tables}
    # The downgrade runs the steps' drops last step first: the tables' drops go before every
    # statement of the source (so after the views, triggers and indexes, which DROP TABLE
    # would take with it), the first to drop last; the pragma after all.
    first = raw[0].position if raw else 0
    table_drops = [
        Step(first - len(order) + i, (), (_execute(r.drop or ""),), _label(r))
        for i, r in enumerate(by_name[name.lower()] for name in reversed(order))
    ]
    replayed = [
        Step(
            r.position,
            (_execute(r.sql),),
            (_execute(r.drop),) if r.drop and r.kind not in _TABLE_KINDS else (),
            _label(r),
        )
        for r in raw
    ]
    # A cycle of keys has no order that drops children first: the checks wait for the COMMIT,
    # when no table of the cycle is left (SQLite turns the pragma off there).
    defer = [Step(float("inf"), (), (_execute(DEFER),), "foreign key cycle")] if cyclic else []
    steps = (*table_drops, *replayed, *defer)
    digest = hashlib.sha256(
        "\n".join(line for s in steps for line in (*s.upgrade, "--", *s.downgrade)).encode()
    ).hexdigest()
    return MigrationPlan(revision=digest[:12], steps=steps, uses_raw_type=False)

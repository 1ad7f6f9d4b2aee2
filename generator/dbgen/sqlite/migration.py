"""SQLite's initial revision: every statement the reader kept, replayed as written.

SQLite keeps a table's definition as the text of its CREATE TABLE (sqlite_master.sql) and
reads every property back from it, so the revision runs each CREATE the schema made (tables,
indexes, views, triggers, virtual tables, ALTER TABLE ... ADD COLUMN) in the source's order:
the rebuilt schema is the source's, text included. The downgrade drops them in reverse
(indexes and triggers before their tables, views before what they select from).
"""

from __future__ import annotations

import hashlib

from dbgen.ir import Catalog
from dbgen.plan.migration import MigrationPlan, Step
from dbgen.plan.pyexpr import sql_text
from dbgen.plan.typemap import TypeContext


def _execute(sql: str) -> str:
    return f"op.execute({sql_text(sql)})"


def plan_migration(catalog: Catalog, ctx: TypeContext) -> MigrationPlan:
    steps = tuple(
        Step(
            r.position,
            (_execute(r.sql),),
            (_execute(r.drop),) if r.drop else (),
            f"{r.kind.removeprefix('sqlite ')} {r.name or ''}".strip(),
        )
        for r in sorted(catalog.raw, key=lambda r: r.position)
    )
    digest = hashlib.sha256(
        "\n".join(line for s in steps for line in (*s.upgrade, "--", *s.downgrade)).encode()
    ).hexdigest()
    return MigrationPlan(revision=digest[:12], steps=steps, uses_raw_type=False)

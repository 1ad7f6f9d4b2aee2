"""The typed result of comparing two catalogs: one Change per step of the upgrade.

A Change is a few Python statements (``op.execute(sa.text(...))`` or an ``op.create_*`` call)
with what the reviewer needs to know about them: the lock they take and whether they rewrite
the table (``hazard``), and whether they must run outside the migration's transaction
(``autocommit``: ALTER TYPE ... ADD VALUE, CREATE INDEX CONCURRENTLY).

Changes are ordered by ``phase`` and then by ``order`` (source positions: new positions for what
is created, negated old positions for what is dropped, so dependants go first).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from dbgen.evolve.hazards import NO_LOCK, Hazard
from dbgen.plan.pyexpr import sql_text


class Phase(IntEnum):
    SETUP = 0
    RENAME = 1  # declared renames, so everything after speaks the new names
    DROP_DEPENDANTS = 2  # views, triggers, rules, policies that changed or stand in the way
    DROP_FOREIGN_KEYS = 3
    DETACH = 4
    # before the keys of surviving tables: a dropped table's foreign keys may use them
    DROP_TABLES = 5
    DROP_CONSTRAINTS = 6  # primary keys, uniques, checks and indexes that went or changed
    TYPES = 7  # enum values added (they must exist before the new objects that use them)
    CREATE = 8  # new objects, in the new source's order (the initial migration's planner)
    COLUMNS = 9  # existing tables: columns dropped, altered, added
    RETYPE = 10  # types rebuilt (enum value removed, domain changed) and their columns
    ATTACH = 11
    ADD_CONSTRAINTS = 12  # on existing tables: primary keys, uniques, checks, indexes
    ADD_FOREIGN_KEYS = 13
    SEQUENCES = 14  # sequences altered, OWNED BY
    DROP_LATE = 15  # sequences, types, functions, schemas nothing uses any more
    CREATE_LATE = 16  # views and other dependants recreated after the tables changed
    COMMENTS = 17
    FINISH = 18


@dataclass(frozen=True, slots=True)
class Change:
    phase: Phase
    order: float
    label: str  # the comment line naming the object
    statements: tuple[str, ...]  # Python statements
    hazard: Hazard = NO_LOCK
    autocommit: bool = False


def execute(sql: str) -> str:
    return f"op.execute({sql_text(sql)})"


def sql_change(
    phase: Phase,
    order: float,
    label: str,
    *sql: str,
    hazard: Hazard = NO_LOCK,
    autocommit: bool = False,
) -> Change:
    return Change(phase, order, label, tuple(execute(s) for s in sql), hazard, autocommit)

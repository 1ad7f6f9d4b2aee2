"""Mixins (``mixins: auto`` in crud.yaml): columns several mapped tables declare alike become
classes of base.py that the models inherit, instead of each model repeating them.

Three kinds, each taken only where its column reads exactly the same in at least two models
(the same ``mapped_column(...)`` line, comment and name included):
- ``UUIDPrimaryKeyMixin``: a single-column uuid primary key with ``DEFAULT gen_random_uuid()``,
  as the table's first column (not a foreign key, not named by a self-reference's
  ``remote_side``, which reads the class body);
- ``CreatedAtMixin`` / ``UpdatedAtMixin``: ``created_at`` / ``updated_at`` timestamps with
  ``DEFAULT now()`` (or ``CURRENT_TIMESTAMP``) among the table's last columns, in that order.

Declarative puts inherited columns after the class's own; ``sort_order`` (first for the key,
last for the timestamps) keeps each table's columns in the order the schema gives them. The
migration is planned from the schema, not the models, so it is the same either way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from dbgen.ir import QName
from dbgen.plan.models import ColumnPlan, EntityPlan, ProjectPlan
from dbgen.plan.typemap import Import


@dataclass(frozen=True, slots=True)
class Mixin:
    class_name: str
    doc: str
    attr: str  # the column attribute it declares
    line: str  # the declaration in base.py: the models' own, with sort_order
    imports: frozenset[Import]
    users: frozenset[QName]


@dataclass(frozen=True, slots=True)
class _Kind:
    class_name: str
    doc: str
    sort_order: int
    pick: Callable[[EntityPlan], ColumnPlan | None]  # the entity's candidate column


_NOW = frozenset({"now()", "current_timestamp"})
_TIMESTAMPS = frozenset({"timestamp with time zone", "timestamp without time zone"})


def _default(c: ColumnPlan) -> str:
    return (c.column.default or "").strip().lower()


def _uuid_key(e: EntityPlan) -> ColumnPlan | None:
    first = e.columns[0] if e.columns else None
    if first is None or len(e.pk_columns) != 1 or not first.primary_key:
        return None
    if first.column.type.base != "uuid" or first.column.type.array_dims:
        return None
    if _default(first) != "gen_random_uuid()" or first.foreign_key is not None:
        return None
    if any(r.remote_side for r in e.relationships):
        return None  # remote_side=[<key>] reads the attribute in the class body
    return first


def _trailing(name: str) -> Callable[[EntityPlan], ColumnPlan | None]:
    """The ``name`` column when it is among the last ones: ``created_at`` last or followed by
    ``updated_at``, ``updated_at`` last."""

    def pick(e: EntityPlan) -> ColumnPlan | None:
        tail = [c.name for c in e.columns[-2:]]
        where = {
            "created_at": tail[-1:] == ["created_at"] or tail == ["created_at", "updated_at"],
            "updated_at": tail[-1:] == ["updated_at"],
        }
        if not where[name]:
            return None
        c = e.column(name)
        t = c.column.type
        if t.base not in _TIMESTAMPS or t.array_dims or c.primary_key or _default(c) not in _NOW:
            return None
        return c

    return pick


_KINDS = (
    _Kind(
        "UUIDPrimaryKeyMixin",
        "A uuid primary key the database fills in (gen_random_uuid()).",
        -1,
        _uuid_key,
    ),
    _Kind(
        "CreatedAtMixin", "When the row was created (now() on insert).", 1, _trailing("created_at")
    ),
    _Kind("UpdatedAtMixin", "When the row was last changed.", 2, _trailing("updated_at")),
)


def plan_mixins(
    plan: ProjectPlan, column_line: Callable[[ColumnPlan, EntityPlan, int | None], str]
) -> tuple[Mixin, ...]:
    """The mixins of ``plan`` (none unless crud.yaml says ``mixins: auto``); ``column_line``
    is how a model declares a column (plan/model_view.py), with a ``sort_order`` or None."""
    if plan.spec is None or not plan.spec.mixins:
        return ()
    out: list[Mixin] = []
    for kind in _KINDS:
        found: dict[QName, tuple[str, ColumnPlan]] = {}
        for e in plan.entities:
            if not e.mapped or not e.columns:
                continue
            c = kind.pick(e)
            if c is not None:
                found[e.qname] = (column_line(c, e, None), c)
        if not found:
            continue
        # The most common spelling wins; ties go to the first table's.
        counts = Counter(line for line, _ in found.values())
        line, n = counts.most_common(1)[0]
        if n < 2:
            continue
        owner, column = next((q, c) for q, (ln, c) in found.items() if ln == line)
        out.append(
            Mixin(
                kind.class_name,
                kind.doc,
                column.attr,
                column_line(column, plan.entity(owner), kind.sort_order),
                frozenset(column.type.python.imports | column.type.sqlalchemy.imports),
                frozenset(q for q, (ln, _) in found.items() if ln == line),
            )
        )
    return tuple(out)


def mixins_of(mixins: tuple[Mixin, ...], qname: QName) -> tuple[Mixin, ...]:
    return tuple(m for m in mixins if qname in m.users)

"""CHECK constraints on several columns (or on NULLs), evaluated before the database sees a row.

The schemas carry what fits a Pydantic field (bounds, lengths, patterns, literals) as field
constraints; a CHECK that does not fit one field (``starts_on <= ends_on``, ``num_nonnulls(a, b)
= 1``, ``a IS NOT NULL OR b IS NOT NULL``) is kept as a small expression tree and evaluated here,
with SQL's three-valued logic: a CHECK fails only when it is *false*, never when it is NULL.

A row's value is only known for the columns the write decides: in an Update, the fields the
caller set (the others keep the row's value, which is not here); in a Create, every field, except
a column with a server default that the caller left unset (or, NOT NULL, set to None: "use the
default"). A CHECK reading an unknown column is left to the database.

The trees (``Node``), as the planner writes them:

- ``("and", (node, ...))``, ``("or", (node, ...))``, ``("not", node)``;
- ``("null", operand)``: IS NULL; ``("cmp", op, operand, operand)`` with op one of
  ``< <= > >= = <>``; ``("in", operand, (value, ...))``; ``("match", operand, pattern)``
  (``re.search``, the pattern already translated from PostgreSQL's);
- operands: ``("col", attribute)``, ``("val", value)``, ``("len", operand)`` (characters),
  ``("round", operand, scale)`` (a numeric(p, s) value as stored: rounded half away from zero),
  ``("nonnulls", (operand, ...))`` (how many are not NULL).
"""

from __future__ import annotations

import decimal
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any, TypeVar

M = TypeVar("M")
Node = tuple[Any, ...]
RowCheck = tuple[str, tuple[str, ...], Node]  # (constraint name, attributes it reads, tree)

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
    "<>": operator.ne,
}


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


class _Unknown(Exception):
    """A value this side cannot compute exactly (the database will say)."""


def value(node: Node, row: Mapping[str, Any]) -> Any:
    kind = node[0]
    if kind == "col":
        return row[node[1]]
    if kind == "val":
        return node[1]
    if kind == "len":
        v = value(node[1], row)
        return None if v is None else len(v)
    if kind == "round":
        v = value(node[1], row)
        if v is None:
            return None
        try:
            return decimal.Decimal(v).quantize(
                decimal.Decimal(1).scaleb(-node[2]), rounding=decimal.ROUND_HALF_UP
            )
        except decimal.InvalidOperation:  # too many digits for the column: an error there
            raise _Unknown from None
    if kind == "nonnulls":
        return sum(value(x, row) is not None for x in node[1])
    return evaluate(node, row)


def evaluate(node: Node, row: Mapping[str, Any]) -> bool | None:
    """The SQL truth value of ``node``: True, False or None (NULL)."""
    kind = node[0]
    if kind == "and":
        results = [evaluate(x, row) for x in node[1]]
        if False in results:
            return False
        return None if None in results else True
    if kind == "or":
        results = [evaluate(x, row) for x in node[1]]
        if True in results:
            return True
        return None if None in results else False
    if kind == "not":
        inner = evaluate(node[1], row)
        return None if inner is None else not inner
    if kind == "null":
        return value(node[1], row) is None
    if kind == "cmp":
        left, right = value(node[2], row), value(node[3], row)
        if left is None or right is None:
            return None
        return _COMPARE[node[1]](left, right)
    if kind == "in":
        v = value(node[1], row)
        return None if v is None else v in node[2]
    if kind == "match":
        v = value(node[1], row)
        return None if v is None else _regex(node[2]).search(v) is not None
    raise ValueError(f"not a condition: {node!r}")


def violations(
    model: Any,
    checks: Sequence[RowCheck],
    defaulted: frozenset[str] | None = None,
    drop_none: frozenset[str] = frozenset(),
) -> list[str]:
    """The names of the checks the row certainly fails. ``defaulted`` is None for an Update
    (only the fields set are known); for a Create, the attributes with a server default, of
    which ``drop_none`` are NOT NULL (None there means "use the default")."""
    given = model.model_fields_set
    row = {name: getattr(model, name) for _, attrs, _ in checks for name in attrs}

    def known(name: str) -> bool:
        if defaulted is None or name in defaulted:
            return name in given and not (name in drop_none and row[name] is None)
        return True

    failed = []
    for name, attrs, tree in checks:
        if all(known(a) for a in attrs):
            try:
                if evaluate(tree, row) is False:
                    failed.append(name)
            except _Unknown:
                pass
    return failed


def enforce(
    model: M,
    checks: Sequence[RowCheck],
    defaulted: frozenset[str] | None = None,
    drop_none: frozenset[str] = frozenset(),
) -> M:
    """``model`` if no check fails, else ValueError naming them (Pydantic reports it as a
    validation error of the model)."""
    failed = violations(model, checks, defaulted, drop_none)
    if failed:
        raise ValueError("violates CHECK constraint " + ", ".join(failed))
    return model

"""What changing a column's type costs: whether it needs USING, rewrites the table, or narrows.

PostgreSQL skips the rewrite when the old type is binary coercible to the new one and the new
one does not constrain more (varchar(n) -> varchar(m >= n) or text, numeric(p, s) -> numeric
(p' >= p, s)); it converts without USING when an assignment cast exists (between the string
types, between the numeric types, anything to a string type).
"""

from __future__ import annotations

from dataclasses import dataclass

from dbgen.ir import SqlType

_STRINGS = frozenset({"text", "character varying", "character", "name", "citext"})
_INTEGERS = ("smallint", "integer", "bigint")
_NUMERIC = frozenset({*_INTEGERS, "numeric", "real", "double precision"})
_TIMES = frozenset({"timestamp without time zone", "timestamp with time zone", "date"})


def type_key(t: SqlType) -> tuple[object, ...]:
    """What makes two column types the same type (``"text"`` as written equals text)."""
    return (t.base, t.modifiers, t.array_dims, t.ref)


@dataclass(frozen=True, slots=True)
class Cast:
    needs_using: bool
    rewrites: bool
    narrows: bool  # existing values may not fit: data loss or a failing upgrade


def _limit(t: SqlType) -> int | None:
    return t.modifiers[0] if t.modifiers else None


def _widens(old: SqlType, new: SqlType) -> bool:
    """True when every old value fits the new type unchanged."""
    if old.base in _STRINGS and new.base in ("text", "character varying"):
        if new.base == "character varying" and _limit(new) is not None:
            return old.base != "text" and _limit(old) is not None and _limit(old) <= _limit(new)  # type: ignore[operator]
        return old.base != "character"  # char(n) pads: its text value differs
    if old.base == new.base == "character":
        return _limit(old) == _limit(new)
    if old.base in _INTEGERS and new.base in _INTEGERS:
        return _INTEGERS.index(old.base) <= _INTEGERS.index(new.base)
    if old.base in _INTEGERS and new.base == "numeric":
        return not new.modifiers
    if old.base == new.base == "numeric":
        if not new.modifiers:
            return True
        if len(old.modifiers) != 2 or len(new.modifiers) != 2:
            return False
        return old.modifiers[1] == new.modifiers[1] and old.modifiers[0] <= new.modifiers[0]
    if old.base == new.base and old.base not in _STRINGS:
        # precision of timestamps, times, intervals, bit varying lengths
        return not new.modifiers or (bool(old.modifiers) and old.modifiers <= new.modifiers)
    return False


def _binary_coercible(old: SqlType, new: SqlType) -> bool:
    if old.base in ("text", "character varying") and new.base in ("text", "character varying"):
        return True
    return old.base == new.base


def cast(old: SqlType, new: SqlType) -> Cast:
    if old.array_dims != new.array_dims or old.ref != new.ref or old.ref is not None:
        return Cast(needs_using=True, rewrites=True, narrows=True)
    widens = _widens(old, new)
    assignment = (
        new.base in _STRINGS
        or (old.base in _NUMERIC and new.base in _NUMERIC)
        or (old.base in _TIMES and new.base in _TIMES)
        or old.base == new.base
    )
    return Cast(
        needs_using=not assignment,
        rewrites=not (widens and _binary_coercible(old, new)),
        narrows=not widens,
    )

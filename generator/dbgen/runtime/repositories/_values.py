"""Values checked before they reach the driver.

A value the column cannot take fails differently per driver: asyncpg refuses it client-side
(``DataError``), psycopg2 sends it and the server answers (an out-of-range integer compared with
an ``integer`` column silently matches nothing; a NUL character raises ``ValueError``). The
repositories check keys, filter, finder, search and cursor values against the column's type
first, so both flavours refuse the same values with the same ``InvalidValueError``.

``check_for(type)`` is decided once per column, when the entity's ``EntityInfo`` is built; a
call pays one function call per value (none for types without a check).
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from .. import _dialect

Check = Callable[[Any], str | None]  # None: the value is fine; else why not

# The dialect's most bind parameters in one statement (PostgreSQL's 32767, SQLite's 32766 ...).
MAX_BIND_PARAMS = _dialect.MAX_BIND_PARAMS
INT64 = (-(2**63), 2**63 - 1)
_INT_RANGES = {16: (-(2**15), 2**15 - 1), 32: (-(2**31), 2**31 - 1), 64: INT64}


def _name(value: Any) -> str:
    return type(value).__name__


def integer_check(bits: int) -> Check:
    lo, hi = _INT_RANGES[bits]

    def check(value: Any) -> str | None:
        # (type() first: the common case costs one comparison; bool is an int, but not here)
        if type(value) is not int and (not isinstance(value, int) or isinstance(value, bool)):
            return f"expected an integer, got {_name(value)}"
        if lo <= value <= hi:
            return None
        return f"{value} is outside the range of a {bits}-bit integer column ({lo}..{hi})"

    return check


def text_check(value: Any) -> str | None:
    if type(value) is not str and not isinstance(value, str):
        return f"expected a string, got {_name(value)}"
    if "\x00" in value:
        return "a string cannot contain a NUL character (\\x00)"
    return None


def like_check(value: Any) -> str | None:
    """A LIKE pattern: text that does not end in a lone escape character (PostgreSQL raises
    22025 for it, when a row is compared)."""
    reason = text_check(value)
    if reason is None and (len(value) - len(value.rstrip("\\"))) % 2 == 1:
        return "a LIKE pattern cannot end with an unescaped backslash (write \\\\ for one)"
    return reason


def _instance_check(
    kinds: type | tuple[type, ...], what: str, exclude: type | None = None
) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, kinds) and not (exclude is not None and isinstance(value, exclude)):
            return None
        return f"expected {what}, got {_name(value)}"

    return check


def _enum_check(type_: sa.Enum) -> Check:
    allowed = frozenset(type_.enums)
    enum_class = type_.enum_class

    def check(value: Any) -> str | None:
        if enum_class is not None and isinstance(value, enum_class):
            return None
        if isinstance(value, str) and value in allowed:
            return None
        return f"{value!r} is not one of {', '.join(sorted(allowed))}"

    return check


def _array_check(item: Check | None) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, list | tuple):
            return f"expected a list, got {_name(value)}"
        if item is not None:
            for element in value:
                if element is not None and (reason := item(element)) is not None:
                    return reason
        return None

    return check


def check_for(type_: Any) -> Check | None:
    """The check for values of a column of this type (None: nothing to check)."""
    if isinstance(type_, sa.TypeDecorator):
        type_ = type_.impl_instance
    if isinstance(type_, sa.ARRAY):
        return _array_check(check_for(type_.item_type))
    if isinstance(type_, sa.Enum):
        return _enum_check(type_)
    bits = _dialect.integer_bits(type_)  # SQLite's integers are all 64-bit
    if bits is not None:
        return integer_check(bits)
    if isinstance(type_, sa.String):
        return text_check
    if isinstance(type_, sa.Boolean):
        return _instance_check(bool, "a boolean")
    if isinstance(type_, sa.Uuid):
        return _instance_check(uuid.UUID, "a UUID")
    if isinstance(type_, sa.DateTime):
        return _instance_check(datetime.datetime, "a datetime")
    if isinstance(type_, sa.Date):
        return _instance_check(datetime.date, "a date", exclude=datetime.datetime)
    if isinstance(type_, sa.Time):
        return _instance_check(datetime.time, "a time")
    if isinstance(type_, sa.Interval):
        return _instance_check(datetime.timedelta, "a timedelta")
    if isinstance(type_, sa.Numeric):  # Float too
        return _instance_check((int, float, decimal.Decimal), "a number", exclude=bool)
    if isinstance(type_, sa.LargeBinary):
        return _instance_check((bytes, bytearray, memoryview), "bytes")
    return None


def bind_checks(clauses: Any) -> dict[str, Check]:
    """Bind parameter name -> check, for clauses comparing a column with a bind parameter
    (the finders' and the key's ``matches``)."""
    out: dict[str, Check] = {}
    for clause in clauses:
        right = getattr(clause, "right", None)
        if isinstance(right, sa.BindParameter):
            check = check_for(right.type)
            if check is not None:
                out[right.key] = check
    return out


def page_number_check(value: Any, minimum: int) -> str | None:
    """``limit`` and ``offset``: an integer from ``minimum`` up to the 64-bit range."""
    if type(value) is not int and (not isinstance(value, int) or isinstance(value, bool)):
        return f"must be an integer, not {_name(value)}"
    if value < minimum:
        return f"must be at least {minimum}"
    if value > INT64[1]:
        return f"must be at most {INT64[1]}"
    return None

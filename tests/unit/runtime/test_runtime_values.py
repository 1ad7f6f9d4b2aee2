"""The value checks of the repository boundary (``repositories/_values.py``), without a
database: decided per column type, refusing exactly what the column or the driver cannot take."""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from dbgen.runtime.repositories._values import check_for, like_check, page_number_check


class Colour(enum.StrEnum):
    RED = "red"


@pytest.mark.parametrize(
    ("type_", "good", "bad"),
    [
        (sa.SmallInteger(), [-(2**15), 2**15 - 1, 0], [2**15, -(2**15) - 1, True, "1", 1.0]),
        (sa.Integer(), [-(2**31), 2**31 - 1], [2**31, -(2**31) - 1, "1"]),
        (sa.BigInteger(), [-(2**63), 2**63 - 1], [2**63, -(2**63) - 1, decimal.Decimal(1)]),
        (sa.Text(), ["", "x", "\\"], ["a\x00", 1, b"x"]),
        (sa.String(7), ["#abcdef"], ["\x00"]),
        (sa.Uuid(), [uuid.uuid4()], [1, "not-a-uuid", str(uuid.uuid4())]),
        (postgresql.UUID(), [uuid.uuid4()], [12]),
        (sa.Date(), [datetime.date(2020, 1, 1)], [datetime.datetime(2020, 1, 1), "2020-01-01"]),
        (
            sa.DateTime(timezone=True),
            [datetime.datetime.now(datetime.UTC)],
            [datetime.date.today()],
        ),
        (sa.Numeric(6, 2), [1, 1.5, decimal.Decimal("2.5")], [True, "1"]),
        (sa.Boolean(), [True, False], [1, "true"]),
        (postgresql.ARRAY(sa.Integer()), [[1, 2], [], [None]], [[2**31], 1, "ab"]),
        (
            sa.Enum(Colour, name="colour", values_callable=lambda e: [m.value for m in e]),
            [Colour.RED, "red"],
            ["blue", 1],
        ),
    ],
)
def test_checks_by_column_type(type_: Any, good: list[Any], bad: list[Any]) -> None:
    check = check_for(type_)
    assert check is not None
    for value in good:
        assert check(value) is None, value
    for value in bad:
        assert check(value) is not None, value


def test_types_without_a_check() -> None:
    assert check_for(postgresql.JSONB()) is None


@pytest.mark.parametrize(
    ("pattern", "ok"),
    [
        ("a%", True),
        ("a\\\\", True),
        ("a\\%", True),
        ("a\\", False),
        ("a\\\\\\", False),
        ("a\x00", False),
    ],
)
def test_like_patterns(pattern: str, ok: bool) -> None:
    assert (like_check(pattern) is None) is ok


def test_page_numbers_are_64_bit_integers() -> None:
    assert page_number_check(2**63 - 1, 0) is None
    assert page_number_check(2**63, 0) == "must be at most 9223372036854775807"
    assert page_number_check(0, 1) == "must be at least 1"
    assert page_number_check(1.5, 1) == "must be an integer, not float"
    assert page_number_check(True, 1) == "must be an integer, not bool"

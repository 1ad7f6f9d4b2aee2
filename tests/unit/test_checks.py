"""CHECK constraints -> Pydantic constraints (plan/checks.py, plan/check_regex.py) and the row
checks' three-valued evaluation (runtime/_checks.py). The live agreement with PostgreSQL is
tests/live/test_check_agreement.py."""

from __future__ import annotations

import decimal
import re
from typing import Any

import pytest

from dbgen.ir import Domain, QName, SqlType
from dbgen.plan import check_regex
from dbgen.plan.checks import ColumnKind, FieldRule, domain_checks, read
from dbgen.runtime import _checks

D = decimal.Decimal
COLUMNS = {
    "n": ColumnKind("n", "int"),
    "m": ColumnKind("m", "int"),
    "price": ColumnKind("price", "numeric", 2),
    "ratio": ColumnKind("ratio", "numeric"),
    "whole": ColumnKind("whole", "numeric", 0),
    "t": ColumnKind("t", "text"),
    "u": ColumnKind("u", "text"),
    "f": ColumnKind("f", "float"),
    "d1": ColumnKind("d1", "date"),
    "d2": ColumnKind("d2", "date"),
    "s": ColumnKind("s", "enum", labels=("draft", "sent")),
    "j": ColumnKind("j", "other"),
}


def rule(expr: str, column: str) -> FieldRule:
    t = read("c", expr, COLUMNS)
    assert t.reason is None, t.reason
    assert list(t.field_rules) == [column], t
    return t.field_rules[column]


@pytest.mark.parametrize(
    ("expr", "column", "expected"),
    [
        ("n BETWEEN 1 AND 5", "n", FieldRule(lower=(D(1), True), upper=(D(5), True))),
        ("n > 1.5", "n", FieldRule(lower=(D(2), True))),
        ("n < 0", "n", FieldRule(upper=(D(-1), True))),
        ("0 < n", "n", FieldRule(lower=(D(1), True))),
        ("n IS NULL OR n >= 0", "n", FieldRule(lower=(D(0), True))),
        ("n >= 0 AND n <= 10 AND n < 7", "n", FieldRule(lower=(D(0), True), upper=(D(6), True))),
        # numeric(p, 2): compared as stored, rounded half away from zero
        ("price > 0", "price", FieldRule(lower=(D("0.005"), True))),
        ("price >= 0", "price", FieldRule(lower=(D("-0.005"), False))),
        ("price < 100", "price", FieldRule(upper=(D("99.995"), False))),
        ("price <= -1", "price", FieldRule(upper=(D("-0.995"), True))),
        ("price > 0.001", "price", FieldRule(lower=(D("0.005"), True))),
        ("whole > 0", "whole", FieldRule(lower=(D("0.5"), True))),
        ("ratio > 0", "ratio", FieldRule(lower=(D(0), False))),
        ("ratio <= 0.25", "ratio", FieldRule(upper=(D("0.25"), True))),
        ("char_length(t) BETWEEN 2 AND 80", "t", FieldRule(min_length=2, max_length=80)),
        ("length(t) > 0", "t", FieldRule(min_length=1)),
        ("t <> ''", "t", FieldRule(min_length=1)),
        ("t IN ('a', 'b')", "t", FieldRule(members=("a", "b"))),
        ("t = 'a'", "t", FieldRule(members=("a",))),
        ("n IN (1, 2, 3)", "n", FieldRule(members=(1, 2, 3))),
    ],
)
def test_field_rules(expr: str, column: str, expected: FieldRule) -> None:
    assert rule(expr, column) == expected


def test_a_pattern_is_translated_for_both_engines() -> None:
    r = rule("t ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", "t")
    assert r.patterns == (
        check_regex.Translated(
            "(?s)^[a-z0-9]+(?:-[a-z0-9]+)*$", "(?s)^[a-z0-9]+(?:-[a-z0-9]+)*\\Z"
        ),
    )


@pytest.mark.parametrize(
    ("expr", "tree"),
    [
        ("d1 <= d2", ("cmp", "<=", ("col", "d1"), ("col", "d2"))),
        (
            "t IS NOT NULL OR u IS NOT NULL",
            ("or", (("not", ("null", ("col", "t"))), ("not", ("null", ("col", "u"))))),
        ),
        (
            "num_nonnulls(t, u) = 1",
            ("cmp", "=", ("nonnulls", (("col", "t"), ("col", "u"))), ("val", 1)),
        ),
        ("n IS NOT NULL", ("not", ("null", ("col", "n")))),
        ("t NOT IN ('x')", ("not", ("in", ("col", "t"), ("x",)))),
        (
            "n < 0 OR n > 10",
            (
                "or",
                (("cmp", "<", ("col", "n"), ("val", 0)), ("cmp", ">", ("col", "n"), ("val", 10))),
            ),
        ),
        ("s = 'draft'", ("cmp", "=", ("col", "s"), ("val", "draft"))),
        (
            "(s = 'draft') = (d1 IS NULL)",
            ("cmp", "=", ("cmp", "=", ("col", "s"), ("val", "draft")), ("null", ("col", "d1"))),
        ),
        ("price > m", ("cmp", ">", ("round", ("col", "price"), 2), ("col", "m"))),
    ],
)
def test_row_checks(expr: str, tree: Any) -> None:
    t = read("c", expr, COLUMNS)
    assert t.reason is None and not t.field_rules
    assert t.tree == tree


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("f > 0", "NaN"),
        ("j IS NOT NULL", "type is not one"),
        ("t > 'a'", "collation"),
        ("lower(t) = 'a'", "lower(t) is outside the translated forms"),
        ("position('@' IN t) > 1", "outside the translated forms"),
        ("t ~ '^\\w+$'", "\\w"),
        ("t ~ '[[:alpha:]]'", "character classes"),
        ("t ~ '(a)\\1'", "\\1"),
        ("t ~ '(?=a)'", "look-arounds"),
        ("t ~* 'a'", "outside the translated forms"),
        ("s = 'gone'", "not a label"),
        ("n BETWEEN SYMMETRIC 5 AND 1", "SYMMETRIC"),
        ("nope > 1", "not in this schema"),
        ("1 < 2", "constants"),
        ("n IN (SELECT 1)", "subquery"),
    ],
)
def test_left_to_the_database(expr: str, reason: str) -> None:
    t = read("c", expr, COLUMNS)
    assert t.reason is not None and reason in t.reason, t.reason


def test_a_check_on_a_column_absent_from_the_schema_is_left_to_the_database() -> None:
    t = read("c", "n > 0 AND m > 0", {"n": COLUMNS["n"]})
    assert t.reason is not None and "'m' is not in this schema" in t.reason


def test_domain_checks_read_value_as_the_column() -> None:
    d = Domain(
        QName("public", "sku"),
        SqlType("text", "text"),
        "text NOT NULL CONSTRAINT sku_format CHECK (VALUE ~ '^[A-Z]{3}$') CHECK (length(VALUE) < 9)",
    )
    assert domain_checks(d) == (
        ("sku_format", "VALUE ~ '^[A-Z]{3}$'"),
        ("sku_check", "length(VALUE) < 9"),
    )
    t = read("sku_check", "length(VALUE) < 9", {"t": COLUMNS["t"]}, value_column="t")
    assert t.field_rules == {"t": FieldRule(max_length=8)}


@pytest.mark.parametrize(
    ("pattern", "texts"),
    [
        ("^a.c$", ["abc", "a\nc", "ac", "abc\n", "xabc"]),
        ("b", ["abc", "", "B"]),
        ("^[^a]$", ["\n", "a", "é", "ab"]),
        ("^x{2,3}$", ["x", "xx", "xxxx", "xxx"]),
        ("^(ab|cd)+?$", ["abcd", "ab", "abc", ""]),
        ("^[]a-]$", ["]", "a", "-", "b"]),
        ("^\\.\\$\\^$", [".$^", "x$^"]),
        ("^[a-c\\]]+$", ["ab]", "abd"]),
        ("^[&~-]$", ["&", "~", "-", "a"]),
        ("^#[0-9a-fA-F]{6}$", ["#00ff00", "#00ff0", "#00ff00\n"]),
    ],
)
def test_translated_patterns_match_alike_in_both_engines(pattern: str, texts: list[str]) -> None:
    """The Python form (re.search) and the Rust form (Pydantic's pattern=) agree; the live test
    compares them with PostgreSQL."""
    from pydantic import BaseModel, Field, ValidationError

    t = check_regex.translate(pattern)

    class M(BaseModel):
        v: str = Field(pattern=t.rust)

    for text in texts:
        try:
            M(v=text)
            rust = True
        except ValidationError:
            rust = False
        assert rust == (re.search(t.python, text) is not None), (pattern, text)


def test_evaluate_uses_three_valued_logic() -> None:
    ev = _checks.evaluate
    gt0: Any = ("cmp", ">", ("col", "a"), ("val", 0))
    assert ev(gt0, {"a": None}) is None
    assert ev(("or", (gt0, ("null", ("col", "b")))), {"a": None, "b": 1}) is None
    assert ev(("and", (gt0, ("null", ("col", "b")))), {"a": -1, "b": None}) is False
    assert ev(("not", gt0), {"a": None}) is None
    assert ev(("in", ("col", "a"), (1, 2)), {"a": None}) is None
    nn: Any = ("cmp", "=", ("nonnulls", (("col", "a"), ("col", "b"))), ("val", 1))
    assert ev(nn, {"a": None, "b": None}) is False
    assert ev(nn, {"a": 1, "b": None}) is True
    assert ev(("cmp", ">", ("round", ("col", "a"), 2), ("val", 0)), {"a": D("0.004")}) is False
    assert ev(("cmp", ">", ("round", ("col", "a"), 2), ("val", 0)), {"a": D("0.005")}) is True
    assert ev(("cmp", "<", ("round", ("col", "a"), 2), ("val", 0)), {"a": D("-0.005")}) is True


def test_violations_know_which_values_the_write_decides() -> None:
    from pydantic import BaseModel

    tree: Any = ("or", (("not", ("null", ("col", "a"))), ("not", ("null", ("col", "b")))))
    checks: Any = (("one_of", ("a", "b"), tree),)

    class Create(BaseModel):
        a: int | None = None
        b: int | None = None

    # b has a server default: unset, the database fills it, so nothing is known
    assert _checks.violations(Create(), checks, frozenset({"b"}), frozenset()) == []
    assert _checks.violations(Create(b=None), checks, frozenset({"b"}), frozenset()) == ["one_of"]
    # NOT NULL with a default: None means "use the default"
    assert _checks.violations(Create(b=None), checks, frozenset({"b"}), frozenset({"b"})) == []
    # no default: unset is NULL
    assert _checks.violations(Create(), checks, frozenset(), frozenset()) == ["one_of"]
    # an Update knows only the fields set
    assert _checks.violations(Create(a=None), checks) == []
    assert _checks.violations(Create(a=None, b=None), checks) == ["one_of"]
    with pytest.raises(ValueError, match="violates CHECK constraint one_of"):
        _checks.enforce(Create(a=None, b=None), checks)


def test_each_check_is_parsed_once_per_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Create and the Update schema both read a table's CHECKs: sqlglot parses each
    expression once (musicbrainz: 1,344 reads), and both reads translate it alike."""
    import sqlglot

    from dbgen.core import Inputs, generate
    from dbgen.plan import checks

    checks._parsed.cache_clear()
    parsed: list[str] = []
    real = sqlglot.parse_one

    def counting(sql: str, **kwargs: Any) -> Any:
        parsed.append(sql)
        return real(sql, **kwargs)

    monkeypatch.setattr(checks.sqlglot, "parse_one", counting)
    sql = (
        "CREATE TABLE item (id int PRIMARY KEY, qty int NOT NULL CHECK (qty > 0),"
        " lo int, hi int, CONSTRAINT span CHECK (lo <= hi));\n"
    )
    crud = "version: 1\npackage: item_db\nentities:\n  item: {}\n"
    result = generate(Inputs((("schema.sql", sql),), ("crud.yaml", crud)))
    assert result.ok, result.diagnostics
    assert sorted(parsed) == ["lo <= hi", "qty > 0"]
    schemas = result.files["item_db/schemas/item.py"]
    assert schemas.count("ge=1)") == 2  # qty > 0, in the Create and in the Update
    assert schemas.count("Checked here, as the database checks them: item_qty_check, span.") == 2

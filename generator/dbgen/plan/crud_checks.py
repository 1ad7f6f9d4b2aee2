"""The CHECK constraints a Create or Update schema enforces (plan/checks.py translates them).

For one schema class, given the fields it has: each field's extra ``Field(...)`` constraints
and ``Literal`` members, the row checks its model validator evaluates, and the docstring lines
that say which CHECKs are enforced here and which only by the database (and why).
"""

from __future__ import annotations

import decimal
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dbgen.ir import Catalog
from dbgen.plan import checks
from dbgen.plan.models import ColumnPlan, EntityPlan
from dbgen.plan.pyexpr import pystr

_DOC_WIDTH = 92


@dataclass(frozen=True, slots=True)
class FieldChecks:
    kwargs: tuple[tuple[str, str], ...] = ()  # Field keyword -> Python source
    members: tuple[str, ...] | None = None  # Literal members (Python literals), if a list


@dataclass(frozen=True, slots=True)
class SchemaChecks:
    fields: Mapping[str, FieldChecks] = field(default_factory=dict)  # attr -> constraints
    rows: tuple[str, ...] = ()  # RowCheck literals (Python source) for the model validator
    enforced: tuple[str, ...] = ()  # constraint names checked here
    database_only: tuple[tuple[str, str, str], ...] = ()  # (name, expression, reason)

    @property
    def doc(self) -> str:
        """Docstring paragraphs (already indented for a class body), "" when no CHECK."""
        parts = []
        if self.enforced:
            parts.append(
                "Checked here, as the database checks them: " + ", ".join(self.enforced) + "."
            )
        if self.database_only:
            items = "; ".join(f"{n} ({expr}): {why}" for n, expr, why in self.database_only)
            parts.append("Checked by the database only: " + items + ".")
        lines: list[str] = []
        for p in parts:
            lines.append("")
            lines.extend(textwrap.wrap(" ".join(p.split()), _DOC_WIDTH, break_on_hyphens=False))
        if not lines:
            return ""
        return "\n" + "\n".join(("    " + x) if x else "" for x in lines) + "\n    "


def all_checks(ent: EntityPlan, catalog: Catalog) -> list[tuple[str, str, str | None]]:
    """(name, expression, value column) of every CHECK a row of the entity must pass: the
    table's, then its columns' domains' (``value column``: the column VALUE stands for)."""
    out: list[tuple[str, str, str | None]] = [
        (c.name, c.expression, None) for c in ent.table.checks
    ]
    for c in ent.columns:
        for d in checks.domain_chain(c.column.type, catalog):
            out.extend((name, expr, c.name) for name, expr in checks.domain_checks(d))
    return out


def schema_checks(
    ent: EntityPlan, catalog: Catalog, attrs: Sequence[str], create: bool
) -> SchemaChecks:
    """What the schema whose fields are ``attrs`` enforces (``create``: a Create-like schema,
    where unset fields take the column's default)."""
    present = [c for c in ent.columns if c.attr in attrs]
    kinds = {
        c.name: checks.column_kind(c.attr, c.column.type, c.column.collation, catalog)
        for c in present
    }
    rules: dict[str, list[checks.FieldRule]] = {}
    rows: list[tuple[str, tuple[str, ...], checks.Node]] = []
    enforced: list[str] = []
    database: list[tuple[str, str, str]] = []
    for name, expression, value_column in all_checks(ent, catalog):
        label = name if value_column is None else f"{name} (on {value_column})"
        t = checks.read(name, expression, kinds, value_column)
        if t.reason is not None:
            database.append((label, expression, t.reason))
            continue
        enforced.append(label)
        if t.field_rules:
            for col, rule in t.field_rules.items():
                rules.setdefault(col, []).append(rule)
        else:
            assert t.tree is not None
            rows.append((name, tuple(kinds[c].attr for c in t.columns), t.tree))
    fields: dict[str, FieldChecks] = {}
    for col, col_rules in rules.items():
        c = ent.column(col)
        fc, extra = _field_checks(c, col_rules)
        fields[c.attr] = fc
        rows.extend(extra)
    return SchemaChecks(
        fields,
        tuple(_row_literal(r) for r in rows),
        tuple(enforced),
        tuple(database),
    )


def row_validator_args(ent: EntityPlan, s: SchemaChecks, attrs: Sequence[str], create: bool) -> str:
    """The arguments after the checks for runtime ``enforce``: the Create's defaulted
    columns (None for an Update, the default)."""
    if not create:
        return ""
    used = set(re.findall(r'\("col", "([^"]+)"\)', " ".join(s.rows)))
    defaulted = sorted(c.attr for c in ent.columns if c.attr in used and c.server_generated)
    drop = sorted(c.attr for c in ent.columns if c.attr in defaulted and not c.nullable)
    return f", {_frozenset(defaulted)}, {_frozenset(drop)}"


def _frozenset(items: Sequence[str]) -> str:
    return "frozenset({" + ", ".join(pystr(i) for i in items) + "})" if items else "frozenset()"


def _field_checks(
    c: ColumnPlan, col_rules: list[checks.FieldRule]
) -> tuple[FieldChecks, list[tuple[str, tuple[str, ...], checks.Node]]]:
    lower: tuple[decimal.Decimal, bool] | None = None
    upper: tuple[decimal.Decimal, bool] | None = None
    min_length: int | None = None
    max_length: int | None = None
    patterns: list[Any] = []
    members: tuple[Any, ...] | None = None
    for r in col_rules:
        if r.lower is not None:
            lower = checks.tighter(lower, r.lower, lower=True)
        if r.upper is not None:
            upper = checks.tighter(upper, r.upper, lower=False)
        if r.min_length is not None:
            min_length = max(min_length or 0, r.min_length)
        if r.max_length is not None:
            max_length = r.max_length if max_length is None else min(max_length, r.max_length)
        patterns.extend(r.patterns)
        if r.members is not None:
            members = r.members if members is None else tuple(m for m in members if m in r.members)
    extra: list[tuple[str, tuple[str, ...], checks.Node]] = []
    if members is not None:
        kept = tuple(
            m
            for m in members
            if _passes(m, lower, upper, min_length, max_length, [p.python for p in patterns])
        )
        return FieldChecks(members=tuple(_py(m) for m in kept)), extra
    kwargs: list[tuple[str, str]] = []
    if lower is not None:
        kwargs.append(("ge" if lower[1] else "gt", _py(lower[0])))
    if upper is not None:
        kwargs.append(("le" if upper[1] else "lt", _py(upper[0])))
    if min_length:
        kwargs.append(("min_length", str(min_length)))
    if max_length is not None:
        kwargs.append(("max_length", str(max_length)))
    if patterns:
        kwargs.append(("pattern", pystr(patterns[0].rust)))
        for i, p in enumerate(patterns[1:], 2):
            extra.append((f"{c.attr}_pattern_{i}", (c.attr,), ("match", ("col", c.attr), p.python)))
    return FieldChecks(tuple(kwargs)), extra


def _passes(
    m: Any,
    lower: tuple[decimal.Decimal, bool] | None,
    upper: tuple[decimal.Decimal, bool] | None,
    min_length: int | None,
    max_length: int | None,
    patterns: list[str],
) -> bool:
    if lower is not None and not (m >= lower[0] if lower[1] else m > lower[0]):
        return False
    if upper is not None and not (m <= upper[0] if upper[1] else m < upper[0]):
        return False
    if isinstance(m, str):
        if min_length is not None and len(m) < min_length:
            return False
        if max_length is not None and len(m) > max_length:
            return False
        return all(re.search(p, m) for p in patterns)
    return True


def _py(v: Any) -> str:
    """A constant as Python source."""
    if isinstance(v, str):
        return pystr(v)
    if isinstance(v, bool):
        raise TypeError(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, decimal.Decimal):
        if v == v.to_integral_value() and abs(v) < 10**18:
            return str(int(v))
        return f"decimal.Decimal({pystr(str(v))})"
    if isinstance(v, tuple):
        return "(" + ", ".join(_py(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    raise TypeError(v)


def _row_literal(row: tuple[str, tuple[str, ...], checks.Node]) -> str:
    name, attrs, tree = row
    return _py((name, attrs, tree))

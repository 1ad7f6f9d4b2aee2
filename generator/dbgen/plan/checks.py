"""CHECK constraints -> what the Create and Update schemas enforce before the database does.

Each CHECK of a table (and of the domains its columns use) is read with sqlglot and either
translated or left to the database, with the reason. A translated CHECK becomes:

- **field constraints** when it reads one column and, for a non-NULL value, is a conjunction of
  bounds (``>``, ``>=``, ``<``, ``<=``, ``=``, ``BETWEEN``) on an integer or numeric column,
  character-length bounds (``length``/``char_length``, ``<> ''``) or a regular expression on a
  text column, or an ``IN``/``=`` list of constants (a ``Literal``); a NULL passes, as in the
  database (a CHECK fails only when it is false);
- else a **row check** (runtime/_checks.py): the expression as a tree the schema's model
  validator evaluates with three-valued logic, for several columns (``a <= b``), NULL
  combinations (``a IS NOT NULL OR b IS NOT NULL``, ``num_nonnulls(a, b) = 1``), negations,
  disjunctions.

Exactness first: a translation says what PostgreSQL says for every value, or there is none.
Hence: a ``numeric(p, s)`` value is compared as stored (rounded half away from zero to ``s``
places, so the bounds are moved accordingly); ``real``/``double precision`` comparisons stay
with the database (PostgreSQL orders NaN above every number, Python compares it with nothing);
text is compared for equality only (ordering is the collation's), not on ``char(n)`` (padding)
or a column with an explicit collation; regular expressions only in the subset that
plan/check_regex.py translates; ``length`` counts characters on both sides.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import sqlglot
from sqlglot import exp

from dbgen.ddl.cursor import ParseError
from dbgen.ddl.parse import parse_statement
from dbgen.ddl.split import split
from dbgen.ddl.statements import CreateDomain
from dbgen.ir import Catalog, Domain, SqlType, TypeKind
from dbgen.plan import check_regex
from dbgen.runtime import _checks

Node = tuple[Any, ...]

_INTS = frozenset({"smallint", "integer", "bigint"})
_TEXTS = frozenset({"text", "character varying"})
_OPS: dict[type[exp.Expression], str] = {
    exp.GT: ">",
    exp.GTE: ">=",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.EQ: "=",
    exp.NEQ: "<>",
}
_INT_TYPES = (exp.DataType.Type.INT, exp.DataType.Type.BIGINT, exp.DataType.Type.SMALLINT)
_PREDICATES: tuple[type[exp.Expression], ...] = (
    exp.Is,
    exp.Between,
    exp.In,
    exp.RegexpLike,
    exp.Not,
    exp.And,
    exp.Or,
    *_OPS,
)
_FLIP = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "=", "<>": "<>"}


@dataclass(frozen=True, slots=True)
class ColumnKind:
    """What a check may do with a column: ``kind`` is int, numeric, text, date, enum or other."""

    attr: str
    kind: str
    scale: int | None = None  # numeric(p, s): s; None for an unconstrained numeric
    labels: tuple[str, ...] = ()  # enum labels


def column_kind(attr: str, t: SqlType, collation: str | None, catalog: Catalog) -> ColumnKind:
    chain = domain_chain(t, catalog)
    if chain:
        t = chain[-1].base
    if t.array_dims:
        return ColumnKind(attr, "other")
    if t.kind is TypeKind.ENUM and t.ref is not None:
        e = catalog.enum(t.ref)
        return ColumnKind(attr, "enum", labels=e.labels) if e else ColumnKind(attr, "other")
    if t.kind is not TypeKind.BUILTIN:
        return ColumnKind(attr, "other")
    if t.base in _INTS:
        return ColumnKind(attr, "int")
    if t.base == "numeric":
        if len(t.modifiers) == 2 and t.modifiers[1] < 0:
            return ColumnKind(attr, "other")
        return ColumnKind(attr, "numeric", scale=(*t.modifiers, 0)[1] if t.modifiers else None)
    if t.base in _TEXTS and collation is None:
        return ColumnKind(attr, "text")
    if t.base == "date":
        return ColumnKind(attr, "date")
    if t.base in ("real", "double precision"):
        return ColumnKind(attr, "float")
    return ColumnKind(attr, "other")


@dataclass(frozen=True, slots=True)
class FieldRule:
    """Constraints on one field, from one or more CHECKs."""

    lower: tuple[decimal.Decimal, bool] | None = None  # (bound, inclusive)
    upper: tuple[decimal.Decimal, bool] | None = None
    min_length: int | None = None
    max_length: int | None = None
    patterns: tuple[check_regex.Translated, ...] = ()
    members: tuple[Any, ...] | None = None  # IN / = constants (None: no list)


@dataclass(frozen=True, slots=True)
class Translation:
    name: str
    expression: str  # as written
    columns: tuple[str, ...] = ()  # SQL names it reads
    field_rules: Mapping[str, FieldRule] = field(default_factory=dict)  # SQL name -> rule
    tree: Node | None = None  # the row check (attributes in ("col", attr))
    reason: str | None = None  # why it stays with the database

    @property
    def translated(self) -> bool:
        return self.reason is None


class _No(Exception):
    """Not translated; the message is the reason."""


@dataclass(frozen=True, slots=True)
class _Operand:
    node: Node
    kind: str  # a column's kind, "count" (lengths, num_nonnulls), "number" or "string" constants
    column: str | None = None  # SQL name when a bare column
    scale: int | None = None


class _Reader:
    def __init__(self, columns: Mapping[str, ColumnKind], value_column: str | None) -> None:
        self.columns = columns
        self.value_column = value_column  # a domain's CHECK: VALUE is this column
        self.used: list[str] = []

    def column(self, e: exp.Column) -> _Operand:
        if e.table:
            raise _No("qualified column references are not translated")
        ident = e.this
        name = ident.name if ident.quoted else ident.name.lower()
        if self.value_column is not None:
            if name != "value" or ident.quoted:
                raise _No(f"unknown name {name!r} in a domain check")
            name = self.value_column
        col = self.columns.get(name)
        if col is None:
            raise _No(f"the column {name!r} is not in this schema")
        if col.kind == "float":
            raise _No(
                f"{name} is floating-point: PostgreSQL orders NaN above every number,"
                " Python compares it with nothing"
            )
        if col.kind == "other":
            raise _No(f"{name}'s type is not one checks are translated for")
        if name not in self.used:
            self.used.append(name)
        node: Node = ("col", col.attr)
        if col.kind == "numeric" and col.scale is not None:
            node = ("round", node, col.scale)
        return _Operand(node, col.kind, name, col.scale)

    def operand(self, e: exp.Expression) -> _Operand:
        while isinstance(e, exp.Paren):
            e = e.this
        if isinstance(e, exp.Column):
            return self.column(e)
        number = _number(e)
        if number is not None:
            return _Operand(("val", number), "number")
        if isinstance(e, exp.Literal) and e.is_string:
            return _Operand(("val", e.this), "string")
        if isinstance(e, exp.Length):
            inner = self.operand(e.this)
            if inner.kind != "text" or inner.column is None:
                raise _No("length() of something other than a text column")
            return _Operand(("len", inner.node), "count")
        if isinstance(e, _PREDICATES):
            return _Operand(self.condition(e), "bool")
        if isinstance(e, exp.Anonymous) and e.name.lower() in ("num_nonnulls", "num_nulls"):
            args = tuple(self.operand(a) for a in e.expressions)
            if not args or any(a.column is None for a in args):
                raise _No(f"{e.name}() of something other than columns")
            count: Node = ("nonnulls", tuple(a.node for a in args))
            if e.name.lower() == "num_nulls":
                raise _No("num_nulls() is not translated (write num_nonnulls)")
            return _Operand(count, "count")
        raise _No(f"{_piece(e)} is outside the translated forms")

    def condition(self, e: exp.Expression) -> Node:
        while isinstance(e, exp.Paren):
            e = e.this
        node = self._condition(e)
        # sqlglot spells IS NOT NULL, NOT IN, NOT BETWEEN ... as the positive node negated
        return ("not", node) if e.args.get("negate") else node

    def _condition(self, e: exp.Expression) -> Node:
        if isinstance(e, (exp.And, exp.Or)):
            kind = "and" if isinstance(e, exp.And) else "or"
            return _junction(kind, self.condition(e.this), self.condition(e.expression))
        if isinstance(e, exp.Not):
            return ("not", self.condition(e.this))
        if isinstance(e, exp.Is) and isinstance(e.expression, exp.Null):
            return ("null", self.operand(e.this).node)
        if type(e) in _OPS:
            return self.compare(_OPS[type(e)], self.operand(e.this), self.operand(e.expression))
        if isinstance(e, exp.Between):
            x, lo, hi = (
                self.operand(e.this),
                self.operand(e.args["low"]),
                self.operand(e.args["high"]),
            )
            if e.args.get("symmetric"):
                raise _No("BETWEEN SYMMETRIC is not translated")
            return ("and", (self.compare(">=", x, lo), self.compare("<=", x, hi)))
        if isinstance(e, exp.In):
            if any(e.args.get(k) for k in ("query", "unnest", "field")) or not e.expressions:
                raise _No("IN with a subquery is not translated")
            x = self.operand(e.this)
            values = [self.operand(v) for v in e.expressions]
            for v in values:
                self.compare("=", x, v)  # checks the kinds
            return ("in", x.node, tuple(v.node[1] for v in values))
        if isinstance(e, exp.RegexpLike):
            x = self.operand(e.this)
            pattern = e.expression
            if x.kind != "text" or x.column is None:
                raise _No("~ on something other than a text column")
            if not (isinstance(pattern, exp.Literal) and pattern.is_string):
                raise _No("~ with a pattern that is not a plain string literal")
            try:
                t = check_regex.translate(pattern.this)
            except check_regex.Untranslatable as problem:
                raise _No(f"regular expression: {problem}") from None
            return ("match", x.node, t.python, t.rust)
        raise _No(f"{_piece(e)} is outside the translated forms")

    def compare(self, op: str, a: _Operand, b: _Operand) -> Node:
        if a.column is None and b.column is not None:
            op, a, b = _FLIP[op], b, a
        if a.column is None and a.kind not in ("count", "bool"):
            raise _No("a comparison of constants is not translated")
        numeric = {"int", "numeric", "count"}
        ordered = (
            a.kind in numeric and b.kind in numeric | {"number"}
        ) or a.kind == b.kind == "date"
        if ordered or (a.kind == b.kind == "bool" and op in ("=", "<>")):
            pass
        elif a.kind in ("text", "enum") and b.kind in (a.kind, "string"):
            if op not in ("=", "<>"):
                raise _No(f"{op} on text depends on the collation")
            if a.kind == "enum" and b.kind == "string" and b.node[1] not in self._labels(a):
                raise _No(f"{b.node[1]!r} is not a label of the enum")
        else:
            raise _No(f"comparing {a.kind} with {b.kind} is not translated")
        return ("cmp", op, a.node, b.node)

    def _labels(self, a: _Operand) -> tuple[str, ...]:
        return self.columns[a.column].labels if a.column else ()


def _piece(e: exp.Expression) -> str:
    """A sub-expression for a message (as sqlglot prints it, cut short)."""
    text = e.sql(dialect="postgres", normalize_functions="lower")
    return text if len(text) <= 60 else text[:57] + "..."


def _number(e: exp.Expression) -> decimal.Decimal | int | None:
    neg = False
    while isinstance(e, exp.Neg | exp.Paren):
        if isinstance(e, exp.Neg):
            neg = not neg
        e = e.this
    if isinstance(e, exp.Cast) and isinstance(e.this, exp.Literal) and not e.this.is_string:
        # 0::numeric, 5::integer (not 1.5::integer, which rounds)
        to = e.to.this
        if (to is exp.DataType.Type.DECIMAL and not e.to.expressions) or (
            to in _INT_TYPES and e.this.this.isdigit()
        ):
            e = e.this
    if not (isinstance(e, exp.Literal) and not e.is_string):
        return None
    try:
        d = decimal.Decimal(e.this)
    except decimal.InvalidOperation:
        return None
    if not d.is_finite():
        return None
    d = -d if neg else d
    return (
        int(d)
        if d == d.to_integral_value() and "." not in e.this and "e" not in e.this.lower()
        else d
    )


@functools.lru_cache(maxsize=4096)
def _parsed(expression: str) -> exp.Expression | None:
    """sqlglot's tree of a CHECK expression, None if it cannot read it. Each CHECK is read for
    the Create and again for the Update schema (musicbrainz: 1,344 reads, half of them repeats);
    the reader only walks the tree, never changes it, so one tree serves every read."""
    try:
        return cast(exp.Expression, sqlglot.parse_one(expression, read="postgres"))
    except sqlglot.errors.SqlglotError:
        return None


def read(
    name: str,
    expression: str,
    columns: Mapping[str, ColumnKind],
    value_column: str | None = None,
) -> Translation:
    """Translate one CHECK; ``columns``: the schema's columns by SQL name."""
    parsed = _parsed(expression)
    if parsed is None:
        return Translation(name, expression, reason="sqlglot cannot read it")
    reader = _Reader(columns, value_column)
    try:
        tree = reader.condition(parsed)
    except _No as problem:
        return Translation(name, expression, tuple(reader.used), reason=str(problem))
    used = tuple(reader.used)
    if not used:
        return Translation(name, expression, reason="it reads no column")
    if len(used) == 1:
        rule = _field_rule(tree, columns[used[0]])
        if rule is not None:
            return Translation(name, expression, used, {used[0]: rule})
    return Translation(name, expression, used, tree=_runtime_tree(tree))


def _runtime_tree(node: Node) -> Node:
    """The tree for runtime/_checks.py: ``match`` keeps only the Python pattern."""
    kind = node[0]
    if kind in ("and", "or"):
        return (kind, tuple(_runtime_tree(x) for x in node[1]))
    if kind == "not":
        return (kind, _runtime_tree(node[1]))
    if kind == "match":
        return node[:3]
    return node


# -- one column: field constraints ------------------------------------------------------------


def _non_null(node: Node) -> Node | bool:
    """The condition for a non-NULL value of the (single) column: IS NULL is false there."""
    kind: str = node[0]
    if kind == "null":
        return False if node[1][0] in ("col", "round") else node
    if kind == "not":
        inner = _non_null(node[1])
        return (not inner) if isinstance(inner, bool) else ("not", inner)
    if kind in ("and", "or"):
        parts: list[Node] = []
        x: Node
        for x in node[1]:
            r = _non_null(x)
            if isinstance(r, bool):
                if r is (kind == "or"):
                    return r  # TRUE OR ..., FALSE AND ...
                continue
            parts.append(r)
        if not parts:
            return kind == "and"
        only: Node = parts[0]
        return only if len(parts) == 1 else (kind, tuple(parts))
    return node


def _conjuncts(node: Node) -> list[Node]:
    if node[0] == "and":
        return [c for x in node[1] for c in _conjuncts(x)]
    return [node]


def _field_rule(tree: Node, col: ColumnKind) -> FieldRule | None:
    """Field constraints equivalent to the check for one column, or None (a row check then)."""
    # A NULL must pass, as it does in the database unless the check says IS NOT NULL.
    if _checks.evaluate(_runtime_tree(tree), {col.attr: None}) is False:
        return None
    body = _non_null(tree)
    if body is True:
        return FieldRule()
    if body is False:
        return None
    rule = FieldRule()
    for atom in _conjuncts(body):
        next_rule = _atom_rule(atom, col, rule)
        if next_rule is None:
            return None
        rule = next_rule
    return rule


def _atom_rule(atom: Node, col: ColumnKind, rule: FieldRule) -> FieldRule | None:
    kind = atom[0]
    if kind == "match" and col.kind == "text":
        t = check_regex.Translated(atom[3], atom[2])
        return _replace(rule, patterns=(*rule.patterns, t))
    if kind == "in" and col.kind in ("text", "int") and atom[1][0] == "col":
        return _members(rule, tuple(atom[2]))
    if kind != "cmp":
        return None
    op, left, right = atom[1], atom[2], atom[3]
    if right[0] != "val":
        return None
    v = right[1]
    if left[0] == "len":
        return _length(rule, op, decimal.Decimal(v))
    if col.kind == "text" and left[0] == "col":
        if op == "=":
            return _members(rule, (v,))
        if op == "<>" and v == "":
            return _replace(rule, min_length=max(rule.min_length or 0, 1))
        return None
    if col.kind not in ("int", "numeric") or isinstance(v, str):
        return None
    if op == "=":
        if col.kind == "int":
            return _members(rule, (v,)) if isinstance(v, int) else None
        return _bound(_bound(rule, ">=", v, col), "<=", v, col)
    if op == "<>":
        return None
    return _bound(rule, op, v, col)


def _replace(rule: FieldRule, **changes: Any) -> FieldRule:
    values = {f: getattr(rule, f) for f in FieldRule.__dataclass_fields__}
    values.update(changes)
    return FieldRule(**values)


def _members(rule: FieldRule, values: tuple[Any, ...]) -> FieldRule:
    if rule.members is None:
        return _replace(rule, members=tuple(dict.fromkeys(values)))
    return _replace(rule, members=tuple(m for m in rule.members if m in values))


def _length(rule: FieldRule, op: str, c: decimal.Decimal) -> FieldRule | None:
    floor, ceil = (
        int(c.to_integral_value(decimal.ROUND_FLOOR)),
        int(c.to_integral_value(decimal.ROUND_CEILING)),
    )
    lo: int | None = None
    hi: int | None = None
    if op == ">":
        lo = floor + 1
    elif op == ">=":
        lo = ceil
    elif op == "<":
        hi = ceil - 1
    elif op == "<=":
        hi = floor
    elif op == "=":
        if floor != ceil:
            return None
        lo = hi = floor
    else:
        return None
    if lo is not None:
        rule = _replace(rule, min_length=max(rule.min_length or 0, lo))
    if hi is not None:
        if hi < 0:
            return None
        rule = _replace(
            rule, max_length=hi if rule.max_length is None else min(rule.max_length, hi)
        )
    return rule


def _bound(rule: FieldRule, op: str, v: Any, col: ColumnKind) -> FieldRule:
    """Add ``value <op> v``; for numeric(p, s), of the value as stored (rounded); for an
    integer column, as an integer bound (``> 1.5`` is ``>= 2``)."""
    c = decimal.Decimal(v)
    scale = col.scale
    bound: tuple[decimal.Decimal, bool]
    if col.kind == "int":
        if op in (">", ">="):
            m = c.to_integral_value(decimal.ROUND_CEILING)
            bound = (m + 1 if op == ">" and m == c else m, True)
        else:
            n = c.to_integral_value(decimal.ROUND_FLOOR)
            bound = (n - 1 if op == "<" and n == c else n, True)
    elif scale is None:
        bound = (c, op in (">=", "<="))
    else:
        unit = decimal.Decimal(1).scaleb(-scale)
        half = unit / 2
        if op in (">", ">="):
            # the smallest stored value that passes: a multiple of unit
            m = (c / unit).to_integral_value(decimal.ROUND_CEILING) * unit
            if op == ">" and m == c:
                m += unit
            # rounding half away from zero: m - half rounds up to m when m > 0
            bound = (m - half, m > 0)
        else:
            n = (c / unit).to_integral_value(decimal.ROUND_FLOOR) * unit
            if op == "<" and n == c:
                n -= unit
            bound = (n + half, n < 0)
    if op in (">", ">="):
        return _replace(rule, lower=tighter(rule.lower, bound, lower=True))
    return _replace(rule, upper=tighter(rule.upper, bound, lower=False))


def tighter(
    old: tuple[decimal.Decimal, bool] | None, new: tuple[decimal.Decimal, bool], lower: bool
) -> tuple[decimal.Decimal, bool]:
    if old is None or (new[0] > old[0] if lower else new[0] < old[0]):
        return new
    if new[0] == old[0]:
        return (old[0], old[1] and new[1])
    return old


# -- domains -----------------------------------------------------------------------------------


def domain_checks(d: Domain) -> tuple[tuple[str, str], ...]:
    """(name, expression) of each CHECK of the domain, read again from its definition (an
    unnamed one gets the name PostgreSQL gives the first: ``<domain>_check``)."""
    statements, problems = split("<domain>", f"CREATE DOMAIN {d.qname.sql} AS {d.definition};")
    if problems or len(statements) != 1:
        return ()
    try:
        parsed = parse_statement(statements[0])
    except ParseError:
        return ()
    if not isinstance(parsed, CreateDomain):
        return ()
    return tuple(
        (name or f"{d.qname.name}_check", text)
        for name, text in zip(parsed.check_names, parsed.check_texts, strict=True)
    )


def domain_chain(t: SqlType, catalog: Catalog) -> tuple[Domain, ...]:
    """The domains a column type is (a domain over a domain: both, outermost first)."""
    out: list[Domain] = []
    while t.kind is TypeKind.DOMAIN and t.ref is not None and not t.array_dims and len(out) < 20:
        d = catalog.domain(t.ref)
        if d is None:
            break
        out.append(d)
        t = d.base
    return tuple(out)


def _junction(kind: str, left: Node, right: Node) -> Node:
    """``left AND right`` (or OR) with nested terms of the same kind spliced in: SQL's
    three-valued AND and OR are associative, and a chain of ten ANDs (musicbrainz's
    artist_va_check) would otherwise nest ten levels deep, past any line black could lay out."""
    terms: list[Node] = []
    for term in (left, right):
        if term[0] == kind:
            terms.extend(term[1])
        else:
            terms.append(term)
    return (kind, tuple(terms))

"""Typing one expression in a scope: columns, literals, parameters, operators, functions,
aggregates, window functions, CASE, COALESCE, casts and subqueries.

``Expressions`` is the half of the typer that knows no statements; ``statements.Typer``
extends it with SELECT, set operations, CTEs and DML (a subquery is a statement inside an
expression, so the two call each other through ``query``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlglot import exp

from dbgen.ir import Catalog, SqlType
from dbgen.sqltype import functions as F
from dbgen.sqltype import pgtypes as T
from dbgen.sqltype.scope import Problem, Scope, V, ident

_COMPARISONS: tuple[type[exp.Expression], ...] = (
    exp.EQ,
    exp.NEQ,
    exp.LT,
    exp.LTE,
    exp.GT,
    exp.GTE,
    exp.NullSafeEQ,
    exp.NullSafeNEQ,
)
_ARITHMETIC: tuple[type[exp.Expression], ...] = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)
_CAST_HINT = "; an explicit cast says what it is: (expression)::type"


@dataclass(slots=True)
class ParamUse:
    name: str
    type: SqlType | None
    nullable: bool
    node: exp.Expression


def _unparen(e: exp.Expression) -> exp.Expression:
    while isinstance(e, exp.Paren):
        e = e.this
    return e


def _is_param(e: exp.Expression | None) -> bool:
    return e is not None and isinstance(_unparen(e), exp.Placeholder)


class Expressions:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.params: dict[str, ParamUse] = {}

    # The statement half provides this (subqueries).
    def query(self, node: exp.Expression, parent: Scope | None) -> list[tuple[str, V]]:
        raise NotImplementedError

    # -- parameters ------------------------------------------------------------------------------
    def param(self, node: exp.Placeholder, expect: V | None) -> V:
        name = ident(node.this) if node.this else ""
        if not name or name.isdigit():
            raise Problem(node, "invalid-parameter", "parameters are named: write :name")
        if not (name.isascii() and name.isidentifier()):
            raise Problem(
                node,
                "invalid-parameter",
                f"parameter :{name}: a parameter name is letters, digits and _ (ASCII)",
            )
        use = self.params.get(name)
        if expect is not None:
            t = T.plain(T.resolved(expect.type))
            if use is None or use.type is None:
                nullable = expect.nullable or (use is not None and use.nullable)
                self.params[name] = ParamUse(name, t, nullable, node)
            elif T.unify(use.type, t) is None:
                raise Problem(
                    node,
                    "conflicting-parameter",
                    f"parameter :{name} is used as {use.type.sql} and as {t.sql}; cast one use",
                )
            elif expect.nullable:
                use.nullable = True
            found = self.params[name]
            assert found.type is not None
            return V(found.type, found.nullable)
        if use is not None and use.type is not None:
            return V(use.type, use.nullable)
        raise Problem(
            node,
            "untyped-parameter",
            f"cannot tell the type of parameter :{name} from where it is used; cast it: "
            f":{name}::type",
        )

    def _known(self, e: exp.Expression) -> bool:
        """Whether ``e`` is a parameter whose type an earlier use decided."""
        p = _unparen(e)
        use = self.params.get(ident(p.this)) if isinstance(p, exp.Placeholder) else None
        return use is not None and use.type is not None

    def typ_expecting(self, e: exp.Expression, scope: Scope, other: V | None) -> V:
        """``e`` where its type should be ``other``'s (a parameter takes it)."""
        inner = _unparen(e)
        if isinstance(inner, exp.Placeholder):
            return self.param(inner, other.null(False) if other is not None else None)
        return self.typ(e, scope)

    def pair(self, a: exp.Expression, b: exp.Expression, scope: Scope) -> tuple[V, V]:
        """Two operands that type each other: a parameter takes the other side's type."""
        if _is_param(a) and not _is_param(b):
            vb = self.typ(b, scope)
            return self.typ_expecting(a, scope, vb), vb
        va = self.typ(a, scope)
        return va, self.typ_expecting(b, scope, va)

    # -- expressions -----------------------------------------------------------------------------
    def typ(self, e: exp.Expression, scope: Scope) -> V:
        e = _unparen(e)
        if isinstance(e, exp.Column):
            if isinstance(e.this, exp.Star):
                raise Problem(e, "untyped-expression", "a star is only allowed in the select list")
            table = ident(e.args.get("table")) if e.args.get("table") else None
            return scope.resolve(e, ident(e.this), table)
        if isinstance(e, exp.Placeholder):
            return self.param(e, None)
        if isinstance(e, exp.Parameter):
            raise Problem(e, "invalid-parameter", "parameters are named: write :name, not $n")
        if isinstance(e, exp.Literal):
            return V(self.literal(e), False)
        if isinstance(e, exp.ByteString | exp.RawString | exp.National | exp.UnicodeString):
            return V(T.UNKNOWN, False)  # E'...', U&'...': string literals
        if isinstance(e, exp.Boolean):
            return V(T.BOOLEAN, False)
        if isinstance(e, exp.Null):
            return V(T.UNKNOWN, True)
        if isinstance(e, exp.Cast):
            return self.cast(e, scope)
        if isinstance(e, exp.Alias):
            return self.typ(e.this, scope)
        if isinstance(e, exp.And | exp.Or):
            a, b = self.typ(e.this, scope), self.typ(e.expression, scope)
            self.boolean(e.this, a)
            self.boolean(e.expression, b)
            return V(T.BOOLEAN, a.nullable or b.nullable)
        if isinstance(e, exp.Not):
            a = self.typ(e.this, scope)
            self.boolean(e.this, a)
            return V(T.BOOLEAN, a.nullable)
        if isinstance(e, _COMPARISONS):
            return self.comparison(e, scope)
        if isinstance(e, exp.Is):
            return self.is_(e, scope)
        if isinstance(e, exp.Like | exp.ILike):
            a = self.typ_expecting(e.this, scope, V(T.TEXT, False))
            b = self.typ_expecting(e.expression, scope, V(T.TEXT, False))
            return V(T.BOOLEAN, a.nullable or b.nullable)
        if isinstance(e, exp.Between):
            a = self.typ(e.this, scope)
            lo = self.typ_expecting(e.args["low"], scope, a)
            hi = self.typ_expecting(e.args["high"], scope, a)
            return V(T.BOOLEAN, a.nullable or lo.nullable or hi.nullable)
        if isinstance(e, exp.In):
            return self.in_(e, scope)
        if isinstance(e, exp.Exists):
            self.query(e.this, scope)
            return V(T.BOOLEAN, False)
        if isinstance(e, exp.Subquery | exp.Select | exp.SetOperation):
            cols = self.query(e, scope)
            if len(cols) != 1:
                raise Problem(e, "untyped-expression", "a scalar subquery returns one column")
            v = cols[0][1]
            # No row is NULL, unless the query always returns one (an aggregate, ungrouped).
            return v if _one_row(e) else v.null()
        if isinstance(e, exp.Bracket):
            a = self.typ(e.this, scope)
            if not a.type.array_dims:
                raise Problem(e, "untyped-expression", f"{a.type.sql} is not an array{_CAST_HINT}")
            slices = False
            for index in e.expressions:
                if isinstance(index, exp.Slice):
                    slices = True
                    for bound in (index.this, index.expression):
                        if bound is not None:
                            self.typ_expecting(bound, scope, V(T.INTEGER, False))
                else:
                    self.typ_expecting(index, scope, V(T.INTEGER, False))
            t = a.type if slices else a.type.element
            return V(t, True)
        if isinstance(e, exp.Neg):
            a = self.typ(e.this, scope)
            if not (T.is_numeric(a.type) or a.type.base == "interval"):
                raise Problem(e, "untyped-expression", f"cannot negate {a.type.sql}{_CAST_HINT}")
            return V(T.plain(a.type), a.nullable)
        if isinstance(e, _ARITHMETIC):
            return self.arith(e, scope)
        if isinstance(e, exp.DPipe):
            a, b = self.pair(e.this, e.expression, scope)
            t = a.type if a.type.array_dims else b.type if b.type.array_dims else T.TEXT
            return V(t, a.nullable or b.nullable)
        if isinstance(e, exp.Case):
            return self.case(e, scope)
        if isinstance(e, exp.Coalesce | exp.Greatest | exp.Least):
            args = [e.this, *e.expressions]
            vs = self.meet(args, scope, e)
            return V(vs.type, all(v.nullable for v in self._typed(args, scope)))
        if isinstance(e, exp.Nullif):
            a, _ = self.pair(e.this, e.expression, scope)
            return a.null()
        if isinstance(e, exp.Array):
            return self.array(e, scope)
        if isinstance(e, exp.Interval):
            return V(T.INTERVAL, False)
        if isinstance(e, exp.JSONExtract | exp.JSONBExtract):
            a = self.typ(e.this, scope)
            self._args_of(e, scope, skip=(e.this,))
            return V(T.JSONB if a.type.base == "jsonb" else T.JSON, True)
        if isinstance(e, exp.JSONExtractScalar | exp.JSONBExtractScalar):
            self.typ(e.this, scope)
            self._args_of(e, scope, skip=(e.this,))
            return V(T.TEXT, True)
        if isinstance(e, exp.Window):
            return self.window(e, scope)
        if isinstance(e, exp.Explode):  # unnest(array) in the select list: one row per item
            a = self.typ(e.this, scope)
            if not a.type.array_dims:
                raise Problem(e, "type-mismatch", f"unnest() takes an array, not {a.type.sql}")
            return V(a.type.element if a.type.array_dims == 1 else a.type, True)
        if isinstance(e, exp.Dot) and isinstance(e.expression, exp.Identifier):
            return self.field(e, scope)
        if isinstance(e, exp.Filter):
            return self.aggregate(e.this, scope, filtered=e, window=False)
        if isinstance(e, F.AGGREGATES) or (
            isinstance(e, exp.Anonymous) and e.name.lower() in F.NAMED_AGGREGATES
        ):
            return self.aggregate(e, scope, filtered=None, window=False)
        if isinstance(e, exp.Any | exp.All):
            raise Problem(e, "untyped-expression", "ANY/ALL belongs on the right of a comparison")
        return self.function(e, scope)

    def field(self, e: exp.Dot, scope: Scope) -> V:
        """``(composite).field``: the attribute's type, NULL when the value may be."""
        a = self.typ(e.this, scope)
        name = ident(e.expression)
        composite = next(
            (
                c
                for c in self.catalog.composites
                if a.type.ref is not None and c.qname == a.type.ref
            ),
            None,
        )
        if composite is None or a.type.array_dims:
            raise Problem(e, "untyped-expression", f"{a.type.sql} has no fields{_CAST_HINT}")
        for attr, t in composite.attributes:
            if attr == name:
                return V(t, True)
        raise Problem(e, "unknown-column", f"type {a.type.sql} has no field {name!r}")

    def _typed(self, args: Sequence[exp.Expression], scope: Scope) -> list[V]:
        # Parameters among them were typed by meet(); typing again returns their type.
        return [self.typ(a, scope) for a in args]

    def literal(self, e: exp.Literal) -> SqlType:
        if e.is_string:
            return T.UNKNOWN
        text = e.this
        if any(c in text for c in ".eE"):
            return T.NUMERIC
        n = int(text)
        return T.INTEGER if n < 2**31 else T.BIGINT if n < 2**63 else T.NUMERIC

    def boolean(self, node: exp.Expression, v: V) -> None:
        if v.type.base not in ("boolean", "unknown") or v.type.array_dims:
            raise Problem(node, "type-mismatch", f"expected a boolean, got {v.type.sql}")

    def cast(self, e: exp.Cast, scope: Scope) -> V:
        to = e.args["to"]
        t = T.parse_type_text(
            to.sql("postgres").lower() if _lower_ok(to) else to.sql("postgres"), self.catalog
        )
        if t is None:
            raise Problem(e, "untyped-expression", f"unknown type {to.sql('postgres')!r}")
        inner = _unparen(e.this)
        if isinstance(inner, exp.Placeholder):
            self.param(inner, V(t, False))
            use = self.params[ident(inner.this)]
            return V(t, use.nullable)
        try:
            v = self.typ(inner, scope)
        except Problem as p:
            if p.code != "untyped-expression":
                raise
            # The way out: the cast says the type; the columns inside must still exist.
            nullable = self.check_names(inner, scope)
            return V(t, nullable)
        return V(t, v.nullable)

    def check_names(self, e: exp.Expression, scope: Scope) -> bool:
        """Resolve every column below ``e`` (the type of ``e`` itself is unknown); whether any
        of them may be NULL."""
        nullable = False
        for node in e.walk():
            if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
                table = ident(node.args.get("table")) if node.args.get("table") else None
                nullable |= scope.resolve(node, ident(node.this), table).nullable
            elif isinstance(node, exp.Placeholder):
                self.param(node, None)
            elif isinstance(node, exp.Select | exp.Subquery):
                self.query(node, scope)
                return True
        return True if not isinstance(e, exp.Column) else nullable

    def comparison(self, e: exp.Expression, scope: Scope) -> V:
        right = _unparen(e.expression)
        if isinstance(right, exp.Any | exp.All):
            a = self.typ(e.this, scope)
            target = _unparen(right.this)
            if isinstance(target, exp.Placeholder):
                b = self.param(target, V(T.array_of(T.plain(T.resolved(a.type))), False))
            elif isinstance(target, exp.Select | exp.Subquery):
                cols = self.query(target, scope)
                b = cols[0][1] if cols else V(T.UNKNOWN, True)
            else:
                b = self.typ(target, scope)
            return V(T.BOOLEAN, a.nullable or b.nullable)
        a, b = self.pair(e.this, e.expression, scope)
        self.comparable(e, a.type, b.type)
        null_safe = isinstance(e, exp.NullSafeEQ | exp.NullSafeNEQ)
        return V(T.BOOLEAN, not null_safe and (a.nullable or b.nullable))

    def comparable(self, e: exp.Expression, a: SqlType, b: SqlType) -> None:
        x, y = T.base_of(a, self.catalog), T.base_of(b, self.catalog)
        if (
            T.unify(x, y) is None
            and not (T.is_text(x) or T.is_text(y))
            and not (T.is_datetime(x) and T.is_datetime(y))
        ):
            raise Problem(e, "type-mismatch", f"cannot compare {a.sql} with {b.sql}{_CAST_HINT}")

    def is_(self, e: exp.Is, scope: Scope) -> V:
        target = _unparen(e.expression)
        subject = _unparen(e.this)
        if isinstance(target, exp.Null):
            # ``:p IS NULL`` makes :p optional (None allowed): the optional-filter idiom.
            p = subject.this if isinstance(subject, exp.Cast) else subject
            p = _unparen(p)
            if isinstance(p, exp.Placeholder):
                name = ident(p.this)
                if isinstance(subject, exp.Cast):
                    self.typ(subject, scope)
                use = self.params.get(name)
                if use is None:
                    self.params[name] = ParamUse(name, None, True, p)
                else:
                    use.nullable = True
                return V(T.BOOLEAN, False)
            self.typ(e.this, scope)
            return V(T.BOOLEAN, False)
        a = self.typ(e.this, scope)
        if isinstance(target, exp.Boolean):
            self.boolean(e.this, a)
        else:
            self.typ_expecting(target, scope, a)
        return V(T.BOOLEAN, False)

    def in_(self, e: exp.In, scope: Scope) -> V:
        query = e.args.get("query")
        if query is not None:
            a = self.typ(e.this, scope)
            cols = self.query(query, scope)
            if len(cols) != 1:
                raise Problem(e, "type-mismatch", "the subquery of IN returns one column")
            return V(T.BOOLEAN, a.nullable or cols[0][1].nullable)
        items = list(e.expressions)
        if _is_param(e.this):
            known = next((i for i in items if not _is_param(i)), None)
            a = self.typ_expecting(e.this, scope, self.typ(known, scope) if known else None)
        else:
            a = self.typ(e.this, scope)
        nullable = a.nullable
        for item in items:
            v = self.typ_expecting(item, scope, a)
            self.comparable(item, a.type, v.type)
            nullable |= v.nullable
        return V(T.BOOLEAN, nullable)

    def arith(self, e: exp.Expression, scope: Scope) -> V:
        left, right = e.this, e.expression
        if _is_param(left) != _is_param(right) and not self._known(
            left if _is_param(left) else right
        ):
            known = self.typ(right if _is_param(left) else left, scope)
            if T.is_datetime(known.type) and isinstance(e, exp.Add | exp.Sub):
                guess = V(T.INTERVAL, False)  # a timestamp plus or minus an interval
            else:
                guess = known
            other = self.typ_expecting(left if _is_param(left) else right, scope, guess)
            a, b = (other, known) if _is_param(left) else (known, other)
        else:
            a, b = self.typ(left, scope), self.typ(right, scope)
        t = F.arithmetic(
            type(e),
            T.base_of(a.type, self.catalog),
            T.base_of(b.type, self.catalog),
        )
        if t is None:
            raise Problem(
                e,
                "untyped-expression",
                f"no operator {type(e).__name__.lower()} for {a.type.sql} and {b.type.sql}"
                f"{_CAST_HINT}",
            )
        return V(t, a.nullable or b.nullable)

    def meet(self, args: Sequence[exp.Expression], scope: Scope, node: exp.Expression) -> V:
        """The common type of branches (CASE results, COALESCE arguments); parameters among
        them take it."""
        known = [self.typ(a, scope) for a in args if not _is_param(a)]
        if not known:
            raise Problem(node, "untyped-parameter", "cannot tell the parameters' type; cast one")
        t = known[0].type
        for a, v in zip([a for a in args if not _is_param(a)], known, strict=True):
            u = T.unify(t, v.type)
            if u is None:
                raise Problem(
                    a, "type-mismatch", f"{t.sql} and {v.type.sql} do not mix{_CAST_HINT}"
                )
            t = u
        t = T.resolved(t)
        for a in args:
            if _is_param(a):
                self.typ_expecting(a, scope, V(t, False))
        return V(t, any(v.nullable for v in known))

    def case(self, e: exp.Case, scope: Scope) -> V:
        operand = e.this
        subject = self.typ(operand, scope) if operand is not None else None
        results: list[exp.Expression] = []
        for when in e.args.get("ifs") or []:
            cond = when.this
            if subject is not None:
                v = self.typ_expecting(cond, scope, subject)
                self.comparable(cond, subject.type, v.type)
            else:
                self.boolean(cond, self.typ(cond, scope))
            results.append(when.args["true"])
        default = e.args.get("default")
        if default is not None:
            results.append(default)
        v = self.meet(results, scope, e)
        nullable = default is None or any(r.nullable for r in self._typed(results, scope))
        return V(v.type, nullable)

    def array(self, e: exp.Array, scope: Scope) -> V:
        items = list(e.expressions)
        if len(items) == 1 and isinstance(_unparen(items[0]), exp.Select | exp.Subquery):
            cols = self.query(items[0], scope)
            if len(cols) != 1:
                raise Problem(e, "type-mismatch", "ARRAY(subquery) takes one column")
            return V(T.array_of(T.resolved(cols[0][1].type)), False)
        if not items:
            raise Problem(e, "untyped-expression", f"an empty ARRAY[] has no type{_CAST_HINT}")
        v = self.meet(items, scope, e)
        return V(T.array_of(v.type), False)

    # -- aggregates and windows ------------------------------------------------------------------
    def aggregate(
        self,
        e: exp.Expression,
        scope: Scope,
        *,
        filtered: exp.Expression | None,
        window: bool,
        frame: bool = False,
    ) -> V:
        if filtered is not None:
            cond = filtered.expression
            cond = cond.this if isinstance(cond, exp.Where) else cond
            self.boolean(cond, self.typ(cond, scope))
        args = self._aggregate_args(e, scope)
        if isinstance(e, exp.Anonymous):
            found: V | None = V(F.NAMED_AGGREGATES[e.name.lower()], True)
        else:
            found = F.aggregate(e, args)
        if found is None:
            kinds = ", ".join(a.type.sql for a in args)
            raise Problem(
                e,
                "untyped-expression",
                f"no aggregate {type(e).__name__.lower()}({kinds}){_CAST_HINT}",
            )
        # Over at least one row, an aggregate of values that are never NULL is not NULL: every
        # group of a GROUP BY has a row, and so has the default window frame (it holds the
        # current row). A FILTER can leave it none.
        has_rows = (scope.grouped and not window) or (window and not frame)
        if found.nullable and has_rows and filtered is None and args and not args[0].nullable:
            found = found.null(False)
        return found

    def _aggregate_args(self, e: exp.Expression, scope: Scope) -> list[V]:
        out: list[V] = []
        for key in ("this", "expression", "expressions"):
            value = e.args.get(key)
            values = value if isinstance(value, list) else [value]
            for v in values:
                if not isinstance(v, exp.Expression) or isinstance(v, exp.Star):
                    continue
                if isinstance(v, exp.Distinct):
                    out += [self.typ(x, scope) for x in v.expressions]
                elif isinstance(v, exp.Order):  # array_agg(x ORDER BY y)
                    if isinstance(v.this, exp.Expression):
                        out.append(self.typ(v.this, scope))
                    self.order(v, scope)
                elif isinstance(v, exp.Ordered):
                    out.append(self.typ(v.this, scope))
                else:
                    out.append(self.typ(v, scope))
        return out

    def order(self, order: exp.Order, scope: Scope) -> None:
        for o in order.expressions:
            target = o.this if isinstance(o, exp.Ordered) else o
            target = _unparen(target)
            if isinstance(target, exp.Literal) and not target.is_string:
                continue  # ORDER BY 2: a position in the select list
            if (
                isinstance(target, exp.Column)
                and not target.args.get("table")
                and ident(target.this) in scope.outputs
            ):
                continue
            self.typ(target, scope)

    def window(self, e: exp.Window, scope: Scope) -> V:
        for p in e.args.get("partition_by") or []:
            self.typ(p, scope)
        if e.args.get("order") is not None:
            self.order(e.args["order"], scope)
        frame = e.args.get("spec") is not None
        fn = e.this
        filtered = None
        if isinstance(fn, exp.Filter):
            filtered, fn = fn, fn.this
        if type(fn) in F.RANKING or (
            isinstance(fn, exp.Anonymous) and fn.name.lower() in F.NAMED_RANKING
        ):
            self._args_of(fn, scope)
            t, _ = F.RANKING.get(type(fn)) or F.NAMED_RANKING[fn.name.lower()]
            return V(t, False)
        if isinstance(fn, exp.Lag | exp.Lead):
            value = self.typ(fn.this, scope)
            offset = fn.args.get("offset")
            if offset is not None:
                self.typ_expecting(offset, scope, V(T.INTEGER, False))
            default = fn.args.get("default")
            d = self.typ_expecting(default, scope, value) if default is not None else None
            return V(T.plain(value.type), value.nullable or d is None or d.nullable)
        if isinstance(fn, exp.FirstValue | exp.LastValue):
            value = self.typ(fn.this, scope)
            return V(T.plain(value.type), value.nullable or frame)
        if isinstance(fn, exp.NthValue):
            value = self.typ(fn.this, scope)
            self._args_of(fn, scope, skip=(fn.this,))
            return V(T.plain(value.type), True)
        if isinstance(fn, F.AGGREGATES) or (
            isinstance(fn, exp.Anonymous) and fn.name.lower() in F.NAMED_AGGREGATES
        ):
            return self.aggregate(fn, scope, filtered=filtered, window=True, frame=frame)
        raise Problem(e, "untyped-expression", f"cannot type this window function{_CAST_HINT}")

    # -- functions -------------------------------------------------------------------------------
    def _args_of(
        self, e: exp.Expression, scope: Scope, skip: Sequence[exp.Expression] = ()
    ) -> list[V]:
        out: list[V] = []
        for key in e.arg_types:
            value = e.args.get(key)
            values = value if isinstance(value, list) else [value]
            for v in values:
                if not isinstance(v, exp.Expression) or any(v is s for s in skip):
                    continue
                if isinstance(v, exp.Var | exp.JSONPath | exp.DataType):
                    continue  # keywords (extract's field), json paths, type names
                if _is_param(v):
                    out.append(self.typ_expecting(v, scope, None))
                else:
                    out.append(self.typ(v, scope))
        return out

    def function(self, e: exp.Expression, scope: Scope) -> V:
        rule = F.SCALAR.get(type(e))
        if rule is None and isinstance(e, exp.Anonymous):
            rule = F.NAMED.get(e.name.lower())
        if rule is None:
            what = e.name.lower() if isinstance(e, exp.Anonymous) else e.key
            if isinstance(e, exp.Dot):  # a schema-qualified function: public.f(...)
                what = e.sql("postgres").split("(", 1)[0]
                raise Problem(
                    e, "untyped-expression", f"cannot type the function {what}(){_CAST_HINT}"
                )
            raise Problem(e, "untyped-expression", f"cannot type {what}(...){_CAST_HINT}")
        args = self._text_args(e, scope)
        found = rule(args)
        if found is None:
            kinds = ", ".join(a.type.sql for a in args)
            raise Problem(e, "untyped-expression", f"cannot type {e.key}({kinds}){_CAST_HINT}")
        return found

    def _text_args(self, e: exp.Expression, scope: Scope) -> list[V]:
        """The arguments; a parameter among them is taken to be text for the string functions
        and of the first argument's type otherwise."""
        out: list[V] = []
        first: V | None = None
        for key in e.arg_types:
            value = e.args.get(key)
            values = value if isinstance(value, list) else [value]
            for v in values:
                if not isinstance(v, exp.Expression):
                    continue
                if isinstance(v, exp.Var | exp.JSONPath | exp.DataType):
                    continue
                if _is_param(v):
                    guess = first if first is not None and T.is_numeric(first.type) else None
                    rule = F.SCALAR.get(type(e))
                    if guess is None and rule is not None:
                        guess = V(T.TEXT, False)
                    out.append(self.typ_expecting(v, scope, guess))
                else:
                    out.append(self.typ(v, scope))
                if first is None:
                    first = out[-1]
        return out


def _one_row(e: exp.Expression) -> bool:
    """Whether a query returns exactly one row whatever the data: a SELECT whose list holds an
    aggregate, without GROUP BY, HAVING, LIMIT, OFFSET or set operation."""
    while isinstance(e, exp.Subquery | exp.Paren):
        e = e.this
    if not isinstance(e, exp.Select):
        return False
    if any(e.args.get(k) for k in ("group", "having", "limit", "offset")):
        return False

    def direct(x: exp.Expression) -> bool:
        node = x.parent
        while node is not None and node is not e:
            if isinstance(node, exp.Subquery | exp.Window | exp.Select):
                return False
            node = node.parent
        return True

    return any(
        isinstance(x, F.AGGREGATES) and direct(x) for item in e.expressions for x in item.walk()
    )


def _lower_ok(to: exp.DataType) -> bool:
    """Whether a type's SQL may be folded (built-in names; a quoted user type keeps its case)."""
    return to.this is not exp.DataType.Type.USERDEFINED or not any(
        isinstance(i, exp.Identifier) and i.quoted for i in to.walk()
    )

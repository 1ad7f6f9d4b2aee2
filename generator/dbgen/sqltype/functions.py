"""Result types of PostgreSQL's operators, functions and aggregates, as the typer applies them.

Each rule takes the typed arguments and answers the result (type, nullability); ``None`` means
the rule does not apply to these argument types (the typer then reports the expression).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlglot import exp

from dbgen.ir import SqlType
from dbgen.sqltype import pgtypes as T
from dbgen.sqltype.scope import V

Rule = Callable[[Sequence[V]], V | None]


def strict(t: SqlType) -> Rule:
    """A function returning ``t``, NULL when any argument is NULL (most functions)."""
    return lambda args: V(t, any(a.nullable for a in args))


def never_null(t: SqlType) -> Rule:
    return lambda args: V(t, False)


def always_null(t: SqlType) -> Rule:
    return lambda args: V(t, True)


def _first(args: Sequence[V]) -> V | None:
    return V(T.plain(T.resolved(args[0].type)), any(a.nullable for a in args)) if args else None


def _float_or_numeric(args: Sequence[V]) -> V | None:
    """floor/ceil/round/sqrt...: double precision stays, numeric stays, integers go to double
    precision (PostgreSQL's preferred numeric type) unless a scale is given (numeric)."""
    if not args or not T.is_numeric(args[0].type):
        return None
    t = args[0].type
    if t.base in ("real", "double precision"):
        out = T.DOUBLE
    elif t.base == "numeric" or len(args) > 1:
        out = T.NUMERIC
    else:
        out = T.DOUBLE
    return V(out, any(a.nullable for a in args))


def _abs(args: Sequence[V]) -> V | None:
    return _first(args) if args and T.is_numeric(args[0].type) else None


def _trunc_time(args: Sequence[V]) -> V | None:
    """date_trunc(field, x): timestamp and timestamptz stay, date becomes timestamptz."""
    value = args[-1] if args else None
    if value is None:
        return None
    t = value.type
    if t.base == "date":
        out = T.TIMESTAMPTZ
    elif t.base in ("timestamp without time zone", "timestamp with time zone", "interval"):
        out = T.plain(t)
    else:
        return None
    return V(out, any(a.nullable for a in args))


# sqlglot node class -> rule (what sqlglot parses PostgreSQL's spelling into).
SCALAR: dict[type[exp.Expression], Rule] = {
    exp.Lower: strict(T.TEXT),
    exp.Upper: strict(T.TEXT),
    exp.Initcap: strict(T.TEXT),
    exp.Trim: strict(T.TEXT),
    exp.Replace: strict(T.TEXT),
    exp.Substring: strict(T.TEXT),
    exp.Left: strict(T.TEXT),
    exp.Right: strict(T.TEXT),
    exp.SplitPart: strict(T.TEXT),
    exp.MD5: strict(T.TEXT),
    exp.Pad: strict(T.TEXT),
    exp.Repeat: strict(T.TEXT),
    exp.Reverse: strict(T.TEXT),
    exp.TimeToStr: strict(T.TEXT),  # to_char
    exp.Length: strict(T.INTEGER),
    exp.StrPosition: strict(T.INTEGER),
    exp.ArraySize: strict(T.INTEGER),  # cardinality
    exp.Concat: never_null(T.TEXT),  # concat() skips NULL arguments
    exp.ConcatWs: never_null(T.TEXT),
    exp.CurrentTimestamp: never_null(T.TIMESTAMPTZ),
    exp.CurrentDate: never_null(T.DATE),
    exp.CurrentTime: never_null(T.TIMETZ),
    exp.Uuid: never_null(T.UUID),  # gen_random_uuid()
    exp.Rand: never_null(T.DOUBLE),
    exp.Extract: strict(T.NUMERIC),  # numeric since PostgreSQL 14
    exp.TimestampTrunc: _trunc_time,
    exp.DateTrunc: _trunc_time,
    exp.Abs: _abs,
    exp.Floor: _float_or_numeric,
    exp.Ceil: _float_or_numeric,
    exp.Round: _float_or_numeric,
    exp.Sqrt: _float_or_numeric,
}

# Functions sqlglot leaves as they are (exp.Anonymous), by name.
NAMED: dict[str, Rule] = {
    "age": strict(T.INTERVAL),
    "date_part": strict(T.DOUBLE),
    "array_length": always_null(T.INTEGER),  # NULL for an empty array
    "jsonb_build_object": never_null(T.JSONB),
    "json_build_object": never_null(T.JSON),
    "jsonb_build_array": never_null(T.JSONB),
    "json_build_array": never_null(T.JSON),
    "to_jsonb": strict(T.JSONB),
    "to_json": strict(T.JSON),
    "char_length": strict(T.INTEGER),
    "octet_length": strict(T.INTEGER),
    "btrim": strict(T.TEXT),
    "ltrim": strict(T.TEXT),
    "rtrim": strict(T.TEXT),
    "lpad": strict(T.TEXT),
    "rpad": strict(T.TEXT),
    "format": never_null(T.TEXT),
    "quote_ident": strict(T.TEXT),
    "regexp_replace": strict(T.TEXT),
    "translate": strict(T.TEXT),
    "strpos": strict(T.INTEGER),
    "statement_timestamp": never_null(T.TIMESTAMPTZ),
    "clock_timestamp": never_null(T.TIMESTAMPTZ),
    "transaction_timestamp": never_null(T.TIMESTAMPTZ),
    "timezone": strict(T.TIMESTAMP),
    "make_interval": strict(T.INTERVAL),
    "justify_interval": strict(T.INTERVAL),
    "trunc": _float_or_numeric,
    "ceiling": _float_or_numeric,
    "sign": _first,
    "mod": _first,
}


def aggregate(node: exp.Expression, args: Sequence[V]) -> V | None:
    """An aggregate's type, nullable as over no rows (the caller makes it NOT NULL where every
    group has a row)."""
    if isinstance(node, exp.Count):
        return V(T.BIGINT, False)
    if not args:
        return None
    a = T.plain(T.resolved(args[0].type))
    if isinstance(node, exp.Sum):
        if T.is_integer(a):
            return V(T.NUMERIC if a.base == "bigint" else T.BIGINT, True)
        if a.base in ("numeric", "real", "double precision", "interval", "money"):
            return V(a, True)
        return None
    if isinstance(node, exp.Avg):
        if T.is_integer(a) or a.base == "numeric":
            return V(T.NUMERIC, True)
        if a.base in ("real", "double precision"):
            return V(T.DOUBLE, True)
        if a.base == "interval":
            return V(T.INTERVAL, True)
        return None
    if isinstance(node, exp.Min | exp.Max):
        return V(a, True)
    if isinstance(node, exp.LogicalAnd | exp.LogicalOr):
        return V(T.BOOLEAN, True)
    if isinstance(node, exp.GroupConcat):
        return V(T.TEXT, True)
    if isinstance(node, exp.ArrayAgg):
        return V(T.array_of(a), True)
    if isinstance(node, exp.JSONArrayAgg):
        return V(T.JSON, True)
    return None


NAMED_AGGREGATES: dict[str, SqlType] = {
    "every": T.BOOLEAN,
    "bool_and": T.BOOLEAN,
    "bool_or": T.BOOLEAN,
    "jsonb_agg": T.JSONB,
    "json_agg": T.JSON,
    "jsonb_object_agg": T.JSONB,
    "json_object_agg": T.JSON,
    "string_agg": T.TEXT,
}

AGGREGATES: tuple[type[exp.Expression], ...] = (
    exp.Count,
    exp.Sum,
    exp.Avg,
    exp.Min,
    exp.Max,
    exp.LogicalAnd,
    exp.LogicalOr,
    exp.GroupConcat,
    exp.ArrayAgg,
    exp.JSONArrayAgg,
)

# Window-only functions: (type, never NULL).
RANKING: dict[type[exp.Expression], tuple[SqlType, bool]] = {
    exp.RowNumber: (T.BIGINT, True),
    exp.Rank: (T.BIGINT, True),
    exp.DenseRank: (T.BIGINT, True),
    exp.Ntile: (T.INTEGER, True),
    exp.PercentRank: (T.DOUBLE, True),
    exp.CumeDist: (T.DOUBLE, True),
}
NAMED_RANKING: dict[str, tuple[SqlType, bool]] = {
    "row_number": (T.BIGINT, True),
    "rank": (T.BIGINT, True),
    "dense_rank": (T.BIGINT, True),
    "ntile": (T.INTEGER, True),
    "percent_rank": (T.DOUBLE, True),
    "cume_dist": (T.DOUBLE, True),
}


def arithmetic(op: type[exp.Expression], a: SqlType, b: SqlType) -> SqlType | None:
    """``a op b`` for + - * / %; None when PostgreSQL has no such operator we know of."""
    a, b = T.resolved(a), T.resolved(b)
    if T.is_numeric(a) and T.is_numeric(b):
        return T.wider_numeric(a, b)
    ab = (a.base, b.base) if not (a.array_dims or b.array_dims) else ("", "")
    if op is exp.Add or op is exp.Sub:
        if ab == ("date", "integer") or (op is exp.Add and ab == ("integer", "date")):
            return T.DATE
        if op is exp.Sub and ab == ("date", "date"):
            return T.INTEGER
        if ab[0] in ("timestamp without time zone", "timestamp with time zone"):
            if ab[1] == "interval":
                return T.plain(a)
            if op is exp.Sub and ab[1] == ab[0]:
                return T.INTERVAL
        if ab[1] in ("timestamp without time zone", "timestamp with time zone") and (
            op is exp.Add and ab[0] == "interval"
        ):
            return T.plain(b)
        if ab == ("date", "interval") or (op is exp.Add and ab == ("interval", "date")):
            return T.TIMESTAMP
        if ab == ("interval", "interval"):
            return T.INTERVAL
    if op is exp.Mul and "interval" in ab and (T.is_numeric(a) or T.is_numeric(b)):
        return T.INTERVAL
    if op is exp.Div and ab[0] == "interval" and T.is_numeric(b):
        return T.INTERVAL
    return None

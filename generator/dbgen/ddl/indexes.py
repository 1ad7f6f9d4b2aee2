"""CREATE INDEX and index elements, with the column names PostgreSQL derives for them.

The parser returns an unnamed, unresolved spec: the applier names it (PostgreSQL's rules need the
state of the whole script) and finds its table. Expressions are sliced from the original text.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbgen.ddl.clauses import collation, column_list, nulls_distinct
from dbgen.ddl.cursor import Cursor, ParseError
from dbgen.ddl.split import Kind, Token
from dbgen.ir import IndexElement


def figure_index_colname(cur: Cursor) -> str:
    """The column name PostgreSQL derives for an index element (FigureIndexColname).

    A plain column gives its name, a function call its function name, a cast the cast's
    argument name (or the type's name), CASE gives "case"; anything else is "expr".
    """
    name, _strength = _figure(list(range(len(cur.toks))), cur)
    return name or "expr"


def _figure(idx: list[int], cur: Cursor) -> tuple[str | None, int]:
    toks = [cur.toks[i] for i in idx]
    # strip redundant outer parentheses
    while (
        len(toks) >= 2
        and toks[0].value == "("
        and toks[0].kind is Kind.PUNCT
        and _closing(toks, 0) == len(toks) - 1
    ):
        toks = toks[1:-1]
    if not toks:
        return None, 0
    if toks[0].is_word("case") and toks[-1].is_word("end"):
        return "case", 1
    # "x COLLATE c" is named after x
    depth = 0
    for j, t in enumerate(toks):
        if t.kind is Kind.PUNCT and t.value in "([":
            depth += 1
        elif t.kind is Kind.PUNCT and t.value in ")]":
            depth -= 1
        elif depth == 0 and t.is_word("collate") and j > 0:
            inner = Cursor(cur.stmt, toks[:j])
            return _figure(list(range(j)), inner)
    # top-level cast "x::type" -> look at the last top-level "::"
    depth = 0
    last_cast = -1
    has_op = False
    for j, t in enumerate(toks):
        if t.kind is Kind.PUNCT and t.value in "([":
            depth += 1
        elif t.kind is Kind.PUNCT and t.value in ")]":
            depth -= 1
        elif depth == 0 and t.kind is Kind.OP and t.value == "::":
            last_cast = j
        elif depth == 0 and (t.kind is Kind.OP or t.is_word(*_EXPR_WORDS)):
            has_op = True  # an operator at top level: an A_Expr, which PostgreSQL names "expr"
    if has_op:
        return None, 0
    if last_cast >= 0:
        inner = Cursor(cur.stmt, toks[:last_cast])
        name, strength = _figure(list(range(len(inner.toks))), inner)
        if strength <= 1:
            type_toks = _type_name_tokens(toks[last_cast + 1 :])
            if type_toks:
                return _type_name_for_figure(type_toks), 1
        return name, strength
    first = toks[0]
    if first.kind is Kind.WORD and first.value == "case":
        return "case", 1
    # name[.name...] optionally followed by a call
    j = 0
    names: list[str] = []
    while j < len(toks) and toks[j].kind in (Kind.WORD, Kind.QUOTED):
        names.append(toks[j].value)
        j += 1
        if j < len(toks) and toks[j].kind is Kind.PUNCT and toks[j].value == ".":
            j += 1
            continue
        break
    if not names:
        return None, 0
    if j == len(toks):
        if len(names) == 1 and first.kind is Kind.WORD and first.value in _SQL_VALUE_FUNCS:
            return first.value, 2
        return names[-1], 2
    if toks[j].kind is Kind.PUNCT and toks[j].value == "(" and _closing(toks, j) == len(toks) - 1:
        if (
            len(names) == 1
            and first.kind is Kind.WORD
            and first.value in ("coalesce", "greatest", "least", "nullif", "row")
        ):
            return first.value, 2
        return names[-1], 2
    return None, 0


_EXPR_WORDS = ("and", "or", "not", "is", "in", "like", "ilike", "similar", "between", "at")

_SQL_VALUE_FUNCS = frozenset(
    (
        "current_date",
        "current_time",
        "current_timestamp",
        "localtime",
        "localtimestamp",
        "current_role",
        "current_user",
        "user",
        "session_user",
        "current_catalog",
        "current_schema",
    )
)


def _closing(toks: list[Token], j: int) -> int:
    depth = 0
    for k in range(j, len(toks)):
        t = toks[k]
        if t.kind is Kind.PUNCT and t.value in "([":
            depth += 1
        elif t.kind is Kind.PUNCT and t.value in ")]":
            depth -= 1
            if depth == 0:
                return k
    return -1


def _type_name_tokens(toks: list[Token]) -> list[Token]:
    out: list[Token] = []
    for t in toks:
        if t.kind in (Kind.WORD, Kind.QUOTED):
            out.append(t)
        elif t.kind is Kind.PUNCT and t.value == ".":
            continue
        else:
            break
    return out


_TYPE_FIGURE = {
    "int": "int4",
    "integer": "int4",
    "int4": "int4",
    "smallint": "int2",
    "int2": "int2",
    "bigint": "int8",
    "int8": "int8",
    "real": "float4",
    "float4": "float4",
    "float8": "float8",
    "double": "float8",
    "boolean": "bool",
    "bool": "bool",
    "varchar": "varchar",
    "character": "bpchar",
    "char": "bpchar",
    "decimal": "numeric",
    "numeric": "numeric",
    "timestamptz": "timestamptz",
    "timetz": "timetz",
    "bit": "bit",
    "varbit": "varbit",
}


def _type_name_for_figure(type_toks: list[Token]) -> str:
    """The last name of a cast's type as the grammar records it (int -> int4, varchar ...)."""
    words = [t.value for t in type_toks]
    if type_toks[-1].kind is Kind.QUOTED:
        return words[-1]
    first = words[0]
    if len(words) >= 2 and first in ("character", "char") and words[1] == "varying":
        return "varchar"
    if first in ("timestamp", "time"):
        tz = "with" in words
        return first + ("tz" if tz else "")
    if first == "bit" and len(words) >= 2 and words[1] == "varying":
        return "varbit"
    if len(words) == 1 or first not in _TYPE_FIGURE:
        return _TYPE_FIGURE.get(words[-1], words[-1])
    return _TYPE_FIGURE[first]


@dataclass(frozen=True, slots=True)
class IndexSpec:
    name: str | None
    offset: int  # where the statement starts after CREATE (for diagnostics)
    table: tuple[str, ...]
    only: bool
    unique: bool
    method: str
    elements: tuple[IndexElement, ...]
    element_names: tuple[str, ...]
    include: tuple[str, ...]
    nulls_not_distinct: bool
    with_options: str | None
    where: str | None
    if_not_exists: bool
    concurrently: bool
    tablespace: str | None


def index_element(cur: Cursor) -> tuple[IndexElement, str]:
    """One index element and the name PostgreSQL derives for it."""
    lo = cur.i
    column: str | None = None
    t = cur.peek()
    if t is None:
        raise ParseError(cur.offset(), "expected an index element")
    if t.kind is Kind.PUNCT and t.value == "(":
        cur.skip_group()
    else:
        parts_start = cur.i
        cur.name_parts()
        if cur.at_punct("("):
            cur.skip_group()
        elif cur.i - parts_start == 1:
            column = t.value
    hi = cur.i
    expression = cur.slice_text(lo, hi)
    figure = figure_index_colname(cur.sub(lo, hi)) if column is None else column
    collation_name = opclass = nulls = None
    descending = False
    while not cur.at_end() and not cur.at_punct(",") and not cur.at_punct(")"):
        if cur.accept_word("collate"):
            collation_name = collation(cur)
        elif cur.accept_word("asc"):
            descending = False
        elif cur.accept_word("desc"):
            descending = True
        elif cur.accept_word("nulls"):
            nulls = cur.expect_word("first", "last").value.upper()
        elif cur.at_word("with") and not cur.at_punct("(", k=1):
            break  # exclusion constraint "WITH <operator>"
        else:
            o_lo = cur.i
            cur.name_parts()
            if cur.at_punct("("):
                cur.skip_group()
            opclass = cur.slice_text(o_lo, cur.i)
    element = IndexElement(expression, column, opclass, descending, nulls, collation_name)
    return element, figure


def create_index(cur: Cursor) -> IndexSpec:
    """CREATE [UNIQUE] INDEX ... (cursor after CREATE)."""
    start = cur.offset()
    unique = cur.accept_word("unique") is not None
    cur.expect_word("index")
    concurrently = cur.accept_word("concurrently") is not None
    if_not_exists = cur.accept_words("if", "not", "exists")
    name: str | None = None
    if not cur.at_word("on"):
        name = cur.ident()
    cur.expect_word("on")
    only = cur.accept_word("only") is not None
    table = tuple(cur.name_parts())
    method = "btree"
    if cur.accept_word("using"):
        method = cur.ident()
    cur.expect_punct("(")
    elements: list[IndexElement] = []
    names: list[str] = []
    while True:
        element, figure = index_element(cur)
        elements.append(element)
        names.append(figure)
        if cur.accept_punct(")"):
            break
        cur.expect_punct(",")
    include: tuple[str, ...] = ()
    nnd = False
    with_options = where = tablespace = None
    while not cur.at_end():
        if cur.accept_word("include"):
            include = column_list(cur)
        elif cur.at_word("nulls"):
            nnd = nulls_distinct(cur)
        elif cur.accept_word("with"):
            with_options = cur.paren_text()
        elif cur.accept_word("tablespace"):
            tablespace = cur.ident()
        elif cur.accept_word("where"):
            where = cur.rest_text()
            cur.i = len(cur.toks)
        else:
            raise ParseError(
                cur.offset(),
                f"unexpected {cur.text(cur.offset(), cur.next().end)!r} in CREATE INDEX",
            )
    return IndexSpec(
        name,
        start,
        table,
        only,
        unique,
        method,
        tuple(elements),
        tuple(names),
        include,
        nnd,
        with_options,
        where,
        if_not_exists,
        concurrently,
        tablespace,
    )

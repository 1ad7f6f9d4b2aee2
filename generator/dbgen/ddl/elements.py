"""Parsers for the pieces of CREATE TABLE / ALTER TABLE / CREATE INDEX.

They return unnamed, unresolved specs; the catalog builder names them (PostgreSQL's rules need the
state of the whole script) and resolves referenced tables. Expressions are sliced from the
original text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dbgen.ddl.cursor import Cursor, ParseError
from dbgen.ddl.split import Kind, Token
from dbgen.ddl.types import ParsedType, Resolver, parse_type
from dbgen.ir import Deferral, Identity, IndexElement


@dataclass(slots=True)
class ConstraintSpec:
    kind: str  # "p" primary key, "u" unique, "c" check, "f" foreign key, "x" exclusion
    name: str | None
    offset: int  # where it starts, for diagnostics
    columns: list[str] = field(default_factory=list)
    expression: str = ""  # check expression
    expr_words: set[str] = field(default_factory=set)  # identifiers in a check expression
    ref: list[str] = field(default_factory=list)  # referenced table name parts
    ref_offset: int = 0
    ref_columns: list[str] = field(default_factory=list)
    on_delete: str | None = None
    on_update: str | None = None
    match_full: bool = False
    deferral: Deferral = field(default_factory=Deferral)
    not_valid: bool = False
    no_inherit: bool = False
    nulls_not_distinct: bool = False
    include: list[str] = field(default_factory=list)
    body: str = ""  # text after the name, as written (exclusion constraints are carried raw)
    index_columns: list[str] = field(default_factory=list)  # per-element names (exclusion)
    extras: list[str] = field(default_factory=list)  # index options the IR cannot hold


@dataclass(slots=True)
class ColumnSpec:
    name: str
    offset: int
    type: ParsedType
    nullable: bool = True
    default: str | None = None
    identity: Identity | None = None
    generated: str | None = None
    collation: str | None = None
    constraints: list[ConstraintSpec] = field(default_factory=list)
    not_null_named: str | None = None


_DEFAULT_STOPS = (
    "constraint",
    "not",
    "null",
    "check",
    "unique",
    "primary",
    "references",
    "generated",
    "collate",
    "deferrable",
    "initially",
    "default",
    "compression",
    "storage",
)


def _action(cur: Cursor) -> str:
    """ON DELETE / ON UPDATE action, normalised to upper case ("SET NULL (a)" keeps its list)."""
    if cur.accept_words("no", "action"):
        return "NO ACTION"
    if cur.accept_word("cascade"):
        return "CASCADE"
    if cur.accept_word("restrict"):
        return "RESTRICT"
    if cur.accept_word("set"):
        what = cur.expect_word("null", "default").value.upper()
        cols = ""
        if cur.at_punct("("):
            cols = " (" + cur.paren_text() + ")"
        return f"SET {what}{cols}"
    raise ParseError(cur.offset(), "expected a referential action")


def _deferral(cur: Cursor, spec: ConstraintSpec) -> None:
    deferrable = spec.deferral.deferrable
    deferred = spec.deferral.initially_deferred
    while True:
        if cur.accept_word("deferrable"):
            deferrable = True
        elif cur.accept_words("not", "deferrable"):
            deferrable = False
        elif cur.accept_words("initially", "deferred"):
            deferred = True
        elif cur.accept_words("initially", "immediate"):
            deferred = False
        elif cur.accept_words("not", "valid"):
            spec.not_valid = True
        elif cur.accept_words("no", "inherit"):
            spec.no_inherit = True
        elif cur.accept_word("enforced"):
            pass
        else:
            break
    if deferred:
        deferrable = True
    spec.deferral = Deferral(deferrable, deferred)


def column_list(cur: Cursor) -> list[str]:
    cols: list[str] = []
    cur.expect_punct("(")
    while True:
        cols.append(cur.ident())
        if cur.accept_punct(")"):
            return cols
        cur.expect_punct(",")


def _expr_words(cur: Cursor, lo: int, hi: int) -> set[str]:
    """Identifiers in an expression that could be column references (not function names)."""
    words: set[str] = set()
    toks = cur.toks
    for j in range(lo, hi):
        t = toks[j]
        if t.kind not in (Kind.WORD, Kind.QUOTED):
            continue
        nxt = toks[j + 1] if j + 1 < hi else None
        if nxt is not None and nxt.kind is Kind.PUNCT and nxt.value == "(":
            continue
        prev = toks[j - 1] if j > lo else None
        if prev is not None and prev.kind is Kind.OP and prev.value == "::":
            continue
        words.add(t.value)
    return words


def _index_params(cur: Cursor, spec: ConstraintSpec) -> None:
    """INCLUDE (...), WITH (...), USING INDEX TABLESPACE x after UNIQUE / PRIMARY KEY."""
    while True:
        if cur.accept_word("include"):
            spec.include = column_list(cur)
        elif cur.at_word("with") and cur.at_punct("(", k=1):
            cur.next()
            spec.extras.append("WITH (" + cur.paren_text() + ")")
        elif cur.accept_words("using", "index", "tablespace"):
            spec.extras.append("USING INDEX TABLESPACE " + cur.ident())
        else:
            return


def _nulls_distinct(cur: Cursor) -> bool:
    if cur.accept_words("nulls", "not", "distinct"):
        return True
    cur.accept_words("nulls", "distinct")
    return False


def _references(cur: Cursor, spec: ConstraintSpec) -> None:
    spec.ref_offset = cur.offset()
    spec.ref = cur.name_parts()
    if cur.at_punct("("):
        spec.ref_columns = column_list(cur)
    while True:
        if cur.accept_word("match"):
            kind = cur.expect_word("full", "simple", "partial").value
            spec.match_full = kind == "full"
            if kind == "partial":
                raise ParseError(cur.offset(), "MATCH PARTIAL is not implemented by PostgreSQL")
        elif cur.accept_words("on", "delete"):
            spec.on_delete = _action(cur)
        elif cur.accept_words("on", "update"):
            spec.on_update = _action(cur)
        else:
            break
    if spec.on_delete == "NO ACTION":
        spec.on_delete = None
    if spec.on_update == "NO ACTION":
        spec.on_update = None


def table_constraint(cur: Cursor) -> ConstraintSpec:
    """A table constraint, starting at CONSTRAINT or at its kind keyword."""
    offset = cur.offset()
    name = None
    if cur.accept_word("constraint"):
        name = cur.ident()
    body_start = cur.offset()
    t = cur.expect_word("check", "unique", "primary", "foreign", "exclude")
    if t.value == "check":
        spec = ConstraintSpec("c", name, offset)
        lo = cur.i + 1
        spec.expression = cur.paren_text()
        spec.expr_words = _expr_words(cur, lo, cur.i - 1)
    elif t.value == "unique":
        spec = ConstraintSpec("u", name, offset)
        spec.nulls_not_distinct = _nulls_distinct(cur)
        spec.columns = column_list(cur)
        _index_params(cur, spec)
    elif t.value == "primary":
        cur.expect_word("key")
        spec = ConstraintSpec("p", name, offset)
        spec.columns = column_list(cur)
        _index_params(cur, spec)
    elif t.value == "foreign":
        cur.expect_word("key")
        spec = ConstraintSpec("f", name, offset)
        spec.columns = column_list(cur)
        cur.expect_word("references")
        _references(cur, spec)
    else:
        spec = ConstraintSpec("x", name, offset)
        if cur.accept_word("using"):
            cur.ident()
        elems = cur.split_list()
        names: list[str] = []
        for a, b in elems:
            # each element is "<index element> WITH <operator>"
            j = b - 1
            while j > a and not cur.toks[j].is_word("with"):
                j -= 1
            names.append(figure_index_colname(cur.sub(a, j if j > a else b)))
        spec.index_columns = names
        _index_params(cur, spec)
        if cur.accept_word("where"):
            cur.paren_text()
    _deferral(cur, spec)
    spec.body = cur.text(body_start, cur.toks[cur.i - 1].end)
    return spec


def column_def(cur: Cursor, resolve: Resolver) -> ColumnSpec:
    offset = cur.offset()
    name = cur.ident()
    ptype = parse_type(cur, resolve)
    col = ColumnSpec(name, offset, ptype)
    if ptype.serial:
        col.nullable = False
    return column_def_tail(cur, col)


def column_def_tail(cur: Cursor, col: ColumnSpec) -> ColumnSpec:
    """Column constraints and options after the type (or after WITH OPTIONS)."""
    name = col.name
    pending_name: str | None = None
    while not cur.at_end() and not cur.at_punct(",") and not cur.at_punct(")"):
        c_off = cur.offset()
        if cur.accept_word("constraint"):
            pending_name = cur.ident()
            continue
        if cur.accept_words("not", "null"):
            col.nullable = False
            col.not_null_named = pending_name
        elif cur.accept_word("null"):
            col.nullable = True
        elif cur.accept_word("default"):
            lo = cur.i
            col.default = _default_expr(cur, lo)
        elif cur.accept_word("collate"):
            n = len(_collation_parts(cur))
            col.collation = cur.slice_text(cur.i, cur.i + n)
            cur.i += n
        elif cur.accept_word("check"):
            spec = ConstraintSpec("c", pending_name, c_off)
            lo = cur.i + 1
            spec.expression = cur.paren_text()
            spec.expr_words = _expr_words(cur, lo, cur.i - 1)
            if cur.accept_words("no", "inherit"):
                spec.no_inherit = True
            col.constraints.append(spec)
        elif cur.accept_word("unique"):
            spec = ConstraintSpec("u", pending_name, c_off, columns=[name])
            spec.nulls_not_distinct = _nulls_distinct(cur)
            _index_params(cur, spec)
            col.constraints.append(spec)
        elif cur.accept_words("primary", "key"):
            spec = ConstraintSpec("p", pending_name, c_off, columns=[name])
            _index_params(cur, spec)
            col.constraints.append(spec)
            col.nullable = False
        elif cur.accept_word("references"):
            spec = ConstraintSpec("f", pending_name, c_off, columns=[name])
            _references(cur, spec)
            col.constraints.append(spec)
        elif cur.accept_word("generated"):
            if cur.accept_word("always"):
                always = True
            else:
                cur.expect_word("by")
                cur.expect_word("default")
                always = False
            cur.expect_word("as")
            if cur.accept_word("identity"):
                opts = cur.paren_text() if cur.at_punct("(") else ""
                col.identity = Identity(always, opts)
                col.nullable = False
            else:
                col.generated = cur.paren_text()
                cur.expect_word("stored")
        elif cur.at_word("deferrable", "initially") or cur.at_words("not", "deferrable"):
            if not col.constraints:
                raise ParseError(c_off, "misplaced DEFERRABLE clause")
            _deferral(cur, col.constraints[-1])
            continue
        elif cur.accept_word("compression", "storage"):
            cur.ident()
        else:
            raise ParseError(
                c_off, f"unexpected {cur.text(c_off, cur.next().end)!r} in column definition"
            )
        pending_name = None
    return col


def _collation_parts(cur: Cursor) -> list[int]:
    """Token indexes of a (possibly qualified) collation name at the cursor, not consumed."""
    out = [cur.i]
    j = cur.i + 1
    while j + 1 < len(cur.toks) and cur.toks[j].kind is Kind.PUNCT and cur.toks[j].value == ".":
        out.extend([j, j + 1])
        j += 2
    return out


def _default_expr(cur: Cursor, lo: int) -> str:
    """A DEFAULT expression: up to the next column-constraint keyword, ',' or ')'."""
    first = True
    while not cur.at_end():
        t = cur.peek()
        assert t is not None
        if t.kind is Kind.PUNCT:
            if t.value in ",)]":
                break
            if t.value in "([":
                cur.skip_group()
                first = False
                continue
        elif t.kind is Kind.WORD and not first and t.value in _DEFAULT_STOPS:
            prev = cur.toks[cur.i - 1]
            if not (t.value in ("null", "not") and prev.is_word("is", "not")):
                break
        cur.i += 1
        first = False
    if cur.i == lo:
        raise ParseError(cur.offset(), "expected a default expression")
    return cur.slice_text(lo, cur.i)


# -- index elements -----------------------------------------------------------------------------


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


@dataclass(slots=True)
class IndexSpec:
    name: str | None
    table: list[str]
    only: bool
    unique: bool
    method: str
    elements: list[IndexElement]
    element_names: list[str]
    include: list[str]
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
    collation = opclass = nulls = None
    descending = False
    while not cur.at_end() and not cur.at_punct(",") and not cur.at_punct(")"):
        if cur.accept_word("collate"):
            n = len(_collation_parts(cur))
            collation = cur.slice_text(cur.i, cur.i + n)
            cur.i += n
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
    return IndexElement(expression, column, opclass, descending, nulls, collation), figure


def create_index(cur: Cursor) -> IndexSpec:
    """CREATE [UNIQUE] INDEX ... (cursor after CREATE)."""
    unique = cur.accept_word("unique") is not None
    cur.expect_word("index")
    concurrently = cur.accept_word("concurrently") is not None
    if_not_exists = cur.accept_words("if", "not", "exists")
    name: str | None = None
    if not cur.at_word("on"):
        name = cur.ident()
    cur.expect_word("on")
    only = cur.accept_word("only") is not None
    table = cur.name_parts()
    method = "btree"
    if cur.accept_word("using"):
        method = cur.ident()
    cur.expect_punct("(")
    elements: list[IndexElement] = []
    names: list[str] = []
    while True:
        el, fig = index_element(cur)
        elements.append(el)
        names.append(fig)
        if cur.accept_punct(")"):
            break
        cur.expect_punct(",")
    include: list[str] = []
    nnd = False
    with_options = where = tablespace = None
    while not cur.at_end():
        if cur.accept_word("include"):
            include = column_list(cur)
        elif cur.at_word("nulls"):
            nnd = _nulls_distinct(cur)
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
        table,
        only,
        unique,
        method,
        elements,
        names,
        include,
        nnd,
        with_options,
        where,
        if_not_exists,
        concurrently,
        tablespace,
    )

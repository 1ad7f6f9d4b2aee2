"""Parsers for column definitions and table constraints (CREATE TABLE, ALTER TABLE ADD).

They return unnamed, unresolved specs; the appliers name them (PostgreSQL's rules need the state
of the whole script) and resolve referenced tables and types. Expressions are sliced from the
original text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from dbgen.ddl.clauses import collation, column_list, expr_words, nulls_distinct
from dbgen.ddl.cursor import Cursor, ParseError
from dbgen.ddl.indexes import figure_index_colname
from dbgen.ddl.split import Kind
from dbgen.ddl.types import TypeName, parse_type
from dbgen.ir import Deferral, Identity


class ConstraintKind(StrEnum):
    PRIMARY_KEY = "p"
    UNIQUE = "u"
    CHECK = "c"
    FOREIGN_KEY = "f"
    EXCLUSION = "x"


@dataclass(frozen=True, slots=True)
class ConstraintSpec:
    kind: ConstraintKind
    name: str | None
    offset: int  # where it starts, for diagnostics
    columns: tuple[str, ...] = ()
    expression: str = ""  # check expression
    expr_words: frozenset[str] = frozenset()  # identifiers in a check expression
    ref: tuple[str, ...] = ()  # referenced table name parts
    ref_offset: int = 0
    ref_columns: tuple[str, ...] = ()
    on_delete: str | None = None
    on_update: str | None = None
    match_full: bool = False
    deferral: Deferral = field(default_factory=Deferral)
    not_valid: bool = False
    no_inherit: bool = False
    nulls_not_distinct: bool = False
    include: tuple[str, ...] = ()
    body: str = ""  # text after the name, as written (exclusion constraints are carried raw)
    index_columns: tuple[str, ...] = ()  # per-element names (exclusion)
    extras: tuple[str, ...] = ()  # index options the IR cannot hold
    using_index: str | None = None  # ALTER TABLE ADD PRIMARY KEY / UNIQUE USING INDEX name


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str
    offset: int
    type: TypeName | None  # None for a partition's column options (the parent's type applies)
    nullable: bool = True
    default: str | None = None
    identity: Identity | None = None
    generated: str | None = None
    collation: str | None = None
    constraints: tuple[ConstraintSpec, ...] = ()
    not_null_named: str | None = None
    compression: str | None = None


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


@dataclass(frozen=True, slots=True)
class _Attributes:
    deferral: Deferral
    not_valid: bool
    no_inherit: bool


def _attributes(cur: Cursor, base: _Attributes | None = None) -> _Attributes:
    """DEFERRABLE / INITIALLY / NOT VALID / NO INHERIT / ENFORCED after a constraint."""
    deferrable = base.deferral.deferrable if base else False
    deferred = base.deferral.initially_deferred if base else False
    not_valid = base.not_valid if base else False
    no_inherit = base.no_inherit if base else False
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
            not_valid = True
        elif cur.accept_words("no", "inherit"):
            no_inherit = True
        elif cur.accept_word("enforced"):
            pass
        else:
            break
    return _Attributes(Deferral(deferrable or deferred, deferred), not_valid, no_inherit)


def _index_params(cur: Cursor) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(INCLUDE columns, options the IR cannot hold) after UNIQUE / PRIMARY KEY / EXCLUDE:
    INCLUDE (...), WITH (...), USING INDEX TABLESPACE x."""
    include: tuple[str, ...] = ()
    extras: list[str] = []
    while True:
        if cur.accept_word("include"):
            include = column_list(cur)
        elif cur.at_word("with") and cur.at_punct("(", k=1):
            cur.next()
            extras.append("WITH (" + cur.paren_text() + ")")
        elif cur.accept_words("using", "index", "tablespace"):
            extras.append("USING INDEX TABLESPACE " + cur.ident())
        else:
            return include, tuple(extras)


def _references(
    cur: Cursor, kind: ConstraintKind, name: str | None, offset: int, columns: tuple[str, ...]
) -> ConstraintSpec:
    """REFERENCES table [(columns)] [MATCH ...] [ON DELETE ...] [ON UPDATE ...]."""
    ref_offset = cur.offset()
    ref = tuple(cur.name_parts())
    ref_columns: tuple[str, ...] = ()
    if cur.at_punct("("):
        ref_columns = column_list(cur)
    match_full = False
    on_delete = on_update = None
    while True:
        if cur.accept_word("match"):
            match = cur.expect_word("full", "simple", "partial").value
            match_full = match == "full"
            if match == "partial":
                raise ParseError(cur.offset(), "MATCH PARTIAL is not implemented by PostgreSQL")
        elif cur.accept_words("on", "delete"):
            on_delete = _action(cur)
        elif cur.accept_words("on", "update"):
            on_update = _action(cur)
        else:
            break
    return ConstraintSpec(
        kind,
        name,
        offset,
        columns,
        ref=ref,
        ref_offset=ref_offset,
        ref_columns=ref_columns,
        match_full=match_full,
        on_delete=None if on_delete == "NO ACTION" else on_delete,
        on_update=None if on_update == "NO ACTION" else on_update,
    )


def table_constraint(cur: Cursor) -> ConstraintSpec:
    """A table constraint, starting at CONSTRAINT or at its kind keyword."""
    offset = cur.offset()
    name = None
    if cur.accept_word("constraint"):
        name = cur.ident()
    body_start = cur.offset()
    t = cur.expect_word("check", "unique", "primary", "foreign", "exclude")
    expression = ""
    words: frozenset[str] = frozenset()
    columns: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()
    index_columns: tuple[str, ...] = ()
    nnd = False
    using_index = None
    references = None
    if t.value == "check":
        kind = ConstraintKind.CHECK
        lo = cur.i + 1
        expression = cur.paren_text()
        words = expr_words(cur, lo, cur.i - 1)
    elif t.value == "unique":
        kind = ConstraintKind.UNIQUE
        using_index = _using_index(cur)
        if using_index is None:
            nnd = nulls_distinct(cur)
            columns = column_list(cur)
            include, extras = _index_params(cur)
    elif t.value == "primary":
        kind = ConstraintKind.PRIMARY_KEY
        cur.expect_word("key")
        using_index = _using_index(cur)
        if using_index is None:
            columns = column_list(cur)
            include, extras = _index_params(cur)
    elif t.value == "foreign":
        kind = ConstraintKind.FOREIGN_KEY
        cur.expect_word("key")
        columns = column_list(cur)
        cur.expect_word("references")
        references = _references(cur, kind, name, offset, columns)
    else:
        kind = ConstraintKind.EXCLUSION
        index_columns = _exclusion_elements(cur)
        include, extras = _index_params(cur)
        if cur.accept_word("where"):
            cur.paren_text()
    attrs = _attributes(cur)
    body = cur.text(body_start, cur.toks[cur.i - 1].end)
    if references is not None:
        return replace(
            references,
            deferral=attrs.deferral,
            not_valid=attrs.not_valid,
            no_inherit=attrs.no_inherit,
            body=body,
        )
    return ConstraintSpec(
        kind,
        name,
        offset,
        columns,
        expression,
        words,
        deferral=attrs.deferral,
        not_valid=attrs.not_valid,
        no_inherit=attrs.no_inherit,
        nulls_not_distinct=nnd,
        include=include,
        body=body,
        index_columns=index_columns,
        extras=extras,
        using_index=using_index,
    )


def constraint_attributes(cur: Cursor) -> Deferral:
    """[NOT] DEFERRABLE [INITIALLY DEFERRED | IMMEDIATE], as ALTER CONSTRAINT gives them."""
    return _attributes(cur).deferral


def _using_index(cur: Cursor) -> str | None:
    """USING INDEX name (an existing unique index becomes the constraint's), else None."""
    if cur.at_words("using", "index") and not cur.at_word("tablespace", k=2):
        cur.next()
        cur.next()
        return cur.ident()
    return None


def _exclusion_elements(cur: Cursor) -> tuple[str, ...]:
    """EXCLUDE [USING method] ( element WITH operator, ... ): the elements' derived names."""
    if cur.accept_word("using"):
        cur.ident()
    names: list[str] = []
    for a, b in cur.split_list():
        # each element is "<index element> WITH <operator>"
        j = b - 1
        while j > a and not cur.toks[j].is_word("with"):
            j -= 1
        names.append(figure_index_colname(cur.sub(a, j if j > a else b)))
    return tuple(names)


def column_def(cur: Cursor) -> ColumnSpec:
    offset = cur.offset()
    name = cur.ident()
    ptype = parse_type(cur)
    return column_def_tail(cur, name, offset, ptype)


def column_def_tail(cur: Cursor, name: str, offset: int, ptype: TypeName | None) -> ColumnSpec:
    """Column constraints and options after the type (or after WITH OPTIONS)."""
    nullable = ptype is None or not ptype.serial
    default = generated = collation_name = not_null_named = compression = None
    identity: Identity | None = None
    pending_name: str | None = None
    constraints: list[ConstraintSpec] = []
    attributes: list[_Attributes | None] = []  # the attributes each constraint was given
    columns = (name,)
    while not cur.at_end() and not cur.at_punct(",") and not cur.at_punct(")"):
        c_off = cur.offset()
        if cur.accept_word("constraint"):
            pending_name = cur.ident()
            continue
        if cur.accept_words("not", "null"):
            nullable = False
            not_null_named = pending_name
        elif cur.accept_word("null"):
            nullable = True
        elif cur.accept_word("default"):
            default = _default_expr(cur, cur.i)
        elif cur.accept_word("collate"):
            collation_name = collation(cur)
        elif cur.accept_word("check"):
            lo = cur.i + 1
            expression = cur.paren_text()
            words = expr_words(cur, lo, cur.i - 1)
            no_inherit = cur.accept_words("no", "inherit")
            kind = ConstraintKind.CHECK
            constraints.append(
                ConstraintSpec(
                    kind, pending_name, c_off, (), expression, words, no_inherit=no_inherit
                )
            )
            attributes.append(_Attributes(Deferral(), False, no_inherit))
        elif cur.accept_word("unique"):
            nnd = nulls_distinct(cur)
            include, extras = _index_params(cur)
            constraints.append(
                ConstraintSpec(
                    ConstraintKind.UNIQUE,
                    pending_name,
                    c_off,
                    columns,
                    nulls_not_distinct=nnd,
                    include=include,
                    extras=extras,
                )
            )
            attributes.append(None)
        elif cur.accept_words("primary", "key"):
            include, extras = _index_params(cur)
            constraints.append(
                ConstraintSpec(
                    ConstraintKind.PRIMARY_KEY,
                    pending_name,
                    c_off,
                    columns,
                    include=include,
                    extras=extras,
                )
            )
            attributes.append(None)
            nullable = False
        elif cur.accept_word("references"):
            kind = ConstraintKind.FOREIGN_KEY
            constraints.append(_references(cur, kind, pending_name, c_off, columns))
            attributes.append(None)
        elif cur.accept_word("generated"):
            identity, generated = _generated(cur)
            if identity is not None:
                nullable = False
        elif cur.at_word("deferrable", "initially") or cur.at_words("not", "deferrable"):
            if not constraints:
                raise ParseError(c_off, "misplaced DEFERRABLE clause")
            attrs = _attributes(cur, attributes[-1])
            attributes[-1] = attrs
            constraints[-1] = replace(
                constraints[-1],
                deferral=attrs.deferral,
                not_valid=attrs.not_valid,
                no_inherit=attrs.no_inherit,
            )
            continue
        elif cur.accept_word("compression"):
            compression = cur.ident()
        elif cur.at_word("storage"):
            # PostgreSQL 16's column STORAGE in CREATE TABLE; 15 has ALTER COLUMN SET STORAGE
            raise ParseError(c_off, "STORAGE in a column definition needs PostgreSQL 16")
        else:
            raise ParseError(
                c_off, f"unexpected {cur.text(c_off, cur.next().end)!r} in column definition"
            )
        pending_name = None
    return ColumnSpec(
        name,
        offset,
        ptype,
        nullable,
        default,
        identity,
        generated,
        collation_name,
        tuple(constraints),
        not_null_named,
        compression,
    )


def _generated(cur: Cursor) -> tuple[Identity | None, str | None]:
    """GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(...)] or GENERATED ALWAYS AS (expr) STORED:
    (identity, generation expression), one of them set."""
    if cur.accept_word("always"):
        always = True
    else:
        cur.expect_word("by")
        cur.expect_word("default")
        always = False
    cur.expect_word("as")
    if cur.accept_word("identity"):
        opts = cur.paren_text() if cur.at_punct("(") else ""
        return Identity(always, opts), None
    generated = cur.paren_text()
    cur.expect_word("stored")
    return None, generated


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

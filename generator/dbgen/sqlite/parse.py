"""CREATE TABLE and CREATE INDEX of SQLite, from a statement's tokens into IR values.

What the IR has no field for (ON CONFLICT clauses, WITHOUT ROWID, STRICT, AUTOINCREMENT, a
primary key's ASC/DESC) stays in the statement's text, which the migration replays: carried
verbatim. Expressions (defaults, checks, generated columns, index elements and predicates) are
sliced from the text as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dbgen.ddl.names import make_object_name, name_addition
from dbgen.diagnostics import Span
from dbgen.ir import (
    CheckConstraint,
    Column,
    Deferral,
    ForeignKey,
    Index,
    IndexElement,
    PrimaryKey,
    QName,
    UniqueConstraint,
)
from dbgen.sqlite.lex import Kind, Statement, Token
from dbgen.sqlite.types import declared_type


class ParseError(Exception):
    def __init__(self, offset: int, message: str, code: str = "syntax") -> None:
        super().__init__(message)
        self.offset, self.message, self.code = offset, message, code


class Cursor:
    def __init__(self, stmt: Statement, start: int = 0, end: int | None = None) -> None:
        self.stmt = stmt
        self.tokens = stmt.tokens
        self.i = start
        self.end = len(self.tokens) if end is None else end

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.tokens[j] if j < self.end else None

    def at_end(self) -> bool:
        return self.i >= self.end

    def next(self) -> Token:
        t = self.peek()
        if t is None:
            raise ParseError(self.stmt.end, "unexpected end of statement")
        self.i += 1
        return t

    def word(self, *words: str) -> bool:
        t = self.peek()
        if t is not None and t.is_word(*words):
            self.i += 1
            return True
        return False

    def words(self, *words: str) -> bool:
        """All of ``words`` in a row (consumed), or none (nothing consumed)."""
        for k, w in enumerate(words):
            t = self.peek(k)
            if t is None or not t.is_word(w):
                return False
        self.i += len(words)
        return True

    def expect(self, *words: str) -> None:
        for w in words:
            t = self.peek()
            if t is None or not t.is_word(w):
                raise ParseError(t.start if t else self.stmt.end, f"expected {w}")
            self.i += 1

    def punct(self, value: str) -> bool:
        t = self.peek()
        if t is not None and t.kind is Kind.PUNCT and t.value == value:
            self.i += 1
            return True
        return False

    def expect_punct(self, value: str) -> Token:
        t = self.peek()
        if t is None or t.kind is not Kind.PUNCT or t.value != value:
            raise ParseError(t.start if t else self.stmt.end, f"expected {value!r}")
        self.i += 1
        return t

    def name(self) -> str:
        """An identifier: a bare word (keywords too, as SQLite allows many), a quoted name, or
        a string literal where SQLite takes one as a name."""
        t = self.peek()
        if t is None or t.kind not in (Kind.WORD, Kind.QUOTED, Kind.STRING):
            raise ParseError(t.start if t else self.stmt.end, "expected a name")
        self.i += 1
        return self.stmt.text[t.start : t.end] if t.kind is Kind.WORD else t.value

    def qualified(self) -> tuple[str | None, str, Token]:
        """``[schema.]name``: (schema or None, name, the name's first token)."""
        first = self.peek()
        if first is None:
            raise ParseError(self.stmt.end, "expected a name")
        a = self.name()
        if self.punct("."):
            return a, self.name(), first
        return None, a, first

    def balanced(self) -> tuple[int, int]:
        """After an opening parenthesis: the token range up to its closing one (consumed)."""
        start, depth = self.i, 0
        while True:
            t = self.next()
            if t.kind is Kind.PUNCT and t.value == "(":
                depth += 1
            elif t.kind is Kind.PUNCT and t.value == ")":
                if depth == 0:
                    return start, self.i - 1
                depth -= 1

    def text(self, start: int, end: int) -> str:
        """The source text of tokens [start, end)."""
        if start >= end:
            return ""
        return self.stmt.slice(self.tokens[start], self.tokens[end - 1])

    def split_commas(self, start: int, end: int) -> list[tuple[int, int]]:
        """Token ranges of the comma-separated items of [start, end), at depth 0."""
        items, depth, first = [], 0, start
        for k in range(start, end):
            t = self.tokens[k]
            if t.kind is Kind.PUNCT and t.value == "(":
                depth += 1
            elif t.kind is Kind.PUNCT and t.value == ")":
                depth -= 1
            elif t.kind is Kind.PUNCT and t.value == "," and depth == 0:
                items.append((first, k))
                first = k + 1
        items.append((first, end))
        return items


_COLUMN_CONSTRAINT = frozenset(
    {"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE"}
    | {"REFERENCES", "GENERATED", "AS"}
)
_TABLE_CONSTRAINT = frozenset({"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"})
_ACTIONS = {
    ("SET", "NULL"): "SET NULL",
    ("SET", "DEFAULT"): "SET DEFAULT",
    ("CASCADE",): "CASCADE",
    ("RESTRICT",): "RESTRICT",
    ("NO", "ACTION"): None,
}


UNNAMED = "unnamed"  # Table.options key: a constraint name SQLite does not keep (TableDraft)
NULLABLE_KEY = "nullable key"  # Column.options key: a key column SQLite lets hold NULL


@dataclass
class TableDraft:
    """A CREATE TABLE as parsed; foreign keys still name their targets as written."""

    schema: str | None
    name: str
    columns: list[Column] = field(default_factory=list)
    primary_key: PrimaryKey | None = None
    uniques: list[UniqueConstraint] = field(default_factory=list)
    checks: list[CheckConstraint] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    without_rowid: bool = False
    strict: bool = False
    autoincrement: bool = False
    if_not_exists: bool = False
    temporary: bool = False
    as_select: bool = False
    inline_pk_desc: bool = False  # INTEGER PRIMARY KEY DESC: no rowid alias (SQLite's quirk)
    # Constraint names SQLite keeps nowhere it reads them back: the ones the reader made up
    # (the source gave none), and an inline UNIQUE's or REFERENCES' own (the pragmas report
    # neither, and SQLAlchemy reads names from table constraints only). A CHECK's name is
    # kept: SQLite's error message names it.
    unnamed: list[str] = field(default_factory=list)
    span: Span = field(default_factory=lambda: Span("<none>"))

    def unkept(self, name: str) -> str:
        """``name``, recorded as one SQLite does not keep."""
        self.unnamed.append(name)
        return name


def _conflict(c: Cursor) -> None:
    """ON CONFLICT ROLLBACK|ABORT|FAIL|IGNORE|REPLACE: kept in the text (replayed)."""
    if c.words("ON", "CONFLICT"):
        c.next()


def _fk_clause(c: Cursor) -> tuple[QName, tuple[str, ...], str | None, str | None, bool, Deferral]:
    _, table, _ = c.qualified()
    ref_cols: tuple[str, ...] = ()
    if c.punct("("):
        start, end = c.balanced()
        ref_cols = tuple(c.text(a, b).strip() for a, b in c.split_commas(start, end))
        ref_cols = tuple(_unquote_name(x) for x in ref_cols)
    on_delete = on_update = None
    match_full = False
    deferral = Deferral()
    while not c.at_end():
        if c.word("ON"):
            which = c.next()
            if not which.is_word("DELETE", "UPDATE"):
                raise ParseError(which.start, "expected DELETE or UPDATE")
            action: str | None = None
            for words, value in _ACTIONS.items():
                if c.words(*words):
                    action = value
                    break
            else:
                t = c.peek()
                raise ParseError(t.start if t else c.stmt.end, "expected a referential action")
            if which.value == "DELETE":
                on_delete = action
            else:
                on_update = action
        elif c.word("MATCH"):
            match_full = c.next().is_word("FULL")
        elif (refused := c.words("NOT", "DEFERRABLE")) or c.word("DEFERRABLE"):
            deferrable = not refused
            initially = False
            if c.word("INITIALLY"):
                initially = c.next().is_word("DEFERRED")
            deferral = Deferral(deferrable, deferrable and initially)
        else:
            break
    return QName("public", table), ref_cols, on_delete, on_update, match_full, deferral


def _unquote_name(text: str) -> str:
    text = text.strip()
    for open_, close in (('"', '"'), ("`", "`"), ("[", "]"), ("'", "'")):
        if len(text) >= 2 and text[0] == open_ and text[-1] == close:
            body = text[1:-1]
            return body if close == "]" else body.replace(close * 2, close)
    return text


def _indexed_columns(c: Cursor, start: int, end: int) -> list[IndexElement]:
    """indexed-column list: a column or an expression, [COLLATE name] [ASC|DESC]."""
    out = []
    for a, b in c.split_commas(start, end):
        if a >= b:
            raise ParseError(c.tokens[a - 1].end, "expected a column")
        last, descending, collation = b, False, None
        if c.tokens[last - 1].is_word("ASC", "DESC"):
            descending = c.tokens[last - 1].value == "DESC"
            last -= 1
        if last - a >= 2 and c.tokens[last - 2].is_word("COLLATE"):
            collation = c.text(last - 1, last)
            last -= 2
        expression = c.text(a, last)
        only = c.tokens[a] if last - a == 1 else None
        column = None
        if only is not None and only.kind in (Kind.WORD, Kind.QUOTED, Kind.STRING):
            column = only.value if only.kind is not Kind.WORD else expression
        out.append(IndexElement(expression, column, None, descending, None, collation))
    return out


def parse_column(c: Cursor, start: int, end: int, draft: TableDraft, position: int) -> None:
    sub = Cursor(c.stmt, start, end)
    first = sub.peek()
    assert first is not None
    name = sub.name()
    type_start = sub.i
    while not sub.at_end():
        t = sub.peek()
        assert t is not None
        if t.kind is Kind.WORD and t.value in _COLUMN_CONSTRAINT:
            break
        if t.kind is Kind.PUNCT and t.value == "(":
            sub.next()
            sub.balanced()
            break
        if t.kind not in (Kind.WORD, Kind.QUOTED):
            raise ParseError(t.start, "expected a type name or a column constraint")
        sub.next()
    declared = sub.text(type_start, sub.i)
    nullable, default, collation, generated = True, None, None, None
    span = c.stmt.span_at(first.start)
    constraint_name: str | None = None
    while not sub.at_end():
        t = sub.next()
        if t.is_word("CONSTRAINT"):
            constraint_name = sub.name()
            continue
        if t.is_word("PRIMARY"):
            sub.expect("KEY")
            descending = sub.word("DESC")
            sub.word("ASC")
            _conflict(sub)
            if sub.word("AUTOINCREMENT"):
                draft.autoincrement = True
            if draft.primary_key is not None:
                raise ParseError(t.start, f"table {draft.name} has more than one primary key")
            pk_name = constraint_name or draft.unkept(make_object_name(draft.name, None, "pkey"))
            draft.primary_key = PrimaryKey(pk_name, (name,), position=position, span=span)
            draft.inline_pk_desc = descending
            # NOT NULL for the application: reader._key_column (SQLite itself may hold NULL)
        elif t.is_word("NOT"):
            sub.expect("NULL")
            _conflict(sub)
            nullable = False
        elif t.is_word("NULL"):
            _conflict(sub)
        elif t.is_word("UNIQUE"):
            _conflict(sub)
            u_name = draft.unkept(constraint_name or make_object_name(draft.name, name, "key"))
            draft.uniques.append(UniqueConstraint(u_name, (name,), position=position, span=span))
        elif t.is_word("CHECK"):
            sub.expect_punct("(")
            a, b = sub.balanced()
            ck = constraint_name or draft.unkept(make_object_name(draft.name, name, "check"))
            draft.checks.append(CheckConstraint(ck, sub.text(a, b), position=position, span=span))
        elif t.is_word("DEFAULT"):
            if sub.punct("("):
                a, b = sub.balanced()
                default = "(" + sub.text(a, b) + ")"
            else:
                value = sub.next()
                if value.kind is Kind.OP and value.value in "+-":
                    number = sub.next()
                    default = sub.stmt.slice(value, number)
                else:
                    default = sub.stmt.slice(value, value)
            if default.upper() == "NULL":
                default = None
        elif t.is_word("COLLATE"):
            collation = sub.name()
        elif t.is_word("REFERENCES"):
            ref, cols, on_delete, on_update, match_full, deferral = _fk_clause(sub)
            fk_name = draft.unkept(constraint_name or make_object_name(draft.name, name, "fkey"))
            draft.foreign_keys.append(
                ForeignKey(
                    fk_name,
                    (name,),
                    ref,
                    cols,
                    on_delete,
                    on_update,
                    match_full,
                    deferral,
                    position=position,
                    span=span,
                )
            )
        elif t.is_word("GENERATED") or t.is_word("AS"):
            if t.value == "GENERATED":
                sub.expect("ALWAYS", "AS")
            sub.expect_punct("(")
            a, b = sub.balanced()
            generated = sub.text(a, b)
            sub.word("STORED") or sub.word("VIRTUAL")
        else:
            raise ParseError(t.start, f"unexpected {sub.stmt.slice(t, t)!r} in column {name}")
        constraint_name = None
    draft.columns.append(
        Column(
            name,
            declared_type(declared),
            nullable=nullable,
            default=default,
            generated=generated,
            collation=collation,
            span=span,
        )
    )


def _table_constraint(c: Cursor, start: int, end: int, draft: TableDraft, position: int) -> None:
    sub = Cursor(c.stmt, start, end)
    first = sub.peek()
    assert first is not None
    span = c.stmt.span_at(first.start)
    name = sub.name() if sub.word("CONSTRAINT") else None
    t = sub.next()
    if t.is_word("PRIMARY", "UNIQUE"):
        if t.value == "PRIMARY":
            sub.expect("KEY")
        sub.expect_punct("(")
        a, b = sub.balanced()
        cols = tuple(e.column or e.expression for e in _indexed_columns(sub, a, b))
        _conflict(sub)
        if t.value == "PRIMARY":
            if draft.primary_key is not None:
                raise ParseError(t.start, f"table {draft.name} has more than one primary key")
            pk_name = name or draft.unkept(make_object_name(draft.name, None, "pkey"))
            draft.primary_key = PrimaryKey(pk_name, cols, position=position, span=span)
            if sub.word("AUTOINCREMENT"):
                draft.autoincrement = True
        else:
            u = name or draft.unkept(make_object_name(draft.name, name_addition(cols), "key"))
            draft.uniques.append(UniqueConstraint(u, cols, position=position, span=span))
    elif t.is_word("CHECK"):
        sub.expect_punct("(")
        a, b = sub.balanced()
        ck = name or draft.unkept(make_object_name(draft.name, None, "check"))
        draft.checks.append(CheckConstraint(ck, sub.text(a, b), position=position, span=span))
    elif t.is_word("FOREIGN"):
        sub.expect("KEY")
        sub.expect_punct("(")
        a, b = sub.balanced()
        cols = tuple(_unquote_name(sub.text(x, y)) for x, y in sub.split_commas(a, b))
        sub.expect("REFERENCES")
        ref, ref_cols, on_delete, on_update, match_full, deferral = _fk_clause(sub)
        fk = name or draft.unkept(make_object_name(draft.name, name_addition(cols), "fkey"))
        draft.foreign_keys.append(
            ForeignKey(
                fk,
                cols,
                ref,
                ref_cols,
                on_delete,
                on_update,
                match_full,
                deferral,
                position=position,
                span=span,
            )
        )
    else:
        raise ParseError(t.start, "expected a table constraint")
    if not sub.at_end():
        extra = sub.peek()
        assert extra is not None
        raise ParseError(extra.start, f"unexpected {c.stmt.slice(extra, extra)!r}")


def _constraint_runs(c: Cursor, start: int, end: int) -> list[tuple[int, int]]:
    """The table constraints in [start, end). SQLite's grammar lets the comma between two
    table constraints out (`FOREIGN KEY (a) REFERENCES p(id) FOREIGN KEY (b) ...`, as
    Zotero's schema has it), so a constraint keyword at depth 0 starts the next one, except
    the one that follows `CONSTRAINT name`."""
    runs, depth, first = [], 0, start
    for k in range(start + 1, end):
        t = c.tokens[k]
        if t.kind is Kind.PUNCT and t.value == "(":
            depth += 1
        elif t.kind is Kind.PUNCT and t.value == ")":
            depth -= 1
        elif depth == 0 and t.kind is Kind.WORD and t.value in _TABLE_CONSTRAINT:
            named = k - 2 >= first and c.tokens[k - 2].is_word("CONSTRAINT")
            if not named:
                runs.append((first, k))
                first = k
    runs.append((first, end))
    return runs


def parse_create_table(stmt: Statement, position: int) -> TableDraft:
    c = Cursor(stmt)
    c.expect("CREATE")
    temporary = c.word("TEMP", "TEMPORARY")
    c.expect("TABLE")
    if_not_exists = c.words("IF", "NOT", "EXISTS")
    schema, name, first = c.qualified()
    draft = TableDraft(schema, name, if_not_exists=if_not_exists, temporary=temporary)
    draft.span = stmt.span_at(first.start)
    if c.word("AS"):
        draft.as_select = True
        return draft
    c.expect_punct("(")
    start, end = c.balanced()
    for a, b in c.split_commas(start, end):
        if a >= b:
            at = c.tokens[a].start if a < len(c.tokens) else stmt.end
            raise ParseError(at, "expected a column or a constraint")
        head = c.tokens[a]
        if head.kind is Kind.WORD and head.value in _TABLE_CONSTRAINT:
            for x, y in _constraint_runs(c, a, b):
                _table_constraint(c, x, y, draft, position)
        else:
            parse_column(c, a, b, draft, position)
    while not c.at_end():
        if c.words("WITHOUT", "ROWID"):
            draft.without_rowid = True
        elif c.word("STRICT"):
            draft.strict = True
        else:
            t = c.next()
            raise ParseError(t.start, f"unexpected {stmt.slice(t, t)!r} after the column list")
        if not c.punct(","):
            break
    if not c.at_end():
        t = c.next()
        raise ParseError(t.start, f"unexpected {stmt.slice(t, t)!r}")
    if draft.without_rowid and draft.primary_key is None:
        raise ParseError(stmt.start, f"WITHOUT ROWID table {name} needs a PRIMARY KEY")
    return draft


@dataclass(frozen=True, slots=True)
class IndexDraft:
    schema: str | None
    table: str
    index: Index
    if_not_exists: bool


def parse_create_index(stmt: Statement, position: int) -> IndexDraft:
    c = Cursor(stmt)
    c.expect("CREATE")
    unique = c.word("UNIQUE")
    c.expect("INDEX")
    if_not_exists = c.words("IF", "NOT", "EXISTS")
    schema, name, first = c.qualified()
    c.expect("ON")
    table = c.name()
    c.expect_punct("(")
    a, b = c.balanced()
    elements = _indexed_columns(c, a, b)
    where = None
    if c.word("WHERE"):
        where = c.text(c.i, c.end)
        c.i = c.end
    if not c.at_end():
        t = c.next()
        raise ParseError(t.start, f"unexpected {stmt.slice(t, t)!r}")
    index = Index(
        name,
        tuple(elements),
        unique=unique,
        where=where,
        position=position,
        span=stmt.span_at(first.start),
    )
    return IndexDraft(schema, table, index, if_not_exists)

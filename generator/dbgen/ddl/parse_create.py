"""CREATE statements -> typed statements (the cursor after CREATE)."""

from __future__ import annotations

from dbgen.ddl import elements as el
from dbgen.ddl.cursor import Cursor, ParseError
from dbgen.ddl.indexes import create_index
from dbgen.ddl.raw import classify_create
from dbgen.ddl.split import Kind, Statement, Token
from dbgen.ddl.statements import (
    ClusterObject,
    CreateComposite,
    CreateDomain,
    CreateEnum,
    CreateExtension,
    CreateIndex,
    CreateSchema,
    CreateSequence,
    CreateTable,
    CreateTableAs,
    LikeClause,
    Name,
    OwnedBy,
    Parsed,
    SequenceOptions,
    Temporary,
    Verbatim,
)
from dbgen.ddl.types import TypeName, parse_type


def parse_create(cur: Cursor) -> Parsed:
    save = cur.i
    cur.accept_words("or", "replace")
    unlogged = False
    temporary: int | None = None
    while True:
        if cur.at_word("global", "local", "temp", "temporary"):
            temporary = cur.offset() if temporary is None else temporary
            cur.next()
            continue
        if cur.at_word("unlogged"):
            modifier = cur.offset()
            cur.next()
            unlogged = True
            continue
        break
    if temporary is not None:
        what = cur.peek()
        return Temporary(temporary, what.value if what is not None else "object")
    if unlogged and not cur.at_word("table", "sequence"):
        # the server's grammar has UNLOGGED for tables and sequences only
        raise ParseError(modifier, "UNLOGGED is only allowed for tables and sequences")
    if cur.at_word("table") and not _is_create_table_as(cur):
        return _create_table(cur, unlogged)
    if cur.at_word("index") or cur.at_words("unique", "index"):
        return CreateIndex(create_index(cur))
    if cur.accept_word("type"):
        created = _create_type(cur)
        if created is not None:
            return created
    elif cur.accept_word("domain"):
        return _create_domain(cur)
    elif cur.accept_word("sequence"):
        return _create_sequence(cur, unlogged)
    elif cur.accept_word("extension"):
        return _create_extension(cur)
    elif cur.accept_word("schema"):
        return _create_schema(cur)
    elif cur.at_word("role", "user", "group", "tablespace", "database") and not cur.at_words(
        "user", "mapping"
    ):
        offset = cur.offset()
        return ClusterObject(offset, cur.next().value)
    cur.i = save
    if cur.at_word("table"):
        cur.next()
        cur.accept_words("if", "not", "exists")
        parts = tuple(cur.name_parts())
        return CreateTableAs(Name(parts, cur.offset()))
    info = classify_create(cur)
    if info is None:
        nxt = cur.peek()
        end = nxt.end if nxt is not None else cur.offset()
        raise ParseError(
            cur.offset(), f"unsupported CREATE statement: {cur.text(cur.offset(), end)!r}"
        )
    return Verbatim(info)


def _is_create_table_as(cur: Cursor) -> bool:
    for t in cur.toks[cur.i :]:
        if t.kind is Kind.PUNCT and t.value == "(":
            return False
        if t.is_word("as", "partition", "of"):
            return t.value == "as"
    return False


# -- CREATE TABLE ----------------------------------------------------------------------------------


def _create_table(cur: Cursor, unlogged: bool) -> CreateTable | CreateTableAs:
    cur.expect_word("table")
    if_not_exists = cur.accept_words("if", "not", "exists")
    name_off = cur.offset()
    name = Name(tuple(cur.name_parts()), name_off)
    if cur.at_word("of"):
        # a typed table: its columns are the type's, which the catalog does not model
        return CreateTableAs(Name(name.parts, cur.offset()), "OF")
    parent: Name | None = None
    if cur.accept_words("partition", "of"):
        p_off = cur.offset()
        parent = Name(tuple(cur.name_parts()), p_off)
    columns: list[el.ColumnSpec] = []
    constraints: list[el.ConstraintSpec] = []
    likes: list[LikeClause] = []
    if cur.at_punct("("):
        _table_elements(cur, columns, constraints, likes, parent is not None)
    bound = None
    if parent is not None:
        bound = _partition_bound(cur)
    inherits: list[Name] = []
    partition_by = with_options = None
    tablespace_offset = None
    while not cur.at_end():
        off = cur.offset()
        if cur.accept_word("inherits"):
            for lo, hi in cur.split_list():
                sub = cur.sub(lo, hi)
                inherits.append(Name(tuple(sub.name_parts()), cur.toks[lo].start))
        elif cur.accept_words("partition", "by"):
            partition_by = cur.rest_text()
            cur.i = len(cur.toks)
        elif cur.accept_word("using"):
            cur.ident()
        elif cur.at_word("with") and cur.at_punct("(", k=1):
            cur.next()
            with_options = cur.paren_text()
        elif cur.accept_words("without", "oids"):
            pass
        elif cur.accept_word("tablespace"):
            tablespace_offset = off
            cur.ident()
        elif cur.accept_words("on", "commit"):
            cur.next()
            if cur.at_word("rows"):
                cur.next()
        else:
            raise ParseError(
                off, f"unexpected {cur.text(off, cur.next().end)!r} after the column list"
            )
    if partition_by is not None and partition_by.upper().startswith("PARTITION BY"):
        partition_by = partition_by[len("PARTITION BY") :].strip()
    return CreateTable(
        name,
        if_not_exists,
        unlogged,
        tuple(columns),
        tuple(constraints),
        tuple(likes),
        parent,
        bound,
        tuple(inherits),
        partition_by,
        with_options,
        tablespace_offset,
    )


def _partition_bound(cur: Cursor) -> str:
    """FOR VALUES IN (...) / FROM (...) TO (...) / WITH (...), or DEFAULT, as written."""
    b_lo = cur.i
    if not cur.accept_word("default"):
        cur.expect_word("for")
        cur.expect_word("values")
        if cur.accept_word("in"):
            cur.skip_group()
        elif cur.accept_word("from"):
            cur.skip_group()
            cur.expect_word("to")
            cur.skip_group()
        else:
            cur.expect_word("with")
            cur.skip_group()
    return cur.slice_text(b_lo, cur.i)


_CONSTRAINT_START = ("constraint", "check", "unique", "primary", "foreign", "exclude")


def _table_elements(
    cur: Cursor,
    columns: list[el.ColumnSpec],
    constraints: list[el.ConstraintSpec],
    likes: list[LikeClause],
    partition: bool,
) -> None:
    for lo, hi in cur.split_list():
        sub = cur.sub(lo, hi)
        if sub.at_end():
            raise ParseError(
                cur.toks[lo].start,
                f"syntax error at {cur.toks[lo].value!r}: empty table element",
            )
        if sub.at_word(*_CONSTRAINT_START) and not (
            # in a partition, "unique"/"check"/"primary" followed by a word is a column's name
            sub.at_word("unique", "check", "primary")
            and (after := sub.peek(1)) is not None
            and after.kind is Kind.WORD
            and partition
        ):
            constraints.append(el.table_constraint(sub))
        elif sub.at_word("like"):
            off = sub.offset()
            sub.next()
            parts = tuple(sub.name_parts())
            likes.append(LikeClause(Name(parts, sub.offset()), off, sub.rest_text()))
            sub.i = len(sub.toks)
        elif partition and sub.peek(1) is not None and sub.at_word("with", k=1):
            # partition column options: "col WITH OPTIONS NOT NULL DEFAULT ..."
            name = sub.ident()
            sub.expect_word("with")
            sub.expect_word("options")
            columns.append(_column_options(sub, name))
        elif partition:
            name = sub.ident()
            columns.append(_column_options(sub, name))
        else:
            columns.append(el.column_def(sub))
        if columns and sub.toks and columns[-1].offset == sub.toks[0].start:
            constraints.extend(columns[-1].constraints)  # column constraints keep their place
        if not sub.at_end():
            raise ParseError(sub.offset(), f"unexpected {cur.text(sub.offset(), sub.next().end)!r}")


def _column_options(cur: Cursor, name: str) -> el.ColumnSpec:
    """A partition's column options: constraints/defaults for an inherited column (no type)."""
    return el.column_def_tail(cur, name, cur.offset(), None)


# -- CREATE TYPE / DOMAIN / SEQUENCE / EXTENSION / SCHEMA ---------------------------------------


def _create_type(cur: Cursor) -> Parsed | None:
    """AS ENUM and composite types; None for the forms carried verbatim (range, base, shell)."""
    off = cur.offset()
    save = cur.i
    name = Name(tuple(cur.name_parts()), off)
    if not cur.at_word("as"):
        cur.i = save
        return None
    cur.next()
    if cur.accept_word("enum"):
        labels: list[str] = []
        for lo, hi in cur.split_list():
            t = cur.toks[lo]
            if hi - lo != 1 or t.kind is not Kind.STRING:
                raise ParseError(t.start, "enum labels must be string literals")
            labels.append(t.value)
        return CreateEnum(name, tuple(labels))
    if cur.at_punct("("):
        d_lo = cur.offset()
        attributes: list[tuple[str, TypeName]] = []
        for lo, hi in cur.split_list():
            sub = cur.sub(lo, hi)
            attribute = sub.ident()
            attributes.append((attribute, parse_type(sub)))
            if sub.accept_word("collate"):
                sub.name_parts()
        definition = cur.text(d_lo, cur.toks[cur.i - 1].end)
        return CreateComposite(name, tuple(attributes), definition)
    cur.i = save
    return None


def _create_domain(cur: Cursor) -> CreateDomain:
    off = cur.offset()
    name = Name(tuple(cur.name_parts()), off)
    cur.accept_word("as")
    d_lo = cur.offset()
    base = parse_type(cur)
    nullable = True
    has_default = False
    checks: list[str | None] = []
    texts: list[str] = []
    pending: str | None = None
    while not cur.at_end():
        if cur.accept_word("constraint"):
            pending = cur.ident()
            continue
        if cur.accept_words("not", "null"):
            nullable = False
        elif cur.accept_word("null"):
            nullable = True
        elif cur.accept_word("check"):
            texts.append(cur.paren_text())
            checks.append(pending)
            cur.accept_words("not", "valid")
        elif cur.accept_word("default"):
            _skip_domain_default(cur)
            has_default = True
        elif cur.accept_word("collate"):
            cur.name_parts()
        else:
            raise ParseError(
                cur.offset(),
                f"unexpected {cur.text(cur.offset(), cur.next().end)!r} in CREATE DOMAIN",
            )
        pending = None
    definition = cur.text(d_lo, cur.stmt.end)
    return CreateDomain(name, base, nullable, tuple(checks), definition, has_default, tuple(texts))


def _skip_domain_default(cur: Cursor) -> None:
    while not cur.at_end() and not cur.at_word("constraint", "not", "null", "check", "collate"):
        if cur.at_punct("("):
            cur.skip_group()
        else:
            cur.next()


def _create_sequence(cur: Cursor, unlogged: bool) -> CreateSequence:
    if_not_exists = cur.accept_words("if", "not", "exists")
    off = cur.offset()
    name = Name(tuple(cur.name_parts()), off)
    return CreateSequence(name, if_not_exists, sequence_options(cur), unlogged)


_SEQUENCE_OPTION_WORDS = (
    "as",
    "owned",
    "increment",
    "minvalue",
    "maxvalue",
    "no",
    "start",
    "restart",
    "cache",
    "cycle",
    "sequence",
)


def sequence_options(cur: Cursor) -> SequenceOptions:
    """CREATE/ALTER SEQUENCE options: AS and OWNED BY apart, the rest kept as written."""
    data_type: TypeName | None = None
    owned: list[OwnedBy] = []
    kept: list[str] = []
    while not cur.at_end():
        lo = cur.i
        if cur.accept_word("as"):
            data_type = parse_type(cur)
            continue
        if cur.accept_words("owned", "by"):
            o_off = cur.offset()
            parts = tuple(cur.name_parts())
            if parts == ("none",):
                owned.append(OwnedBy(None, None))
            elif len(parts) < 2:
                raise ParseError(o_off, "invalid OWNED BY option: name a table.column or NONE")
            else:
                owned.append(OwnedBy(Name(parts[:-1], o_off), parts[-1]))
            continue
        cur.next()
        while not cur.at_end() and not cur.at_word(*_SEQUENCE_OPTION_WORDS):
            cur.next()
        if cur.at_word("no") and cur.toks[cur.i - 1].is_word("no"):
            cur.next()
        kept.append(cur.slice_text(lo, cur.i))
    return SequenceOptions(data_type, tuple(owned), " ".join(kept))


def _create_extension(cur: Cursor) -> CreateExtension:
    if_not_exists = cur.accept_words("if", "not", "exists")
    off = cur.offset()
    name = cur.ident()
    schema: str | None = None
    while not cur.at_end():
        if cur.accept_word("schema"):
            schema = cur.ident()
        elif cur.accept_word("version", "from"):
            cur.next()
        else:
            cur.next()
    return CreateExtension(name, off, schema, if_not_exists)


def _create_schema(cur: Cursor) -> CreateSchema:
    if_not_exists = cur.accept_words("if", "not", "exists")
    off = cur.offset()
    if cur.accept_word("authorization"):
        name = cur.ident()
    else:
        name = cur.ident()
        if cur.accept_word("authorization"):
            cur.next()
    outer = cur.stmt
    elements = tuple(
        Statement(outer.file, outer.text, tuple(chunk), outer.line_starts)
        for chunk in _schema_element_tokens(cur)
    )
    return CreateSchema(name, off, if_not_exists, elements)


def _schema_element_tokens(cur: Cursor) -> list[list[Token]]:
    """CREATE SCHEMA s CREATE TABLE ... CREATE VIEW ...: the tokens of each element."""
    chunks: list[list[Token]] = []
    depth = 0
    for t in cur.toks[cur.i :]:
        if t.kind is Kind.PUNCT and t.value == "(":
            depth += 1
        elif t.kind is Kind.PUNCT and t.value == ")":
            depth -= 1
        if (depth == 0 and t.is_word("create", "grant")) or not chunks:
            chunks.append([])
        chunks[-1].append(t)
    return chunks

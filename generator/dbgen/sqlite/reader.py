"""The SQLite reader: each statement modelled, carried verbatim, or reported.

- CREATE TABLE and CREATE INDEX are modelled (the catalog's tables, with their indexes) and
  replayed as written (``RawStatement`` kinds ``sqlite table`` / ``sqlite index``);
- views, triggers, virtual tables (FTS4/FTS5, R*Tree ...) and CREATE TABLE ... AS are carried
  verbatim (kinds ``view``, ``trigger``, ``virtual table``, ``table as``);
- ALTER TABLE ... ADD COLUMN changes the table and is replayed after it;
- DROP of an object the schema made earlier takes it (and what hangs off it) out; DROP ... IF
  EXISTS of one it did not make is a no-op, as when the file loads into an empty database;
- PRAGMAs, transaction control, data statements and queries are reported (a note or a
  warning: what they do is not part of the schema the migration rebuilds);
- anything else is an error at its file:line:col.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from dbgen.diagnostics import Diagnostic, error, note, warning
from dbgen.ir import (
    Catalog,
    Column,
    ForeignKey,
    Identity,
    QName,
    RawStatement,
    Table,
    quote_ident,
)
from dbgen.sqlite.lex import Kind, Statement, split
from dbgen.sqlite.parse import (
    NULLABLE_KEY,
    UNNAMED,
    Cursor,
    ParseError,
    TableDraft,
    parse_column,
    parse_create_index,
)
from dbgen.sqlite.parse import parse_create_table as parse_table
from dbgen.sqlite.shadow import shadow_tables

PUBLIC = "public"  # the IR's schema for SQLite's main database
_SCHEMAS = ("main",)

# What each kind of verbatim object is dropped with.
_DROP = {
    "sqlite table": "TABLE",
    "table as": "TABLE",
    "virtual table": "TABLE",
    "sqlite index": "INDEX",
    "view": "VIEW",
    "trigger": "TRIGGER",
}


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class _State:
    files: tuple[str, ...]
    tables: dict[str, Table] = field(default_factory=dict)  # lower-cased name -> table
    drafts: dict[str, TableDraft] = field(default_factory=dict)
    raw: list[RawStatement] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # lower-cased object name -> raw kind
    diags: list[Diagnostic] = field(default_factory=list)


def read_schema(sources: Sequence[tuple[str, str]]) -> tuple[Catalog, tuple[Diagnostic, ...]]:
    """Read SQLite DDL sources, given as (display path, text) pairs in read order."""
    state = _State(tuple(path for path, _ in sources))
    position = 0
    for path, text in sources:
        statements, diags = split(path, text)
        state.diags.extend(diags)
        for stmt in statements:
            try:
                _statement(state, stmt, position)
            except ParseError as exc:
                state.diags.append(error(stmt.span_at(exc.offset), exc.code, exc.message))
            position += 1
    return _finish(state)


def _schema_ok(state: _State, stmt: Statement, schema: str | None, offset: int) -> bool:
    if schema is None or schema.lower() in _SCHEMAS:
        return True
    state.diags.append(
        error(
            stmt.span_at(offset),
            "unsupported-schema",
            f"schema {schema!r}: an attached or temporary database is not part of the schema "
            "the migration builds (name objects without a schema, or main.)",
        )
    )
    return False


def _add_raw(
    state: _State, stmt: Statement, kind: str, name: str, position: int, table: str | None = None
) -> None:
    drop = f"DROP {_DROP[kind]} {quote(name)}" if kind in _DROP else None
    state.raw.append(
        RawStatement(
            kind,
            stmt.sql,
            drop,
            name,
            position,
            stmt.span,
            schema=PUBLIC,
            table=QName(PUBLIC, table) if table is not None else None,
        )
    )
    if kind in _DROP:
        state.names[name.lower()] = kind


def _statement(state: _State, stmt: Statement, position: int) -> None:
    head = stmt.tokens[0]
    if head.kind is not Kind.WORD:
        raise ParseError(head.start, "expected a statement")
    words = [t.value if t.kind is Kind.WORD else "" for t in stmt.tokens[:4]]
    if words[0] == "CREATE":
        kind = next((w for w in words[1:] if w in ("TABLE", "INDEX", "VIEW", "TRIGGER")), "")
        if words[1] == "VIRTUAL":
            _create_virtual(state, stmt, position)
        elif kind == "TABLE":
            _create_table(state, stmt, position)
        elif kind == "INDEX":
            _create_index(state, stmt, position)
        elif kind in ("VIEW", "TRIGGER"):
            _create_verbatim(state, stmt, position, kind.lower())
        else:
            raise ParseError(
                stmt.tokens[1].start, "expected TABLE, INDEX, VIEW, TRIGGER or VIRTUAL TABLE"
            )
    elif words[0] == "DROP":
        _drop(state, stmt)
    elif words[0] == "ALTER":
        _alter(state, stmt, position)
    elif words[0] == "PRAGMA":
        _pragma(state, stmt)
    elif words[0] in ("BEGIN", "COMMIT", "END", "SAVEPOINT", "RELEASE"):
        pass  # the loading session's transaction: the migration runs in one of its own
    elif words[0] == "ROLLBACK":
        state.diags.append(
            warning(
                stmt.span, "rollback", "ROLLBACK in a schema file: what it undoes is still read"
            )
        )
    elif words[0] in ("INSERT", "REPLACE", "UPDATE", "DELETE", "WITH"):
        state.diags.append(
            warning(
                stmt.span,
                "data-statement",
                f"{words[0]}: data is not part of the schema; the migration does not carry it",
            )
        )
    elif words[0] in ("SELECT", "VALUES", "EXPLAIN"):
        state.diags.append(note(stmt.span, "query", "a query in a schema file: ignored"))
    elif words[0] in ("ANALYZE", "VACUUM", "REINDEX"):
        state.diags.append(
            note(stmt.span, "maintenance", f"{words[0]}: maintenance, not schema; ignored")
        )
    elif words[0] in ("ATTACH", "DETACH"):
        raise ParseError(
            head.start,
            f"{words[0]}: another database file is not part of the schema",
            "unsupported-statement",
        )
    else:
        raise ParseError(
            head.start, f"unsupported statement {stmt.slice(head, head)!r}", "unsupported-statement"
        )


def _exists(state: _State, name: str) -> bool:
    return name.lower() in state.names


def _shadow_owner(state: _State, name: str) -> str | None:
    """The virtual table whose shadow table ``name`` is. The sqlite3 shell's `.schema` prints
    the shadow tables after their virtual table as `CREATE TABLE IF NOT EXISTS`, so a file
    made by it names tables that creating the virtual table already made."""
    for r in state.raw:
        shadows = shadow_tables(r.name, r.sql) if r.kind == "virtual table" and r.name else ()
        if name.lower() in (s.lower() for s in shadows):
            return r.name
    return None


def _create_table(state: _State, stmt: Statement, position: int) -> None:
    draft = parse_table(stmt, position)
    name_offset = stmt.start
    if not _schema_ok(state, stmt, draft.schema, name_offset):
        return
    if draft.temporary:
        state.diags.append(
            warning(
                draft.span,
                "temporary-table",
                f"TEMP table {draft.name}: it lives for one connection; not part of the schema",
            )
        )
        return
    owner = _shadow_owner(state, draft.name)
    if _exists(state, draft.name) or owner is not None:
        made_by = f" (virtual table {owner} made it)" if owner is not None else ""
        if draft.if_not_exists:
            state.diags.append(
                note(
                    draft.span,
                    "exists",
                    f"{draft.name} exists already{made_by}: IF NOT EXISTS skips it",
                )
            )
            return
        raise ParseError(stmt.start, f"{draft.name} exists already{made_by}", "duplicate-object")
    if draft.as_select:
        _add_raw(state, stmt, "table as", draft.name, position)
        state.diags.append(
            note(
                draft.span,
                "verbatim",
                f"CREATE TABLE {draft.name} AS SELECT: carried verbatim; the models do not map it",
            )
        )
        return
    names = [c.name.lower() for c in draft.columns]
    for col in draft.columns:
        if names.count(col.name.lower()) > 1:
            raise ParseError(stmt.start, f"duplicate column name {col.name}", "duplicate-column")
    pk = draft.primary_key
    if pk is not None:
        cols = tuple(_column_name(draft, c, stmt) for c in pk.columns)
        pk = replace(pk, columns=cols)
        keyed = {c.lower() for c in cols}
        draft.columns = [
            _key_column(draft, c, cols) if c.name.lower() in keyed else c for c in draft.columns
        ]
    uniques = tuple(
        replace(u, columns=tuple(_column_name(draft, c, stmt) for c in u.columns))
        for u in draft.uniques
    )
    fks = tuple(
        replace(fk, columns=tuple(_column_name(draft, c, stmt) for c in fk.columns))
        for fk in draft.foreign_keys
    )
    table = Table(
        QName(PUBLIC, draft.name),
        tuple(draft.columns),
        primary_key=pk,
        uniques=uniques,
        checks=tuple(draft.checks),
        foreign_keys=fks,
        position=position,
        span=draft.span,
        options=_options(draft),
    )
    state.tables[draft.name.lower()] = table
    state.drafts[draft.name.lower()] = draft
    _add_raw(state, stmt, "sqlite table", draft.name, position, draft.name)


def _options(draft: TableDraft) -> tuple[tuple[str, str], ...]:
    """SQLite's table options (the migration replays them with the CREATE text), then each
    constraint name SQLite does not keep (TableDraft.unnamed): the models give none."""
    flags = (
        ("without rowid", draft.without_rowid),
        ("strict", draft.strict),
        ("autoincrement", draft.autoincrement),
    )
    return (
        *((name, "") for name, on in flags if on),
        *((UNNAMED, name) for name in draft.unnamed),
    )


def _key_column(draft: TableDraft, column: Column, key: tuple[str, ...]) -> Column:
    """A primary-key column: NOT NULL for the application (the models and schemas treat it so).
    SQLite itself lets a rowid table's key hold NULL unless it is declared NOT NULL or is the
    rowid's alias (a long-standing quirk it keeps for compatibility): such a column is marked
    ``NULLABLE_KEY``, so the models say what the database has."""
    identity = _rowid_identity(draft, column, key)
    options = column.options
    if column.nullable and identity is None and not draft.without_rowid:
        options = (*options, (NULLABLE_KEY, ""))
    # SQLite never applies a rowid alias's DEFAULT (an insert that omits the column gets a
    # new rowid), and SQLAlchemy refuses a column with both an identity and a server default:
    # the model leaves it out (the migration still replays the CREATE text as written).
    default = None if identity is not None else column.default
    return replace(column, nullable=False, identity=identity, options=options, default=default)


def _rowid_identity(draft: TableDraft, column: Column, key: tuple[str, ...]) -> Identity | None:
    """A rowid table's lone INTEGER key is an alias of the rowid: SQLite fills it when the
    insert omits it, as GENERATED BY DEFAULT AS IDENTITY would (the models say so; SQLAlchemy
    prints no identity clause for SQLite). Not so for a column declared INTEGER PRIMARY KEY
    DESC (SQLite's documented quirk) or in a WITHOUT ROWID table."""
    alias = (
        not draft.without_rowid
        and len(key) == 1
        and column.type.sql.upper() == "INTEGER"
        and not draft.inline_pk_desc
    )
    return Identity(always=False) if alias else None


def _column_name(draft: TableDraft, name: str, stmt: Statement) -> str:
    for c in draft.columns:
        if c.name.lower() == name.lower():
            return c.name
    raise ParseError(stmt.start, f"table {draft.name} has no column named {name}", "unknown-column")


def _create_index(state: _State, stmt: Statement, position: int) -> None:
    draft = parse_create_index(stmt, position)
    if not _schema_ok(state, stmt, draft.schema, stmt.start):
        return
    name = draft.index.name
    if _exists(state, name):
        if draft.if_not_exists:
            state.diags.append(
                note(stmt.span, "exists", f"{name} exists already: IF NOT EXISTS skips it")
            )
            return
        raise ParseError(stmt.start, f"index {name} exists already", "duplicate-object")
    table = state.tables.get(draft.table.lower())
    if table is None:
        raise ParseError(stmt.start, f"no such table: {draft.table}", "unknown-table")
    columns = {c.name.lower(): c.name for c in table.columns}
    elements = []
    for e in draft.index.elements:
        if e.column is not None and e.column.lower() in columns:
            # A plain column: its name, and as ir.py spells a column element (quote_ident),
            # whatever quotes SQLite was given ([x], `x`, 'x').
            column = columns[e.column.lower()]
            e = replace(e, column=column, expression=quote_ident(column))
        elif e.column is not None:
            e = replace(e, column=None)  # a string literal or an unknown name: an expression
        elements.append(e)
    index = replace(draft.index, elements=tuple(elements))
    state.tables[table.qname.name.lower()] = replace(table, indexes=(*table.indexes, index))
    _add_raw(state, stmt, "sqlite index", name, position, table.qname.name)


def _create_virtual(state: _State, stmt: Statement, position: int) -> None:
    c = Cursor(stmt)
    c.expect("CREATE", "VIRTUAL", "TABLE")
    if_not_exists = c.words("IF", "NOT", "EXISTS")
    schema, name, first = c.qualified()
    if not _schema_ok(state, stmt, schema, first.start):
        return
    if _exists(state, name):
        if if_not_exists:
            return
        raise ParseError(first.start, f"{name} exists already", "duplicate-object")
    c.expect("USING")
    module = c.name()
    _add_raw(state, stmt, "virtual table", name, position)
    state.diags.append(
        note(
            stmt.span,
            "verbatim",
            f"virtual table {name} (USING {module}): carried verbatim; the models do not map it "
            "(SQLite makes its shadow tables)",
        )
    )


def _create_verbatim(state: _State, stmt: Statement, position: int, kind: str) -> None:
    c = Cursor(stmt)
    c.expect("CREATE")
    c.word("TEMP", "TEMPORARY")
    temporary = c.tokens[c.i - 1].is_word("TEMP", "TEMPORARY")
    c.expect(kind.upper())
    if_not_exists = c.words("IF", "NOT", "EXISTS")
    schema, name, first = c.qualified()
    if temporary:
        state.diags.append(
            warning(
                stmt.span,
                "temporary",
                f"TEMP {kind} {name}: it lives for one connection; not part of the schema",
            )
        )
        return
    if not _schema_ok(state, stmt, schema, first.start):
        return
    if _exists(state, name):
        if if_not_exists:
            return
        raise ParseError(first.start, f"{name} exists already", "duplicate-object")
    table = None
    if kind == "trigger":
        while not c.at_end() and not c.word("ON"):
            c.next()
        target = c.name() if not c.at_end() else None
        if target is None or (target.lower() not in state.tables and not _exists(state, target)):
            raise ParseError(
                first.start, f"trigger {name}: no such table or view: {target}", "unknown-table"
            )
        known = state.tables.get(target.lower())
        table = known.qname.name if known is not None else target
    _add_raw(state, stmt, kind, name, position, table)


def _drop(state: _State, stmt: Statement) -> None:
    c = Cursor(stmt)
    c.expect("DROP")
    what = c.next()
    if not what.is_word("TABLE", "INDEX", "VIEW", "TRIGGER"):
        raise ParseError(
            what.start, "expected TABLE, INDEX, VIEW or TRIGGER", "unsupported-statement"
        )
    if_exists = c.words("IF", "EXISTS")
    schema, name, first = c.qualified()
    if not _schema_ok(state, stmt, schema, first.start):
        return
    if not _exists(state, name):
        if not if_exists:
            raise ParseError(first.start, f"no such {what.value.lower()}: {name}", "unknown-object")
        return  # nothing to drop in an empty database
    kind = state.names[name.lower()]
    if _DROP[kind] != what.value:
        raise ParseError(
            first.start, f"{name} is a {kind}, not a {what.value.lower()}", "wrong-object-type"
        )
    gone = {name.lower()}
    if what.value == "TABLE":
        table = state.tables.pop(name.lower(), None)
        state.drafts.pop(name.lower(), None)
        if table is not None:
            gone |= {r.name.lower() for r in state.raw if r.table == table.qname and r.name}
    elif what.value == "INDEX":
        for key, t in state.tables.items():
            if any(i.name.lower() == name.lower() for i in t.indexes):
                state.tables[key] = replace(
                    t, indexes=tuple(i for i in t.indexes if i.name.lower() != name.lower())
                )
    state.raw = [r for r in state.raw if not (r.name and r.name.lower() in gone)]
    for g in gone:
        state.names.pop(g, None)


def _alter(state: _State, stmt: Statement, position: int) -> None:
    c = Cursor(stmt)
    c.expect("ALTER", "TABLE")
    schema, name, first = c.qualified()
    if not _schema_ok(state, stmt, schema, first.start):
        return
    table = state.tables.get(name.lower())
    draft = state.drafts.get(name.lower())
    if table is None or draft is None:
        raise ParseError(first.start, f"no such table: {name}", "unknown-table")
    at = c.peek()
    if c.word("ADD"):
        c.word("COLUMN")
        pk, fks, checks, uniques = (
            draft.primary_key,
            len(draft.foreign_keys),
            len(draft.checks),
            len(draft.uniques),
        )
        parse_column(c, c.i, c.end, draft, position)
        column = draft.columns[-1]
        if any(col.name.lower() == column.name.lower() for col in table.columns):
            raise ParseError(
                first.start, f"duplicate column name: {column.name}", "duplicate-column"
            )
        if draft.primary_key is not pk or len(draft.uniques) > uniques:
            raise ParseError(
                first.start,
                "ALTER TABLE ADD COLUMN cannot add a PRIMARY KEY or UNIQUE column (SQLite refuses it)",
                "unsupported-alter",
            )
        state.tables[name.lower()] = replace(
            table,
            columns=(*table.columns, column),
            foreign_keys=(*table.foreign_keys, *draft.foreign_keys[fks:]),
            checks=(*table.checks, *draft.checks[checks:]),
            options=_options(draft),
        )
        _add_raw(state, stmt, "alter table", name, position, table.qname.name)
        return
    raise ParseError(
        at.start if at else stmt.end,
        "only ALTER TABLE ... ADD COLUMN is read; write the table as it ends up (RENAME and DROP "
        "COLUMN are not supported)",
        "unsupported-alter",
    )


def _pragma(state: _State, stmt: Statement) -> None:
    c = Cursor(stmt)
    c.expect("PRAGMA")
    _, name, _ = c.qualified()
    setting = stmt.sql
    if name.lower() == "foreign_keys":
        state.diags.append(
            note(
                stmt.span,
                "pragma",
                f"{setting}: the generated engines turn foreign keys on for every connection "
                "(PRAGMA foreign_keys=ON); the migration does not carry it",
            )
        )
        return
    state.diags.append(
        warning(
            stmt.span,
            "pragma",
            f"{setting}: a PRAGMA sets up a connection or the database file, not the schema; the "
            "migration does not carry it (set it where the application connects)",
        )
    )


def _finish(state: _State) -> tuple[Catalog, tuple[Diagnostic, ...]]:
    tables: list[Table] = []
    for table in state.tables.values():
        fks: list[ForeignKey] = []
        for fk in table.foreign_keys:
            target = state.tables.get(fk.ref_table.name.lower())
            if target is None:
                state.diags.append(
                    warning(
                        fk.span,
                        "unknown-reference",
                        f"{table.qname.name}.{', '.join(fk.columns)} references {fk.ref_table.name}, "
                        "which the schema does not create: the models leave this foreign key out "
                        "(the migration keeps it, as written)",
                    )
                )
                continue
            ref_cols = fk.ref_columns
            if not ref_cols:
                if target.primary_key is None:
                    state.diags.append(
                        warning(
                            fk.span,
                            "unknown-reference",
                            f"{table.qname.name}: REFERENCES {target.qname.name} without columns, and it has no primary key: left out of the models",
                        )
                    )
                    continue
                ref_cols = target.primary_key.columns
            names = {c.name.lower(): c.name for c in target.columns}
            if any(r.lower() not in names for r in ref_cols) or len(ref_cols) != len(fk.columns):
                state.diags.append(
                    warning(
                        fk.span,
                        "unknown-reference",
                        f"{table.qname.name}: the foreign key to {target.qname.name}({', '.join(ref_cols)}) does not match its columns: left out of the models",
                    )
                )
                continue
            fks.append(
                replace(
                    fk,
                    ref_table=target.qname,
                    ref_columns=tuple(names[r.lower()] for r in ref_cols),
                )
            )
        table = replace(table, foreign_keys=tuple(fks))
        if table.primary_key is None:
            state.diags.append(
                note(
                    table.span,
                    "no-primary-key",
                    f"table {table.qname.name} has no primary key: the package exposes it as a "
                    "Core sa.Table (read-only list/count in crud.yaml); add a PRIMARY KEY to get a "
                    "mapped class",
                )
            )
        tables.append(table)
    tables.sort(key=lambda t: t.position)
    catalog = Catalog(
        tables=tuple(tables),
        raw=tuple(sorted(state.raw, key=lambda r: r.position)),
        files=state.files,
    )
    return catalog, tuple(state.diags)

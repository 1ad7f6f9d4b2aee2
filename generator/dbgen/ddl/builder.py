"""Replay DDL statements, in order, into a Catalog.

Each statement is dispatched on its leading keywords. Structured statements update the working
catalog (naming unnamed objects the way PostgreSQL would at that point of the script); the rest
are carried as RawStatement or reported. Parse failures become diagnostics on the offending token.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from dbgen.ddl import elements as el
from dbgen.ddl.cursor import Cursor, ParseError
from dbgen.ddl.names import Namespaces
from dbgen.ddl.raw import RawInfo, classify_create
from dbgen.ddl.split import Kind, Statement, Token, split
from dbgen.ddl.types import Resolver, parse_type
from dbgen.diagnostics import Diagnostic, Span, error, note, warning
from dbgen.ir import (
    Catalog,
    CheckConstraint,
    Column,
    CompositeType,
    Domain,
    EnumType,
    Extension,
    ForeignKey,
    Index,
    PartitionOf,
    PrimaryKey,
    QName,
    RawStatement,
    SchemaDef,
    Sequence,
    SqlType,
    Table,
    TypeKind,
    UniqueConstraint,
)


class Reported(Exception):
    """A statement was rejected; the diagnostic is already recorded."""


@dataclass(slots=True)
class _Table:
    qname: QName
    columns: list[Column]
    position: int
    span: Span
    primary_key: PrimaryKey | None = None
    uniques: list[UniqueConstraint] = field(default_factory=list)
    checks: list[CheckConstraint] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    comment: str | None = None
    partition_by: str | None = None
    partition_of: PartitionOf | None = None
    inherits: tuple[QName, ...] = ()
    unlogged: bool = False
    with_options: str | None = None
    statement: Span | None = None  # where its CREATE TABLE starts (for diagnostics about it)

    def column_index(self, name: str) -> int:
        for i, c in enumerate(self.columns):
            if c.name == name:
                return i
        return -1

    def freeze(self) -> Table:
        return Table(
            self.qname,
            tuple(self.columns),
            self.primary_key,
            tuple(self.uniques),
            tuple(self.checks),
            tuple(self.foreign_keys),
            tuple(self.indexes),
            self.comment,
            self.partition_by,
            self.partition_of,
            self.inherits,
            self.unlogged,
            self.with_options,
            self.position,
            self.span,
        )


_SESSION_NOTE = "session setting for the loading script; not part of the schema"


class CatalogBuilder:
    def __init__(self, files: tuple[str, ...]) -> None:
        self.files = files
        self.diags: list[Diagnostic] = []
        self.search_path: list[str] = ["public"]
        # The path the migration replays under at this point (see _path_changed).
        self.emitted_path: tuple[str, ...] = _DEFAULT_PATH
        self.known_schemas: set[str] = {"public", "pg_catalog", "information_schema"}
        self.schemas: dict[str, SchemaDef] = {}
        self.extensions: dict[str, Extension] = {}
        self.enums: dict[QName, EnumType] = {}
        self.domains: dict[QName, Domain] = {}
        self.composites: dict[QName, CompositeType] = {}
        self.other_types: set[QName] = set()
        self.sequences: dict[QName, Sequence] = {}
        self.tables: dict[QName, _Table] = {}
        self.index_table: dict[QName, QName] = {}
        self.raw: list[RawStatement] = []
        self.ns = Namespaces()
        self.stmt: Statement | None = None
        self.pos = 0

    # -- entry points ----------------------------------------------------------------------------
    def feed(self, stmt: Statement, position: int) -> None:
        self.stmt = stmt
        self.pos = position
        first = stmt.tokens[0]
        if first.kind is Kind.BACKSLASH:
            self._note(
                first.start,
                "ignored-statement",
                f"psql meta-command {first.value.split()[0]!r} only affects the psql session",
            )
            return
        cur = Cursor(stmt)
        try:
            self._dispatch(cur)
        except ParseError as exc:
            self.diags.append(error(stmt.span_at(exc.offset), exc.code, exc.message))
        except Reported:
            pass

    def finish(self) -> tuple[Catalog, list[Diagnostic]]:
        for t in self.tables.values():
            if t.primary_key is None and t.partition_of is None:
                self.diags.append(
                    note(
                        t.statement or t.span,
                        "no-primary-key",
                        f"table {t.qname} has no primary key: the package exposes it as a Core sa.Table "
                        "(read-only list/count in crud.yaml); add a PRIMARY KEY to get a mapped class",
                    )
                )
        cat = Catalog(
            schemas=tuple(self.schemas.values()),
            extensions=tuple(self.extensions.values()),
            enums=tuple(self.enums.values()),
            domains=tuple(self.domains.values()),
            composites=tuple(self.composites.values()),
            sequences=tuple(self.sequences.values()),
            tables=tuple(t.freeze() for t in self.tables.values()),
            raw=tuple(self.raw),
            files=self.files,
        )
        return cat, self.diags

    # -- diagnostics -------------------------------------------------------------------------------
    def _span(self, offset: int) -> Span:
        assert self.stmt is not None
        return self.stmt.span_at(offset)

    def _error(self, offset: int, code: str, message: str) -> Reported:
        self.diags.append(error(self._span(offset), code, message))
        return Reported()

    def _warn(self, offset: int, code: str, message: str) -> None:
        self.diags.append(warning(self._span(offset), code, message))

    def _note(self, offset: int, code: str, message: str) -> None:
        self.diags.append(note(self._span(offset), code, message))

    # -- names -------------------------------------------------------------------------------------
    def creation_qname(self, parts: list[str], offset: int) -> QName:
        if len(parts) == 1:
            for s in self.search_path:
                if s in self.known_schemas and s != "pg_catalog":
                    return QName(s, parts[0])
            raise self._error(
                offset,
                "no-schema",
                f"no schema has been selected to create {parts[0]!r} in (search_path is empty)",
            )
        if len(parts) == 3:
            parts = parts[1:]  # database.schema.name
        if len(parts) != 2:
            raise self._error(offset, "syntax", f"improper qualified name {'.'.join(parts)!r}")
        if parts[0] not in self.known_schemas:
            raise self._error(offset, "unknown-schema", f"schema {parts[0]!r} does not exist")
        return QName(parts[0], parts[1])

    def _qualify_any(self, parts: list[str]) -> QName:
        """Qualify without validation (raw statements: the server checks them)."""
        if len(parts) >= 2:
            return QName(parts[-2], parts[-1])
        for s in self.search_path:
            if s in self.known_schemas and s != "pg_catalog":
                return QName(s, parts[0])
        return QName("public", parts[0])

    def lookup(self, parts: list[str], registry: dict[QName, object] | set[QName]) -> QName | None:
        if len(parts) >= 2:
            q = QName(parts[-2], parts[-1])
            return q if q in registry else None
        for s in self.search_path:
            q = QName(s, parts[0])
            if q in registry:
                return q
        return None

    def table_of(self, parts: list[str], offset: int, what: str = "table") -> _Table:
        q = self.lookup(parts, self.tables)  # type: ignore[arg-type]
        if q is None:
            raise self._error(offset, "unknown-table", f"{what} {'.'.join(parts)!r} does not exist")
        return self.tables[q]

    def resolver(self) -> Resolver:
        def resolve(parts: list[str]) -> tuple[TypeKind, QName] | None:
            for kind, reg in (
                (TypeKind.ENUM, self.enums),
                (TypeKind.DOMAIN, self.domains),
                (TypeKind.COMPOSITE, self.composites),
            ):
                q = self.lookup(parts, reg)  # type: ignore[arg-type]
                if q is not None:
                    return kind, q
            return None

        return resolve

    # -- dispatch ----------------------------------------------------------------------------------
    def _dispatch(self, cur: Cursor) -> None:
        first = cur.peek()
        assert first is not None
        word = first.value if first.kind is Kind.WORD else ""
        if word == "create":
            cur.next()
            self._create(cur)
        elif word == "alter":
            cur.next()
            self._alter(cur)
        elif word == "comment":
            self._comment(cur)
        elif word in ("grant", "revoke"):
            self._carry("grant" if word == "grant" else "revoke", None, None)
        elif word == "set":
            self._set(cur)
        elif word == "reset":
            self._note(first.start, "ignored-statement", _SESSION_NOTE)
        elif word in (
            "begin",
            "commit",
            "end",
            "rollback",
            "start",
            "savepoint",
            "release",
            "abort",
        ):
            self._note(
                first.start,
                "ignored-statement",
                "transaction control only matters while loading the script",
            )
        elif word == "select":
            self._select(cur)
        elif word == "drop":
            self._drop(cur)
        elif word in ("insert", "update", "delete", "copy", "truncate", "with", "values", "merge"):
            self._warn(
                first.start,
                "ignored-statement",
                "data statement: dbgen models the schema, not its rows; not carried into the migration",
            )
        elif word in ("cluster", "security"):
            self._carry(word if word == "cluster" else "security label", None, None)
        elif word == "do":
            self._warn(
                first.start,
                "unmodelled-statement",
                "DO block carried verbatim; its effects are not modelled",
            )
            self._carry("do", None, self._do_drop(cur))
        elif word in (
            "analyze",
            "vacuum",
            "checkpoint",
            "discard",
            "listen",
            "notify",
            "load",
            "lock",
            "reindex",
            "refresh",
        ):
            self._note(
                first.start, "ignored-statement", f"{word.upper()} is maintenance, not schema"
            )
        else:
            raise ParseError(
                first.start,
                f"unrecognised statement starting with {self.stmt_text(first.start, first.end)!r}",
            )

    def stmt_text(self, a: int, b: int) -> str:
        assert self.stmt is not None
        return self.stmt.text[a:b]

    def _carry(self, kind: str, name: str | None, drop: str | None) -> None:
        assert self.stmt is not None
        self.raw.append(RawStatement(kind, self.stmt.sql, drop, name, self.pos, self.stmt.span))

    def _do_drop(self, cur: Cursor) -> str | None:
        """Undo for a DO block: drop what the CREATE statements in its body may have created.

        A DO block often creates routines conditionally (one branch or its exception handler), so
        each drop is IF EXISTS; the drops run in reverse order, in one DO block of their own.
        """
        assert self.stmt is not None
        body = next((t.value for t in cur.toks if t.kind is Kind.STRING), None)
        if body is None:
            return None
        drops: list[str] = []
        statements, _ = split(self.stmt.file, body)
        for inner in statements:
            toks = inner.tokens
            for i, t in enumerate(toks):
                if not t.is_word("create"):
                    continue
                sub = Cursor(Statement(inner.file, body, toks[i:], ()))
                sub.next()
                try:
                    info = classify_create(sub, self._qualify_any)
                except ParseError:
                    info = None
                if info is not None and info.drop is not None:
                    drop = _if_exists(info.drop)
                    if drop not in drops:
                        drops.append(drop)
        if not drops:
            return None
        lines = "".join(f"  {d};\n" for d in reversed(drops))
        return f"DO $dbgen$\nBEGIN\n{lines}END\n$dbgen$"

    # -- SET / SELECT set_config ---------------------------------------------------------------------
    def _set(self, cur: Cursor) -> None:
        start = cur.offset()
        cur.next()
        cur.accept_word("session", "local")
        if cur.accept_word("search_path"):
            if cur.at_op("="):
                cur.next()
            elif not cur.accept_word("to"):
                raise ParseError(cur.offset(), "expected TO or = after SET search_path")
            if cur.accept_word("default"):
                self.search_path = ["public"]
            else:
                path: list[str] = []
                while not cur.at_end():
                    t = cur.next()
                    if t.kind is Kind.STRING:
                        path.extend(_path_items(t.value))
                    elif t.kind in (Kind.WORD, Kind.QUOTED):
                        path.append(t.value)
                self.search_path = [p for p in path if p != "$user"]
            self._path_changed()
            return
        self._note(start, "ignored-statement", _SESSION_NOTE)

    def _path_changed(self) -> None:
        """Carry a search_path change into the migration when it changes name resolution.

        Raw statements, defaults, checks and index expressions are kept as written, so unqualified
        names in them must resolve the way they did in the source: the migration replays the
        source's path at the same position (SET LOCAL; the downgrade restores the previous one).
        ``public`` is appended when absent so the objects the migration names without a schema
        still resolve; that cannot change what the source resolved, because the source applied.
        """
        assert self.stmt is not None
        path = _effective_path(self.search_path)
        if path == self.emitted_path:
            return
        previous = _path_sql(self.emitted_path)
        self.raw.append(
            RawStatement(
                "search path",
                f"SET LOCAL search_path TO {_path_sql(path)}",
                f"SET LOCAL search_path TO {previous}",
                ", ".join(path),
                self.pos,
                self.stmt.span,
            )
        )
        self.emitted_path = path

    def _select(self, cur: Cursor) -> None:
        toks = cur.toks
        start = cur.offset()
        vals = [t.value for t in toks]
        if len(toks) >= 4 and "set_config" in vals[:4]:
            strings = [t.value for t in toks if t.kind is Kind.STRING]
            if strings and strings[0] == "search_path" and len(strings) >= 2:
                self.search_path = [p for p in _path_items(strings[1]) if p != "$user"]
                self._path_changed()
            else:
                self._note(start, "ignored-statement", _SESSION_NOTE)
            return
        self._warn(
            start,
            "ignored-statement",
            "SELECT does not define schema; not carried into the migration",
        )

    # -- CREATE --------------------------------------------------------------------------------------
    def _create(self, cur: Cursor) -> None:
        save = cur.i
        cur.accept_words("or", "replace")
        unlogged = False
        while True:
            if cur.accept_word("global", "local", "temp", "temporary"):
                continue
            if cur.accept_word("unlogged"):
                unlogged = True
                continue
            break
        if cur.at_word("table") and not self._is_create_table_as(cur):
            self._create_table(cur, unlogged)
            return
        if cur.at_word("index") or cur.at_words("unique", "index"):
            self._create_index(cur)
            return
        if cur.accept_word("type"):
            if self._create_type(cur):
                return
            cur.i = save
        elif cur.accept_word("domain"):
            self._create_domain(cur)
            return
        elif cur.accept_word("sequence"):
            self._create_sequence(cur)
            return
        elif cur.accept_word("extension"):
            self._create_extension(cur)
            return
        elif cur.accept_word("schema"):
            self._create_schema(cur)
            return
        elif cur.at_word("role", "user", "group", "tablespace", "database") and not cur.at_words(
            "user", "mapping"
        ):
            self._warn(
                cur.offset(),
                "ignored-statement",
                f"{cur.next().value.upper()} is a cluster-wide object, outside the database schema; create it before running the migration",
            )
            return
        cur.i = save
        if cur.at_word("table"):
            cur.next()
            cur.accept_words("if", "not", "exists")
            q = self.creation_qname(cur.name_parts(), cur.offset())
            self._warn(
                cur.offset(),
                "unmodelled-statement",
                "CREATE TABLE ... AS is carried verbatim; its columns are not modelled",
            )
            self.ns.add_relation(q.schema, q.name)
            self._carry("table as", str(q), f"DROP TABLE {q.sql}")
            return
        info = classify_create(cur, self._qualify_any)
        if info is None:
            nxt = cur.peek()
            end = nxt.end if nxt is not None else cur.offset()
            raise ParseError(
                cur.offset(), f"unsupported CREATE statement: {self.stmt_text(cur.offset(), end)!r}"
            )
        self._carry_info(info)

    def _carry_info(self, info: RawInfo) -> None:
        if info.relation is not None:
            self.ns.add_relation(info.relation.schema, info.relation.name)
        if info.kind == "type" and info.name is not None:
            self.other_types.add(self._qualify_any(info.name.split(".")))
        self._carry(info.kind, info.name, info.drop)

    @staticmethod
    def _is_create_table_as(cur: Cursor) -> bool:
        for t in cur.toks[cur.i :]:
            if t.kind is Kind.PUNCT and t.value == "(":
                return False
            if t.is_word("as", "partition", "of"):
                return t.value == "as"
        return False

    # -- CREATE TABLE ----------------------------------------------------------------------------
    def _create_table(self, cur: Cursor, unlogged: bool) -> None:
        assert self.stmt is not None
        cur.expect_word("table")
        if_not_exists = cur.accept_words("if", "not", "exists")
        name_off = cur.offset()
        q = self.creation_qname(cur.name_parts(), name_off)
        if q in self.tables or q.name in self.ns.relations(q.schema):
            if if_not_exists:
                self._note(
                    name_off,
                    "skipped-statement",
                    f"relation {q} already exists; CREATE TABLE IF NOT EXISTS does nothing",
                )
                return
            raise self._error(name_off, "duplicate-object", f"relation {q} already exists")
        partition_of: PartitionOf | None = None
        parent: _Table | None = None
        cols: list[el.ColumnSpec] = []
        cons: list[el.ConstraintSpec] = []
        likes: list[tuple[_Table, int]] = []
        if cur.accept_words("partition", "of"):
            p_off = cur.offset()
            parent = self.table_of(cur.name_parts(), p_off, "parent table")
        if cur.at_punct("("):
            self._table_elements(cur, cols, cons, likes, parent is not None)
        if parent is not None:
            b_lo = cur.i
            if cur.accept_word("default"):
                pass
            else:
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
            partition_of = PartitionOf(parent.qname, cur.slice_text(b_lo, cur.i))
        inherits: list[QName] = []
        partition_by = with_options = None
        while not cur.at_end():
            off = cur.offset()
            if cur.accept_word("inherits"):
                for lo, hi in cur.split_list():
                    sub = cur.sub(lo, hi)
                    inherits.append(
                        self.table_of(sub.name_parts(), cur.toks[lo].start, "parent table").qname
                    )
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
                self._note(
                    off, "ignored-clause", "TABLESPACE is deployment-specific and not carried"
                )
                cur.ident()
            elif cur.accept_words("on", "commit"):
                cur.next()
                if cur.at_word("rows"):
                    cur.next()
            else:
                raise ParseError(
                    off, f"unexpected {self.stmt_text(off, cur.next().end)!r} after the column list"
                )
        if partition_by is not None and partition_by.upper().startswith("PARTITION BY"):
            partition_by = partition_by[len("PARTITION BY") :].strip()
        table = _Table(
            q,
            [],
            self.pos,
            self.stmt.span_at(name_off),
            unlogged=unlogged,
            statement=self.stmt.span,
            partition_of=partition_of,
            partition_by=partition_by,
            inherits=tuple(inherits),
            with_options=with_options,
        )
        # inherited columns come first, merged with same-named local ones
        for pq in inherits:
            for c in self.tables[pq].columns:
                if table.column_index(c.name) < 0:
                    table.columns.append(replace(c, default=c.default, identity=None))
        if parent is not None:
            table.columns.extend(replace(c, identity=None, comment=None) for c in parent.columns)
        for lt, off in likes:
            for c in lt.columns:
                table.columns.append(
                    replace(
                        c,
                        default=None,
                        identity=None,
                        generated=None,
                        comment=None,
                        span=self._span(off),
                    )
                )
        self._add_columns(table, cols, cons, merge=parent is not None or bool(inherits))
        self.ns.add_relation(q.schema, q.name)
        self.tables[q] = table
        self._apply_constraints(table, cons, inline=True)

    def _table_elements(
        self,
        cur: Cursor,
        cols: list[el.ColumnSpec],
        cons: list[el.ConstraintSpec],
        likes: list[tuple[_Table, int]],
        partition: bool,
    ) -> None:
        resolve = self.resolver()
        for lo, hi in cur.split_list():
            sub = cur.sub(lo, hi)
            if sub.at_end():
                raise ParseError(
                    cur.toks[lo].start,
                    f"syntax error at {cur.toks[lo].value!r}: empty table element",
                )
            if sub.at_word(
                "constraint", "check", "unique", "primary", "foreign", "exclude"
            ) and not (
                sub.at_word("unique", "check", "primary")
                and (after := sub.peek(1)) is not None
                and after.kind is Kind.WORD
                and partition
            ):
                cons.append(el.table_constraint(sub))
            elif sub.at_word("like"):
                off = sub.offset()
                sub.next()
                lt = self.table_of(sub.name_parts(), sub.offset())
                likes.append((lt, off))
                rest = sub.rest_text()
                if rest:
                    self._warn(
                        off,
                        "unmodelled-clause",
                        f"LIKE options {rest!r} are not modelled; only column names, types and NOT NULL are copied",
                    )
                sub.i = len(sub.toks)
            elif partition and sub.peek(1) is not None and sub.at_word("with", k=1):
                # partition column options: "col WITH OPTIONS NOT NULL DEFAULT ..."
                name = sub.ident()
                sub.expect_word("with")
                sub.expect_word("options")
                cols.append(_column_options(sub, name))
            elif partition:
                cols.append(_column_options(sub, sub.ident()))
            else:
                cols.append(el.column_def(sub, resolve))
            if cols and sub.toks and cols[-1].offset == sub.toks[0].start:
                cons.extend(cols[-1].constraints)  # column constraints keep their place in order
            if not sub.at_end():
                raise ParseError(
                    sub.offset(), f"unexpected {self.stmt_text(sub.offset(), sub.next().end)!r}"
                )

    def _add_columns(
        self, table: _Table, cols: list[el.ColumnSpec], cons: list[el.ConstraintSpec], merge: bool
    ) -> None:
        """Append column specs, naming serial sequences (their constraints are already in cons)."""
        for spec in cols:
            existing = table.column_index(spec.name)
            if existing >= 0 and not merge:
                raise self._error(
                    spec.offset,
                    "duplicate-column",
                    f"column {spec.name!r} specified more than once",
                )
            col = self._column(table, spec)
            if existing >= 0:
                old = table.columns[existing]
                table.columns[existing] = replace(
                    old,
                    nullable=old.nullable and spec.nullable,
                    default=spec.default if spec.default is not None else old.default,
                    generated=spec.generated or old.generated,
                    identity=spec.identity or old.identity,
                )
            else:
                table.columns.append(col)

    def _column(self, table: _Table, spec: el.ColumnSpec) -> Column:
        q = table.qname
        ctype = spec.type.type
        default = spec.default
        if spec.type.serial:
            seq_name = self.ns.choose_relation_name(q.schema, q.name, spec.name, "seq", False)
            sq = QName(q.schema, seq_name)
            self.ns.add_relation(q.schema, seq_name)
            self.sequences[sq] = Sequence(
                sq, ctype.sql, "", (q, spec.name), self.pos, None, self.pos, self._span(spec.offset)
            )
            default = f"nextval('{_regclass_literal(sq)}'::regclass)"
        if spec.identity is not None:
            self.ns.add_relation(
                q.schema, self.ns.choose_relation_name(q.schema, q.name, spec.name, "seq", False)
            )
        return Column(
            spec.name,
            ctype,
            spec.nullable,
            default,
            spec.identity,
            spec.generated,
            spec.collation,
            None,
            self._span(spec.offset),
        )

    # -- constraints -------------------------------------------------------------------------------
    def _apply_constraints(
        self, table: _Table, cons: list[el.ConstraintSpec], inline: bool
    ) -> None:
        """Name and attach constraints in the order PostgreSQL creates them:
        checks, then the primary key, then unique constraints, then foreign keys."""
        checknames: list[str] = []
        for c in cons:
            if c.kind == "c":
                self._add_check(table, c, inline, checknames)
        for kind in ("p", "u", "x"):
            for c in cons:
                if c.kind == kind:
                    self._add_index_constraint(table, c, inline)
        for c in cons:
            if c.kind == "f":
                self._add_fk(table, c, inline)

    def _add_check(
        self, table: _Table, c: el.ConstraintSpec, inline: bool, checknames: list[str]
    ) -> None:
        q = table.qname
        if c.name is None:
            cols = {w for w in c.expr_words if table.column_index(w) >= 0}
            colname = next(iter(cols)) if len(cols) == 1 else None
            name = self.ns.choose_constraint_name(q.schema, q.name, colname, "check", checknames)
        else:
            name = c.name
        checknames.append(name)
        self.ns.add_constraint(q.schema, name)
        table.checks.append(
            CheckConstraint(
                name,
                c.expression,
                c.not_valid,
                c.no_inherit,
                self.pos,
                inline,
                self._span(c.offset),
            )
        )

    def _add_index_constraint(self, table: _Table, c: el.ConstraintSpec, inline: bool) -> None:
        q = table.qname
        for col in c.columns + c.include:
            if table.column_index(col) < 0:
                raise self._error(
                    c.offset,
                    "unknown-column",
                    f"column {col!r} named in key does not exist in table {q}",
                )
        if c.extras:
            self._warn(
                c.offset,
                "unmodelled-clause",
                f"{'; '.join(c.extras)} on a constraint index is not carried",
            )
        if c.kind == "u":
            # PostgreSQL drops a unique constraint that duplicates the primary key or an earlier one
            pk = table.primary_key
            if (
                c.name is None
                and inline
                and (
                    (
                        pk is not None
                        and pk.position == self.pos
                        and list(pk.columns) == c.columns
                        and not c.include
                    )
                    or any(
                        u.position == self.pos
                        and list(u.columns) == c.columns
                        and u.include == tuple(c.include)
                        and u.nulls_not_distinct == c.nulls_not_distinct
                        and u.deferral == c.deferral
                        for u in table.uniques
                    )
                )
            ):
                return
        if c.name is not None:
            name = c.name
            if name in self.ns.relations(q.schema):
                raise self._error(
                    c.offset, "duplicate-object", f"relation {QName(q.schema, name)} already exists"
                )
        else:
            label = {"p": "pkey", "u": "key", "x": "excl"}[c.kind]
            name = self.ns.choose_index_name(
                q.schema, q.name, c.index_columns if c.kind == "x" else c.columns + c.include, label
            )
        self.ns.add_relation(q.schema, name)
        self.ns.add_constraint(q.schema, name)
        span = self._span(c.offset)
        if c.kind == "p":
            if table.primary_key is not None:
                raise self._error(
                    c.offset,
                    "duplicate-object",
                    f"multiple primary keys for table {q} are not allowed",
                )
            table.primary_key = PrimaryKey(
                name, tuple(c.columns), c.deferral, self.pos, inline, span
            )
            cols = set(c.columns)
            table.columns = [
                replace(col, nullable=False) if col.name in cols else col for col in table.columns
            ]
        elif c.kind == "u":
            table.uniques.append(
                UniqueConstraint(
                    name,
                    tuple(c.columns),
                    c.nulls_not_distinct,
                    tuple(c.include),
                    c.deferral,
                    self.pos,
                    inline,
                    span,
                )
            )
        else:
            # The IR has no exclusion constraints: carry one as an ALTER TABLE statement.
            assert self.stmt is not None
            sql = (
                self.stmt.sql
                if not inline
                else f"ALTER TABLE {q.sql} ADD CONSTRAINT {_qi(name)} {c.body}"
            )
            if not inline and c.name is None:
                sql = f"ALTER TABLE {q.sql} ADD CONSTRAINT {_qi(name)} {c.body}"
            self.raw.append(
                RawStatement("exclusion constraint", sql, None, f"{q}.{name}", self.pos, span)
            )

    def _add_fk(self, table: _Table, c: el.ConstraintSpec, inline: bool) -> None:
        q = table.qname
        for col in c.columns:
            if table.column_index(col) < 0:
                raise self._error(
                    c.offset,
                    "unknown-column",
                    f"column {col!r} referenced in foreign key constraint does not exist in table {q}",
                )
        ref_q = self.lookup(c.ref, self.tables)  # type: ignore[arg-type]
        if ref_q is None:
            raise self._error(
                c.ref_offset,
                "unknown-table",
                f"referenced table {'.'.join(c.ref)!r} does not exist",
            )
        ref = self.tables[ref_q]
        ref_cols = c.ref_columns
        if not ref_cols:
            if ref.primary_key is None:
                raise self._error(
                    c.offset,
                    "no-primary-key",
                    f"there is no primary key for referenced table {ref_q}",
                )
            ref_cols = list(ref.primary_key.columns)
        for col in ref_cols:
            if ref.column_index(col) < 0:
                raise self._error(
                    c.offset,
                    "unknown-column",
                    f"column {col!r} referenced in foreign key constraint does not exist in table {ref_q}",
                )
        if len(ref_cols) != len(c.columns):
            raise self._error(
                c.offset,
                "syntax",
                "number of referencing and referenced columns for foreign key disagree",
            )
        if c.name is None:
            from dbgen.ddl.names import name_addition

            name = self.ns.choose_constraint_name(
                q.schema, q.name, name_addition(c.columns), "fkey"
            )
        else:
            name = c.name
        self.ns.add_constraint(q.schema, name)
        table.foreign_keys.append(
            ForeignKey(
                name,
                tuple(c.columns),
                ref_q,
                tuple(ref_cols),
                c.on_delete,
                c.on_update,
                c.match_full,
                c.deferral,
                c.not_valid,
                self.pos,
                inline,
                self._span(c.offset),
            )
        )

    # -- CREATE INDEX ------------------------------------------------------------------------------
    def _create_index(self, cur: Cursor) -> None:
        assert self.stmt is not None
        start = cur.offset()
        spec = el.create_index(cur)
        if self.lookup(spec.table, self.tables) is None:  # type: ignore[arg-type]
            rel = self._qualify_any(spec.table)
            if rel.name in self.ns.relations(rel.schema):
                # an index on a materialized view (carried verbatim): dropped with it
                if spec.name is not None:
                    self.ns.add_relation(rel.schema, spec.name)
                self._carry("index", f"{rel}.{spec.name}", None)
                return
        table = self.table_of(spec.table, start)
        q = table.qname
        for c in spec.elements:
            if c.column is not None and table.column_index(c.column) < 0:
                raise self._error(
                    start, "unknown-column", f"column {c.column!r} does not exist in table {q}"
                )
        if spec.name is not None:
            iq = QName(q.schema, spec.name)
            if spec.name in self.ns.relations(q.schema):
                if spec.if_not_exists:
                    self._note(
                        start,
                        "skipped-statement",
                        f"relation {iq} already exists; CREATE INDEX IF NOT EXISTS does nothing",
                    )
                    return
                raise self._error(start, "duplicate-object", f"relation {iq} already exists")
            name = spec.name
        else:
            name = self.ns.choose_index_name(
                q.schema, q.name, spec.element_names + spec.include, "idx"
            )
        self.ns.add_relation(q.schema, name)
        self.index_table[QName(q.schema, name)] = q
        if spec.only or spec.tablespace is not None:
            # ON ONLY (partitioned parents) has no IR field: carry it verbatim to stay exact
            if spec.tablespace is not None:
                self._note(
                    start,
                    "ignored-clause",
                    "TABLESPACE is carried as written in a verbatim CREATE INDEX",
                )
            self._carry("index", f"{q}.{name}", None)
            return
        table.indexes.append(
            Index(
                name,
                tuple(spec.elements),
                spec.unique,
                spec.method.lower(),
                spec.where,
                tuple(spec.include),
                spec.nulls_not_distinct,
                spec.with_options,
                None,
                self.pos,
                self.stmt.span,
            )
        )

    # -- CREATE TYPE / DOMAIN / SEQUENCE / EXTENSION / SCHEMA -------------------------------------
    def _create_type(self, cur: Cursor) -> bool:
        assert self.stmt is not None
        off = cur.offset()
        save = cur.i
        parts = cur.name_parts()
        if not cur.at_word("as"):
            return False
        cur.next()
        if cur.accept_word("enum"):
            q = self._new_type(parts, off)
            labels: list[str] = []
            for lo, hi in cur.split_list():
                t = cur.toks[lo]
                if hi - lo != 1 or t.kind is not Kind.STRING:
                    raise ParseError(t.start, "enum labels must be string literals")
                labels.append(t.value)
            self.enums[q] = EnumType(q, tuple(labels), None, self.pos, self.stmt.span_at(off))
            return True
        if cur.at_punct("("):
            q = self._new_type(parts, off)
            d_lo = cur.offset()
            attrs: list[tuple[str, SqlType]] = []
            resolve = self.resolver()
            for lo, hi in cur.split_list():
                sub = cur.sub(lo, hi)
                aname = sub.ident()
                attrs.append((aname, parse_type(sub, resolve).type))
                if sub.accept_word("collate"):
                    sub.name_parts()
            definition = self.stmt_text(d_lo, cur.toks[cur.i - 1].end)
            self.ns.add_relation(q.schema, q.name)
            self.composites[q] = CompositeType(
                q, tuple(attrs), definition, None, self.pos, self.stmt.span_at(off)
            )
            return True
        cur.i = save
        return False

    def _new_type(self, parts: list[str], off: int) -> QName:
        q = self.creation_qname(parts, off)
        if q in self.enums or q in self.domains or q in self.composites or q in self.tables:
            raise self._error(off, "duplicate-object", f"type {q} already exists")
        return q

    def _create_domain(self, cur: Cursor) -> None:
        assert self.stmt is not None
        off = cur.offset()
        q = self._new_type(cur.name_parts(), off)
        cur.accept_word("as")
        d_lo = cur.offset()
        base = parse_type(cur, self.resolver()).type
        nullable = True
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
                cur.paren_text()
                name = pending or self.ns.choose_constraint_name(q.schema, q.name, None, "check")
                self.ns.add_constraint(q.schema, name)
                cur.accept_words("not", "valid")
            elif cur.accept_word("default"):
                el_default_skip(cur)
            elif cur.accept_word("collate"):
                cur.name_parts()
            else:
                raise ParseError(
                    cur.offset(),
                    f"unexpected {self.stmt_text(cur.offset(), cur.next().end)!r} in CREATE DOMAIN",
                )
            pending = None
        definition = self.stmt_text(d_lo, self.stmt.end)
        self.domains[q] = Domain(
            q, base, definition, nullable, None, self.pos, self.stmt.span_at(off)
        )

    def _create_sequence(self, cur: Cursor) -> None:
        assert self.stmt is not None
        if_not_exists = cur.accept_words("if", "not", "exists")
        off = cur.offset()
        q = self.creation_qname(cur.name_parts(), off)
        if q.name in self.ns.relations(q.schema):
            if if_not_exists:
                self._note(
                    off,
                    "skipped-statement",
                    f"relation {q} already exists; CREATE SEQUENCE IF NOT EXISTS does nothing",
                )
                return
            raise self._error(off, "duplicate-object", f"relation {q} already exists")
        data_type, options, owned = self._sequence_options(cur)
        self.ns.add_relation(q.schema, q.name)
        self.sequences[q] = Sequence(
            q,
            data_type,
            options,
            owned,
            self.pos if owned else 0,
            None,
            self.pos,
            self.stmt.span_at(off),
        )

    def _sequence_options(self, cur: Cursor) -> tuple[str | None, str, tuple[QName, str] | None]:
        data_type: str | None = None
        owned: tuple[QName, str] | None = None
        kept: list[str] = []
        while not cur.at_end():
            lo = cur.i
            if cur.accept_word("as"):
                data_type = parse_type(cur, self.resolver()).type.sql
                continue
            if cur.accept_words("owned", "by"):
                o_off = cur.offset()
                parts = cur.name_parts()
                if parts == ["none"]:
                    owned = None
                else:
                    t = self.table_of(parts[:-1], o_off)
                    if t.column_index(parts[-1]) < 0:
                        raise self._error(
                            o_off,
                            "unknown-column",
                            f"column {parts[-1]!r} of relation {t.qname} does not exist",
                        )
                    owned = (t.qname, parts[-1])
                continue
            cur.next()
            while not cur.at_end() and not cur.at_word(
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
            ):
                cur.next()
            if cur.at_word("no") and cur.toks[cur.i - 1].is_word("no"):
                cur.next()
            kept.append(cur.slice_text(lo, cur.i))
        return data_type, " ".join(kept), owned

    def _create_extension(self, cur: Cursor) -> None:
        assert self.stmt is not None
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
        if name in self.extensions:
            if if_not_exists:
                self._note(off, "skipped-statement", f"extension {name!r} already exists")
                return
            raise self._error(off, "duplicate-object", f"extension {name!r} already exists")
        self.extensions[name] = Extension(
            name, schema, self.stmt.sql, self.pos, self.stmt.span_at(off)
        )

    def _create_schema(self, cur: Cursor) -> None:
        assert self.stmt is not None
        if_not_exists = cur.accept_words("if", "not", "exists")
        off = cur.offset()
        if cur.accept_word("authorization"):
            name = cur.ident()
        else:
            name = cur.ident()
            if cur.accept_word("authorization"):
                cur.next()
        if name in self.known_schemas:
            if if_not_exists:
                self._note(off, "skipped-statement", f"schema {name!r} already exists")
                return
            raise self._error(off, "duplicate-object", f"schema {name!r} already exists")
        self.known_schemas.add(name)
        self.schemas[name] = SchemaDef(name, None, self.pos, self.stmt.span_at(off))
        if not cur.at_end():
            self._schema_elements(cur, name)

    def _schema_elements(self, cur: Cursor, schema: str) -> None:
        """CREATE SCHEMA s CREATE TABLE ... CREATE VIEW ...: each element is created in s."""
        outer = self.stmt
        assert outer is not None
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
        saved_path = self.search_path
        self.search_path = [schema, *saved_path]
        self._path_changed()
        try:
            for chunk in chunks:
                sub = Statement(outer.file, outer.text, tuple(chunk), outer.line_starts)
                self.stmt = sub
                try:
                    self._dispatch(Cursor(sub))
                except ParseError as exc:
                    self.diags.append(error(sub.span_at(exc.offset), exc.code, exc.message))
                except Reported:
                    pass
        finally:
            self.search_path = saved_path
            self.stmt = outer
            self._path_changed()

    # -- ALTER ---------------------------------------------------------------------------------------
    def _alter(self, cur: Cursor) -> None:
        if cur.accept_word("table"):
            self._alter_table(cur)
            return
        if cur.accept_word("sequence"):
            self._alter_sequence(cur)
            return
        if cur.at_word("type") and self._alter_type(cur):
            return
        if cur.at_word("index") and self._alter_index(cur):
            return
        if _owner_to(cur):
            self._note(
                cur.offset(),
                "ignored-statement",
                "ownership is deployment-specific: the migration's role owns what it creates",
            )
            return
        what = " ".join(t.value for t in cur.toks[cur.i : cur.i + 2] if t.kind is Kind.WORD)
        self._carry(f"alter {what}".strip(), None, None)

    def _alter_table(self, cur: Cursor) -> None:
        assert self.stmt is not None
        if_exists = cur.accept_words("if", "exists")
        cur.accept_word("only")
        off = cur.offset()
        parts = cur.name_parts()
        cur.accept_punct("*") if cur.at_punct("*") else (cur.next() if cur.at_op("*") else None)
        q = self.lookup(parts, self.tables)  # type: ignore[arg-type]
        if q is None:
            if if_exists:
                self._note(
                    off,
                    "skipped-statement",
                    f"table {'.'.join(parts)!r} does not exist; ALTER TABLE IF EXISTS does nothing",
                )
                return
            if self._qualify_any(parts).name in self.ns.relations(self._qualify_any(parts).schema):
                # views, materialized views, foreign tables: carried raw
                if _owner_to(cur):
                    self._note(
                        off,
                        "ignored-statement",
                        "ownership is deployment-specific: the migration's role owns what it creates",
                    )
                else:
                    self._carry("alter relation", ".".join(parts), None)
                return
            raise self._error(off, "unknown-table", f"table {'.'.join(parts)!r} does not exist")
        table = self.tables[q]
        head_end = cur.toks[cur.i - 1].end
        head = self.stmt_text(self.stmt.start, head_end)
        raw_actions: list[str] = []
        actions = _split_actions(cur)
        for lo, hi in actions:
            sub = cur.sub(lo, hi)
            if not self._alter_table_action(table, sub):
                raw_actions.append(cur.slice_text(lo, hi))
        if raw_actions:
            # carried verbatim when no action was modelled, else just the unmodelled actions
            sql = (
                self.stmt.sql
                if len(raw_actions) == len(actions)
                else head + " " + ", ".join(raw_actions)
            )
            self.raw.append(
                RawStatement("alter table", sql, None, str(q), self.pos, self.stmt.span)
            )

    def _alter_table_action(self, table: _Table, cur: Cursor) -> bool:
        """Apply one ALTER TABLE action; False when it is to be carried verbatim."""
        off = cur.offset()
        q = table.qname
        if _owner_to(cur):
            self._note(
                off,
                "ignored-statement",
                "ownership is deployment-specific: the migration's role owns what it creates",
            )
            return True
        if cur.accept_word("add"):
            if cur.at_word("constraint", "check", "unique", "primary", "foreign", "exclude"):
                spec = el.table_constraint(cur)
                if cur.at_word("using") or not cur.at_end():
                    raise ParseError(cur.offset(), "unexpected text after the constraint")
                self._apply_constraints(table, [spec], inline=False)
                return True
            cur.accept_word("column")
            if_not_exists = cur.accept_words("if", "not", "exists")
            spec_c = el.column_def(cur, self.resolver())
            if table.column_index(spec_c.name) >= 0:
                if if_not_exists:
                    self._note(off, "skipped-statement", f"column {spec_c.name!r} already exists")
                    return True
                raise self._error(
                    off,
                    "duplicate-column",
                    f"column {spec_c.name!r} of relation {q} already exists",
                )
            self._add_columns(table, [spec_c], [], merge=False)
            self._apply_constraints(table, spec_c.constraints, inline=False)
            return True
        if cur.accept_word("drop"):
            if cur.accept_word("constraint"):
                if_exists = cur.accept_words("if", "exists")
                name = cur.ident()
                if not self._drop_constraint(table, name) and not if_exists:
                    raise self._error(
                        off, "unknown-object", f"constraint {name!r} of relation {q} does not exist"
                    )
                return True
            cur.accept_word("column")
            if_exists = cur.accept_words("if", "exists")
            name = cur.ident()
            i = table.column_index(name)
            if i < 0:
                if if_exists:
                    return True
                raise self._error(
                    off, "unknown-column", f"column {name!r} of relation {q} does not exist"
                )
            self._drop_column(table, name)
            return True
        if cur.accept_word("alter"):
            cur.accept_word("column")
            c_off = cur.offset()
            name = cur.ident()
            i = table.column_index(name)
            if i < 0:
                raise self._error(
                    c_off, "unknown-column", f"column {name!r} of relation {q} does not exist"
                )
            col = table.columns[i]
            if cur.accept_words("set", "default"):
                lo = cur.i
                table.columns[i] = replace(col, default=cur.slice_text(lo, len(cur.toks)))
                cur.i = len(cur.toks)
            elif cur.accept_words("drop", "default"):
                table.columns[i] = replace(col, default=None)
            elif cur.accept_words("set", "not", "null"):
                table.columns[i] = replace(col, nullable=False)
            elif cur.accept_words("drop", "not", "null"):
                table.columns[i] = replace(col, nullable=True)
            elif cur.accept_words("add", "generated"):
                always = cur.accept_word("always") is not None
                if not always:
                    cur.expect_word("by")
                    cur.expect_word("default")
                cur.expect_word("as")
                cur.expect_word("identity")
                opts = cur.paren_text() if cur.at_punct("(") else ""
                from dbgen.ir import Identity

                table.columns[i] = replace(col, identity=Identity(always, opts), nullable=False)
                seq = _identity_sequence_name(cur, opts)
                if seq is None:
                    seq = self.ns.choose_relation_name(q.schema, q.name, name, "seq", False)
                self.ns.add_relation(q.schema, seq.split(".")[-1].strip('"'))
            elif cur.at_word("type") or cur.at_words("set", "data", "type"):
                cur.accept_words("set", "data")
                cur.next()
                new_type = parse_type(cur, self.resolver()).type
                if cur.accept_word("collate"):
                    cur.name_parts()
                if not cur.at_end():
                    # USING expression: rows are converted; the final type is what matters
                    cur.i = len(cur.toks)
                table.columns[i] = replace(col, type=new_type)
            else:
                return False
            if not cur.at_end():
                raise ParseError(cur.offset(), "unexpected text in ALTER COLUMN")
            return True
        if cur.accept_words("attach", "partition"):
            c_off = cur.offset()
            child = self.table_of(cur.name_parts(), c_off)
            bound = cur.rest_text()
            if child.position > table.position and child.partition_of is None:
                child.partition_of = PartitionOf(q, bound)
                return True
            return False
        if cur.accept_word("inherit"):
            parent = self.table_of(cur.name_parts(), off)
            table.inherits = (*table.inherits, parent.qname)
            return True
        return False

    def _drop_constraint(self, table: _Table, name: str) -> bool:
        q = table.qname
        found = False
        if table.primary_key is not None and table.primary_key.name == name:
            table.primary_key = None
            found = True
        for attr in ("uniques", "checks", "foreign_keys"):
            items = getattr(table, attr)
            kept = [c for c in items if c.name != name]
            if len(kept) != len(items):
                found = True
                setattr(table, attr, kept)
        if found:
            self.ns.discard_constraint(q.schema, name)
            self.ns.discard_relation(q.schema, name)
        return found

    def _drop_column(self, table: _Table, name: str) -> None:
        q = table.qname
        table.columns = [c for c in table.columns if c.name != name]
        if table.primary_key is not None and name in table.primary_key.columns:
            self._drop_constraint(table, table.primary_key.name)
        for u in list(table.uniques):
            if name in u.columns or name in u.include:
                self._drop_constraint(table, u.name)
        for fk in list(table.foreign_keys):
            if name in fk.columns:
                self._drop_constraint(table, fk.name)
        for ck in list(table.checks):
            if _mentions(ck.expression, name):
                self._drop_constraint(table, ck.name)
        kept = []
        for ix in table.indexes:
            if (
                any(
                    e.column == name or (e.column is None and _mentions(e.expression, name))
                    for e in ix.elements
                )
                or name in ix.include
            ):
                self.ns.discard_relation(q.schema, ix.name)
                continue
            kept.append(ix)
        table.indexes = kept
        for sq, seq in list(self.sequences.items()):
            if seq.owned_by == (q, name):
                del self.sequences[sq]
                self.ns.discard_relation(sq.schema, sq.name)

    def _alter_sequence(self, cur: Cursor) -> None:
        assert self.stmt is not None
        if_exists = cur.accept_words("if", "exists")
        off = cur.offset()
        parts = cur.name_parts()
        q = self.lookup(parts, self.sequences)  # type: ignore[arg-type]
        if _owner_to(cur):
            self._note(
                off,
                "ignored-statement",
                "ownership is deployment-specific: the migration's role owns what it creates",
            )
            return
        if q is None:
            if if_exists:
                self._note(
                    off,
                    "skipped-statement",
                    "sequence does not exist; ALTER SEQUENCE IF EXISTS does nothing",
                )
                return
            raise self._error(off, "unknown-object", f"sequence {'.'.join(parts)!r} does not exist")
        seq = self.sequences[q]
        if cur.at_words("owned", "by"):
            _, options, owned = self._sequence_options(cur)
            if not options:
                self.sequences[q] = replace(
                    seq, owned_by=owned, owned_position=self.pos if owned else 0
                )
                return
        self._carry("alter sequence", str(q), None)

    def _alter_type(self, cur: Cursor) -> bool:
        save = cur.i
        cur.next()
        off = cur.offset()
        parts = cur.name_parts()
        if _owner_to(cur):
            self._note(
                off,
                "ignored-statement",
                "ownership is deployment-specific: the migration's role owns what it creates",
            )
            return True
        q = self.lookup(parts, self.enums)  # type: ignore[arg-type]
        if q is not None and cur.accept_words("add", "value"):
            cur.accept_words("if", "not", "exists")
            t = cur.next()
            if t.kind is not Kind.STRING:
                raise ParseError(t.start, "expected the new label as a string literal")
            labels = list(self.enums[q].labels)
            if t.value in labels:
                if "exists" in [x.value for x in cur.toks[: cur.i]]:
                    return True
                raise self._error(
                    t.start, "duplicate-object", f"enum label {t.value!r} already exists"
                )
            where = cur.accept_word("before", "after")
            if where is not None:
                ref = cur.next()
                if ref.value not in labels:
                    raise self._error(
                        ref.start, "unknown-object", f"{ref.value!r} is not an existing enum label"
                    )
                k = labels.index(ref.value) + (where.value == "after")
                labels.insert(k, t.value)
            else:
                labels.append(t.value)
            self.enums[q] = replace(self.enums[q], labels=tuple(labels))
            return True
        cur.i = save
        return False

    def _alter_index(self, cur: Cursor) -> bool:
        save = cur.i
        cur.next()
        cur.accept_words("if", "exists")
        parts = cur.name_parts()
        if _owner_to(cur):
            return False
        if cur.accept_words("attach", "partition"):
            self._carry("attach partition index", ".".join(parts), None)
            return True
        cur.i = save
        return False

    # -- COMMENT ---------------------------------------------------------------------------------
    def _comment(self, cur: Cursor) -> None:
        cur.next()
        cur.expect_word("on")
        off = cur.offset()
        kind_tok = cur.next()
        kind = kind_tok.value
        if (
            kind in ("materialized", "foreign", "text", "event", "access", "operator", "large")
            and cur.peek() is not None
        ):
            kind += " " + cur.next().value
        if kind not in ("table", "column", "index", "type", "domain", "sequence", "schema"):
            self._carry("comment", None, None)
            return
        parts = cur.name_parts()
        cur.expect_word("is")
        val = cur.next()
        if val.kind is Kind.WORD and val.value == "null":
            text: str | None = None
        elif val.kind is Kind.STRING:
            text = val.value
        else:
            raise ParseError(val.start, "expected a string literal or NULL after IS")
        if not self._attach_comment(kind, parts, text, off):
            self._carry("comment", ".".join(parts), None)

    def _attach_comment(self, kind: str, parts: list[str], text: str | None, off: int) -> bool:
        if kind == "schema":
            if parts[0] in self.schemas:
                self.schemas[parts[0]] = replace(self.schemas[parts[0]], comment=text)
                return True
            return False
        if kind == "column":
            if len(parts) < 2:
                raise ParseError(off, "column name must be qualified")
            q = self.lookup(parts[:-1], self.tables)  # type: ignore[arg-type]
            if q is None:
                return False
            t = self.tables[q]
            i = t.column_index(parts[-1])
            if i < 0:
                raise self._error(
                    off, "unknown-column", f"column {parts[-1]!r} of relation {q} does not exist"
                )
            t.columns[i] = replace(t.columns[i], comment=text)
            return True
        if kind == "table":
            q = self.lookup(parts, self.tables)  # type: ignore[arg-type]
            if q is None:
                return False
            self.tables[q].comment = text
            return True
        if kind == "index":
            q = self.lookup(parts, self.index_table)  # type: ignore[arg-type]
            if q is None:
                return False
            t = self.tables[self.index_table[q]]
            for k, ix in enumerate(t.indexes):
                if ix.name == q.name:
                    t.indexes[k] = replace(ix, comment=text)
                    return True
            return False
        if kind == "sequence":
            q = self.lookup(parts, self.sequences)  # type: ignore[arg-type]
            if q is None:
                return False
            self.sequences[q] = replace(self.sequences[q], comment=text)
            return True
        regs: list[dict[QName, EnumType] | dict[QName, Domain] | dict[QName, CompositeType]] = (
            [self.domains] if kind == "domain" else [self.enums, self.domains, self.composites]
        )
        for reg in regs:
            q = self.lookup(parts, reg)  # type: ignore[arg-type]
            if q is not None:
                reg[q] = replace(reg[q], comment=text)  # type: ignore[assignment]
                return True
        return False

    # -- DROP ------------------------------------------------------------------------------------
    def _drop(self, cur: Cursor) -> None:
        cur.next()
        off = cur.offset()
        kind = cur.next().value
        if kind == "materialized":
            cur.expect_word("view")
            kind = "materialized view"
        if_exists = cur.accept_words("if", "exists")
        names: list[tuple[list[str], int]] = []
        while not cur.at_end() and not cur.at_word("cascade", "restrict"):
            n_off = cur.offset()
            names.append((cur.name_parts(), n_off))
            if cur.at_punct("("):
                cur.skip_group()
            if not cur.accept_punct(","):
                break
        for parts, n_off in names:
            if not self._drop_one(kind, parts) and not if_exists:
                raise self._error(
                    n_off, "unknown-object", f"{kind} {'.'.join(parts)!r} does not exist"
                )
        if if_exists:
            self._note(
                off,
                "ignored-statement",
                f"DROP {kind.upper()} IF EXISTS is applied while reading; not carried",
            )

    def _drop_one(self, kind: str, parts: list[str]) -> bool:
        if kind == "table":
            q = self.lookup(parts, self.tables)  # type: ignore[arg-type]
            if q is None:
                return False
            t = self.tables.pop(q)
            self.ns.discard_relation(q.schema, q.name)
            for ix in t.indexes:
                self.ns.discard_relation(q.schema, ix.name)
            for c in [t.primary_key, *t.uniques]:
                if c is not None:
                    self.ns.discard_relation(q.schema, c.name)
                    self.ns.discard_constraint(q.schema, c.name)
            for c2 in [c.name for c in t.checks] + [c.name for c in t.foreign_keys]:
                self.ns.discard_constraint(q.schema, c2)
            for sq, seq in list(self.sequences.items()):
                if seq.owned_by is not None and seq.owned_by[0] == q:
                    del self.sequences[sq]
                    self.ns.discard_relation(sq.schema, sq.name)
            return True
        if kind in ("sequence",):
            q = self.lookup(parts, self.sequences)  # type: ignore[arg-type]
            if q is None:
                return False
            del self.sequences[q]
            self.ns.discard_relation(q.schema, q.name)
            return True
        if kind in ("type", "domain"):
            for reg in (self.enums, self.domains, self.composites):
                q = self.lookup(parts, reg)  # type: ignore[arg-type]
                if q is not None:
                    del reg[q]
                    return True
        if kind == "index":
            q = self.lookup(parts, self.index_table)  # type: ignore[arg-type]
            if q is None:
                return False
            owner = self.tables.get(self.index_table.pop(q))
            if owner is not None:
                owner.indexes = [ix for ix in owner.indexes if ix.name != q.name]
            self.ns.discard_relation(q.schema, q.name)
            return True
        # routines, views and other carried objects: drop the carried statement
        q = self._qualify_any(parts)
        for k in range(len(self.raw) - 1, -1, -1):
            r = self.raw[k]
            if (
                r.kind == kind
                and r.name is not None
                and (r.name == str(q) or r.name.split("(")[0] == str(q))
            ):
                del self.raw[k]
                self.ns.discard_relation(q.schema, q.name)
                return True
        return False


def _qi(name: str) -> str:
    from dbgen.ir import quote_ident

    return quote_ident(name)


def _regclass_literal(q: QName) -> str:
    """How PostgreSQL prints a regclass constant: schema-qualified unless on the search path."""
    text = q.sql if q.schema != "public" else _qi(q.name)
    return text.replace("'", "''")


_DROPPABLE = (
    "MATERIALIZED VIEW",
    "FUNCTION",
    "PROCEDURE",
    "AGGREGATE",
    "VIEW",
    "TYPE",
    "TRIGGER",
    "POLICY",
    "RULE",
)


def _if_exists(drop: str) -> str:
    for kind in _DROPPABLE:
        prefix = f"DROP {kind} "
        if drop.startswith(prefix):
            return f"{prefix}IF EXISTS {drop[len(prefix) :]}"
    return drop


_DEFAULT_PATH: tuple[str, ...] = ("public",)


def _effective_path(path: list[str]) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(p for p in path if p != "$user"))
    return items if "public" in items else (*items, "public")


def _path_sql(path: tuple[str, ...]) -> str:
    # DEFAULT rather than "public": the session's own default also searches "$user" first.
    return "DEFAULT" if path == _DEFAULT_PATH else ", ".join(_qi(p) for p in path)


def _path_items(value: str) -> list[str]:
    out: list[str] = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        if item.startswith('"') and item.endswith('"'):
            out.append(item[1:-1].replace('""', '"'))
        else:
            out.append(item.lower())
    return out


def _owner_to(cur: Cursor) -> bool:
    """True when the rest of the statement is an OWNER TO clause (ALTER ... OWNER TO role)."""
    toks = cur.toks
    n = len(toks)
    return n >= 3 and toks[-3].is_word("owner") and toks[-2].is_word("to")


def _split_actions(cur: Cursor) -> list[tuple[int, int]]:
    """Top-level comma-separated actions from the cursor to the end."""
    out: list[tuple[int, int]] = []
    save = cur.i
    while not cur.at_end():
        lo = cur.i
        cur.until()
        out.append((lo, cur.i))
        if not cur.accept_punct(",") and not cur.at_end():
            cur.next()  # a stray ')' : step over it so the loop ends
    cur.i = save
    return out


def _mentions(expression: str, name: str) -> bool:
    import re

    return re.search(r'(?<![\w"])' + re.escape(name) + r'(?![\w"])', expression) is not None


def _identity_sequence_name(cur: Cursor, opts: str) -> str | None:
    import re

    m = re.search(r"sequence\s+name\s+([^\s]+)", opts, re.I)
    return m.group(1) if m else None


def el_default_skip(cur: Cursor) -> None:
    while not cur.at_end() and not cur.at_word("constraint", "not", "null", "check", "collate"):
        if cur.at_punct("("):
            cur.skip_group()
        else:
            cur.next()


def _column_options(cur: Cursor, name: str) -> el.ColumnSpec:
    """A partition's column options: constraints/defaults for an inherited column (no type).

    The placeholder type is never used: the column is merged into the parent's copy.
    """
    from dbgen.ddl.types import ParsedType

    spec = el.ColumnSpec(name, cur.offset(), ParsedType(SqlType("", "")))
    return el.column_def_tail(cur, spec)

"""CREATE TABLE (and the key, constraint and column clauses ALTER TABLE shares with it) read
into a working table that ``freeze`` turns into an ``ir.Table``.

MySQL names what the source leaves unnamed, and the reader names it the same way, so the models
and messages can refer to it: an index or UNIQUE key after its first column (``col``, ``col_2``,
...), a foreign key ``<table>_ibfk_<n>``, a CHECK ``CONSTRAINT_<n>``. The migration leaves the
last two unnamed again (Table.options "unnamed"), so the server numbers them as it did.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from dbgen.diagnostics import Diagnostic, Span, note, warning
from dbgen.ir import (
    CheckConstraint,
    Column,
    ForeignKey,
    Identity,
    Index,
    IndexElement,
    PrimaryKey,
    QName,
    Table,
    UniqueConstraint,
)
from dbgen.mysql.coltypes import make_type, mysql_type, option, parse_type
from dbgen.mysql.split import Statement
from dbgen.mysql.tokens import Cursor, Kind, ParseError

SCHEMA = "public"  # the IR's name for "the database DATABASE_URL names"
UNNAMED = "unnamed"  # Table.options key: a constraint the source left unnamed


@dataclass(slots=True)
class WorkingTable:
    name: str
    position: int
    span: Span
    columns: list[Column] = field(default_factory=list)
    primary_key: PrimaryKey | None = None
    uniques: list[UniqueConstraint] = field(default_factory=list)
    checks: list[CheckConstraint] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)
    comment: str | None = None
    partition_by: str | None = None
    fk_count: int = 0
    check_count: int = 0

    @property
    def qname(self) -> QName:
        return QName(SCHEMA, self.name)

    def key_names(self) -> set[str]:
        names = {u.name.lower() for u in self.uniques} | {i.name.lower() for i in self.indexes}
        if self.primary_key is not None:
            names.add("primary")
        return names

    def auto_name(self, first_column: str) -> str:
        taken = self.key_names()
        if first_column.lower() not in taken:
            return first_column
        n = 2
        while f"{first_column}_{n}".lower() in taken:
            n += 1
        return f"{first_column}_{n}"

    def resolve(self, name: str, offset: int) -> str:
        """The declared name of column ``name`` (MySQL's column names ignore case)."""
        i = self.column_index(name)
        if i is None:
            raise ParseError(
                offset, "mysql-unknown-column", f"table {self.name} has no column {name!r}"
            )
        return self.columns[i].name

    def column_index(self, name: str) -> int | None:
        for i, c in enumerate(self.columns):
            if c.name.lower() == name.lower():
                return i
        return None

    def freeze(self) -> Table:
        return Table(
            qname=self.qname,
            columns=tuple(self.columns),
            primary_key=self.primary_key,
            uniques=tuple(self.uniques),
            checks=tuple(self.checks),
            foreign_keys=tuple(self.foreign_keys),
            indexes=tuple(self.indexes),
            comment=self.comment,
            partition_by=self.partition_by,
            position=self.position,
            span=self.span,
            options=tuple(self.options),
        )


class TableReader:
    """Reads CREATE TABLE bodies and ALTER TABLE clauses of one statement into a table."""

    def __init__(self, stmt: Statement, cur: Cursor, diags: list[Diagnostic], position: int):
        self.stmt = stmt
        self.cur = cur
        self.diags = diags
        self.position = position

    def span(self, offset: int) -> Span:
        return self.stmt.span_at(offset)

    def warn(self, offset: int, code: str, message: str) -> None:
        self.diags.append(warning(self.span(offset), code, message))

    def note(self, offset: int, code: str, message: str) -> None:
        self.diags.append(note(self.span(offset), code, message))

    # -- CREATE TABLE ------------------------------------------------------------------------

    def body(self, t: WorkingTable) -> None:
        """``( create_definition, ... ) [table_options] [partition_options]``"""
        cur = self.cur
        cur.expect("(")
        while True:
            self.definition(t, inline=True)
            if cur.accept(")"):
                break
            cur.expect(",")
        self.table_options(t)
        if cur.at("PARTITION", "BY"):
            start = cur.offset()
            cur.i += 2
            cur.rest()
            t.partition_by = self.stmt.text[start:].strip().removeprefix("PARTITION").strip()
            t.partition_by = (
                t.partition_by[2:].strip() if t.partition_by[:2].upper() == "BY" else t.partition_by
            )
        if not cur.done:
            raise cur.error("mysql-syntax", "unexpected text after the table definition")

    def definition(self, t: WorkingTable, *, inline: bool) -> None:
        cur = self.cur
        start = cur.offset()
        symbol: str | None = None
        if cur.accept("CONSTRAINT") and not any(
            cur.at(w) for w in ("PRIMARY", "UNIQUE", "FOREIGN", "CHECK")
        ):
            symbol = cur.ident()
        if cur.at("PRIMARY", "KEY"):
            cur.i += 2
            if symbol is not None:
                self.note(
                    start,
                    "mysql-pk-name",
                    "MySQL ignores a primary key's name: it is always PRIMARY",
                )
            self.primary_key(t, start, inline)
        elif cur.at("UNIQUE"):
            cur.i += 1
            if not cur.accept("INDEX"):
                cur.accept("KEY")
            self.index(t, start, inline, unique=True, symbol=symbol)
        elif cur.at("FOREIGN", "KEY"):
            cur.i += 2
            self.foreign_key(t, start, inline, symbol)
        elif cur.at("CHECK"):
            cur.i += 1
            self.check(t, start, inline, symbol)
        elif symbol is not None:
            raise cur.error("mysql-syntax", "expected PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK")
        elif cur.at("INDEX") or cur.at("KEY"):
            cur.i += 1
            self.index(t, start, inline)
        elif cur.at("FULLTEXT") or cur.at("SPATIAL"):
            method = cur.next().text.lower()
            if not cur.accept("INDEX"):
                cur.accept("KEY")
            self.index(t, start, inline, method=method)
        elif cur.at("PERIOD", "FOR"):
            raise cur.error(
                "mysql-unsupported", "PERIOD FOR (application-time periods) is not supported"
            )
        else:
            self.column(t, start)

    def column(
        self, t: WorkingTable, start: int, replace_at: int | None = None, *, inline: bool = True
    ) -> str:
        cur = self.cur
        name = cur.ident()
        if replace_at is None and t.column_index(name) is not None:
            raise ParseError(start, "mysql-duplicate", f"column {name!r} is defined twice")
        ctype = parse_type(cur)
        nullable = True
        default: str | None = None
        identity: Identity | None = None
        generated: str | None = None
        comment: str | None = None
        opts: list[tuple[str, str]] = []
        type_opts = list(ctype.options)
        pk = unique = False
        references: tuple[int, str, tuple[str, ...], str | None, str | None] | None = None
        if mysql_type(ctype) == "serial":
            # SERIAL = BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE
            ctype = make_type("bigint", (), [("unsigned", "")])
            type_opts = list(ctype.options)
            nullable, identity, unique = False, Identity(always=False), True
        while not cur.done and not cur.at(",") and not cur.at(")"):
            at = cur.offset()
            if cur.accept("NOT", "NULL"):
                nullable = False
            elif cur.accept("NULL"):
                nullable = True
            elif cur.accept("DEFAULT"):
                default = self.default_expr()
            elif cur.accept("AUTO_INCREMENT"):
                identity = Identity(always=False)
            elif cur.accept("SERIAL", "DEFAULT", "VALUE"):
                nullable, identity, unique = False, Identity(always=False), True
            elif cur.accept("UNIQUE"):
                cur.accept("KEY")
                unique = True
            elif cur.accept("PRIMARY", "KEY") or cur.accept("KEY"):
                pk = True
            elif cur.accept("COMMENT"):
                comment = self.string()
            elif cur.accept("COLLATE"):
                type_opts.append(("collate", self.name_value()))
            elif cur.accept("CHARACTER", "SET") or cur.accept("CHARSET"):
                type_opts = [o for o in type_opts if o[0] != "charset"]
                type_opts.append(("charset", self.name_value()))
            elif cur.at("COLUMN_FORMAT") or cur.at("STORAGE"):
                word = cur.next().text.upper()
                opts.append((word.lower().replace("_", " "), cur.next().text.upper()))
            elif cur.accept("REFERENCES"):
                # MariaDB (10.5 on) makes a column's REFERENCES a foreign key, numbered
                # <table>_ibfk_<n> in declaration order with the table's other unnamed ones;
                # MySQL parses and ignores it. The target is MariaDB: it is a foreign key.
                references = (at, *self.referenced(at))
            elif cur.at("CONSTRAINT") or cur.at("CHECK"):
                if cur.accept("CONSTRAINT"):
                    sym = cur.ident()
                    cur.expect("CHECK")
                    a, b = cur.balanced()
                    self.add_check(t, at, True, sym, self.stmt.text[a:b].strip())
                else:
                    cur.expect("CHECK")
                    a, b = cur.balanced()
                    opts.append(("check", self.stmt.text[a:b].strip()))
            elif cur.accept("ON", "UPDATE"):
                opts.append(("on update", self.default_expr()))
            elif cur.at("GENERATED") or cur.at("AS"):
                if cur.accept("GENERATED"):
                    cur.expect("ALWAYS")
                cur.expect("AS")
                a, b = cur.balanced()
                generated = self.stmt.text[a:b].strip()
                if cur.at("VIRTUAL") or cur.at("STORED") or cur.at("PERSISTENT"):
                    opts.append(("generated", cur.next().text.upper()))
                else:
                    opts.append(("generated", "VIRTUAL"))
            elif cur.accept("INVISIBLE"):
                opts.append(("invisible", ""))
            elif cur.accept("VISIBLE"):
                pass
            elif cur.at("COMPRESSED"):
                a = cur.offset()
                cur.next()
                if cur.accept("="):
                    cur.next()
                opts.append(("compressed", self.stmt.text[a : self.cur.offset()].strip()))
            elif cur.at("WITH", "SYSTEM") or cur.at("WITHOUT", "SYSTEM"):
                raise cur.error("mysql-unsupported", "system-versioned columns are not supported")
            elif cur.at("REF_SYSTEM_ID") or cur.at("SRID"):
                word = cur.next().text.upper()
                cur.accept("=")
                opts.append((word.lower(), cur.next().text))
            else:
                raise cur.error(
                    "mysql-syntax", f"unexpected text in the definition of column {name!r}"
                )
        ctype = make_type(mysql_type(ctype), ctype.modifiers, type_opts)
        col = Column(
            name=name,
            type=ctype,
            nullable=nullable and not pk,
            default=default,
            identity=identity,
            generated=generated,
            collation=option(ctype, "collate"),
            comment=comment,
            span=self.span(start),
            options=tuple(opts),
        )
        if replace_at is None:
            t.columns.append(col)
        else:
            t.columns[replace_at] = col
        if references is not None:
            at, ref, ref_cols, on_delete, on_update = references
            self.add_foreign_key(t, at, inline, None, (name,), ref, ref_cols, on_delete, on_update)
        if pk:
            if t.primary_key is not None:
                raise ParseError(start, "mysql-duplicate", f"table {t.name} has two primary keys")
            t.primary_key = PrimaryKey(
                "PRIMARY", (name,), position=self.position, inline=True, span=self.span(start)
            )
        if unique:
            t.uniques.append(
                UniqueConstraint(
                    t.auto_name(name),
                    (name,),
                    position=self.position,
                    inline=True,
                    span=self.span(start),
                )
            )
        return name

    def default_expr(self) -> str:
        """A DEFAULT / ON UPDATE value, as written."""
        cur = self.cur
        start = cur.offset()
        if cur.at("("):
            cur.balanced()
            return self.stmt.text[start : self.last_end()].strip()
        if cur.at("-") or cur.at("+"):
            cur.next()
        t = cur.next()
        following = cur.peek()
        string_next = following is not None and following.kind is Kind.STRING
        if t.kind is Kind.WORD and t.text.startswith("_") and string_next:
            cur.next()  # _utf8'...' introducer
        elif (
            t.kind is Kind.WORD
            and t.text.lower() in ("b", "x", "n")
            and string_next
            and following is not None
            and following.start == t.end
        ):
            cur.next()  # b'0101', x'ff', N'text'
        elif t.kind is Kind.WORD and cur.at("("):
            cur.balanced()
        return self.stmt.text[start : self.last_end()].strip()

    def last_end(self) -> int:
        return self.cur.toks[self.cur.i - 1].end

    def string(self) -> str:
        t = self.cur.next()
        if t.kind is not Kind.STRING:
            self.cur.i -= 1
            raise self.cur.error("mysql-syntax", "expected a quoted string")
        return t.value

    def name_value(self) -> str:
        t = self.cur.next()
        if t.kind is Kind.STRING:
            return t.value
        if t.kind in (Kind.WORD, Kind.QUOTED):
            return t.ident
        self.cur.i -= 1
        raise self.cur.error("mysql-syntax", "expected a name")

    # -- keys ----------------------------------------------------------------------------------

    def key_parts(self, t: WorkingTable) -> tuple[list[IndexElement], int]:
        """``(col [(len)] [ASC|DESC], ...)``; returns the elements and the offset of ``(``."""
        cur = self.cur
        at = cur.offset()
        cur.expect("(")
        elems: list[IndexElement] = []
        while True:
            if cur.at("("):
                a, b = cur.balanced()
                expr = self.stmt.text[a - 1 : b + 1]
                elems.append(IndexElement(expression=expr))
            else:
                at = cur.offset()
                name = t.resolve(cur.ident(), at)
                length = None
                if cur.at("("):
                    a, b = cur.balanced()
                    length = int(self.stmt.text[a:b].strip())
                    if length == _full_length(t, name):
                        # The server keeps a prefix as long as the column as the whole
                        # column (SHOW CREATE TABLE prints none), so the key is a plain one.
                        length = None
                elems.append(IndexElement(expression=name, column=name, length=length))
            if cur.accept("DESC"):
                elems[-1] = replace(elems[-1], descending=True)
            else:
                cur.accept("ASC")
            if cur.accept(")"):
                return elems, at
            cur.expect(",")

    def index_type(self) -> str | None:
        if self.cur.accept("USING") or self.cur.accept("TYPE"):
            return self.cur.next().text.upper()
        return None

    def index_options(self) -> tuple[list[tuple[str, str]], str | None]:
        cur = self.cur
        opts: list[tuple[str, str]] = []
        comment = None
        while True:
            if cur.at("USING") or cur.at("TYPE"):
                cur.next()
                opts.append(("using", cur.next().text.upper()))
            elif cur.accept("COMMENT"):
                comment = self.string()
            elif cur.accept("KEY_BLOCK_SIZE"):
                cur.accept("=")
                opts.append(("key_block_size", cur.next().text))
            elif cur.accept("WITH", "PARSER"):
                opts.append(("with parser", cur.ident()))
            elif (
                cur.at("VISIBLE")
                or cur.at("INVISIBLE")
                or cur.at("IGNORED")
                or cur.at("NOT", "IGNORED")
            ):
                if cur.accept("NOT"):
                    cur.next()
                    continue
                word = cur.next().text.upper()
                if word != "VISIBLE":
                    opts.append(("ignored", ""))
            elif cur.at("CLUSTERING"):
                cur.next()
                cur.accept("=")
                opts.append(("clustering", cur.next().text.upper()))
            else:
                return opts, comment

    def primary_key(self, t: WorkingTable, start: int, inline: bool) -> None:
        cur = self.cur
        if not cur.at("(") and not cur.at("USING") and not cur.at("TYPE"):
            # `PRIMARY KEY name (...)`: the grammar takes an index name, the server drops it
            cur.ident()
            self.note(
                start, "mysql-pk-name", "MySQL ignores a primary key's name: it is always PRIMARY"
            )
        using = self.index_type()
        elems, _ = self.key_parts(t)
        opts, comment = self.index_options()
        if using:
            opts.insert(0, ("using", using))
        if t.primary_key is not None:
            raise ParseError(start, "mysql-duplicate", f"table {t.name} has two primary keys")
        if (
            any(e.column is None or e.descending for e in elems)
            or any(k != "using" for k, _ in opts)
            or comment
        ):
            raise ParseError(
                start,
                "mysql-unsupported",
                "a PRIMARY KEY with an expression, DESC, a COMMENT or index options other than "
                "USING is not supported",
            )
        t.primary_key = PrimaryKey(
            "PRIMARY",
            tuple(e.column or "" for e in elems),
            position=self.position,
            inline=inline,
            span=self.span(start),
            lengths=tuple((e.column or "", e.length) for e in elems if e.length),
            # the last USING counts (before and after the key parts are both allowed)
            options=(opts[-1],) if opts else (),
        )

    def index(
        self,
        t: WorkingTable,
        start: int,
        inline: bool,
        *,
        unique: bool = False,
        method: str = "btree",
        symbol: str | None = None,
        name: str | None = None,
    ) -> None:
        cur = self.cur
        if name is None and not cur.at("(") and not cur.at("USING") and not cur.at("TYPE"):
            name = cur.ident()
        name = name or symbol
        using = self.index_type()
        elems, _ = self.key_parts(t)
        opts, comment = self.index_options()
        if using:
            opts.insert(0, ("using", using))
        first = next((e.column for e in elems if e.column), None) or "expr"
        if name is None:
            name = t.auto_name(first)
        elif name.lower() in t.key_names():
            raise ParseError(
                start, "mysql-duplicate", f"duplicate key name {name!r} in table {t.name}"
            )
        plain = all(e.column and not e.length and not e.descending for e in elems)
        if unique and plain and not opts and comment is None:
            t.uniques.append(
                UniqueConstraint(
                    name,
                    tuple(e.column or "" for e in elems),
                    position=self.position,
                    inline=inline,
                    span=self.span(start),
                )
            )
            return
        t.indexes.append(
            Index(
                name=name,
                elements=tuple(elems),
                unique=unique,
                method=method,
                comment=comment,
                position=self.position,
                span=self.span(start),
                options=tuple(opts),
            )
        )

    def ref_actions(self) -> tuple[str | None, str | None]:
        cur = self.cur
        on_delete = on_update = None
        while True:
            if cur.accept("MATCH"):
                word = cur.next().text.upper()
                self.note(
                    self.last_end(), "mysql-match", f"MATCH {word} is parsed and ignored by InnoDB"
                )
            elif cur.accept("ON", "DELETE"):
                on_delete = self.ref_action()
            elif cur.accept("ON", "UPDATE"):
                on_update = self.ref_action()
            else:
                return on_delete, on_update

    def ref_action(self) -> str | None:
        cur = self.cur
        for words in (
            ("CASCADE",),
            ("RESTRICT",),
            ("SET", "NULL"),
            ("SET", "DEFAULT"),
            ("NO", "ACTION"),
        ):
            if cur.accept(*words):
                # NO ACTION is kept as written: SHOW CREATE TABLE prints it when it was given
                return " ".join(words)
        raise cur.error(
            "mysql-syntax", "expected CASCADE, RESTRICT, SET NULL, SET DEFAULT or NO ACTION"
        )

    def foreign_key(self, t: WorkingTable, start: int, inline: bool, symbol: str | None) -> None:
        cur = self.cur
        if not cur.at("("):
            idx = cur.ident()
            if symbol is None:
                self.warn(
                    start,
                    "mysql-fk-index-name",
                    f"the index name {idx!r} of an unnamed FOREIGN KEY is not carried; name the constraint",
                )
        cur.expect("(")
        cols: list[str] = []
        while True:
            at = cur.offset()
            cols.append(t.resolve(cur.ident(), at))
            if cur.accept(")"):
                break
            cur.expect(",")
        cur.expect("REFERENCES")
        ref, ref_cols, on_delete, on_update = self.referenced(start)
        self.add_foreign_key(
            t, start, inline, symbol, tuple(cols), ref, ref_cols, on_delete, on_update
        )

    def referenced(self, start: int) -> tuple[str, tuple[str, ...], str | None, str | None]:
        """What follows REFERENCES: the table, its columns and the actions."""
        cur = self.cur
        db, ref = cur.qualified()
        if db is not None:
            raise ParseError(
                start,
                "mysql-unsupported",
                f"a foreign key into another database ({db}.{ref}) is not supported",
            )
        ref_cols: list[str] = []
        cur.expect("(")
        while True:
            ref_cols.append(cur.ident())
            if cur.accept(")"):
                break
            cur.expect(",")
        on_delete, on_update = self.ref_actions()
        return ref, tuple(ref_cols), on_delete, on_update

    def add_foreign_key(
        self,
        t: WorkingTable,
        start: int,
        inline: bool,
        symbol: str | None,
        cols: tuple[str, ...],
        ref: str,
        ref_cols: tuple[str, ...],
        on_delete: str | None,
        on_update: str | None,
    ) -> None:
        if symbol is None:
            t.fk_count += 1
            symbol = f"{t.name}_ibfk_{t.fk_count}"
            t.options.append((UNNAMED, symbol))
        if any(fk.name.lower() == symbol.lower() for fk in t.foreign_keys):
            raise ParseError(start, "mysql-duplicate", f"duplicate foreign key name {symbol!r}")
        t.foreign_keys.append(
            ForeignKey(
                name=symbol,
                columns=cols,
                ref_table=QName(SCHEMA, ref),
                ref_columns=ref_cols,
                on_delete=on_delete,
                on_update=on_update,
                position=self.position,
                inline=inline,
                span=self.span(start),
            )
        )

    def check(self, t: WorkingTable, start: int, inline: bool, symbol: str | None) -> None:
        a, b = self.cur.balanced()
        self.add_check(t, start, inline, symbol, self.stmt.text[a:b].strip())

    def add_check(
        self, t: WorkingTable, start: int, inline: bool, symbol: str | None, expr: str
    ) -> None:
        if symbol is None:
            t.check_count += 1
            symbol = f"CONSTRAINT_{t.check_count}"
            t.options.append((UNNAMED, symbol))
        t.checks.append(
            CheckConstraint(
                symbol, expr, position=self.position, inline=inline, span=self.span(start)
            )
        )

    # -- table options ---------------------------------------------------------------------------

    def table_options(self, t: WorkingTable) -> None:
        cur = self.cur
        while not cur.done and not cur.at("PARTITION"):
            if cur.accept(","):
                continue
            at = cur.offset()
            words: list[str] = []
            if cur.accept("DEFAULT"):
                words.append("DEFAULT")
            tok = cur.next()
            if tok.kind is not Kind.WORD:
                cur.i -= 1
                raise cur.error("mysql-syntax", "expected a table option")
            words.append(tok.text.upper())
            if words[-1] in ("CHARACTER", "CHAR") and cur.accept("SET"):
                words[-1] = "CHARACTER SET"
            elif words[-1] in ("DATA", "INDEX") and cur.accept("DIRECTORY"):
                words[-1] += " DIRECTORY"
            key = " ".join(words)
            cur.accept("=")
            if key == "UNION":
                a, b = cur.balanced()
                value = "(" + self.stmt.text[a:b].strip() + ")"
            else:
                v = cur.next()
                value = v.value if v.kind is Kind.STRING else v.text
            if key == "COMMENT":
                t.comment = value
                continue
            if key not in _TABLE_OPTIONS:
                raise ParseError(at, "mysql-unsupported", f"table option {key} is not supported")
            if key == "CHARSET":
                key = "CHARACTER SET"
            elif key == "DEFAULT CHARSET":
                key = "DEFAULT CHARACTER SET"
            t.options = [o for o in t.options if o[0] != key]
            t.options.append((key, value))


_TABLE_OPTIONS = frozenset(
    {
        "ENGINE",
        "TYPE",
        "AUTO_INCREMENT",
        "AVG_ROW_LENGTH",
        "CHARSET",
        "DEFAULT CHARSET",
        "CHARACTER SET",
        "DEFAULT CHARACTER SET",
        "CHECKSUM",
        "TABLE_CHECKSUM",
        "COLLATE",
        "DEFAULT COLLATE",
        "CONNECTION",
        "DATA DIRECTORY",
        "INDEX DIRECTORY",
        "DELAY_KEY_WRITE",
        "ENCRYPTED",
        "ENCRYPTION_KEY_ID",
        "IETF_QUOTES",
        "INSERT_METHOD",
        "KEY_BLOCK_SIZE",
        "MAX_ROWS",
        "MIN_ROWS",
        "PACK_KEYS",
        "PAGE_CHECKSUM",
        "PAGE_COMPRESSED",
        "PAGE_COMPRESSION_LEVEL",
        "PASSWORD",
        "ROW_FORMAT",
        "SEQUENCE",
        "STATS_AUTO_RECALC",
        "STATS_PERSISTENT",
        "STATS_SAMPLE_PAGES",
        "TRANSACTIONAL",
        "UNION",
    }
)


_PREFIXABLE = frozenset({"char", "varchar", "binary", "varbinary"})


def _full_length(t: WorkingTable, column: str) -> int | None:
    """The length of a CHAR/VARCHAR/BINARY/VARBINARY column (what a key prefix as long as
    the column is), else None."""
    i = t.column_index(column)
    if i is None:
        return None
    ctype = t.columns[i].type
    if mysql_type(ctype) in _PREFIXABLE and len(ctype.modifiers) == 1:
        return ctype.modifiers[0]
    return None

"""The MySQL/MariaDB reader: every statement of the script modelled, carried verbatim into the
migration, or reported (file:line:col).

- Modelled: CREATE TABLE, CREATE INDEX, ALTER TABLE (keys, constraints, columns, table
  options), DROP TABLE.
- Carried verbatim, at their position: views, triggers, procedures, functions, events,
  sequences, ALTER TABLE ... PARTITION BY, and the session settings of the script (SET, which
  the replay needs: sql_mode, FOREIGN_KEY_CHECKS=0 for keys that name tables created later,
  character sets, user variables the script reads back).
- Reported: data (INSERT, ...), queries, locks, transaction control, maintenance, USE and
  CREATE DATABASE (the migration runs in DATABASE_URL's database), accounts and grants.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from dbgen.diagnostics import Diagnostic, error, note, warning
from dbgen.ir import Catalog, QName, RawStatement
from dbgen.mysql import compound
from dbgen.mysql.split import Statement, split_script
from dbgen.mysql.tables import SCHEMA, TableReader, WorkingTable
from dbgen.mysql.tokens import Cursor, Kind, ParseError

_DATA = ("INSERT", "REPLACE", "UPDATE", "DELETE", "LOAD", "TRUNCATE", "CALL", "DO", "HANDLER")
_IGNORED = {
    "LOCK": "LOCK TABLES only matters while loading the script",
    "UNLOCK": "UNLOCK TABLES only matters while loading the script",
    "START": "transaction control only matters while loading the script",
    "BEGIN": "transaction control only matters while loading the script",
    "COMMIT": "transaction control only matters while loading the script",
    "ROLLBACK": "transaction control only matters while loading the script",
    "FLUSH": "FLUSH is maintenance, not schema",
    "ANALYZE": "ANALYZE is maintenance, not schema",
    "OPTIMIZE": "OPTIMIZE is maintenance, not schema",
    "CHECK": "CHECK TABLE is maintenance, not schema",
    "REPAIR": "REPAIR TABLE is maintenance, not schema",
    "SHOW": "SHOW does not define schema",
    "DESCRIBE": "DESCRIBE does not define schema",
    "EXPLAIN": "EXPLAIN does not define schema",
}
_ROUTINES = ("VIEW", "TRIGGER", "PROCEDURE", "FUNCTION", "EVENT", "SEQUENCE")


class MySQLReader:
    def __init__(self, files: tuple[str, ...]) -> None:
        self.files = files
        self.tables: dict[str, WorkingTable] = {}
        self.raw: list[RawStatement] = []
        self.diags: list[Diagnostic] = []
        self.position = 0

    # -- entry ---------------------------------------------------------------------------------

    def feed(self, stmt: Statement) -> None:
        self.position += 1
        try:
            cur = Cursor(stmt.text)
            if cur.done:
                return
            self.statement(stmt, cur)
        except ParseError as exc:
            self.diags.append(error(stmt.span_at(exc.offset), exc.code, exc.message))

    def finish(self) -> Catalog:
        self.check_references()
        for t in self.tables.values():
            if t.primary_key is None:
                self.diags.append(
                    note(
                        t.span,
                        "no-primary-key",
                        f"table {t.name} has no primary key: the package exposes it as a Core sa.Table "
                        "(read-only list/count in crud.yaml); add a PRIMARY KEY to get a mapped class",
                    )
                )
        tables = sorted(self.tables.values(), key=lambda t: t.position)
        return Catalog(
            tables=tuple(t.freeze() for t in tables), raw=tuple(self.raw), files=self.files
        )

    def check_references(self) -> None:
        """Every foreign key names a table the schema creates and columns it has (MySQL lets
        a script under FOREIGN_KEY_CHECKS=0 name a table that never comes); the referenced
        columns are spelled as declared. A key that does not resolve is reported and left out."""
        for t in self.tables.values():
            kept = []
            for fk in t.foreign_keys:
                target = self.tables.get(fk.ref_table.name)
                if target is None:
                    self.diags.append(
                        error(
                            fk.span,
                            "mysql-unknown-table",
                            f"foreign key {fk.name} of table {t.name} references table "
                            f"{fk.ref_table.name}, which the schema does not create",
                        )
                    )
                    continue
                refs = [target.column_index(c) for c in fk.ref_columns]
                if any(i is None for i in refs):
                    self.diags.append(
                        error(
                            fk.span,
                            "mysql-unknown-column",
                            f"foreign key {fk.name} of table {t.name} references columns "
                            f"({', '.join(fk.ref_columns)}) of {target.name}, which it lacks",
                        )
                    )
                    continue
                names = tuple(target.columns[i].name for i in refs if i is not None)
                kept.append(replace(fk, ref_columns=names))
            t.foreign_keys = kept

    # -- dispatch ------------------------------------------------------------------------------

    def statement(self, stmt: Statement, cur: Cursor) -> None:
        first = cur.peek()
        assert first is not None
        word = first.upper
        if word == "SET":
            self.session(stmt, cur)
        elif word == "CREATE":
            self.create(stmt, cur)
        elif word == "ALTER":
            self.alter(stmt, cur)
        elif word == "DROP":
            self.drop(stmt, cur)
        elif word in ("SELECT", "WITH", "VALUES", "TABLE") or (first.text == "("):
            self.warn(
                stmt,
                0,
                "ignored-statement",
                "a query does not define schema; not carried into the migration",
            )
        elif word in _DATA:
            self.warn(
                stmt,
                0,
                "ignored-statement",
                "data statement: dbgen models the schema, not its rows; not carried into the migration",
            )
        elif word in _IGNORED:
            self.note(stmt, 0, "ignored-statement", _IGNORED[word])
        elif word == "USE":
            self.note(
                stmt,
                0,
                "ignored-statement",
                "USE: the migration runs in the database DATABASE_URL names",
            )
        elif word in ("GRANT", "REVOKE", "RENAME") and not cur.at("RENAME", "TABLE"):
            self.warn(
                stmt,
                0,
                "ignored-statement",
                f"{word} concerns accounts, outside the database schema; not carried",
            )
        else:
            raise ParseError(
                0, "mysql-unsupported-statement", f"statement {first.text.upper()} is not supported"
            )

    def warn(self, stmt: Statement, offset: int, code: str, message: str) -> None:
        self.diags.append(warning(stmt.span_at(offset), code, message))

    def note(self, stmt: Statement, offset: int, code: str, message: str) -> None:
        self.diags.append(note(stmt.span_at(offset), code, message))

    def carry(
        self,
        stmt: Statement,
        kind: str,
        name: str | None,
        drop: str | None,
        table: str | None = None,
    ) -> None:
        self.raw.append(
            RawStatement(
                kind=kind,
                sql=stmt.text.strip(),
                drop=drop,
                name=name,
                position=self.position,
                span=stmt.span,
                schema=SCHEMA,
                table=QName(SCHEMA, table) if table else None,
            )
        )

    # -- SET -------------------------------------------------------------------------------------

    def session(self, stmt: Statement, cur: Cursor) -> None:
        cur.expect("SET")
        if cur.at("PASSWORD") or cur.at("ROLE") or cur.at("DEFAULT", "ROLE"):
            self.warn(
                stmt,
                0,
                "ignored-statement",
                "account settings are outside the database schema; not carried",
            )
            return
        if cur.at("TRANSACTION") or cur.at("SESSION", "TRANSACTION") or cur.at("GLOBAL"):
            self.note(
                stmt,
                0,
                "ignored-statement",
                "transaction and global settings only matter while loading the script",
            )
            return
        self.carry(stmt, "session", "setting", None)

    # -- CREATE --------------------------------------------------------------------------------

    def create(self, stmt: Statement, cur: Cursor) -> None:
        cur.expect("CREATE")
        or_replace = cur.accept("OR", "REPLACE")
        if cur.at("DATABASE") or cur.at("SCHEMA"):
            self.warn(
                stmt,
                0,
                "ignored-statement",
                "CREATE DATABASE: the migration runs in the database DATABASE_URL names; not carried",
            )
            return
        if (
            cur.at("USER")
            or cur.at("ROLE")
            or cur.at("SERVER")
            or cur.at("TABLESPACE")
            or cur.at("LOGFILE")
        ):
            self.warn(
                stmt,
                0,
                "ignored-statement",
                "a server-wide object, outside the database schema; create it before running the migration",
            )
            return
        if cur.accept("TEMPORARY"):
            self.warn(
                stmt, 0, "ignored-statement", "a TEMPORARY table lives for one session; not carried"
            )
            return
        if cur.accept("TABLE"):
            self.create_table(stmt, cur, or_replace)
            return
        if cur.at("UNIQUE") or cur.at("FULLTEXT") or cur.at("SPATIAL") or cur.at("INDEX"):
            self.create_index(stmt, cur)
            return
        # [ALGORITHM=...] [DEFINER=...] [SQL SECURITY ...] VIEW|TRIGGER|PROCEDURE|FUNCTION|EVENT
        while not cur.done and not any(cur.at(w) for w in _ROUTINES) and not cur.at("AGGREGATE"):
            cur.next()
        cur.accept("AGGREGATE")
        if cur.done:
            raise ParseError(
                0, "mysql-unsupported-statement", "this CREATE statement is not supported"
            )
        kind = cur.next().upper
        cur.accept("IF", "NOT", "EXISTS")
        db, name = cur.qualified()
        if db is not None:
            raise ParseError(
                0, "mysql-unsupported", f"{kind.lower()} {db}.{name} is in another database"
            )
        quoted = _quote(name)
        if kind == "TRIGGER":
            table = self.trigger_table(cur)
            self.drop_raw("trigger", name)
            self.carry(stmt, "trigger", name, None, table)
            return
        self.drop_raw(kind.lower(), name)
        self.carry(stmt, kind.lower(), name, f"DROP {kind} IF EXISTS {quoted}")

    def trigger_table(self, cur: Cursor) -> str | None:
        while not cur.done and not cur.at("ON"):
            cur.next()
        if cur.accept("ON"):
            return cur.qualified()[1]
        return None

    def create_table(self, stmt: Statement, cur: Cursor, or_replace: bool) -> None:
        if_not_exists = cur.accept("IF", "NOT", "EXISTS")
        db, name = cur.qualified()
        if db is not None:
            raise ParseError(0, "mysql-unsupported", f"table {db}.{name} is in another database")
        if cur.at("LIKE") or cur.at("(", "LIKE"):
            raise ParseError(
                cur.offset(),
                "mysql-unsupported",
                "CREATE TABLE ... LIKE is not supported; write the columns out",
            )
        existing = self._table_key(name)
        if existing is not None and not or_replace:
            if if_not_exists:
                self.note(
                    stmt,
                    0,
                    "ignored-statement",
                    f"table {name} exists already: IF NOT EXISTS skips it",
                )
                return
            raise ParseError(0, "mysql-duplicate", f"table {name} is created twice")
        t = WorkingTable(name, self.position, stmt.span)
        reader = TableReader(stmt, cur, self.diags, self.position)
        if not cur.at("("):
            raise cur.error(
                "mysql-unsupported", "CREATE TABLE ... AS SELECT / without columns is not supported"
            )
        reader.body(t)
        if existing is not None:
            del self.tables[existing]
        self.tables[name] = t

    def _table_key(self, name: str) -> str | None:
        return name if name in self.tables else None

    def table(self, cur: Cursor, offset: int) -> WorkingTable:
        db, name = cur.qualified()
        if db is not None:
            raise ParseError(
                offset, "mysql-unsupported", f"table {db}.{name} is in another database"
            )
        t = self.tables.get(name)
        if t is None:
            raise ParseError(offset, "mysql-unknown-table", f"table {name} does not exist (yet)")
        return t

    def create_index(self, stmt: Statement, cur: Cursor) -> None:
        unique = cur.accept("UNIQUE")
        method = "btree"
        if cur.at("FULLTEXT") or cur.at("SPATIAL"):
            method = cur.next().text.lower()
        cur.expect("INDEX")
        cur.accept("IF", "NOT", "EXISTS")
        name = cur.ident()
        using = None
        if cur.accept("USING") or cur.accept("TYPE"):
            using = cur.next().text.upper()
        cur.expect("ON")
        t = self.table(cur, cur.offset())
        reader = TableReader(stmt, cur, self.diags, self.position)
        before = len(t.indexes)
        reader.index(t, 0, False, unique=unique, method=method, name=name)
        if using and len(t.indexes) > before:
            ix = t.indexes[-1]
            t.indexes[-1] = replace(ix, options=(("using", using), *ix.options))
        # ALGORITHM / LOCK of an online index build do not change the index
        while cur.accept("ALGORITHM") or cur.accept("LOCK"):
            cur.accept("=")
            cur.next()
        if not cur.done:
            raise cur.error("mysql-syntax", "unexpected text after CREATE INDEX")

    # -- ALTER ---------------------------------------------------------------------------------

    def alter(self, stmt: Statement, cur: Cursor) -> None:
        cur.expect("ALTER")
        cur.accept("ONLINE")
        cur.accept("IGNORE")
        if not cur.accept("TABLE"):
            if (
                any(cur.at(w) for w in ("VIEW", "FUNCTION", "PROCEDURE", "EVENT", "SEQUENCE"))
                or cur.at("DEFINER")
                or cur.at("ALGORITHM")
                or cur.at("SQL")
            ):
                self.carry(stmt, "alter", None, None)
                return
            if cur.at("DATABASE") or cur.at("SCHEMA"):
                self.warn(
                    stmt,
                    0,
                    "ignored-statement",
                    "ALTER DATABASE: the migration runs in the database DATABASE_URL names; not carried",
                )
                return
            raise ParseError(
                cur.offset(), "mysql-unsupported-statement", "this ALTER statement is not supported"
            )
        cur.accept("IF", "EXISTS")
        t = self.table(cur, cur.offset())
        reader = TableReader(stmt, cur, self.diags, self.position)
        if (
            cur.at("PARTITION", "BY")
            or cur.at("REMOVE", "PARTITIONING")
            or cur.at("ADD", "PARTITION")
        ):
            self.carry(stmt, "partitioning", t.name, None, t.name)
            return
        while not cur.done:
            at = cur.offset()
            if cur.accept("ADD"):
                if cur.accept("COLUMN") or not any(
                    cur.at(w)
                    for w in (
                        "CONSTRAINT",
                        "PRIMARY",
                        "UNIQUE",
                        "FOREIGN",
                        "CHECK",
                        "INDEX",
                        "KEY",
                        "FULLTEXT",
                        "SPATIAL",
                    )
                ):
                    cur.accept("IF", "NOT", "EXISTS")
                    if cur.at("("):
                        raise cur.error(
                            "mysql-unsupported",
                            "ADD (column, ...) is not supported: add one column per clause",
                        )
                    reader.column(t, at, inline=False)
                    if cur.at("FIRST") or cur.at("AFTER"):
                        raise cur.error(
                            "mysql-unsupported",
                            "ADD COLUMN ... FIRST/AFTER is not supported; declare the column in CREATE TABLE",
                        )
                else:
                    reader.definition(t, inline=False)
            elif cur.accept("MODIFY") or cur.at("CHANGE"):
                changed = cur.accept("CHANGE")
                cur.accept("COLUMN")
                cur.accept("IF", "EXISTS")
                if changed:
                    old = cur.ident()
                    new_at = cur.offset()
                    tok = cur.peek()
                    new = tok.ident if tok else old
                    if new.lower() != old.lower():
                        raise ParseError(
                            new_at,
                            "mysql-unsupported",
                            "CHANGE COLUMN that renames is not supported; declare the final name in CREATE TABLE",
                        )
                    cur.i += 0
                    idx = t.column_index(old)
                else:
                    tok = cur.peek()
                    idx = t.column_index(tok.ident) if tok else None
                if idx is None:
                    raise ParseError(
                        cur.offset(), "mysql-unknown-column", f"table {t.name} has no such column"
                    )
                reader.column(t, at, replace_at=idx, inline=False)
                if cur.at("FIRST") or cur.at("AFTER"):
                    raise cur.error("mysql-unsupported", "MODIFY ... FIRST/AFTER is not supported")
            elif cur.accept("DISABLE", "KEYS") or cur.accept("ENABLE", "KEYS"):
                self.note(
                    stmt,
                    at,
                    "ignored-statement",
                    "DISABLE/ENABLE KEYS only matters while loading data",
                )
            elif cur.at("ALGORITHM") or cur.at("LOCK"):
                cur.next()
                cur.accept("=")
                cur.next()
            elif cur.at("PARTITION", "BY"):
                raise cur.error(
                    "mysql-unsupported",
                    "PARTITION BY together with other ALTER TABLE clauses; give it its own ALTER TABLE",
                )
            elif (
                cur.at("DROP")
                or cur.at("RENAME")
                or cur.at("ALTER")
                or cur.at("CONVERT")
                or cur.at("ORDER")
            ):
                raise cur.error(
                    "mysql-unsupported",
                    "this ALTER TABLE clause is not supported; write the final definition in CREATE TABLE",
                )
            else:
                before = cur.i
                reader.table_options(t)
                if cur.i == before:
                    raise cur.error("mysql-syntax", "unexpected ALTER TABLE clause")
                continue
            if not cur.done:
                cur.expect(",")

    # -- DROP ----------------------------------------------------------------------------------

    def drop(self, stmt: Statement, cur: Cursor) -> None:
        cur.expect("DROP")
        cur.accept("TEMPORARY")
        if cur.accept("TABLE") or cur.accept("TABLES"):
            if_exists = cur.accept("IF", "EXISTS")
            while True:
                at = cur.offset()
                _, name = cur.qualified()
                if name in self.tables:
                    del self.tables[name]
                elif not if_exists:
                    raise ParseError(at, "mysql-unknown-table", f"table {name} does not exist")
                if not cur.accept(","):
                    break
            cur.accept("RESTRICT")
            cur.accept("CASCADE")
            if not cur.done:
                raise cur.error("mysql-syntax", "unexpected text after DROP TABLE")
            return
        word = cur.next().upper
        if word in ("VIEW", "TRIGGER", "PROCEDURE", "FUNCTION", "EVENT", "SEQUENCE"):
            if_exists = cur.accept("IF", "EXISTS")
            while True:
                at = cur.offset()
                _, name = cur.qualified()
                found = self.drop_raw(word.lower(), name)
                if not found and not if_exists:
                    raise ParseError(
                        at, "mysql-unknown-object", f"{word.lower()} {name} does not exist"
                    )
                # DROP VIEW and DROP SEQUENCE take a list of names
                if word not in ("VIEW", "SEQUENCE") or not cur.accept(","):
                    break
            cur.accept("RESTRICT")
            cur.accept("CASCADE")
            if not cur.done:
                # What follows was silently lost (a trigger after `DROP TRIGGER t` in one chunk).
                raise cur.error("mysql-syntax", f"unexpected text after DROP {word}")
            return
        if word in ("DATABASE", "SCHEMA", "USER", "ROLE"):
            self.warn(
                stmt,
                0,
                "ignored-statement",
                f"DROP {word} is outside the database schema; not carried",
            )
            return
        if word == "INDEX":
            raise ParseError(
                0,
                "mysql-unsupported",
                "DROP INDEX is not supported; leave the index out of the schema",
            )
        raise ParseError(0, "mysql-unsupported-statement", f"DROP {word} is not supported")

    def drop_raw(self, kind: str, name: str) -> bool:
        before = len(self.raw)
        self.raw = [r for r in self.raw if not (r.kind == kind and r.name == name)]
        return len(self.raw) != before


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def read_schema(sources: Sequence[tuple[str, str]]) -> tuple[Catalog, tuple[Diagnostic, ...]]:
    """The dialect's ``read_schema``: (display path, text) pairs in order -> catalog."""
    reader = MySQLReader(tuple(path for path, _ in sources))
    for path, text in sources:
        statements, diags = split_script(path, text)
        reader.diags.extend(diags)
        for chunk in statements:
            for a, b in compound.statements(chunk.text):
                piece = chunk.text[a:b]
                reader.feed(Statement(chunk.file, piece, chunk.offset + a, chunk.source))
    catalog = reader.finish()
    return catalog, tuple(reader.diags)


__all__ = ["Kind", "read_schema"]

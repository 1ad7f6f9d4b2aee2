"""What an applier works with: the catalog, the session, the statement it applies and where
problems go. Name resolution lives here because it needs both the catalog (which schemas and
objects exist) and the session (the search path in force)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from dbgen.ddl.catalog import WorkingCatalog, WorkingTable
from dbgen.ddl.from_current import around, from_current_parameters
from dbgen.ddl.raw import RawInfo, render, restore, same_object
from dbgen.ddl.session import Session, effective_path, path_sql
from dbgen.ddl.split import Statement
from dbgen.ddl.statements import Name
from dbgen.ddl.types import GRAMMAR_TYPES, Resolver, TypeName, resolve_type
from dbgen.diagnostics import Diagnostic, Span, error, note, warning
from dbgen.ir import QName, RawStatement, SqlType, TypeKind, quote_ident

OWNER_NOTE = "ownership is deployment-specific: the migration's role owns what it creates"


class Reported(Exception):
    """A statement was rejected; the diagnostic is already recorded."""


class Context:
    def __init__(
        self,
        catalog: WorkingCatalog,
        session: Session,
        diags: list[Diagnostic],
        read_nested: Callable[[Context, Statement], None],
    ) -> None:
        self.catalog = catalog
        self.session = session
        self.diags = diags
        # reads a statement nested in the current one (CREATE SCHEMA's elements)
        self.read_nested = read_nested
        self.stmt: Statement | None = None
        self.pos = 0

    @property
    def statement(self) -> Statement:
        assert self.stmt is not None
        return self.stmt

    # -- diagnostics ---------------------------------------------------------------------------
    def span(self, offset: int) -> Span:
        return self.statement.span_at(offset)

    def error(self, offset: int, code: str, message: str) -> Reported:
        self.diags.append(error(self.span(offset), code, message))
        return Reported()

    def warn(self, offset: int, code: str, message: str) -> None:
        self.diags.append(warning(self.span(offset), code, message))

    def note(self, offset: int, code: str, message: str) -> None:
        self.diags.append(note(self.span(offset), code, message))

    # -- names ---------------------------------------------------------------------------------
    def creation_qname(self, name: Name) -> QName:
        """Where a new object lands: the first existing schema of the path, unless qualified."""
        parts, offset = list(name.parts), name.offset
        if len(parts) == 1:
            for s in self.session.search_path:
                if s in self.catalog.known_schemas:
                    if s == "pg_catalog":
                        # listed first, pg_catalog is where the server tries to create it
                        raise self.error(
                            offset,
                            "permission-denied",
                            f'permission denied to create "pg_catalog.{parts[0]}": system '
                            "catalog modifications are disallowed",
                        )
                    return QName(s, parts[0])
            raise self.error(
                offset,
                "no-schema",
                f"no schema has been selected to create {parts[0]!r} in (search_path is empty)",
            )
        if len(parts) == 3:
            parts = parts[1:]  # database.schema.name
        if len(parts) != 2:
            raise self.error(offset, "syntax", f"improper qualified name {'.'.join(parts)!r}")
        if parts[0] not in self.catalog.known_schemas:
            raise self.error(offset, "unknown-schema", f"schema {parts[0]!r} does not exist")
        return QName(parts[0], parts[1])

    def qualify_any(self, parts: tuple[str, ...] | list[str]) -> QName:
        """Qualify without validation (raw statements: the server checks them)."""
        if len(parts) >= 2:
            return QName(parts[-2], parts[-1])
        for s in self.session.search_path:
            if s in self.catalog.known_schemas and s != "pg_catalog":
                return QName(s, parts[0])
        return QName("public", parts[0])

    def lookup(
        self, parts: tuple[str, ...] | list[str], registry: dict[QName, object] | set[QName]
    ) -> QName | None:
        """The object an (unqualified or qualified) name finds on the search path, or None."""
        if len(parts) >= 2:
            q = QName(parts[-2], parts[-1])
            return q if q in registry else None
        for s in self.session.search_path:
            q = QName(s, parts[0])
            if q in registry:
                return q
        return None

    def find_table(self, parts: tuple[str, ...] | list[str]) -> WorkingTable | None:
        q = self.lookup(parts, self.catalog.tables)  # type: ignore[arg-type]
        return None if q is None else self.catalog.tables[q]

    def table_of(self, name: Name, what: str = "table") -> WorkingTable:
        table = self.find_table(name.parts)
        if table is None:
            raise self.error(name.offset, "unknown-table", f"{what} {name.dotted!r} does not exist")
        return table

    def resolver(self) -> Resolver:
        catalog = self.catalog

        def resolve(parts: list[str]) -> tuple[TypeKind, QName] | None:
            for kind, reg in (
                (TypeKind.ENUM, catalog.enums),
                (TypeKind.DOMAIN, catalog.domains),
                (TypeKind.COMPOSITE, catalog.composites),
            ):
                q = self.lookup(parts, reg)  # type: ignore[arg-type]
                if q is not None:
                    return kind, q
            return None

        return resolve

    def resolve(self, t: TypeName) -> SqlType:
        if t.builtin is not None and not t.serial and t.parts[-1] not in GRAMMAR_TYPES:
            # A built-in spelled as a plain identifier is looked up on the search path, like any
            # type: a schema listed before an explicit pg_catalog can hold one of that name.
            shadow = self._shadowing(t.parts[-1])
            if shadow is not None:
                brackets = "[]" * t.array_dims
                if len(t.parts) == 1:
                    kind, ref = shadow
                    return SqlType(ref.sql + brackets, ref.name, (), t.array_dims, kind, ref)
                _, base, mods = t.builtin
                sql = f"pg_catalog.{quote_ident(t.parts[-1])}"
                sql += f"({','.join(map(str, mods))})" if mods else ""
                return SqlType(sql + brackets, base, mods, t.array_dims, qualified=True)
        return resolve_type(t, self.resolver())

    def _shadowing(self, name: str) -> tuple[TypeKind, QName] | None:
        """The type ``name`` finds in a schema the search path lists before pg_catalog."""
        path = self.session.search_path
        if "pg_catalog" not in path:
            return None  # pg_catalog is searched first
        catalog = self.catalog
        for schema in path[: path.index("pg_catalog")]:
            q = QName(schema, name)
            for kind, reg in (
                (TypeKind.ENUM, catalog.enums),
                (TypeKind.DOMAIN, catalog.domains),
                (TypeKind.COMPOSITE, catalog.composites),
            ):
                if q in reg:
                    return kind, q
            # every relation but an index has a row type of its name
            if q in catalog.other_types or (
                name in catalog.ns.relations(schema) and q not in catalog.index_table
            ):
                return TypeKind.OTHER, q
        return None

    # -- carrying statements verbatim ----------------------------------------------------------
    def carry(
        self,
        kind: str,
        name: str | None,
        drop: str | None,
        schema: str | None = None,
        table: QName | None = None,
    ) -> None:
        stmt = self.statement
        before, after = around(from_current_parameters(stmt), self.session.settings)
        self.catalog.raw.append(
            RawStatement(
                kind, stmt.sql, drop, name, self.pos, stmt.span, schema, table, before, after
            )
        )

    def carry_info(self, info: RawInfo) -> None:
        target = self.qualify_any(info.target) if info.target is not None else None
        if info.relation and target is not None:
            self.catalog.ns.add_relation(target.schema, target.name)
        if info.kind == "type" and target is not None:
            self.catalog.other_types.add(target)
            if not info.shell:
                # the full definition of a shell type drops it; the shell's drop would come
                # after its I/O functions' drops, which it needs
                self.catalog.raw = [
                    replace(r, drop=None)
                    if r.kind == "type" and r.name == render(info.name, target)
                    else r
                    for r in self.catalog.raw
                ]
        name, drop = render(info.name, target), render(info.drop, target)
        if info.replaces and name is not None:
            replaced = self._carried(info.kind, name)
            if replaced is not None:
                # pg_dump writes a placeholder view, the objects that need it, then CREATE OR
                # REPLACE: dropping twice fails, and dropping at the replacement fails while the
                # objects created in between depend on it. The exact undo of a replacement is
                # the definition it replaced; the first statement's drop removes the object.
                # (raw.restore: where the server refuses the old definition, the replacement
                # stays until that drop.)
                drop = restore(info.kind, replaced.sql, replaced.before, replaced.after)
        schema = target.schema if target is not None else None
        table = target if info.on_table else None
        self.carry(info.kind, name, drop, schema, table)

    def _carried(self, kind: str, name: str) -> RawStatement | None:
        """The latest carried statement that created the object ``kind name``."""
        for r in reversed(self.catalog.raw):
            if r.kind == kind and r.name is not None and same_object(r.name, name):
                return r
        return None

    def rendered_drop(self, info: RawInfo) -> str | None:
        target = self.qualify_any(info.target) if info.target is not None else None
        return render(info.drop, target)

    # -- the search path -----------------------------------------------------------------------
    def set_search_path(self, path: list[str]) -> None:
        self.session.search_path = path
        self.path_changed()

    def path_changed(self) -> None:
        """Carry a search_path change into the migration when it changes name resolution.

        Raw statements, defaults, checks and index expressions are kept as written, so unqualified
        names in them must resolve the way they did in the source: the migration replays the
        source's path at the same position (SET LOCAL; the downgrade restores the previous one).
        ``public`` is appended when absent so the objects the migration names without a schema
        still resolve; that cannot change what the source resolved, because the source applied.
        """
        path = effective_path(self.session.search_path)
        if path == self.session.replay_path:
            return
        previous = path_sql(self.session.replay_path)
        self.catalog.raw.append(
            RawStatement(
                "search path",
                f"SET LOCAL search_path TO {path_sql(path)}",
                f"SET LOCAL search_path TO {previous}",
                ", ".join(path),
                self.pos,
                self.statement.span,
            )
        )
        self.session.replay_path = path

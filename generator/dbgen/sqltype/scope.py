"""Names in scope: the relations of a FROM clause, the CTEs, and how a column reference
resolves (qualified or not, through USING, outward for correlated subqueries)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from sqlglot import exp

from dbgen.ir import QName, SqlType


@dataclass(frozen=True, slots=True)
class V:
    """A typed value: its SQL type, whether it may be NULL, and the table column it is (if any)."""

    type: SqlType
    nullable: bool
    origin: tuple[QName, str] | None = None

    def null(self, nullable: bool = True) -> V:
        return self if self.nullable == nullable else replace(self, nullable=nullable)


class Problem(Exception):
    """A query the typer refuses; ``node`` locates it (the typer turns it into a diagnostic)."""

    def __init__(self, node: exp.Expression | None, code: str, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.code = code
        self.message = message


@dataclass(slots=True)
class Rel:
    """One relation of a FROM clause under its alias (or name)."""

    alias: str
    columns: dict[str, V]
    label: str  # how messages name it: "users", "users (u)", "subquery s"
    nullable: bool = False  # the far side of an outer join: every column may be NULL
    # Columns the WHERE clause proves NOT NULL (a strict comparison or IS NOT NULL that every
    # row must pass): after the joins, so they win over ``nullable``.
    narrowed: set[str] = field(default_factory=set)

    def get(self, name: str) -> V | None:
        v = self.columns.get(name)
        if v is None:
            return None
        if name in self.narrowed:
            return v.null(False)
        return v.null() if self.nullable else v


@dataclass(slots=True)
class Scope:
    rels: list[Rel] = field(default_factory=list)
    parent: Scope | None = None
    ctes: dict[str, list[tuple[str, V]]] = field(default_factory=dict)
    merged: dict[str, V] = field(default_factory=dict)  # USING / NATURAL join columns
    outputs: dict[str, V] = field(default_factory=dict)  # select-list names (ORDER BY, GROUP BY)
    grouped: bool = False  # GROUP BY of plain expressions: every group has a row

    def cte(self, name: str) -> list[tuple[str, V]] | None:
        s: Scope | None = self
        while s is not None:
            if name in s.ctes:
                return s.ctes[name]
            s = s.parent
        return None

    def owner(self, name: str, table: str | None) -> Rel | None:
        """The relation of this scope (not an outer one) a column reference reads, if any."""
        if table is not None:
            r = self.rel(table)
            return r if r is not None and name in r.columns else None
        if name in self.merged:
            return None
        found = [r for r in self.rels if name in r.columns]
        return found[0] if len(found) == 1 else None

    def rel(self, alias: str) -> Rel | None:
        for r in self.rels:
            if r.alias == alias:
                return r
        return None

    def resolve(self, node: exp.Column, name: str, table: str | None) -> V:
        s: Scope | None = self
        if table is not None:
            while s is not None:
                r = s.rel(table)
                if r is not None:
                    v = r.get(name)
                    if v is None:
                        raise Problem(
                            node,
                            "unknown-column",
                            f"{r.label} has no column {name!r}{_suggest(name, r.columns)}",
                        )
                    return v
                s = s.parent
            known = [r.alias for r in self._all_rels()]
            raise Problem(
                node,
                "unknown-table",
                f"no table or alias {table!r} in scope{_suggest(table, known)}",
            )
        while s is not None:
            if name in s.merged:
                return s.merged[name]
            found = [(r, v) for r in s.rels if (v := r.get(name)) is not None]
            if len(found) > 1:
                where = ", ".join(f"{r.alias}.{name}" for r, _ in found)
                raise Problem(
                    node,
                    "ambiguous-column",
                    f"column {name!r} is ambiguous ({where}); qualify it",
                )
            if found:
                return found[0][1]
            s = s.parent
        names = [c for r in self._all_rels() for c in r.columns]
        raise Problem(node, "unknown-column", f"no column {name!r} in scope{_suggest(name, names)}")

    def _all_rels(self) -> list[Rel]:
        out: list[Rel] = []
        s: Scope | None = self
        while s is not None:
            out += s.rels
            s = s.parent
        return out


def _suggest(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def ident(node: exp.Expression | str | None) -> str:
    """An identifier as PostgreSQL folds it: unquoted ones lower-cased."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.lower()
    if isinstance(node, exp.Identifier):
        name = str(node.this)
        return name if node.quoted else name.lower()
    return str(node.name).lower()

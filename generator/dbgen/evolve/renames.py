"""Declared renames: how a user says "this table / column was renamed", not dropped and added.

In the spec directory's ``dbgen.toml``::

    [renames]
    tables = { "old_name" = "new_name", "audit.old_log" = "audit.log" }
    columns = { "users.fullname" = "display_name" }   # <table as named now>.<old column>
    enum_values = { "mood" = { "sad" = "unhappy" } }  # enum -> { old label = new label }

Names without a schema mean ``public``; names are folded the way unquoted SQL names are
(lower case) unless written in double quotes; enum labels are exact strings. A declaration whose old name the previous state
does not have is ignored, so entries can stay in the file after the revision is built.

``apply_renames`` rewrites the old catalog the way PostgreSQL's RENAME would (the references of
foreign keys and owned sequences follow), and returns the statements that do it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from dbgen.diagnostics import Diagnostic, Span, error
from dbgen.evolve.text import rename_in
from dbgen.ir import Catalog, ForeignKey, QName, Sequence, Table, quote_ident


@dataclass(frozen=True, slots=True)
class Renames:
    tables: tuple[tuple[QName, QName], ...] = ()  # (old, new)
    columns: tuple[tuple[QName, str, str], ...] = ()  # (table as named now, old, new)
    enum_values: tuple[tuple[QName, str, str], ...] = ()  # (enum, old label, new label)

    def inverse(self) -> Renames:
        """The renames that undo these (for the downgrade, planned from new to old)."""
        back = {new: old for old, new in self.tables}
        return Renames(
            tables=tuple((new, old) for old, new in self.tables),
            columns=tuple((back.get(t, t), new, old) for t, old, new in self.columns),
            enum_values=tuple((e, new, old) for e, old, new in self.enum_values),
        )


NO_RENAMES = Renames()


def _ident(part: str) -> str:
    part = part.strip()
    if len(part) >= 2 and part[0] == part[-1] == '"':
        return part[1:-1].replace('""', '"')
    return part.lower()


def _split(name: str) -> list[str]:
    """Dotted name -> its parts, dots inside double quotes kept."""
    parts, cur, quoted = [], "", False
    for ch in name:
        if ch == '"':
            quoted = not quoted
        if ch == "." and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [_ident(p) for p in parts]


def _qname(name: str) -> QName | None:
    parts = _split(name)
    if len(parts) == 1 and parts[0]:
        return QName("public", parts[0])
    if len(parts) == 2 and all(parts):
        return QName(parts[0], parts[1])
    return None


def load_renames(data: object, file: str) -> tuple[Renames, tuple[Diagnostic, ...]]:
    """The ``[renames]`` table of dbgen.toml (as tomllib parsed it) -> Renames."""
    where = Span(file, 1, 1)
    if data is None:
        return Renames(), ()
    if not isinstance(data, Mapping):
        return Renames(), (error(where, "config", "[renames] must be a table"),)
    diags: list[Diagnostic] = []
    tables: list[tuple[QName, QName]] = []
    columns: list[tuple[QName, str, str]] = []
    for key in data:
        if key not in ("tables", "columns", "enum_values"):
            diags.append(
                error(
                    where,
                    "config",
                    f"[renames] has no key {key!r} (tables, columns, enum_values)",
                )
            )
    for old, new in _pairs(data.get("tables", {}), "tables", where, diags):
        o, n = _qname(old), _qname(new)
        if o is None or n is None:
            diags.append(
                error(where, "config", f"renames.tables: bad table name in {old!r} = {new!r}")
            )
            continue
        tables.append((o, n))
    for old, new in _pairs(data.get("columns", {}), "columns", where, diags):
        parts = _split(old)
        if len(parts) not in (2, 3) or not all(parts) or len(_split(new)) != 1 or not new.strip():
            diags.append(
                error(
                    where,
                    "config",
                    f'renames.columns: write {{ "table.old_column" = "new_column" }}, not '
                    f"{old!r} = {new!r}",
                )
            )
            continue
        table = QName("public", parts[0]) if len(parts) == 2 else QName(parts[0], parts[1])
        columns.append((table, parts[-1], _split(new)[0]))
    values: list[tuple[QName, str, str]] = []
    raw_values = data.get("enum_values", {})
    if not isinstance(raw_values, Mapping):
        diags.append(error(where, "config", "renames.enum_values must be a table of tables"))
        raw_values = {}
    for enum, labels in sorted(raw_values.items()):
        q = _qname(enum) if isinstance(enum, str) else None
        if q is None:
            diags.append(error(where, "config", f"renames.enum_values: bad enum name {enum!r}"))
            continue
        for old, new in _pairs(labels, f"enum_values.{enum}", where, diags):
            values.append((q, old, new))
    return Renames(tuple(tables), tuple(columns), tuple(values)), tuple(diags)


def _pairs(value: object, key: str, where: Span, diags: list[Diagnostic]) -> list[tuple[str, str]]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        diags.append(error(where, "config", f"renames.{key} must map names to names (strings)"))
        return []
    return sorted(value.items())


# -- applying them to the previous state ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Renamed:
    catalog: Catalog  # the old catalog as it is after the renames
    statements: tuple[tuple[str, str, str], ...]  # (label, SQL, table) in the order to run
    tables: tuple[QName, ...]  # new names of renamed tables (their views need recreating)
    columns: tuple[tuple[QName, str], ...]  # (table, new column name) of renamed columns


def apply_renames(old: Catalog, new: Catalog, renames: Renames) -> Renamed:
    statements: list[tuple[str, str, str]] = []
    table_map: dict[QName, QName] = {}
    for o, n in renames.tables:
        if old.table(o) is None or new.table(n) is None or old.table(n) is not None:
            continue  # stale or already applied
        table_map[o] = n
        if o.schema != n.schema:
            statements.append(
                (
                    f"move table {o} to schema {n.schema}",
                    f"ALTER TABLE {o.sql} SET SCHEMA {quote_ident(n.schema)}",
                    str(o),
                )
            )
        if o.name != n.name:
            statements.append(
                (
                    f"rename table {o} to {n}",
                    f"ALTER TABLE {QName(n.schema, o.name).sql} RENAME TO {quote_ident(n.name)}",
                    str(QName(n.schema, o.name)),
                )
            )
    column_map: dict[QName, dict[str, str]] = {}
    for t, oc, nc in renames.columns:
        before = next((o for o, n in table_map.items() if n == t), t)
        ot, nt = old.table(before), new.table(t)
        if ot is None or nt is None or ot.column(oc) is None or ot.column(nc) is not None:
            continue
        if nt.column(nc) is None:
            continue
        column_map.setdefault(t, {})[oc] = nc
        statements.append(
            (
                f"rename column {t}.{oc} to {nc}",
                f"ALTER TABLE {t.sql} RENAME COLUMN {quote_ident(oc)} TO {quote_ident(nc)}",
                str(t),
            )
        )

    def tname(q: QName) -> QName:
        return table_map.get(q, q)

    def cname(q: QName, c: str) -> str:
        return column_map.get(tname(q), {}).get(c, c)

    def fk(f: ForeignKey, owner: QName) -> ForeignKey:
        return dataclasses.replace(
            f,
            columns=tuple(cname(owner, c) for c in f.columns),
            ref_table=tname(f.ref_table),
            ref_columns=tuple(cname(f.ref_table, c) for c in f.ref_columns),
        )

    def table(t: Table) -> Table:
        q = t.qname
        m = column_map.get(tname(q), {})

        def cs(names: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(m.get(n, n) for n in names)

        def ex(sql: str | None) -> str | None:
            # PostgreSQL keeps expressions parsed, so they follow a column rename.
            for a, b in m.items():
                if sql is not None:
                    sql = rename_in(sql, a, b)
            return sql

        columns = tuple(
            dataclasses.replace(c, name=m.get(c.name, c.name), generated=ex(c.generated))
            for c in t.columns
        )
        pk = (
            dataclasses.replace(t.primary_key, columns=cs(t.primary_key.columns))
            if t.primary_key
            else None
        )
        return dataclasses.replace(
            t,
            qname=tname(q),
            columns=columns,
            primary_key=pk,
            checks=tuple(
                dataclasses.replace(c, expression=ex(c.expression) or "") for c in t.checks
            ),
            partition_of=dataclasses.replace(t.partition_of, parent=tname(t.partition_of.parent))
            if t.partition_of
            else None,
            inherits=tuple(tname(p) for p in t.inherits),
            uniques=tuple(
                dataclasses.replace(u, columns=cs(u.columns), include=cs(u.include))
                for u in t.uniques
            ),
            foreign_keys=tuple(fk(f, q) for f in t.foreign_keys),
            indexes=tuple(
                dataclasses.replace(
                    ix,
                    elements=tuple(
                        dataclasses.replace(
                            e, column=m[e.column], expression=quote_ident(m[e.column])
                        )
                        if e.column is not None and e.column in m
                        else dataclasses.replace(e, expression=ex(e.expression) or "")
                        if e.column is None
                        else e
                        for e in ix.elements
                    ),
                    include=cs(ix.include),
                    where=ex(ix.where),
                )
                for ix in t.indexes
            ),
        )

    def sequence(s: Sequence) -> Sequence:
        if s.owned_by is None:
            return s
        owner, col = s.owned_by
        return dataclasses.replace(s, owned_by=(tname(owner), cname(owner, col)))

    if not statements:
        return Renamed(old, (), (), ())
    catalog = dataclasses.replace(
        old,
        tables=tuple(table(t) for t in old.tables),
        sequences=tuple(sequence(s) for s in old.sequences),
    )
    return Renamed(
        catalog,
        tuple(statements),
        tuple(table_map.values()),
        tuple((t, c) for t, m in column_map.items() for c in m.values()),
    )

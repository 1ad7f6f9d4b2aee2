"""Compare two catalogs and list the Changes that turn the first into the second.

``diff_catalogs(old, new, renames)`` is the whole differ; the pieces it calls:
- ``renames.apply_renames``: declared renames first, so the rest compares like with like;
- ``tables.TableDiff``: every table both sides have (columns, constraints, indexes, options);
- ``types.py``: enums and domains (values added in place, anything else rebuilt);
- ``verbatim.py``: the statements carried as written (views, functions, triggers, ...);
- what only one side has: new objects are created by the initial migration's own planner,
  in the new source's order (which applied, so it applies again); dropped objects are dropped
  in reverse old order.
"""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass

from dbgen.diagnostics import Diagnostic, warning
from dbgen.evolve import hazards as hz
from dbgen.evolve import sqlgen
from dbgen.evolve.changes import Change, Phase, execute, sql_change
from dbgen.evolve.renames import NO_RENAMES, Renames, apply_renames
from dbgen.evolve.sqlgen import sequence_options
from dbgen.evolve.tables import TableDiff, _comment
from dbgen.evolve.text import mentions, norm
from dbgen.evolve.types import type_changes
from dbgen.evolve.verbatim import VerbatimPlan, plan_verbatim
from dbgen.ir import Catalog, QName, RawStatement, Sequence, Table, quote_ident
from dbgen.plan.migration import Step, plan_migration
from dbgen.plan.typemap import TypeContext


@dataclass(frozen=True, slots=True)
class Diff:
    changes: tuple[Change, ...]  # in the order to run them
    diagnostics: tuple[Diagnostic, ...]
    uses_raw_type: bool


def type_context(catalog: Catalog) -> TypeContext:
    """What the migration planner needs to spell column types (enum classes are not used in
    migrations, so any name does)."""
    return TypeContext(
        package="_",
        enum_classes={e.qname: "Enum" for e in catalog.enums},
        domain_bases={d.qname: d.base for d in catalog.domains},
    )


def diff_catalogs(
    old: Catalog, new: Catalog, renames: Renames = NO_RENAMES, *, concurrent_indexes: bool = False
) -> Diff:
    changes: list[Change] = []
    diags: list[Diagnostic] = []

    renamed = apply_renames(old, new, renames)
    for i, (label, sql, table) in enumerate(renamed.statements):
        changes.append(
            sql_change(Phase.RENAME, i, label, sql, hazard=hz.Hazard(hz.ACCESS_EXCLUSIVE, table))
        )
    old = renamed.catalog

    old_tables = {t.qname: t for t in old.tables}
    new_tables = {t.qname: t for t in new.tables}
    created = [t for t in new.tables if t.qname not in old_tables]
    removed = [t for t in old.tables if t.qname not in new_tables]
    changed_columns: set[tuple[QName, str]] = set(renamed.columns)

    # tables both sides have (parents before their partitions and children)
    statements: dict[QName, set[str]] = {}
    new_sequences = {s.qname for s in new.sequences}
    vacated = tuple(s for s in old.sequences if s.qname not in new_sequences)
    dropped_early: set[QName] = set()  # vacated sequences a column change dropped already
    for t in new.tables:
        before = old_tables.get(t.qname)
        if before is None:
            continue
        td = TableDiff(before, t, concurrent_indexes, vacated=vacated)
        td.renamed()
        td.columns()
        td.constraints()
        td.indexes()
        td.options()
        parents = [t.partition_of.parent] if t.partition_of else list(t.inherits)
        changes += _not_inherited(td.changes, t, parents, statements)
        statements[t.qname] = {s for c in td.changes for s in c.statements}
        diags += td.diagnostics
        changed_columns |= {(t.qname, c) for c in td.changed_columns}
        dropped_early |= td.dropped_sequences

    # tables that went
    for t in removed:
        diags.append(
            warning(t.span, "destructive-change", f"table {t.qname} is dropped: its rows are lost")
        )
    diags += _table_rename_hints(removed, created)

    # enums, domains
    tc = type_changes(old, new, renames)
    changes += tc.changes
    diags += tc.diagnostics

    # verbatim statements
    vp = plan_verbatim(old, new, changed_columns, {t.qname for t in removed} | set(renamed.tables))
    changes += vp.changes
    diags += vp.diagnostics

    # sequences
    changes += _sequences(old, new, {t.qname for t in created})

    # everything that went, dropped the way the initial migration's downgrade drops it
    left = tuple(s for s in old.sequences if s.qname not in dropped_early)
    changes += _dropped(dataclasses.replace(old, sequences=left), new, removed, vp.removed)

    # schemas and extensions that went
    new_schemas = {s.name for s in new.schemas}
    for s in old.schemas:
        if s.name not in new_schemas:
            changes.append(
                sql_change(
                    Phase.DROP_LATE,
                    1e9 - s.position,
                    f"drop schema {s.name}",
                    f"DROP SCHEMA {quote_ident(s.name)}",
                )
            )
    new_ext = {x.name for x in new.extensions}
    for x in old.extensions:
        if x.name not in new_ext:
            changes.append(
                sql_change(
                    Phase.DROP_LATE,
                    1e9 - x.position,
                    f"drop extension {x.name}",
                    f"DROP EXTENSION IF EXISTS {quote_ident(x.name)}",
                )
            )
    old_schemas = {s.name: s for s in old.schemas}
    for s in new.schemas:
        o = old_schemas.get(s.name)
        if o is not None and o.comment != s.comment:
            changes.append(
                sql_change(
                    Phase.COMMENTS,
                    s.position,
                    f"comment on schema {s.name}",
                    f"COMMENT ON SCHEMA {quote_ident(s.name)} IS {_comment(s.comment)}",
                )
            )

    # everything new, planned like the initial migration
    created_changes, raw_type = _created(old, new, created, vp)
    changes += created_changes

    ordered = sorted(changes, key=lambda c: (c.phase, c.order))
    return Diff(tuple(ordered), tuple(diags), raw_type)


def _dropped(
    old: Catalog, new: Catalog, tables: list[Table], raws: list[RawStatement]
) -> list[Change]:
    """Objects only the old catalog has, dropped in reverse source order by the initial
    migration's own downgrade (proven to drop every corpus schema), before the new objects are
    created (their names may be taken again). What a surviving column still uses until the
    COLUMNS phase changes it (a default's sequence or function, a column's enum or domain)
    waits for DROP_LATE."""
    still_used = " ".join(
        f"{c.default or ''} {c.generated or ''} {c.type.ref.name if c.type.ref else ''}"
        for t in old.tables
        if new.table(t.qname) is not None
        for c in t.columns
    )

    def waits(name: str | None) -> bool:
        return name is not None and mentions(still_used, name.split("(")[0].rsplit(".", 1)[-1])

    new_enums = {e.qname for e in new.enums}
    new_domains = {d.qname for d in new.domains}
    new_seqs = {s.qname for s in new.sequences}
    sub = Catalog(
        enums=tuple(e for e in old.enums if e.qname not in new_enums and not waits(e.qname.name)),
        domains=tuple(
            d for d in old.domains if d.qname not in new_domains and not waits(d.qname.name)
        ),
        sequences=tuple(
            s for s in old.sequences if s.qname not in new_seqs and not waits(s.qname.name)
        ),
        tables=tuple(tables),
        raw=tuple(r for r in raws if not waits(r.name)),
        files=old.files,
    )
    out: list[Change] = []
    for e in old.enums:
        if e.qname not in new_enums and e not in sub.enums:
            out.append(
                sql_change(
                    Phase.DROP_LATE, -e.position, f"drop enum {e.qname}", f"DROP TYPE {e.qname.sql}"
                )
            )
    for d in old.domains:
        if d.qname not in new_domains and d not in sub.domains:
            out.append(
                sql_change(
                    Phase.DROP_LATE,
                    -d.position,
                    f"drop domain {d.qname}",
                    f"DROP DOMAIN {d.qname.sql}",
                )
            )
    for q in old.sequences:
        if q.qname not in new_seqs and q not in sub.sequences:
            out.append(
                sql_change(
                    Phase.DROP_LATE,
                    -q.position,
                    f"drop sequence {q.qname}",
                    f"DROP SEQUENCE IF EXISTS {q.qname.sql}",
                )
            )
    for r in raws:
        if r not in sub.raw and r.drop:
            out.append(
                sql_change(
                    Phase.DROP_LATE, -r.position, f"drop {r.kind} {r.name or ''}".strip(), r.drop
                )
            )
    if not (sub.enums or sub.domains or sub.sequences or sub.tables or sub.raw):
        return out
    # Drop statements as written (a function's argument types) resolve under the source's
    # search path: the downgrade replays the paths in force, then the default comes back.
    paths = tuple(r for r in old.raw if r.kind == "search path")
    in_force = _paths_in_force(paths, sub, list(sub.raw))
    by_id = {id(r): i for i, r in enumerate(old.raw)}
    raw = sorted((*in_force, *sub.raw), key=lambda r: by_id.get(id(r), 0))
    plan = plan_migration(dataclasses.replace(sub, raw=tuple(raw)), type_context(old))
    steps = list(plan.downgrade_steps)
    if in_force:
        steps.append(
            Step(
                0,
                (),
                (execute("SET LOCAL search_path TO DEFAULT"),),
                "search path back to the default",
            )
        )
    for i, step in enumerate(steps):
        kind = step.label.split(" ", 1)[0]
        table = step.label.split(" ", 1)[1] if kind in ("table", "partition") else None
        out.append(
            Change(
                Phase.DROP_TABLES,
                i,
                "drop " + step.label,
                step.downgrade,
                hz.Hazard(hz.ACCESS_EXCLUSIVE, table) if table else hz.NO_LOCK,
            )
        )
    return out


def _paths_in_force(
    paths: tuple[RawStatement, ...], sub: Catalog, raws: list[RawStatement]
) -> list[RawStatement]:
    """The source's search_path changes in force where something is created (a change applies
    to the positions after it, up to and including the next change's)."""
    positions = sorted(
        [
            *(x.position for x in sub.schemas),
            *(x.position for x in sub.extensions),
            *(x.position for x in sub.enums),
            *(x.position for x in sub.domains),
            *(x.position for x in sub.composites),
            *(x.position for x in sub.sequences),
            *(x.position for x in raws),
            *(p for t in sub.tables for p in _table_positions(t)),
        ]
    )
    kept = []
    for i, path in enumerate(paths):
        upto = paths[i + 1].position if i + 1 < len(paths) else float("inf")
        lo = bisect.bisect_left(
            positions, path.position
        )  # a CREATE SCHEMA's elements share its position
        if lo < len(positions) and positions[lo] <= upto:
            kept.append(path)
    return kept


def _table_positions(t: Table) -> list[int]:
    return [
        t.position,
        *([t.primary_key.position] if t.primary_key else []),
        *(c.position for c in t.uniques),
        *(c.position for c in t.checks),
        *(c.position for c in t.foreign_keys),
        *(c.position for c in t.indexes),
    ]


def _created(
    old: Catalog, new: Catalog, created: list[Table], vp: VerbatimPlan
) -> tuple[list[Change], bool]:
    old_schemas = {s.name for s in old.schemas}
    old_ext = {x.name for x in old.extensions}
    old_enums = {e.qname for e in old.enums}
    old_domains = {d.qname for d in old.domains}
    old_comp = {c.qname for c in old.composites}
    old_seqs = {s.qname for s in old.sequences}
    created_names = {t.qname for t in created}
    paths = tuple(r for r in new.raw if r.kind == "search path")
    # where each statement stands in the source (a replaced function is a copy: by its name)
    by_id = {id(r): i for i, r in enumerate(new.raw)}
    by_name = {(r.position, r.kind, r.name): i for i, r in enumerate(new.raw)}

    def source_order(r: RawStatement) -> int:
        return by_id.get(id(r), by_name.get((r.position, r.kind, r.name), 0))

    out: list[Change] = []
    raw_type = False
    # A new table's foreign keys to existing tables wait for those tables' new keys
    # (ADD_CONSTRAINTS): a new table may reference a unique constraint this revision adds.
    later_fks = [
        (t, fk) for t in created for fk in t.foreign_keys if fk.ref_table not in created_names
    ]
    created = [
        dataclasses.replace(
            t, foreign_keys=tuple(fk for fk in t.foreign_keys if fk.ref_table in created_names)
        )
        for t in created
    ]
    for t, fk in later_fks:
        out.append(
            sql_change(
                Phase.ADD_FOREIGN_KEYS,
                fk.position,
                f"foreign key {fk.name}",
                f"ALTER TABLE {t.qname.sql} ADD {sqlgen.foreign_key(fk, not_valid=False)}",
                hazard=hz.Hazard(hz.SHARE_ROW_EXCLUSIVE, str(fk.ref_table)),
            )
        )
    for phase, raws, tables in (
        (Phase.CREATE, vp.create_early, created),
        (Phase.CREATE_LATE, vp.create_late, []),
    ):
        sub = Catalog(
            schemas=tuple(s for s in new.schemas if s.name not in old_schemas)
            if phase is Phase.CREATE
            else (),
            extensions=tuple(x for x in new.extensions if x.name not in old_ext)
            if phase is Phase.CREATE
            else (),
            enums=tuple(e for e in new.enums if e.qname not in old_enums)
            if phase is Phase.CREATE
            else (),
            domains=tuple(d for d in new.domains if d.qname not in old_domains)
            if phase is Phase.CREATE
            else (),
            composites=tuple(c for c in new.composites if c.qname not in old_comp)
            if phase is Phase.CREATE
            else (),
            sequences=tuple(
                _own_later(s, created_names) for s in new.sequences if s.qname not in old_seqs
            )
            if phase is Phase.CREATE
            else (),
            tables=tuple(tables),
            raw=(),
            files=new.files,
        )
        if not (
            sub.schemas
            or sub.extensions
            or sub.enums
            or sub.domains
            or sub.composites
            or sub.sequences
            or sub.tables
            or raws
        ):
            continue
        in_force = _paths_in_force(paths, sub, raws)
        # in the source's order: one position's statements (a CREATE SCHEMA's elements) stay
        # between the path changes around them
        merged = sorted((*in_force, *raws), key=source_order)
        sub = dataclasses.replace(sub, raw=tuple(merged))
        plan = plan_migration(sub, type_context(new))
        raw_type |= plan.uses_raw_type
        for i, step in enumerate(plan.steps):
            out.append(Change(phase, i, step.label, step.upgrade, _create_hazard(step.label, old)))
    return out, raw_type


def _create_hazard(label: str, old: Catalog) -> hz.Hazard:
    """Creating objects locks nothing that exists, except triggers, rules and policies, which
    lock the table they are on."""
    kind = label.split(" ", 1)[0]
    if kind in ("trigger", "rule", "policy"):
        return hz.Hazard(
            hz.SHARE_ROW_EXCLUSIVE if kind == "trigger" else hz.ACCESS_EXCLUSIVE,
            label.split(" ", 1)[1],
        )
    return hz.NO_LOCK


def _not_inherited(
    changes: list[Change], t: Table, parents: list[QName], statements: dict[QName, set[str]]
) -> list[Change]:
    """A partition's or inheritance child's changes without those its parent's ALTER TABLE
    makes to it already (ADD/DROP COLUMN, types, NOT NULL, defaults and checks recurse)."""
    if not parents:
        return changes
    kept = []
    for c in changes:
        inherited = c.phase is not Phase.COMMENTS and all(
            any(s.replace(t.qname.sql, p.sql, 1) in statements.get(p, set()) for p in parents)
            for s in c.statements
        )
        if not inherited:
            kept.append(c)
    return kept


def _own_later(s: Sequence, created: set[QName]) -> Sequence:
    """A new sequence owned by a column of an existing table: OWNED BY waits for the column."""
    if s.owned_by is not None and s.owned_by[0] not in created:
        return dataclasses.replace(s, owned_by=None)
    return s


def _sequences(old: Catalog, new: Catalog, created_tables: set[QName]) -> list[Change]:
    out: list[Change] = []
    old_by = {s.qname: s for s in old.sequences}
    new_by = {s.qname: s for s in new.sequences}
    for q, s in new_by.items():
        o = old_by.get(q)
        if o is None:
            if s.owned_by is not None and s.owned_by[0] not in created_tables:
                table, column = s.owned_by
                col = quote_ident(column)
                out.append(
                    sql_change(
                        Phase.SEQUENCES,
                        s.position,
                        f"sequence {q} owned by {table}.{column}",
                        f"ALTER SEQUENCE {q.sql} OWNED BY {table.sql}.{col}",
                        # a new sequence for a column that holds values already (an identity
                        # turned serial) continues after them instead of colliding
                        f"SELECT setval({sqlgen.literal(q.sql)}, max({col})) FROM {table.sql} "
                        f"HAVING max({col}) >= (SELECT last_value FROM {q.sql})",
                    )
                )
            continue
        if (o.data_type or "bigint") != (s.data_type or "bigint"):
            out.append(
                sql_change(
                    Phase.SEQUENCES,
                    s.position,
                    f"sequence {q}: type",
                    f"ALTER SEQUENCE {q.sql} AS {s.data_type or 'bigint'}",
                )
            )
        if norm(o.options) != norm(s.options):
            out.append(
                sql_change(
                    Phase.SEQUENCES,
                    s.position,
                    f"sequence {q}: options",
                    f"ALTER SEQUENCE {q.sql} {sequence_options(o.options, s.options)}",
                )
            )
        if o.owned_by != s.owned_by:
            target = (
                "NONE"
                if s.owned_by is None
                else f"{s.owned_by[0].sql}.{quote_ident(s.owned_by[1])}"
            )
            out.append(
                sql_change(
                    Phase.SEQUENCES,
                    s.position,
                    f"sequence {q} owned by",
                    f"ALTER SEQUENCE {q.sql} OWNED BY {target}",
                )
            )
        if o.comment != s.comment:
            out.append(
                sql_change(
                    Phase.COMMENTS,
                    s.position,
                    f"comment on sequence {q}",
                    f"COMMENT ON SEQUENCE {q.sql} IS {_comment(s.comment)}",
                )
            )
    return out


def _table_rename_hints(removed: list[Table], created: list[Table]) -> list[Diagnostic]:
    def shape(t: Table) -> tuple[object, ...]:
        from dbgen.evolve.casts import type_key

        return tuple((c.name, type_key(c.type)) for c in t.columns)

    out = []
    for r in removed:
        twins = [c for c in created if shape(c) == shape(r) and c.qname.schema == r.qname.schema]
        if len(twins) == 1:
            c = twins[0]
            out.append(
                warning(
                    c.span,
                    "possible-rename",
                    f"table {r.qname} is dropped and {c.qname} added with the same columns; if it "
                    f'was renamed, declare it in dbgen.toml: [renames] tables = {{ "{r.qname}" = "{c.qname}" }}',
                )
            )
    return out

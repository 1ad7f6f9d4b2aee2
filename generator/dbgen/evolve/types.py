"""Enums and domains both sides have: values added in place, anything else rebuilt.

``ALTER TYPE ... ADD VALUE`` keeps every row and runs outside the transaction (PostgreSQL < 12
refuses it inside one, and no version lets the transaction that adds a value use it), so it
runs in Alembic's autocommit block. Removing or reordering values has no ALTER form: the type
is rebuilt (renamed aside, created anew, every column using it converted through text, the old
one dropped). A changed domain is rebuilt the same way.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from dbgen.diagnostics import Diagnostic, error, warning
from dbgen.evolve import hazards as hz
from dbgen.evolve.casts import type_key
from dbgen.evolve.changes import Change, Phase, sql_change
from dbgen.evolve.renames import NO_RENAMES, Renames
from dbgen.evolve.sqlgen import literal
from dbgen.evolve.tables import _comment
from dbgen.evolve.text import norm
from dbgen.ir import Catalog, Domain, EnumType, QName, quote_ident

_ASIDE = "__dbgen_old"


@dataclass(slots=True)
class TypeChanges:
    changes: list[Change] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _is_subsequence(old: tuple[str, ...], new: tuple[str, ...]) -> bool:
    it = iter(new)
    return all(label in it for label in old)


def type_changes(old: Catalog, new: Catalog, renames: Renames = NO_RENAMES) -> TypeChanges:
    out = TypeChanges()
    old_enums = {e.qname: e for e in old.enums}
    for e in new.enums:
        o = old_enums.get(e.qname)
        if o is None:
            continue
        o = _rename_values(out, o, e, renames)
        rebuilt = False
        if o.labels != e.labels:
            if _is_subsequence(o.labels, e.labels):
                _add_values(out, e.qname, o.labels, e.labels, float(e.position))
            else:
                gone = [label for label in o.labels if label not in e.labels]
                came = [label for label in e.labels if label not in o.labels]
                if (
                    len(gone) == 1
                    and len(came) == 1
                    and o.labels.index(gone[0]) == e.labels.index(came[0])
                ):
                    out.diagnostics.append(
                        warning(
                            e.span,
                            "possible-rename",
                            f"enum {e.qname} loses {gone[0]!r} and gains {came[0]!r} in its place; "
                            "if it was renamed, declare it in dbgen.toml: [renames] enum_values = "
                            f'{{ "{e.qname}" = {{ "{gone[0]}" = "{came[0]}" }} }}',
                        )
                    )
                if gone:
                    out.diagnostics.append(
                        warning(
                            e.span,
                            "destructive-change",
                            f"enum {e.qname} loses {', '.join(map(repr, gone))}: the type is rebuilt "
                            "and the upgrade fails where rows hold them",
                        )
                    )
                labels = ", ".join(literal(label) for label in e.labels)
                _rebuild(
                    out,
                    new,
                    e.qname,
                    f"CREATE TYPE {e.qname.sql} AS ENUM ({labels})",
                    float(e.position),
                )
                rebuilt = True
        if o.comment != e.comment or (rebuilt and e.comment is not None):
            out.changes.append(
                sql_change(
                    Phase.COMMENTS,
                    e.position,
                    f"comment on type {e.qname}",
                    f"COMMENT ON TYPE {e.qname.sql} IS {_comment(e.comment)}",
                )
            )
    old_domains = {d.qname: d for d in old.domains}
    for d in new.domains:
        od = old_domains.get(d.qname)
        if od is None:
            continue
        rebuilt = norm(od.definition) != norm(d.definition)
        if rebuilt:
            _rebuild_domain(out, new, od, d)
        if od.comment != d.comment or (rebuilt and d.comment is not None):
            out.changes.append(
                sql_change(
                    Phase.COMMENTS,
                    d.position,
                    f"comment on domain {d.qname}",
                    f"COMMENT ON DOMAIN {d.qname.sql} IS {_comment(d.comment)}",
                )
            )
    _composites(out, old, new)
    return out


def _composites(out: TypeChanges, old: Catalog, new: Catalog) -> None:
    """Attributes dropped, retyped and appended in place (ALTER TYPE ... ATTRIBUTE); a type
    whose attributes were reordered or renamed is dropped and created again when no column
    uses it, and reported otherwise."""
    old_by = {c.qname: c for c in old.composites}
    new_names = {c.qname for c in new.composites}
    for c in new.composites:
        o = old_by.get(c.qname)
        if o is None:
            continue
        if o.comment != c.comment:
            out.changes.append(
                sql_change(
                    Phase.COMMENTS,
                    c.position,
                    f"comment on type {c.qname}",
                    f"COMMENT ON TYPE {c.qname.sql} IS {_comment(c.comment)}",
                )
            )
        before = [(n, type_key(t)) for n, t in o.attributes]
        after = [(n, type_key(t)) for n, t in c.attributes]
        if before == after:
            continue
        kept = [n for n, _ in o.attributes if n in dict(c.attributes)]
        new_order = [n for n, _ in c.attributes]
        order = float(c.position)
        used = [
            f"{t.qname}.{col.name}"
            for t in new.tables
            for col in t.columns
            if col.type.ref == c.qname
        ]
        types = dict(c.attributes)
        retyped = [n for n, t in o.attributes if n in types and type_key(t) != type_key(types[n])]
        if used and (retyped or new_order[: len(kept)] != kept):
            out.diagnostics.append(
                error(
                    c.span,
                    "unsupported-change",
                    f"type {c.qname} retypes, reorders or renames attributes while "
                    f"{', '.join(used)} use it: PostgreSQL has no ALTER for that; add the new "
                    "type under another name and move the columns over in two revisions",
                )
            )
            continue
        if new_order[: len(kept)] == kept:
            sql = [f"DROP ATTRIBUTE {quote_ident(n)}" for n, _ in o.attributes if n not in types]
            sql += [
                f"ALTER ATTRIBUTE {quote_ident(n)} TYPE {types[n].sql}"
                for n, t in o.attributes
                if n in types and type_key(t) != type_key(types[n])
            ]
            sql += [f"ADD ATTRIBUTE {quote_ident(n)} {t.sql}" for n, t in c.attributes[len(kept) :]]
            gone = [n for n, _ in o.attributes if n not in types]
            if gone:
                out.diagnostics.append(
                    warning(
                        c.span,
                        "destructive-change",
                        f"type {c.qname} loses attribute(s) {', '.join(gone)}: their values "
                        "in columns of this type are lost",
                    )
                )
            out.changes.append(
                sql_change(
                    Phase.RETYPE,
                    order,
                    f"type {c.qname}: attributes",
                    *(f"ALTER TYPE {c.qname.sql} {action}" for action in sql),
                )
            )
            continue
        out.changes.append(
            sql_change(
                Phase.RETYPE,
                order,
                f"type {c.qname}: rebuilt",
                f"DROP TYPE {c.qname.sql}",
                f"CREATE TYPE {c.qname.sql} AS {c.definition}",
            )
        )
    for o in old.composites:
        if o.qname not in new_names:
            out.changes.append(
                sql_change(
                    Phase.DROP_LATE, -o.position, f"drop type {o.qname}", f"DROP TYPE {o.qname.sql}"
                )
            )


def _rename_values(out: TypeChanges, o: EnumType, e: EnumType, renames: Renames) -> EnumType:
    """Declared label renames, applied in place (ALTER TYPE ... RENAME VALUE keeps every row)."""
    labels = list(o.labels)
    for q, before, after in renames.enum_values:
        if q != e.qname or before not in labels or after in labels or after not in e.labels:
            continue  # stale or already applied
        labels[labels.index(before)] = after
        out.changes.append(
            sql_change(
                Phase.TYPES,
                float(e.position) - 0.5,
                f"enum {q}: rename value {before!r} to {after!r}",
                f"ALTER TYPE {q.sql} RENAME VALUE {literal(before)} TO {literal(after)}",
            )
        )
    return dataclasses.replace(o, labels=tuple(labels))


def _add_values(
    out: TypeChanges, q: QName, old: tuple[str, ...], new: tuple[str, ...], order: float
) -> None:
    present = list(old)
    for i, label in enumerate(new):
        if label in present:
            continue
        after = new[i - 1] if i > 0 else None
        where = (
            f" AFTER {literal(after)}"
            if after is not None
            else f" BEFORE {literal(present[0])}"
            if present
            else ""
        )
        out.changes.append(
            sql_change(
                Phase.TYPES,
                order + i / 1000,
                f"enum {q}: add value {label!r}",
                f"ALTER TYPE {q.sql} ADD VALUE {literal(label)}{where}",
                autocommit=True,
            )
        )
        present.insert(present.index(after) + 1 if after is not None else 0, label)


def _rebuild(out: TypeChanges, new: Catalog, q: QName, create: str, order: float) -> None:
    kind = "TYPE"
    aside = QName(q.schema, q.name + _ASIDE)
    steps = [
        sql_change(
            Phase.RETYPE,
            order,
            f"{kind.lower()} {q}: set the old one aside",
            f"ALTER {kind} {q.sql} RENAME TO {quote_ident(aside.name)}",
        ),
        sql_change(Phase.RETYPE, order, f"{kind.lower()} {q}: rebuilt", create),
    ]
    for t in new.tables:
        for c in t.columns:
            if c.type.ref != q:
                continue
            col = quote_ident(c.name)
            alter = f"ALTER TABLE {t.qname.sql} ALTER COLUMN {col}"
            lock = hz.Hazard(hz.ACCESS_EXCLUSIVE, str(t.qname), rewrites=True)
            sql = []
            if c.default is not None:
                sql.append(f"{alter} DROP DEFAULT")
            sql.append(f"{alter} TYPE {c.type.sql} USING {col}::text::{c.type.sql}")
            if c.default is not None:
                sql.append(f"{alter} SET DEFAULT {c.default}")
            steps.append(
                sql_change(
                    Phase.RETYPE,
                    order,
                    f"column {t.qname}.{c.name} onto the rebuilt {kind.lower()}",
                    *sql,
                    hazard=lock,
                )
            )
    steps.append(
        sql_change(
            Phase.RETYPE,
            order,
            f"{kind.lower()} {q}: the old one dropped",
            f"DROP {kind} {aside.sql}",
        )
    )
    out.changes += steps


def _rebuild_domain(out: TypeChanges, new: Catalog, old: Domain, d: Domain) -> None:
    """Columns onto the old base type, the domain dropped and created anew, columns back onto it.

    (Setting the old domain aside under another name would keep its constraint names taken, and
    the new domain's unnamed constraints would be named differently from a fresh load's.)
    """
    users = [(t, c) for t in new.tables for c in t.columns if c.type.ref == d.qname]
    order = float(d.position)

    def retype(type_sql: str, label: str, with_default: bool) -> None:
        for t, c in users:
            col = quote_ident(c.name)
            alter = f"ALTER TABLE {t.qname.sql} ALTER COLUMN {col}"
            sql = [] if with_default or c.default is None else [f"{alter} DROP DEFAULT"]
            target = type_sql + "[]" * c.type.array_dims
            sql.append(f"{alter} TYPE {target} USING {col}::{target}")
            if with_default and c.default is not None:
                sql.append(f"{alter} SET DEFAULT {c.default}")
            lock = hz.Hazard(hz.ACCESS_EXCLUSIVE, str(t.qname), scans=True)
            out.changes.append(
                sql_change(
                    Phase.RETYPE, order, f"column {t.qname}.{c.name} {label}", *sql, hazard=lock
                )
            )

    retype(old.base.sql, f"onto {old.base.sql} while domain {d.qname} is rebuilt", False)
    out.changes.append(
        sql_change(
            Phase.RETYPE,
            order,
            f"domain {d.qname}: dropped to be rebuilt",
            f"DROP DOMAIN {d.qname.sql}",
        )
    )
    out.changes.append(
        sql_change(
            Phase.RETYPE,
            order,
            f"domain {d.qname}: rebuilt",
            f"CREATE DOMAIN {d.qname.sql} AS {d.definition}",
        )
    )
    retype(d.qname.sql, f"onto the rebuilt domain {d.qname}", True)

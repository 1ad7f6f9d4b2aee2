"""Statements carried as written (views, functions, triggers, rules, policies, grants, comments).

Each is compared by its text. One that went is undone with its drop statement; one that is new
is run as written; one whose text changed is replaced (a function or procedure keeping its
signature with CREATE OR REPLACE, so what depends on it stays; anything else dropped and run
again). A view, rule, trigger or policy that names a column the revision drops, retypes or
renames stands in the way of that change: it is dropped first and recreated after, and so is
everything that names an object dropped that way (views over views, their comments and
grants), to a fixed point. Drops run dependants first (reverse source order), creates in the
new source's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dbgen.diagnostics import Diagnostic, warning
from dbgen.evolve import hazards as hz
from dbgen.evolve.changes import Change, Phase, sql_change
from dbgen.evolve.text import mentions, norm
from dbgen.ir import Catalog, QName, RawStatement

# Kinds created before the new tables (they may use them: column types, defaults, checks, as
# dumps order them); every other kind (views, indexes on them, triggers, rules, policies,
# comments, grants, ...) runs after the tables changed, since it reads tables and columns.
_EARLY = frozenset(
    {
        "do",  # DO blocks create functions and types more often than they read tables
        "function",
        "procedure",
        "aggregate",
        "operator",
        "cast",
        "type",
        "language",
        "transform",
        "access method",
        "foreign data wrapper",
        "server",
        "user mapping",
        "collation",
        "conversion",
        "text search configuration",
        "text search dictionary",
        "text search parser",
        "text search template",
    }
)
# Kinds that can stand in the way of a column change.
_READERS = frozenset({"view", "materialized view", "trigger", "rule", "policy"})
_REPLACEABLE = frozenset({"function", "procedure"})
_PATH = "search path"


@dataclass(slots=True)
class VerbatimPlan:
    changes: list[Change] = field(default_factory=list)  # dependants dropped, statements undone
    removed: list[RawStatement] = field(default_factory=list)  # gone, dropped by diff.py
    create_early: list[RawStatement] = field(default_factory=list)
    create_late: list[RawStatement] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _key(r: RawStatement) -> tuple[str, str | None, str | None, tuple[str, ...]]:
    # the settings a FROM CURRENT clause stores are part of what the statement makes
    return (r.kind, r.name, norm(r.sql), r.before)


def _short(name: str | None) -> str | None:
    if not name:
        return None
    base = name.split("(", 1)[0].split(" on ", 1)[0]
    return base.rsplit(".", 1)[-1].strip('"') or None


def plan_verbatim(
    old: Catalog,
    new: Catalog,
    changed_columns: set[tuple[QName, str]],
    gone_tables: set[QName],
) -> VerbatimPlan:
    out = VerbatimPlan()
    olds = [r for r in old.raw if r.kind != _PATH]
    news = [r for r in new.raw if r.kind != _PATH]
    pool: dict[tuple[str, str | None, str | None, tuple[str, ...]], list[RawStatement]] = {}
    for r in olds:
        pool.setdefault(_key(r), []).append(r)
    unchanged: list[tuple[RawStatement, RawStatement]] = []  # (old, new)
    added: list[RawStatement] = []
    for r in news:
        same = pool.get(_key(r))
        if same:
            unchanged.append((same.pop(0), r))
        else:
            added.append(r)
    removed = [r for rs in pool.values() for r in rs]

    # a changed function keeping its signature is replaced in place
    replaced: list[RawStatement] = []
    for r in list(added):
        if r.kind not in _REPLACEABLE:
            continue
        twin = next((o for o in removed if o.kind == r.kind and o.drop == r.drop and o.drop), None)
        if twin is not None:
            removed.remove(twin)
            added.remove(r)
            replaced.append(_or_replace(r))

    # what stands in the way, to a fixed point
    names = {_short(r.name) for r in removed} - {None}
    recreate: list[tuple[RawStatement, RawStatement]] = []
    changed = True
    while changed:
        changed = False
        for pair in list(unchanged):
            o = pair[0]
            reads = o.kind in _READERS and any(
                mentions(o.sql, t.name) and (mentions(o.sql, c) or "*" in o.sql)
                for t, c in changed_columns
            )
            gone = any(mentions(o.sql, t.name) for t in gone_tables) and o.kind in _READERS
            follows = any(n_ is not None and mentions(o.sql, n_) for n_ in names)
            if reads or gone or follows:
                unchanged.remove(pair)
                recreate.append(pair)
                short = _short(o.name)
                if short is not None and o.kind in _READERS | {"function", "procedure"}:
                    names.add(short)
                changed = True

    out.removed = [r for r in removed if r.drop]
    drops = [r for r in removed if not r.drop] + [o for o, _ in recreate]
    for r in sorted(drops, key=lambda r: -r.position):
        if r.drop:
            out.changes.append(
                sql_change(
                    Phase.DROP_DEPENDANTS,
                    -r.position,
                    f"drop {r.kind} {r.name or ''}".strip(),
                    r.drop,
                    hazard=hz.Hazard(hz.ACCESS_EXCLUSIVE, r.name)
                    if r.kind in _READERS
                    else hz.NO_LOCK,
                )
            )
        elif r in removed:
            gone_names = [t.name for t in gone_tables] + [
                n for n in (_short(x.name) for x in removed if x.drop) if n
            ]
            if any(mentions(r.sql, n) for n in gone_names):
                continue  # went with what it belongs to
            undo = _undo(r)
            if undo is not None:
                out.changes.append(
                    sql_change(
                        Phase.DROP_DEPENDANTS,
                        -r.position,
                        f"undo {r.kind} {r.name or ''}".strip(),
                        undo,
                    )
                )
            else:
                out.diagnostics.append(
                    warning(
                        r.span,
                        "irreversible-change",
                        f"the {r.kind} statement removed here has no inverse dbgen knows; "
                        "its effect stays in upgraded databases",
                    )
                )
    for r in sorted([*added, *replaced, *(n for _, n in recreate)], key=lambda r: r.position):
        (out.create_early if r.kind in _EARLY else out.create_late).append(r)
    return out


_CREATE = re.compile(r"^\s*create\s+(?!or\s+replace\b)", re.IGNORECASE)


def _or_replace(r: RawStatement) -> RawStatement:
    from dataclasses import replace

    return replace(r, sql=_CREATE.sub("CREATE OR REPLACE ", r.sql, count=1))


_COMMENT = re.compile(r"^\s*(comment\s+on\s+.+?\s+is)\s", re.IGNORECASE | re.DOTALL)
_EXCLUDE = re.compile(
    r"^\s*alter\s+table\s+(?:only\s+)?(.+?)\s+add\s+constraint\s+(\S+)\s+exclude\b",
    re.IGNORECASE | re.DOTALL,
)
_GRANT = re.compile(r"^\s*grant\s+(.+)\s+to\s+(.+)$", re.IGNORECASE | re.DOTALL)
_REVOKE = re.compile(r"^\s*revoke\s+(.+)\s+from\s+(.+)$", re.IGNORECASE | re.DOTALL)


def _undo(r: RawStatement) -> str | None:
    """The statement that undoes one without a drop of its own (a comment, a grant)."""
    if r.kind == "comment":
        m = _COMMENT.match(r.sql)
        return f"{m.group(1)} NULL" if m else None
    if r.kind == "exclusion constraint":
        m = _EXCLUDE.match(r.sql)
        return f"ALTER TABLE {m.group(1)} DROP CONSTRAINT {m.group(2)}" if m else None
    if r.kind == "revoke":
        m = _REVOKE.match(r.sql)
        return f"GRANT {m.group(1)} TO {m.group(2)}" if m else None
    if r.kind == "grant":
        m = _GRANT.match(r.sql)
        return f"REVOKE {m.group(1)} FROM {m.group(2)}" if m else None
    return None

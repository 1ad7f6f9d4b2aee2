"""plan_revision: the next Alembic revision between two catalogs, as the bodies of its functions.

The downgrade is planned the same way in the other direction (new -> old, renames inverted),
so it is the exact inverse by construction: whatever makes ``old`` from ``new`` structurally.
What it cannot give back is data: a dropped column or table comes back empty. Where coming back
empty would fail (a NOT NULL column without a default on a table with rows), the downgrade
checks first and raises with a message saying so.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from dbgen.diagnostics import Diagnostic, warning
from dbgen.evolve import hazards as hz
from dbgen.evolve.changes import Change, Phase
from dbgen.evolve.diff import Diff, diff_catalogs
from dbgen.evolve.hazards import Hazard
from dbgen.evolve.renames import NO_RENAMES, Renames
from dbgen.ir import Catalog
from dbgen.layout.statement import INDENT, Unsupported, layout
from dbgen.plan.pyexpr import pystr
from dbgen.plan.typemap import TypeContext


@dataclass(frozen=True, slots=True)
class RevisionPlan:
    is_empty: bool
    upgrade_body: str  # the body of ``def upgrade() -> None:``, indented, newline-terminated
    downgrade_body: str
    uses_raw_type: bool  # the file must define RawType as the initial revision does
    uses_postgresql: bool  # ... import sqlalchemy.dialects.postgresql
    uses_sa: bool  # ... import sqlalchemy as sa
    slug: str
    summary: str
    hazards: tuple[Hazard, ...]
    hazard_summary: str
    diagnostics: tuple[Diagnostic, ...]
    refused: bool  # an error, or destructive changes not allowed: write nothing, exit 2
    digest: str
    upgrade: tuple[Change, ...]
    downgrade: tuple[Change, ...]


def plan_revision(
    old: Catalog,
    new: Catalog,
    *,
    renames: Renames = NO_RENAMES,
    allow_destructive: bool = False,
    concurrent_indexes: bool = False,
    line_length: int = 100,
    ctx: TypeContext | None = None,
) -> RevisionPlan:
    """``ctx`` is accepted for callers that hold the models' type context; the planner builds
    one per direction itself (the downgrade spells the old catalog's enums, which ctx lacks).

    ``concurrent_indexes``: indexes of existing tables are built and dropped CONCURRENTLY in
    Alembic's autocommit block (no write lock; each runs outside the revision's transaction).
    """
    del ctx
    up = diff_catalogs(old, new, renames, concurrent_indexes=concurrent_indexes)
    down = diff_catalogs(new, old, renames.inverse(), concurrent_indexes=concurrent_indexes)
    guards = _downgrade_guards(old, new, up)
    diags = list(up.diagnostics) + _irreversible(up, old, new)
    # What the way back cannot do (an error planning new -> old) makes the downgrade raise.
    for d in down.diagnostics:
        if d.is_error:
            msg = "cannot downgrade: " + d.message
            diags.append(warning(d.span, "irreversible-downgrade", msg))
            guards += (f"raise RuntimeError({pystr(msg)})",)
            break
    destructive = [d for d in diags if d.code == "destructive-change"]
    refused = any(d.is_error for d in diags) or (bool(destructive) and not allow_destructive)
    if destructive and not allow_destructive:
        diags.append(
            Diagnostic(
                destructive[0].span,
                destructive[0].severity,
                "destructive-change",
                f"{len(destructive)} destructive change(s): nothing written; "
                "run `dbgen build --allow-destructive` to accept them",
            )
        )
    up_body = _body(up.changes, line_length)
    down_body = _body(down.changes, line_length, guards)
    text = up_body + down_body
    return RevisionPlan(
        is_empty=not up.changes,
        upgrade_body=up_body,
        downgrade_body=down_body,
        uses_raw_type=up.uses_raw_type or down.uses_raw_type,
        uses_postgresql="postgresql." in text,
        uses_sa="sa." in text,
        slug=_slug(up.changes),
        summary=_summary(up.changes),
        hazards=tuple(c.hazard for c in up.changes),
        hazard_summary=hz.summary([c.hazard for c in up.changes]),
        diagnostics=tuple(diags),
        refused=refused,
        digest=hashlib.sha256((up_body + "--\n" + down_body).encode()).hexdigest(),
        upgrade=up.changes,
        downgrade=down.changes,
    )


def _body(changes: tuple[Change, ...], line_length: int, guards: tuple[str, ...] = ()) -> str:
    lines: list[str] = [INDENT + g for g in guards]
    for c in changes:
        lines.append(f"{INDENT}# {c.label}")
        lines.append(f"{INDENT}# {c.hazard.comment}")
        depth = 1
        if c.autocommit:
            lines.append(f"{INDENT}with op.get_context().autocommit_block():")
            depth = 2
        for s in c.statements:
            try:
                laid = layout(s, depth, line_length)
            except Unsupported:
                laid = s
            lines.append(INDENT * depth + laid)
    if not lines:
        lines.append(f"{INDENT}pass")
    return "\n".join(lines) + "\n"


def _downgrade_guards(old: Catalog, new: Catalog, up: Diff) -> tuple[str, ...]:
    """Statements that stop the downgrade before it starts when it cannot succeed on the data:
    a column the upgrade dropped comes back NOT NULL without a default only on an empty table."""
    out: list[str] = []
    new_tables = {t.qname: t for t in new.tables}
    for t in old.tables:
        nt = new_tables.get(t.qname)
        if nt is None:
            continue
        for c in t.columns:
            if (
                nt.column(c.name) is None
                and not c.nullable
                and c.default is None
                and c.identity is None
                and c.generated is None
            ):
                msg = (
                    f"cannot downgrade: column {t.qname}.{c.name} was dropped and comes back NOT NULL "
                    "without a default; empty the table or restore it from a backup first"
                )
                out.append(
                    f"if op.get_bind().exec_driver_sql({pystr(f'SELECT EXISTS (SELECT 1 FROM {nt.qname.sql})')}).scalar():"
                )
                out.append(f"{INDENT}raise RuntimeError({pystr(msg)})")
    return tuple(out)


def _irreversible(up: Diff, old: Catalog, new: Catalog) -> list[Diagnostic]:
    """What the downgrade gives back without its data."""
    out = []
    for d in up.diagnostics:
        if d.code == "destructive-change" and (
            " is dropped" in d.message or " loses " in d.message
        ):
            out.append(
                warning(
                    d.span,
                    "irreversible-downgrade",
                    d.message.split(":")[0]
                    + ": the downgrade restores the structure, not the data",
                )
            )
    return out


_WORD = re.compile(r"[^a-z0-9]+")
_VERBS = {"add": "add", "drop": "drop", "rename": "rename", "table": "add", "partition": "add"}


def _slug(changes: tuple[Change, ...]) -> str:
    """From the change itself: what is done (add, drop, rename, or alter when mixed) to which
    objects, the first two named: ``add_invites``, ``alter_items_docs_etc``."""
    subjects: list[str] = []
    verbs: set[str] = set()
    for c in changes:
        if c.phase in (Phase.SETUP, Phase.FINISH) or c.label.startswith(("session", "search path")):
            continue
        words = c.label.split()
        verbs.add(_VERBS.get(words[0], "add" if c.phase is Phase.CREATE else "alter"))
        if c.hazard.table is not None and c.phase is not Phase.CREATE:
            subject = c.hazard.table
        else:
            subject = c.label.split(":")[0].split()[-1]
        subject = subject.split("(")[0].rsplit(".", 1)[-1]
        if subject not in subjects:
            subjects.append(subject)
    if not subjects:
        return "empty"
    verb = verbs.pop() if len(verbs) == 1 else "alter"
    slug = "_".join([verb, *subjects[:2]] + (["etc"] if len(subjects) > 2 else []))
    slug = _WORD.sub("_", slug.lower()).strip("_")
    return slug[:40].rstrip("_") or "change"


def _summary(changes: tuple[Change, ...]) -> str:
    labels = [c.label for c in changes if c.phase not in (Phase.SETUP, Phase.FINISH)]
    if len(labels) > 6:
        return "; ".join(labels[:6]) + f"; and {len(labels) - 6} more"
    return "; ".join(labels)

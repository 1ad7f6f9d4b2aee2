"""What ``versions/`` holds after this build: the history kept as it is, plus at most one revision.

The decision, in order:
- no revisions yet: the initial revision (rendered by render/package.py) and its schema diff;
- the schema at the head (revisions.state_at) equals the spec's sources: nothing new;
- otherwise the diff planner (dbgen.evolve) compares the two catalogs, and a non-empty change
  becomes one revision chained to the head, named ``<rev>_<slug>.py``, where
  ``rev = sha256(parent + "\\n" + the change's digest)[:12]`` and the slug is ``-m``'s text made
  an identifier, else the planner's; two people making the same edit get the same bytes;
- ``--fold``: the head must be dbgen's; it is planned again from its parent's schema (the
  initial one is rendered again) and replaced, so unreleased work stays one revision.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from dbgen.diagnostics import Diagnostic, Span, error
from dbgen.history.revisions import History, Revision, StateError, state_at, versions_dir
from dbgen.history.snapshot import SUFFIX, render_diff

if TYPE_CHECKING:
    from dbgen.dialects.base import Dialect
    from dbgen.evolve import Renames
    from dbgen.ir import Catalog
    from dbgen.plan.typemap import TypeContext

_SLUG_MAX = 40


@dataclass(frozen=True, slots=True)
class Options:
    allow_destructive: bool = False
    concurrent_indexes: bool = False  # CREATE/DROP INDEX CONCURRENTLY on existing tables
    message: str | None = None  # -m/--message: the slug and the docstring's first line
    fold: bool = False
    renames: Renames | None = None  # declared in dbgen.toml; None: none


@dataclass(frozen=True, slots=True)
class Pending:
    """The revision this build adds."""

    parent: str | None
    revision: str
    path: str  # relative to the output directory
    summary: str
    hazard_summary: str = ""
    refused: bool = False  # destructive and not allowed: build writes nothing
    replaces: str | None = None  # the head revision --fold rewrites


@dataclass(frozen=True, slots=True)
class VersionsPlan:
    kept: dict[str, str] = field(default_factory=dict)  # dbgen's history, byte for byte
    new_files: dict[str, str] = field(default_factory=dict)  # the new revision (unformatted)
    render_initial: bool = False  # render/package.py writes the initial revision
    pending: Pending | None = None
    head: str | None = None  # the head before this build
    legacy: Revision | None = None  # an initial revision without a schema diff (see core)
    diagnostics: tuple[Diagnostic, ...] = ()


def diff_path(revision_rel: str) -> str:
    return revision_rel.removesuffix(".py") + SUFFIX


def diff_header(revision: str, parent: str | None) -> str:
    origin = f"revision {parent}" if parent else "nothing (the first revision)"
    return (
        f"# The schema sources at revision {revision}, as a diff from {origin}.\n"
        "# dbgen reads the schema at each revision from these diffs (no database needed); "
        "keep the file as it is.\n"
    )


def slugify(message: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")
    return slug[:_SLUG_MAX].rstrip("_")


def revision_id(parent: str | None, digest: str) -> str:
    return hashlib.sha256(f"{parent or ''}\n{digest}".encode()).hexdigest()[:12]


def _kept(history: History, skip: Revision | None = None) -> dict[str, str]:
    files: dict[str, str] = {}
    for r in history.revisions.values():
        if not r.by_dbgen or r is skip:
            continue
        files[r.rel] = r.text
        assert r.diff_rel is not None and r.diff_text is not None
        files[r.diff_rel] = r.diff_text
    return files


def plan_versions(
    history: History,
    *,
    package: str,
    sources: Mapping[str, str],
    source_dir: str,
    catalog: Catalog,
    ctx: TypeContext,
    dialect: Dialect,
    options: Options,
    out_display: str,
    line_length: int,
) -> VersionsPlan:
    """``sources``: file name -> text of the spec's SQL; ``source_dir``: how the spec directory
    is displayed (the old schema's spans read ``<source_dir>/<file>@<rev>``)."""
    if history.empty:
        return VersionsPlan(render_initial=True)
    head = history.head
    assert head is not None
    if history.legacy_initial is not None:
        return VersionsPlan(kept=_kept(history), head=head, legacy=history.legacy_initial)
    where = (
        f"{out_display}/{versions_dir(package)}"
        if out_display not in ("", ".")
        else versions_dir(package)
    )
    if not any(r.by_dbgen for r in history.revisions.values()):
        return VersionsPlan(
            head=head,
            diagnostics=(
                error(
                    Span(where),
                    "history-not-dbgen",
                    f"no revision here was written by dbgen (none has a {SUFFIX} beside it), so "
                    f"dbgen cannot tell the schema at {head}; build into a new directory and "
                    'stamp your database (README, "Adopting an existing database")',
                ),
            ),
        )
    base_rev: str | None = head
    replaced: Revision | None = None
    if options.fold:
        replaced = history.revisions[head]
        if not replaced.by_dbgen:
            return VersionsPlan(
                head=head,
                diagnostics=(
                    error(
                        Span(f"{out_display}/{replaced.rel}"),
                        "fold-not-dbgen",
                        f"--fold rewrites the newest revision only when dbgen wrote it; {head} "
                        "is yours, so the edit needs a revision of its own (build without --fold)",
                    ),
                ),
            )
        if len(replaced.parents) > 1:
            return VersionsPlan(
                head=head,
                diagnostics=(
                    error(
                        Span(f"{out_display}/{replaced.rel}"),
                        "fold-merge",
                        "--fold cannot rewrite a merge revision",
                    ),
                ),
            )
        base_rev = replaced.parents[0] if replaced.parents else None
        if base_rev is None:
            # The initial revision itself: render it again from the schema as it is now.
            return VersionsPlan(
                kept=_kept(history, replaced),
                render_initial=True,
                head=head,
                pending=None,
            )
    try:
        assert base_rev is not None
        state = state_at(history, base_rev, out_display)
    except StateError as exc:
        return VersionsPlan(head=head, diagnostics=(exc.diagnostic,))
    kept = _kept(history, replaced)
    if state == dict(sources):
        return VersionsPlan(kept=kept, head=head)
    if state is None:  # pragma: no cover  (a dbgen revision precedes every head: checked above)
        return VersionsPlan(head=head)
    old_sources = [
        (
            f"{source_dir}/{name}@{base_rev}"
            if source_dir not in ("", ".")
            else f"{name}@{base_rev}",
            text,
        )
        for name, text in sorted(state.items())
    ]
    old, old_diags = dialect.read_schema(old_sources)
    from dbgen.diagnostics import has_errors

    if has_errors(old_diags):
        return VersionsPlan(head=head, diagnostics=tuple(old_diags))
    if not dialect.plans_evolution:
        assert base_rev is not None
        return _without_evolution(
            dialect, old, catalog, ctx, state, sources, source_dir, kept, head, base_rev
        )
    from dbgen.evolve import plan_revision
    from dbgen.evolve.renames import NO_RENAMES

    renames = options.renames if options.renames is not None else NO_RENAMES
    rp = plan_revision(
        old,
        catalog,
        renames=renames,
        allow_destructive=options.allow_destructive,
        concurrent_indexes=options.concurrent_indexes,
        line_length=line_length,
    )
    if rp.is_empty:
        return VersionsPlan(kept=kept, head=head, diagnostics=tuple(rp.diagnostics))
    rev = revision_id(base_rev, rp.digest)
    slug = (slugify(options.message) if options.message else "") or rp.slug or "change"
    rel = f"{versions_dir(package)}/{rev}_{slug}.py"
    message = " ".join((options.message or "").split())
    summary = rp.summary[:1].upper() + rp.summary[1:]
    paragraphs = [_sentence(p) for p in (message, summary, rp.hazard_summary) if p]
    from dbgen.layout.imports import IMPORTS, with_imports
    from dbgen.render.env import environment
    from dbgen.render.package import MIGRATION_IMPORTS

    template = environment().get_template("package/migrations/revision.py.j2")
    text = template.render(
        imports=IMPORTS, paragraphs=paragraphs, revision=rev, parent=base_rev, p=rp
    )
    text = with_imports(rel, text, MIGRATION_IMPORTS, package)
    new_files = {
        rel: text,
        diff_path(rel): diff_header(rev, base_rev) + render_diff(state, sources),
    }
    pending = Pending(
        parent=base_rev,
        revision=rev,
        path=rel,
        summary=rp.summary,
        hazard_summary=rp.hazard_summary,
        refused=rp.refused,
        replaces=replaced.revision if replaced is not None else None,
    )
    return VersionsPlan(
        kept=kept,
        new_files=new_files,
        head=head,
        pending=pending,
        diagnostics=tuple(rp.diagnostics),
    )


def _without_evolution(
    dialect: Dialect,
    old: Catalog,
    catalog: Catalog,
    ctx: TypeContext,
    state: Mapping[str, str],
    sources: Mapping[str, str],
    source_dir: str,
    kept: dict[str, str],
    head: str,
    base_rev: str,
) -> VersionsPlan:
    """A dialect whose edits dbgen does not plan: an edit the initial revision cannot tell
    from the schema at the head (a comment between statements, spacing the reader drops)
    needs no revision; any other is refused."""
    before = dialect.plan_initial_migration(old, ctx).steps
    if before == dialect.plan_initial_migration(catalog, ctx).steps:
        return VersionsPlan(kept=kept, head=head)
    from dbgen.dialects.sniff import TITLES
    from dbgen.history.unsupported import refuse_evolution

    refusal = refuse_evolution(
        TITLES[dialect.name], dialect.docs, base_rev, state, sources, source_dir
    )
    return VersionsPlan(head=head, diagnostics=(refusal,))


def _sentence(text: str) -> str:
    """A docstring paragraph: capitalised, wrapped for black, ending with a full stop."""
    text = " ".join(text.split())  # the template escapes it (`doc`)
    text = text[:1].upper() + text[1:]
    text = text if text.endswith((".", "!", "?")) else text + "."
    return textwrap.fill(text, width=96, break_on_hyphens=False, break_long_words=False)


def initial_files(revision_rel: str, revision: str, sources: Mapping[str, str]) -> dict[str, str]:
    """The schema diff of an initial revision (from nothing to ``sources``)."""
    return {diff_path(revision_rel): diff_header(revision, None) + render_diff({}, sources)}


def source_name(display_path: str) -> str:
    return PurePosixPath(display_path).name

"""A schema edit on a dialect whose changes dbgen does not plan yet (every dialect but
PostgreSQL's): the build stops at the first changed line instead of writing a revision.

The diff planner (dbgen.evolve) speaks PostgreSQL: run on a SQLite or MySQL catalog it wrote
``DROP TABLE`` of every table touched and an ``ALTER TABLE public.t ...`` that does not apply,
so a second revision for these dialects is refused until evolution is theirs too.
"""

from __future__ import annotations

from collections.abc import Mapping

from dbgen.diagnostics import Diagnostic, Span, error, line_col

CODE = "evolution-unsupported-dialect"


def _first_difference(old: str, new: str) -> int:
    """The offset in ``new`` of the first character that differs from ``old``."""
    limit = min(len(old), len(new))
    for i in range(limit):
        if old[i] != new[i]:
            return i
    return limit


def _where(old: Mapping[str, str], new: Mapping[str, str], source_dir: str) -> Span:
    """The first change, in the spec's file order (by name, as the history records them)."""

    def display(name: str) -> str:
        return f"{source_dir}/{name}" if source_dir not in ("", ".") else name

    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if after is None:  # the file is gone: name it, there is no line to point at
            return Span(display(name))
        offset = _first_difference(before or "", after)
        # A change that only removes the file's end points at its last line.
        offset = min(offset, max(len(after) - 1, 0))
        line, col = line_col(after, offset)
        return Span(display(name), line, col)
    return Span(display(sorted(new)[0]) if new else source_dir or ".")


def refuse_evolution(
    title: str,
    docs: str,
    base_revision: str,
    old: Mapping[str, str],
    new: Mapping[str, str],
    source_dir: str,
) -> Diagnostic:
    """``title``: how messages name the dialect ("SQLite"); ``docs``: its page."""
    return error(
        _where(old, new, source_dir),
        CODE,
        f"the schema changed since revision {base_revision} (the first change is here), and "
        f"dbgen does not plan schema changes for {title} yet: nothing was written. With no "
        "database to keep, `dbgen build --fold` writes the initial revision anew from the "
        "schema as it is; with one, change that database yourself, then start the history "
        f'again from the new schema ({docs}, "Changing the schema")',
    )

"""What build, check and diff say about an output directory, from one survey (emit/ownership.py).

``stale``: files the build would replace; ``missing``: files it would create; ``extra``: files
dbgen wrote earlier (its manifest lists them) that the build would remove. Files the manifest
does not list are the user's and never appear.
"""

from __future__ import annotations

import difflib

from dbgen.emit.ownership import Survey


def unified_diff(plan: Survey) -> str:
    """A unified diff from the directory as it is to what the build would leave."""
    chunks: list[str] = []
    for path in sorted({*plan.writes, *plan.removals}):
        exists = path not in plan.missing
        old = (plan.root / path).read_text(encoding="utf-8", errors="replace") if exists else ""
        new = plan.writes.get(path, "")
        chunks.extend(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                fromfile=f"a/{path}" if exists else "/dev/null",
                tofile=f"b/{path}" if path in plan.writes else "/dev/null",
            )
        )
    return "".join(chunks)

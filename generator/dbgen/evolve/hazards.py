"""Lock level and table rewrite of each statement a revision runs.

The facts are PostgreSQL's own (the ALTER TABLE reference states the lock each form takes and
which forms rewrite the table; CREATE INDEX takes SHARE, CONCURRENTLY SHARE UPDATE EXCLUSIVE).
One Hazard per statement; the renderer prints it as a comment above the statement and the build
prints ``summary``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
SHARE = "SHARE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"
NONE = "none"  # a new object, or one no table lock protects

# Strongest first, for the summary.
_ORDER = (ACCESS_EXCLUSIVE, SHARE_ROW_EXCLUSIVE, SHARE, SHARE_UPDATE_EXCLUSIVE)


@dataclass(frozen=True, slots=True)
class Hazard:
    lock: str
    table: str | None = None  # the existing table it locks (None: nothing existing)
    rewrites: bool = False  # the whole table is rewritten (and its indexes rebuilt)
    scans: bool = False  # the whole table is read (SET NOT NULL, VALIDATE, CREATE INDEX)

    @property
    def comment(self) -> str:
        if self.lock == NONE or self.table is None:
            return "lock: none"
        text = f"lock: {self.lock} on {self.table}"
        if self.rewrites:
            text += ", rewrites table"
        elif self.scans:
            text += ", scans table"
        return text


NO_LOCK = Hazard(NONE)

# Functions whose value differs per row: ADD COLUMN with such a default fills every row.
_VOLATILE = re.compile(
    r"\b(nextval|random|clock_timestamp|timeofday|gen_random_uuid|uuid_generate_v\w*|"
    r"txid_current|statement_timestamp)\s*\(",
    re.IGNORECASE,
)


def is_volatile(expression: str) -> bool:
    return _VOLATILE.search(expression) is not None


def summary(hazards: list[Hazard]) -> str:
    """One line: how many statements take each lock, and which tables are rewritten."""
    counted = Counter(h.lock for h in hazards if h.table is not None and h.lock != NONE)
    if not counted:
        return "hazards: none (no existing table is locked)"
    parts = [f"{counted[lock]} {lock}" for lock in _ORDER if counted[lock]]
    rewritten = sorted({h.table for h in hazards if h.rewrites and h.table})
    text = "hazards: " + ", ".join(parts)
    if rewritten:
        text += "; rewrites " + ", ".join(rewritten)
    return text

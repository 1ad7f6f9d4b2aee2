"""The operations measured and their seeded inputs: every implementation gets the same ones."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

import asyncpg

from bench.data import LABELS, STATUS_WEIGHTS, Loaded, task_title
from bench.settings import Settings
from bench.timing import warmup_count

Kind = Literal["read", "write", "bulk"]

# Columns of tasks, in the model's order: what every implementation reads back.
TASK_COLUMNS = (
    "id, project_id, number, title, description, status, priority, assignee_id, "
    "due_date, estimate, labels, version, deleted_at, created_at, updated_at"
)
BULK_COLUMNS = [
    "project_id",
    "number",
    "title",
    "description",
    "status",
    "priority",
    "assignee_id",
    "due_date",
    "estimate",
    "labels",
]
LIST_STATUSES = ("todo", "in_progress")
LIST_ORDER = ("priority", "-created_at")
SEARCH = "fix"


@dataclass(frozen=True, slots=True)
class Operation:
    key: str
    title: str
    kind: Kind
    n: int
    rows: int = 0  # bulk: rows per call


def operations(settings: Settings) -> list[Operation]:
    s = settings.sizes
    small, large = settings.bulk_rows
    depth = s.depth
    return [
        Operation("get_pk", "get by primary key", "read", s.reads),
        Operation("get_rel", "get + 1 eager-loaded relation (task→project)", "read", s.reads),
        Operation("list_filter", "list: page of 50, 2 filters, 2-column sort", "read", s.pages),
        Operation(
            "list_search", "list: page of 50, 2 filters, sort + search term", "read", s.pages
        ),
        Operation("count", "count with a filter", "read", s.reads),
        Operation(
            "list_500_rel",
            "list 500 rows + relation (audit_log→users)",
            "read",
            max(20, s.pages // 5),
        ),
        Operation("cursor_p1", "cursor page 1 (50 rows, by id)", "read", s.pages),
        Operation("cursor_deep", f"cursor page {depth:,}", "read", s.pages),
        Operation(
            "offset_deep",
            f"offset page {depth:,} (offset {(depth - 1) * s.page_size:,})",
            "read",
            s.pages,
        ),
        Operation("create", "create one row (own transaction)", "write", s.writes),
        Operation("update", "update one row (own transaction)", "write", s.writes),
        Operation("delete", "delete one row (comments; own transaction)", "write", s.writes),
        Operation("soft_delete", "soft-delete one row (tasks; own transaction)", "write", s.writes),
        Operation("bulk_small", f"bulk_create {small // 1000}k rows", "bulk", s.bulk_10k, small),
        Operation("bulk_large", f"bulk_create {large // 1000}k rows", "bulk", s.bulk_100k, large),
    ]


def calls(op: Operation) -> int:
    """How many times an implementation runs ``op`` (warm-up included)."""
    return op.n + (1 if op.kind == "bulk" else warmup_count(op.n))


@dataclass(slots=True)
class Workload:
    """Seeded inputs. Reads share their inputs; every (operation, implementation) pair that
    writes gets rows of its own."""

    settings: Settings
    loaded: Loaded
    get_ids: list[int]
    project_picks: list[int]
    live_ids: list[int]  # shuffled pool for update/soft-delete targets
    leaf_comments: list[int]  # shuffled pool for delete targets (no replies)
    cursor_boundary_id: int  # the last row before page `depth` in id order
    offset_deep: int
    bulk_rows: dict[int, list[tuple[object, ...]]]
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the generated cursor string
    extra_creates: dict[int, list[Any]] = field(default_factory=dict)  # bulk rows as Create objects
    _rng: random.Random = field(default_factory=random.Random)
    _taken: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    _next_number: int = 1_000_000

    def pick(self, seq: list[int], i: int) -> int:
        return seq[i % len(seq)]

    def take(self, pool: str, key: str, count: int) -> list[int]:
        """Disjoint targets: ``count`` ids from the named pool for ``key`` (operation+impl)."""
        source = self.live_ids if pool == "tasks" else self.leaf_comments
        if len(source) < count:
            raise RuntimeError(f"not enough {pool} rows left for {key}")
        out, source[:] = source[:count], source[count:]
        self._taken[key] = out
        return out

    def new_task(self, i: int) -> tuple[int, int, str, str, str, int]:
        """project_id, number, title, description, status, priority for a create; numbers are
        unique across the whole run."""
        self._next_number += 1
        return (
            self.pick(self.project_picks, i),
            self._next_number,
            task_title(self._rng),
            "Created by the benchmark.",
            "todo",
            3,
        )


# The ids the workload draws from (any dialect's SQL): live tasks, and comments without replies
# (deleting one cascades to nothing).
LIVE_TASKS = "SELECT id FROM tasks WHERE deleted_at IS NULL ORDER BY id"
LEAF_COMMENTS = (
    "SELECT c.id FROM comments c WHERE NOT EXISTS "
    "(SELECT 1 FROM comments r WHERE r.parent_id = c.id) ORDER BY c.id"
)


async def prepare(conn: asyncpg.Connection, settings: Settings, loaded: Loaded) -> Workload:
    live = [r["id"] for r in await conn.fetch(LIVE_TASKS)]
    leaves = [r["id"] for r in await conn.fetch(LEAF_COMMENTS)]
    return build(settings, loaded, live, leaves)


def build(
    settings: Settings,
    loaded: Loaded,
    live: list[int],
    leaves: list[int],
    bulk_sizes: tuple[int, ...] | None = None,
) -> Workload:
    """The seeded inputs over the loaded data's ``live`` task ids and ``leaves`` (comment ids);
    bulk rows for ``bulk_sizes`` (default: the run's two sizes)."""
    rng = random.Random(settings.seed + 1)
    s = settings.sizes
    get_ids = [rng.choice(live) for _ in range(50_000)]
    picks = [rng.choice(loaded.project_ids) for _ in range(10_000)]
    pool = list(live)
    rng.shuffle(pool)
    rng.shuffle(leaves)
    offset = (s.depth - 1) * s.page_size
    boundary = live[offset - 1]
    bulk: dict[int, list[tuple[object, ...]]] = {}
    statuses = list(STATUS_WEIGHTS)
    base = dt.date(2026, 1, 1)
    for size in settings.bulk_rows if bulk_sizes is None else bulk_sizes:
        rows: list[tuple[object, ...]] = []
        for j in range(size):
            rows.append(
                (
                    rng.choice(loaded.project_ids),
                    5_000_000 + j,
                    task_title(rng),
                    "Imported in bulk." if j % 3 else None,
                    rng.choice(statuses),
                    rng.randint(1, 5),
                    rng.choice(loaded.user_ids) if j % 5 else None,
                    base + dt.timedelta(days=j % 365) if j % 2 else None,
                    None,
                    rng.sample(LABELS, j % 3),
                )
            )
        bulk[size] = rows
    return Workload(
        settings=settings,
        loaded=loaded,
        get_ids=get_ids,
        project_picks=picks,
        live_ids=pool,
        leaf_comments=leaves,
        cursor_boundary_id=boundary,
        offset_deep=offset,
        bulk_rows=bulk,
        _rng=random.Random(settings.seed + 2),
    )

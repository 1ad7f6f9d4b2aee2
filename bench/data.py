"""Seeded, realistic data for the demo schema, loaded with COPY, then VACUUM ANALYZE.

Ids come from the tables' own sequences (COPY leaves the key columns out), so they are 1..N in
load order and the sequences are right for the inserts that follow.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.settings import Sizes

UTC = dt.UTC
EPOCH = dt.datetime(2024, 1, 1, tzinfo=UTC)
SPAN = 2 * 365 * 24 * 3600  # two years of history, in seconds

FIRST = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Barbara",
    "Ken",
    "Margaret",
    "Dennis",
    "Frances",
    "Edsger",
    "Radia",
    "Donald",
    "Sophie",
    "Guido",
    "Yukihiro",
    "Anders",
    "Bjarne",
    "Rasmus",
]
LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Liskov",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Knuth",
    "Wilson",
    "van Rossum",
    "Matsumoto",
    "Hejlsberg",
]
VERBS = ["Fix", "Add", "Remove", "Refactor", "Document", "Test", "Investigate", "Update"]
NOUNS = [
    "login",
    "billing",
    "search",
    "export",
    "cache",
    "scheduler",
    "dashboard",
    "API",
    "webhook",
    "importer",
    "migration",
    "profile page",
    "audit trail",
    "rate limiter",
    "notification",
    "permissions",
    "report",
    "sidebar",
    "upload",
    "session",
]
WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "for",
    "on",
    "that",
    "with",
    "as",
    "it",
    "by",
    "this",
    "be",
    "from",
    "are",
    "at",
    "or",
    "an",
    "which",
    "was",
    "when",
    "customer",
    "error",
    "timeout",
    "retry",
    "value",
    "page",
    "button",
    "request",
    "response",
    "server",
    "client",
    "feature",
    "flag",
    "release",
    "deploy",
    "rollback",
    "config",
    "database",
    "index",
    "query",
    "latency",
]
STATUS_WEIGHTS = {"todo": 30, "in_progress": 20, "blocked": 5, "done": 40, "cancelled": 5}
LABELS = ["bug", "feature", "ux", "backend", "frontend", "infra", "security", "perf", "docs"]
ACTIONS = ["create", "update", "delete", "login", "logout", "export"]
ENTITY_TYPES = ["task", "project", "comment", "user", "tag"]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _when(rng: random.Random) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=rng.randrange(SPAN), microseconds=rng.randrange(1_000_000))


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def task_title(rng: random.Random) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(NOUNS)} {rng.choice(NOUNS)}"


@dataclass(frozen=True, slots=True)
class TableRows:
    name: str
    columns: list[str]
    rows: list[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class Dataset:
    tables: list[TableRows]
    user_ids: list[uuid.UUID]
    project_ids: list[int]

    def loaded(self, sizes: Sizes, seconds: float) -> Loaded:
        return Loaded(
            user_ids=self.user_ids,
            project_ids=self.project_ids,
            tasks=sizes.tasks,
            comments=sizes.comments,
            audit=sizes.audit,
            tags=sizes.tags,
            load_seconds=seconds,
        )


@dataclass(frozen=True, slots=True)
class Loaded:
    """What the workloads need to know about the loaded data."""

    user_ids: list[uuid.UUID]
    project_ids: list[int]
    tasks: int
    comments: int
    audit: int
    tags: int
    load_seconds: float


def generate(sizes: Sizes, seed: int) -> Dataset:
    """The seeded rows of every table, in load order (PostgreSQL's types: the other dialects'
    loaders convert them). Serial keys are left out: each such table's rows get ids 1..N in
    order."""
    rng = random.Random(seed)
    tables: list[TableRows] = []
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())

    users = []
    user_ids = []
    for i in range(sizes.users):
        uid = _uuid(rng)
        user_ids.append(uid)
        created = _when(rng)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        users.append(
            (
                uid,
                f"{first.lower()}.{i}@example.org",
                f"{first} {last}",
                rng.choices(["admin", "member", "guest"], [1, 90, 9])[0],
                rng.random() > 0.05,
                created + dt.timedelta(days=rng.randrange(300)) if rng.random() < 0.7 else None,
                created,
                created,
            )
        )
    tables.append(
        TableRows(
            "users",
            [
                "id",
                "email",
                "display_name",
                "role",
                "is_active",
                "last_login_at",
                "created_at",
                "updated_at",
            ],
            users,
        )
    )

    projects = []
    for i in range(sizes.projects):
        created = _when(rng)
        projects.append(
            (
                f"project-{i}",
                f"Project {rng.choice(NOUNS)} {i}",
                _sentence(rng, 12),
                rng.choice(user_ids),
                rng.random() < 0.1,
                created,
                created,
            )
        )
    tables.append(
        TableRows(
            "projects",
            [
                "slug",
                "name",
                "description",
                "owner_id",
                "is_archived",
                "created_at",
                "updated_at",
            ],
            projects,
        )
    )
    project_ids = list(range(1, sizes.projects + 1))

    members = []
    for pid in project_ids:
        for uid in rng.sample(user_ids, sizes.members_per_project):
            members.append(
                (pid, uid, rng.choice(["owner", "maintainer", "contributor", "viewer"]), _when(rng))
            )
    tables.append(
        TableRows("project_members", ["project_id", "user_id", "role", "joined_at"], members)
    )

    numbers = dict.fromkeys(project_ids, 0)
    tasks = []
    for _ in range(sizes.tasks):
        pid = rng.choice(project_ids)
        numbers[pid] += 1
        created = _when(rng)
        tasks.append(
            (
                pid,
                numbers[pid],
                task_title(rng),
                _sentence(rng, rng.randrange(8, 30)) if rng.random() < 0.7 else None,
                rng.choices(statuses, weights)[0],
                rng.randint(1, 5),
                rng.choice(user_ids) if rng.random() < 0.8 else None,
                (created + dt.timedelta(days=rng.randrange(1, 90))).date()
                if rng.random() < 0.6
                else None,
                round(rng.uniform(0.5, 40), 2) if rng.random() < 0.5 else None,
                rng.sample(LABELS, rng.randrange(0, 4)),
                created + dt.timedelta(days=rng.randrange(30)) if rng.random() < 0.02 else None,
                created,
                created + dt.timedelta(seconds=rng.randrange(86_400)),
            )
        )
    tables.append(
        TableRows(
            "tasks",
            [
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
                "deleted_at",
                "created_at",
                "updated_at",
            ],
            tasks,
        )
    )

    tags = [(f"tag-{i}", f"#{rng.randrange(0x1000000):06x}") for i in range(sizes.tags)]
    tables.append(TableRows("tags", ["name", "color"], tags))
    links: set[tuple[int, int]] = set()
    while len(links) < int(sizes.tasks * sizes.tags_per_task):
        links.add((rng.randrange(1, sizes.tasks + 1), rng.randrange(1, sizes.tags + 1)))
    tables.append(TableRows("task_tags", ["task_id", "tag_id"], sorted(links)))

    comments = []
    for i in range(1, sizes.comments + 1):
        parent = rng.randrange(1, i) if i > 1 and rng.random() < 0.2 else None
        comments.append(
            (
                rng.randrange(1, sizes.tasks + 1),
                parent,
                rng.choice(user_ids) if rng.random() < 0.9 else None,
                _sentence(rng, rng.randrange(5, 40)),
                _when(rng),
            )
        )
    tables.append(
        TableRows("comments", ["task_id", "parent_id", "author_id", "body", "created_at"], comments)
    )

    audit = []
    for _ in range(sizes.audit):
        field = rng.choice(["title", "status", "priority", "name"])
        audit.append(
            (
                rng.choice(user_ids) if rng.random() < 0.95 else None,
                rng.choice(ACTIONS),
                rng.choice(ENTITY_TYPES),
                str(rng.randrange(1, sizes.tasks)),
                json.dumps({field: [rng.randrange(100), rng.randrange(100)]}),
                _when(rng),
            )
        )
    tables.append(
        TableRows(
            "audit_log",
            ["actor_id", "action", "entity_type", "entity_id", "payload", "occurred_at"],
            audit,
        )
    )

    return Dataset(tables, user_ids, project_ids)


async def load(conn: asyncpg.Connection, schema_sql: Path, sizes: Sizes, seed: int) -> Loaded:
    start = time.perf_counter()
    await conn.execute(schema_sql.read_text())
    rows = generate(sizes, seed)
    for t in rows.tables:
        await conn.copy_records_to_table(t.name, records=t.rows, columns=t.columns)
    await conn.execute("VACUUM ANALYZE")
    await prewarm(conn)
    return rows.loaded(sizes, time.perf_counter() - start)


async def prewarm(conn: asyncpg.Connection) -> None:
    """Every table and index of the schema into shared_buffers (pg_prewarm when the server has
    it, else sequential scans), so the first implementation measured does not pay for cold
    pages that later ones get for free."""
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    except asyncpg.PostgresError:
        for table in (
            "users",
            "projects",
            "project_members",
            "tasks",
            "tags",
            "task_tags",
            "comments",
            "audit_log",
        ):
            await conn.execute(f"SELECT count(*) FROM (SELECT * FROM {table}) t")
        return
    await conn.execute(
        "SELECT pg_prewarm(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')"
    )

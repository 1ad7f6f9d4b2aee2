"""The raw-driver statements for SQLite and MySQL/MariaDB: the work the generated layer does for
each operation (its SQL, read from the engine's echo), written as a programmer would with the
driver alone. The PostgreSQL ones are ``impl_raw.SQL``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.settings import REPO_ROOT
from bench.workload import BULK_COLUMNS, LIST_STATUSES, SEARCH, Operation, Workload, calls

CASES = REPO_ROOT / "tests" / "golden" / "cases"
TASK_BASE = (
    "id, project_id, number, title, description, status, priority, assignee_id, due_date, estimate"
)
TASK_TAIL = "version, deleted_at, created_at, updated_at"
PROJECT = (
    "p.id, p.slug, p.name, p.description, p.owner_id, p.is_archived, p.created_at, p.updated_at"
)
AUDIT = "a.id, a.actor_id, a.action, a.entity_type, a.entity_id, a.payload, a.occurred_at"
USER = (
    "u.id, u.email, u.display_name, u.role, u.is_active, u.last_login_at, u.created_at, "
    "u.updated_at"
)
INSERTED = ("project_id", "number", "title", "description", "status", "priority")


@dataclass(frozen=True, slots=True)
class Dialect:
    key: str  # python -m bench --dialect KEY
    title: str  # in the report
    spec: Path  # the demo spec for this dialect (the golden case)
    mark: str  # the drivers' placeholder
    now: str  # the current time, as the generated layer writes it
    escape: str  # LIKE's escape character as a string literal of this dialect
    labels: bool  # tasks has a labels column (SQLite: JSON; MySQL has none)
    # UPDATE ... RETURNING (SQLite has it; MariaDB has INSERT ... RETURNING only)
    update_returning: bool

    @property
    def task_columns(self) -> str:
        return f"{TASK_BASE}, {'labels, ' if self.labels else ''}{TASK_TAIL}"

    def marks(self, n: int) -> str:
        return ", ".join([self.mark] * n)


SQLITE = Dialect(
    "sqlite",
    "SQLite",
    CASES / "sqlite_demo",
    "?",
    "CURRENT_TIMESTAMP",
    "'\\'",
    labels=True,
    update_returning=True,
)
MYSQL = Dialect(
    "mysql",
    "MySQL/MariaDB",
    CASES / "demo_mysql",
    "%s",
    "now()",
    # a backslash is an escape in MySQL's string literals too
    "'\\\\'",
    labels=False,
    update_returning=False,
)
DIALECTS = {d.key: d for d in (SQLITE, MYSQL)}


def bulk_columns(d: Dialect) -> list[str]:
    return [c for c in BULK_COLUMNS if d.labels or c != "labels"]


def statements(d: Dialect) -> dict[str, str]:
    """Operation key -> statement; ``update`` is followed by ``reread`` where the dialect has no
    UPDATE ... RETURNING."""
    m = d.mark
    t = d.task_columns
    tj = ", ".join(f"t.{c.strip()}" for c in t.split(","))
    listing = (
        f"SELECT {t} FROM tasks WHERE deleted_at IS NULL AND project_id = {m} "
        f"AND status IN ({m}, {m}) {{extra}}"
        "ORDER BY priority ASC, created_at DESC, id ASC LIMIT 51"
    )
    like = f"LIKE lower({m}) ESCAPE {d.escape}"
    bulk = bulk_columns(d)
    update = (
        f"UPDATE tasks SET title = {m}, version = version + 1, updated_at = {d.now} "
        f"WHERE id = {m} AND version = {m} AND deleted_at IS NULL"
    )
    return {
        "get_pk": f"SELECT {t} FROM tasks WHERE id = {m} AND deleted_at IS NULL",
        "get_rel": f"SELECT {tj}, {PROJECT} FROM tasks t JOIN projects p "
        f"ON p.id = t.project_id WHERE t.id = {m} AND t.deleted_at IS NULL",
        "list_filter": listing.format(extra=""),
        "list_search": listing.format(
            extra=f"AND (lower(title) {like} OR lower(description) {like}) "
        ),
        "count": f"SELECT count(*) FROM tasks WHERE deleted_at IS NULL AND project_id = {m}",
        "list_500_rel": f"SELECT {AUDIT}, {USER} FROM audit_log a LEFT JOIN users u "
        "ON u.id = a.actor_id ORDER BY a.occurred_at DESC, a.id DESC LIMIT 501",
        "cursor_p1": f"SELECT {t} FROM tasks WHERE deleted_at IS NULL ORDER BY id LIMIT 51",
        "cursor_deep": f"SELECT {t} FROM tasks WHERE deleted_at IS NULL AND id > {m} "
        "ORDER BY id LIMIT 51",
        "offset_deep": f"SELECT {t} FROM tasks WHERE deleted_at IS NULL ORDER BY id "
        f"LIMIT 51 OFFSET {m}",
        # MariaDB 10.5+ and SQLite 3.35+ both return the inserted row in the same round trip
        "create": f"INSERT INTO tasks ({', '.join(INSERTED)}) VALUES ({d.marks(len(INSERTED))}) "
        f"RETURNING {t}",
        "update": update + (f" RETURNING {t}" if d.update_returning else ""),
        "reread": f"SELECT {t} FROM tasks WHERE id = {m}",
        "delete": f"DELETE FROM comments WHERE id = {m}",
        "soft_delete": f"UPDATE tasks SET deleted_at = {d.now} "
        f"WHERE id = {m} AND deleted_at IS NULL",
        "bulk": f"INSERT INTO tasks ({', '.join(bulk)}) VALUES ({d.marks(len(bulk))})",
        "stream": "SELECT id, actor_id, action, entity_type, entity_id, payload, occurred_at "
        "FROM audit_log ORDER BY id",
    }


def params(key: str, w: Workload, op: Operation, name: str) -> Any:
    """The parameters of call ``i`` of ``key``, as a function of ``i``: the same inputs the
    generated layer gets."""
    a, b = LIST_STATUSES
    if key in ("get_pk", "get_rel"):
        return lambda i: (w.get_ids[i % len(w.get_ids)],)
    if key == "list_filter":
        return lambda i: (w.pick(w.project_picks, i), a, b)
    if key == "list_search":
        pattern = f"%{SEARCH}%"
        return lambda i: (w.pick(w.project_picks, i), a, b, pattern, pattern)
    if key == "count":
        return lambda i: (w.pick(w.project_picks, i),)
    if key in ("list_500_rel", "cursor_p1"):
        return lambda i: ()
    if key == "cursor_deep":
        return lambda i: (w.cursor_boundary_id,)
    if key == "offset_deep":
        return lambda i: (w.offset_deep,)
    if key == "create":
        return lambda i: w.new_task(i)
    if key == "update":
        ids = w.take("tasks", f"update/{name}", calls(op))
        return lambda i: (f"Renamed {i}", ids[i], 1)
    if key in ("delete", "soft_delete"):
        ids = w.take("comments" if key == "delete" else "tasks", f"{key}/{name}", calls(op))
        return lambda i: (ids[i],)
    raise KeyError(key)

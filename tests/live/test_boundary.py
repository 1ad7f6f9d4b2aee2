"""Bad values at the repository boundary: each comes out as a typed error before any SQL runs,
the same in both flavours (asyncpg refused some client-side, psycopg2 sent them and the server
answered differently, or silently matched nothing)."""

from __future__ import annotations

import asyncio
import importlib
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from support import REPO_ROOT, FreshDb, import_generated, psql

FLAVOURS = ("async", "sync")


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("boundary") / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", "specs", "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def pkg(demo_out: Path) -> Iterator[ModuleType]:
    with import_generated(demo_out, "app_db") as module:
        yield module


@pytest.fixture(scope="module", params=["direct", "pgbouncer"])
def db(pg_server: Any, request: pytest.FixtureRequest) -> Iterator[FreshDb]:
    """One database for the module, reached directly and then through PgBouncer."""
    from support.pg import temporary_database

    with temporary_database(pg_server) as direct:
        fresh = direct
        if request.param == "pgbouncer":
            fresh = request.getfixturevalue("pgbouncer").route(direct)
        psql(fresh.dsn, "-q", "-f", str(REPO_ROOT / "specs" / "schema.sql"))
        # One row of each, so that a value the server would choke on meets a row to compare.
        psql(
            fresh.dsn,
            "-q",
            "-c",
            "INSERT INTO users (email, display_name) VALUES ('a@x.org', 'A');"
            "INSERT INTO projects (slug, name, owner_id) SELECT 'p', 'P', id FROM users;"
            "INSERT INTO tasks (project_id, number, title) SELECT id, 1, 'back\\slash' "
            "FROM projects;",
        )
        yield fresh


def call(pkg: ModuleType, db: FreshDb, flavour: str, fn: Callable[[Any, Any], Any]) -> Any:
    """``fn(uow, app)`` in a unit of work of ``flavour``; its result (awaited if async)."""
    app = App()
    if flavour == "sync":
        engine = sa.create_engine(db.sync_url, poolclass=NullPool)
        try:
            with app.uow.SyncUnitOfWork(app.db.sync_session_factory(engine)) as uow:
                return fn(uow, app)
        finally:
            engine.dispose()

    async def body() -> Any:
        engine = create_async_engine(
            db.async_url, poolclass=NullPool, connect_args=db.async_connect_args
        )
        try:
            async with app.uow.UnitOfWork(app.db.async_session_factory(engine)) as uow:
                return await fn(uow, app)
        finally:
            await engine.dispose()

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return asyncio.run(body(), debug=True)


class App:
    """The generated modules the tests use."""

    def __init__(self) -> None:
        self.uow = importlib.import_module("app_db.uow")
        self.db = importlib.import_module("app_db.db")
        self.errors = importlib.import_module("app_db.errors")
        self.tasks = importlib.import_module("app_db.schemas.tasks")


def tf(app: App, **fields: Any) -> Any:
    return app.tasks.TaskFilter(**fields)


# (case id, the call, the error class name, a fragment of its message)
BAD_VALUES: list[tuple[str, Callable[[Any, Any], Any], str, str]] = [
    (
        "like-trailing-backslash",
        lambda u, a: u.tasks.list(where=tf(a, title__like="back\\")),
        "InvalidValueError",
        "unescaped backslash",
    ),
    (
        "ilike-trailing-backslash",
        lambda u, a: u.tasks.count(where=tf(a, title__ilike="%\\\\\\")),
        "InvalidValueError",
        "unescaped backslash",
    ),
    (
        "nul-filter",
        lambda u, a: u.tasks.list(where=tf(a, title__eq="a\x00b")),
        "InvalidValueError",
        "NUL",
    ),
    ("nul-search", lambda u, a: u.tasks.list(search="a\x00b"), "InvalidValueError", "NUL"),
    ("nul-count-search", lambda u, a: u.tasks.count(search="\x00"), "InvalidValueError", "NUL"),
    ("nul-finder", lambda u, a: u.users.get_by_email("a\x00"), "InvalidValueError", "NUL"),
    (
        "int32-filter",
        lambda u, a: u.tasks.list(where=tf(a, number__eq=2**31)),
        "InvalidValueError",
        "32-bit",
    ),
    (
        "int16-filter",
        lambda u, a: u.tasks.count(where=tf(a, priority__gte=-(2**15) - 1)),
        "InvalidValueError",
        "16-bit",
    ),
    (
        "int64-filter",
        lambda u, a: u.tasks.list(where=tf(a, id__eq=2**63)),
        "InvalidValueError",
        "64-bit",
    ),
    (
        "int64-in-list-item",
        lambda u, a: u.tasks.list(where=tf(a, project_id__in=[1, 2**64])),
        "InvalidValueError",
        "64-bit",
    ),
    (
        "int-between",
        lambda u, a: u.tasks.list(where=tf(a, priority__between=(1, 2**20))),
        "InvalidValueError",
        "16-bit",
    ),
    (
        "int-in-or",
        lambda u, a: u.tasks.list(where=tf(a, or_=[tf(a, number__eq=1), tf(a, number__eq=2**33)])),
        "InvalidValueError",
        "32-bit",
    ),
    (
        "in-list-over-32767",
        lambda u, a: u.tasks.list(where=tf(a, id__in=list(range(40_000)))),
        "InvalidValueError",
        "bind parameters",
    ),
    (
        "or-over-32767",
        lambda u, a: u.tasks.count(where=tf(a, or_=[tf(a, id__eq=i) for i in range(33_000)])),
        "InvalidValueError",
        "bind parameters",
    ),
    ("get-str-for-bigint", lambda u, a: u.tasks.get("abc"), "InvalidValueError", "integer"),
    ("get-int-for-uuid", lambda u, a: u.users.get(12), "InvalidValueError", "UUID"),
    ("get-bigint-out-of-range", lambda u, a: u.tasks.get(2**64), "InvalidValueError", "64-bit"),
    ("get-bool-key", lambda u, a: u.tasks.get(True), "InvalidValueError", "integer"),
    ("exists-str-key", lambda u, a: u.tasks.exists("1"), "InvalidValueError", "integer"),
    (
        "delete-wrong-key",
        lambda u, a: u.tasks.delete(uuid.uuid4()),
        "InvalidValueError",
        "integer",
    ),
    (
        "composite-key-not-a-tuple",
        lambda u, a: u.project_members.get(1),
        "InvalidValueError",
        "tuple of 2",
    ),
    (
        "composite-key-typed",
        lambda u, a: u.project_members.get((1, "x")),
        "InvalidValueError",
        "UUID",
    ),
    (
        "bulk-delete-key",
        lambda u, a: u.project_members.bulk_delete([(1, 2)]),
        "InvalidValueError",
        "UUID",
    ),
    (
        "finder-wrong-type",
        lambda u, a: u.tasks.get_by_project_id_number("p", 1),
        "InvalidValueError",
        "integer",
    ),
    (
        "list-finder-out-of-range",
        lambda u, a: u.tasks.list_by_project_id(2**63),
        "InvalidValueError",
        "64-bit",
    ),
    ("order-by-int", lambda u, a: u.tasks.list(order_by=[1]), "InvalidValueError", "key names"),
    ("order-by-string", lambda u, a: u.tasks.list(order_by="title"), "InvalidValueError", "list"),
    ("cursor-int", lambda u, a: u.tasks.list(after=5), "InvalidCursorError", "string"),
    ("cursor-bytes", lambda u, a: u.tasks.list(before=b"x.y"), "InvalidCursorError", "string"),
    ("limit-float", lambda u, a: u.tasks.list(limit=1.5), "InvalidValueError", "integer"),
    ("limit-str", lambda u, a: u.tasks.list(limit="10"), "InvalidValueError", "integer"),
    ("limit-zero", lambda u, a: u.tasks.list(limit=0), "InvalidValueError", "at least 1"),
    ("offset-negative", lambda u, a: u.tasks.list(offset=-1), "InvalidValueError", "at least 0"),
    ("offset-over-int64", lambda u, a: u.tasks.list(offset=2**63), "InvalidValueError", "at most"),
    ("offset-float", lambda u, a: u.tasks.list(offset=2.0), "InvalidValueError", "integer"),
]


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    ("fn", "error", "fragment"),
    [pytest.param(fn, err, frag, id=case) for case, fn, err, frag in BAD_VALUES],
)
def test_bad_values_are_typed_errors(
    pkg: ModuleType, db: FreshDb, flavour: str, fn: Any, error: str, fragment: str
) -> None:
    errors = App().errors
    with pytest.raises(errors.DataLayerError) as raised:
        call(pkg, db, flavour, fn)
    assert type(raised.value).__name__ == error, repr(raised.value)
    assert fragment in str(raised.value)
    assert isinstance(raised.value, errors.InvalidQueryError | errors.InvalidCursorError)
    assert raised.value.__cause__ is None  # refused before the driver saw it


GOOD_VALUES: list[tuple[str, Callable[[Any, Any], Any], Any]] = [
    # The edges of each range are values, not errors.
    ("int32-edge", lambda u, a: u.tasks.count(where=tf(a, number__eq=2**31 - 1)), 0),
    ("int16-edge", lambda u, a: u.tasks.count(where=tf(a, priority__gte=-(2**15))), 1),
    # LIMIT and OFFSET are 64-bit: an offset past 2**31 is an empty page, not an error.
    ("offset-2**31", lambda u, a: _items(u.tasks.list(offset=2**31)), 0),
    ("offset-int64-max", lambda u, a: _items(u.tasks.list(offset=2**63 - 1)), 0),
    # A backslash the pattern escapes is a literal backslash.
    ("like-escaped-backslash", lambda u, a: u.tasks.count(where=tf(a, title__like="back\\\\%")), 1),
    # A search is literal text: a trailing backslash, % and _ match themselves.
    ("search-backslash", lambda u, a: u.tasks.count(search="back\\"), 1),
    ("search-percent", lambda u, a: u.tasks.count(search="%"), 0),
    ("exactly-32000-in", lambda u, a: u.tasks.count(where=tf(a, id__in=list(range(32_000)))), 1),
]


def _items(page: Any) -> Any:
    if asyncio.iscoroutine(page):

        async def length() -> int:
            return len((await page).items)

        return length()
    return len(page.items)


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    ("fn", "expected"), [pytest.param(fn, exp, id=case) for case, fn, exp in GOOD_VALUES]
)
def test_edge_values_are_accepted(
    pkg: ModuleType, db: FreshDb, flavour: str, fn: Any, expected: Any
) -> None:
    assert call(pkg, db, flavour, fn) == expected


# -- cursors --------------------------------------------------------------------------------------


def forge(order: str, values: list[Any]) -> str:
    """A cursor for tasks signed with the current key, as someone holding the key could make."""
    import base64
    import json

    pagination = importlib.import_module("app_db.pagination")
    payload = json.dumps(
        {"s": "app_db.tasks", "o": order, "v": values}, separators=(",", ":"), sort_keys=True
    ).encode()
    head = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    return f"{head}.{pagination.sign(payload)}"


FORGED: list[tuple[str, list[str], str, list[Any], str]] = [
    # (case, order_by, the order's signature, values, a fragment of the reason)
    ("null-for-not-null", ["priority"], "priority,id", [None, 1], "NULL for the NOT NULL key"),
    ("null-for-the-key", ["priority"], "priority,id", [1, None], "NULL for the NOT NULL key 'id'"),
    ("int16-overflow", ["priority"], "priority,id", [2**40, 1], "16-bit"),
    ("int64-overflow", ["priority"], "priority,id", [1, 2**70], "64-bit"),
    ("bool-for-int", ["priority"], "priority,id", [True, 1], "integer"),
    ("wrong-type", ["priority"], "priority,id", ["x", 1], "wrong type"),
    ("not-an-enum-value", ["status"], "status,id", ["nope", 1], "not one of"),
    ("nul-in-text", ["title"], "title,id", ["a\x00", 1], "NUL"),
    ("timedelta-overflow", ["due_date"], "due_date,id", [{"td": [10**12, 0, 0]}, 1], "malformed"),
    ("bad-decimal", ["due_date"], "due_date,id", [{"n": "abc"}, 1], "malformed"),
    ("datetime-for-date", ["due_date"], "due_date,id", [{"dt": "2020-01-01T00:00:00"}, 1], "date"),
    ("values-not-a-list", ["priority"], "priority,id", {"a": 1}, "malformed"),  # type: ignore[list-item]
    ("too-few-values", ["priority"], "priority,id", [1], "number of values"),
]


@pytest.fixture
def cursor_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    secret = "test-secret-" + uuid.uuid4().hex
    monkeypatch.setenv("APP_DB_CURSOR_SECRET", secret)
    return secret


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    ("order_by", "order", "values", "fragment"),
    [pytest.param(ob, o, v, frag, id=case) for case, ob, o, v, frag in FORGED],
)
def test_forged_cursor_values_are_invalid_cursor_errors(
    pkg: ModuleType,
    db: FreshDb,
    cursor_secret: str,
    flavour: str,
    order_by: list[str],
    order: str,
    values: list[Any],
    fragment: str,
) -> None:
    """A correctly signed cursor whose values do not fit the sort columns never reaches SQL."""
    errors = App().errors
    cursor = forge(order, values)
    for direction in ("after", "before"):
        with pytest.raises(errors.InvalidCursorError, match=fragment) as raised:
            call(
                pkg,
                db,
                flavour,
                lambda u, a, d=direction: u.tasks.list(order_by=order_by, **{d: cursor}),
            )
        assert raised.value.__cause__ is None


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_signed_cursors_round_trip_and_foreign_keys_are_refused(
    pkg: ModuleType, db: FreshDb, cursor_secret: str, flavour: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    errors = App().errors
    # A cursor the layer made, for a nullable key holding NULL, round-trips.
    made = forge("due_date,id", [None, 10**6])
    page = call(pkg, db, flavour, lambda u, a: u.tasks.list(order_by=["due_date"], before=made))
    count = page if isinstance(page, int) else len(page.items)
    assert count == 1
    # Under another secret the same cursor is foreign.
    monkeypatch.setenv("APP_DB_CURSOR_SECRET", "another")
    with pytest.raises(errors.InvalidCursorError, match="signature"):
        call(pkg, db, flavour, lambda u, a: u.tasks.list(order_by=["due_date"], before=made))


def test_without_a_secret_the_key_is_random_per_process(
    pkg: ModuleType, db: FreshDb, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """No key anyone can derive from the code: a cursor signed with what the package name
    gave before is refused, and the process warns that its cursors are local to it."""
    import base64
    import hashlib
    import hmac
    import json

    monkeypatch.delenv("APP_DB_CURSOR_SECRET", raising=False)
    errors = App().errors
    payload = json.dumps(
        {"s": "app_db.tasks", "o": "priority,id", "v": [None, 1]},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    guessable = hashlib.sha256(b"dbgen-cursor:app_db").digest()
    mac = hmac.digest(guessable, payload, "sha256")[:16]
    b64 = base64.urlsafe_b64encode
    cursor = f"{b64(payload).rstrip(b'=').decode()}.{b64(mac).rstrip(b'=').decode()}"
    pagination = importlib.import_module("app_db.pagination")
    pagination._process_key.clear()  # as in a fresh process
    with caplog.at_level("WARNING", logger="app_db.pagination"):
        with pytest.raises(errors.InvalidCursorError, match="signature"):
            call(pkg, db, "sync", lambda u, a: u.tasks.list(order_by=["priority"], after=cursor))
        # Cursors still work within the process.
        made = pagination.encode_cursor("app_db.tasks", "priority,id", [3, 1])
        assert pagination.decode_cursor("Task", "app_db.tasks", "priority,id", made, [int, int])
    assert [r for r in caplog.records if "APP_DB_CURSOR_SECRET is not set" in r.getMessage()]
    assert len(pagination._process_key) == 1
    assert pagination._process_key[0] != guessable

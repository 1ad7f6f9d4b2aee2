"""Repositories of tables without a primary key (Core tables), against a real PostgreSQL.

The input is the golden case tests/golden/cases/core_tables: a table with no key at all
(event_log: offset pages, soft delete, search, a transaction child), one with a unique NOT NULL
index (event_json: cursors, upsert, finders) and a read-only one as `dbgen scaffold` writes it
(room_stats). Async tests run under asyncio debug mode with warnings as errors.
"""

from __future__ import annotations

import asyncio
import datetime
import importlib
import os
import shutil
import subprocess
import sys
import uuid
import warnings
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import pydantic
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from support import REPO_ROOT, FreshDb, import_generated, psql

T = TypeVar("T")
CASE = REPO_ROOT / "tests" / "golden" / "cases" / "core_tables"
BIN = Path(sys.executable).parent
UTC = datetime.UTC


@pytest.fixture(scope="module")
def core_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("core") / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", str(CASE), "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture
def pkg(core_out: Path) -> Iterator[ModuleType]:
    with import_generated(core_out, "core_db") as module:
        yield module


@pytest.fixture
def db(fresh_db: FreshDb) -> FreshDb:
    psql(fresh_db.dsn, "-q", "-f", str(CASE / "schema.sql"))
    return fresh_db


class Api:
    def __init__(self) -> None:
        def m(name: str) -> Any:
            return importlib.import_module(f"core_db.{name}")

        self.db = m("db")
        self.uow = m("uow")
        self.errors = m("errors")
        self.log = m("schemas.event_log")
        self.ej = m("schemas.event_json")
        self.stats = m("schemas.room_stats")
        self.streams = m("schemas.streams")
        self.enums = m("enums")
        self.repos = m("repositories.event_log")


def run(coro: Coroutine[Any, Any, T]) -> T:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return asyncio.run(coro, debug=True)


async def with_uow(db: FreshDb, body: Callable[[Any, Api], Coroutine[Any, Any, T]]) -> T:
    api = Api()
    engine = create_async_engine(
        db.async_url, poolclass=NullPool, connect_args=db.async_connect_args
    )
    try:
        async with api.uow.UnitOfWork(api.db.async_session_factory(engine)) as uow:
            return await body(uow, api)
    finally:
        await engine.dispose()


def _log_oracle(rows: list[Any], order: list[str]) -> list[tuple[Any, ...]]:
    """Expected order of event_log rows: the keys, then every sortable column ascending
    (stream_id NULLs last, level in enum order); tie direction follows the first key."""
    levels = ["debug", "info", "warn"]

    def value(r: Any, attr: str) -> Any:
        v = getattr(r, attr)
        return levels.index(v.value) if attr == "level" else v

    keys = list(order)
    tie_desc = bool(keys) and keys[0].startswith("-")
    for attr in ("stream_id", "level", "message", "happened_at", "deleted"):
        if attr not in [k.lstrip("-") for k in keys]:
            keys.append(("-" if tie_desc else "") + attr)
    result = list(rows)
    for key in reversed(keys):
        attr, desc = key.lstrip("-"), key.startswith("-")
        result.sort(
            key=lambda r, a=attr: (1, 0) if value(r, a) is None else (0, value(r, a)), reverse=desc
        )
    return [_ident(r) for r in result]


def _ident(r: Any) -> tuple[Any, ...]:
    return (r.stream_id, r.level, r.message, r.happened_at)


# -- no key at all ------------------------------------------------------------------------------


def test_core_table_without_key_async(pkg: ModuleType, db: FreshDb) -> None:
    async def body(uow: Any, api: Api) -> None:
        C, F, L = api.log.EventLogCreate, api.log.EventLogFilter, api.enums.Level
        assert "deleted" not in C.model_fields  # the soft-delete stamp is delete()'s business
        s = await uow.streams.create(api.streams.StreamCreate(name="main"))
        one = await uow.event_log.create(C(message="first 100%_done", stream_id=s.id))
        assert isinstance(one, api.log.EventLogRead)  # a Read schema, not a Row
        assert one.level is L.INFO and one.deleted is False and one.happened_at is not None
        base = datetime.datetime(2024, 5, 1, tzinfo=UTC)
        items = [
            C(
                stream_id=None if i % 4 == 0 else s.id,
                level=list(L)[i % 3],
                message=f"msg {i % 5}",  # duplicate sort values on purpose
                happened_at=base + datetime.timedelta(minutes=i % 7),
                payload={"n": i % 3},
            )
            for i in range(60)
        ]
        assert await uow.event_log.bulk_create(items) == 60
        # A soft-deleted row (stamped outside the repository: event_log has no delete).
        await uow.session.execute(
            sa.text("INSERT INTO event_log (message, deleted) VALUES ('gone', true)")
        )
        assert await uow.event_log.count() == 61
        all_rows = (await uow.event_log.list(limit=50, offset=0)).items
        all_rows += (await uow.event_log.list(limit=50, offset=50)).items
        assert len(all_rows) == 61 and all(r.message != "gone" for r in all_rows)
        # stream: the driver's records (positional, no mapping) become Read schemas as well.
        streamed = [r async for r in uow.event_log.stream(batch_size=7)]
        assert all(isinstance(r, api.log.EventLogRead) for r in streamed)
        assert sorted(r.model_dump_json() for r in streamed) == sorted(
            r.model_dump_json() for r in all_rows
        )

        # Filters, search (wildcards literal), count agreeing with list.
        cases: list[tuple[Any, Callable[[Any], bool]]] = [
            (F(level__eq=L.WARN), lambda r: r.level is L.WARN),
            (F(level__in=[L.DEBUG, L.WARN]), lambda r: r.level in (L.DEBUG, L.WARN)),
            (F(message__ilike="MSG 3"), lambda r: r.message == "msg 3"),
            (
                F(happened_at__gte=base + datetime.timedelta(minutes=5)),
                lambda r: r.happened_at >= base + datetime.timedelta(minutes=5),
            ),
            (F(payload__contains={"n": 2}), lambda r: r.payload == {"n": 2}),
            (F(stream_id__is_null=True), lambda r: r.stream_id is None),
            (
                F(or_=[F(level__eq=L.DEBUG), F(stream_id__is_null=True)]),
                lambda r: r.level is L.DEBUG or r.stream_id is None,
            ),
        ]
        for where, pred in cases:
            want = sorted(map(repr, (_ident(r) for r in all_rows if pred(r))))
            page = await uow.event_log.list(where=where, limit=50)
            assert sorted(map(repr, (_ident(r) for r in page.items))) == want, where
            assert await uow.event_log.count(where=where) == len(want)
        hits = await uow.event_log.list(search="100%_", limit=50)
        assert [r.message for r in hits.items] == ["first 100%_done"]
        assert await uow.event_log.count(search="%") == 1

        # Offset pages walk the full, deterministic order (duplicates in every sort key).
        for order in ([], ["message"], ["-happened_at", "level"], ["level"]):
            expected = _log_oracle(all_rows, order)
            seen: list[tuple[Any, ...]] = []
            for start in range(0, 61, 9):
                page = await uow.event_log.list(order_by=order or None, limit=9, offset=start)
                assert page.next_cursor is None and page.prev_cursor is None  # offset only
                seen += [_ident(r) for r in page.items]
            assert seen == expected, order
        total = await uow.event_log.list(limit=5, with_total=True)
        assert total.total == 61 and len(total.items) == 5
        assert len((await uow.event_log.list(limit=10**6)).items) == 50  # max_page_size

        with pytest.raises(api.errors.InvalidQueryError):
            await uow.event_log.list(order_by=["payload"])
        repo = api.repos.EventLogRepository
        assert not {"get", "update", "delete", "exists", "upsert"} & set(dir(repo))
        with pytest.raises(TypeError):
            await uow.event_log.list(after="x")  # no cursor pagination without a key
        with pytest.raises(pydantic.ValidationError):
            C(message="")  # the CHECK (message <> '') holds in the schema too
        with pytest.raises(api.errors.ConstraintViolationError):
            async with uow.savepoint():  # and in the database, for a value that skips it
                await uow.event_log.create(C.model_construct(message=""))
        with pytest.raises(api.errors.RelatedNotFoundError):
            async with uow.savepoint():
                await uow.event_log.create(C(message="x", stream_id=10**9))

    run(with_uow(db, body))


def test_core_table_in_transaction_async(pkg: ModuleType, db: FreshDb) -> None:
    async def body(uow: Any, api: Api) -> None:
        N = api.log.EventLogCreateNested
        assert "stream_id" not in N.model_fields
        s = await uow.create_stream_with_events(
            api.streams.StreamCreate(name="a"), event_log=[N(message="one"), N(message="two")]
        )
        page = await uow.event_log.list(where=api.log.EventLogFilter(stream_id__eq=s.id))
        assert sorted(r.message for r in page.items) == ["one", "two"]
        with pytest.raises(api.errors.ConstraintViolationError):
            await uow.create_stream_with_events(
                api.streams.StreamCreate(name="b"),
                event_log=[N(message="ok"), N.model_construct(message="")],  # the database's CHECK
            )
        assert await uow.session.scalar(sa.text("SELECT count(*) FROM streams")) == 1
        assert await uow.event_log.count() == 2

    run(with_uow(db, body))


# -- a unique NOT NULL key: cursors, upsert, finders ---------------------------------------------


def _ej_oracle(rows: list[Any], order: list[str]) -> list[str]:
    keys = list(order) or ["-seq"]
    tie = "-event_id" if keys[0].startswith("-") else "event_id"
    keys.append(tie)
    result = list(rows)
    for key in reversed(keys):
        attr, desc = key.lstrip("-"), key.startswith("-")
        result.sort(
            key=lambda r, a=attr: (1, "") if getattr(r, a) is None else (0, getattr(r, a)),
            reverse=desc,
        )
    return [r.event_id for r in result]


async def _walk(
    list_page: Callable[..., Coroutine[Any, Any, Any]], order: list[str]
) -> tuple[list[str], list[str]]:
    pages = [await list_page(order_by=order or None, limit=4)]
    while pages[-1].next_cursor is not None:
        pages.append(await list_page(order_by=order or None, limit=4, after=pages[-1].next_cursor))
    forward = [r.event_id for p in pages for r in p.items]
    back = [r.event_id for r in pages[-1].items]
    page = pages[-1]
    while page.prev_cursor is not None:
        page = await list_page(order_by=order or None, limit=4, before=page.prev_cursor)
        back = [r.event_id for r in page.items] + back
    return forward, back


def test_core_table_with_unique_key_async(pkg: ModuleType, db: FreshDb) -> None:
    async def body(uow: Any, api: Api) -> None:
        C = api.ej.EventJsonCreate
        made = await uow.event_json.bulk_create(
            [
                C(
                    event_id=f"$e{i:02d}",
                    room=None if i % 3 == 0 else f"!r{i % 2}",
                    json_="{}",
                    seq=i % 4,
                )
                for i in range(23)
            ]
        )
        assert made == 23
        rows = (await uow.event_json.list(limit=100)).items
        assert len(rows) == 23
        for order in ([], ["seq"], ["-room", "seq"], ["room"]):
            forward, back = await _walk(uow.event_json.list, order)
            assert forward == _ej_oracle(rows, order), order
            assert back == forward, order
        # The finder pages too, with the same keywords.
        by_room = await uow.event_json.list_by_room("!r1", order_by=["seq"], limit=3)
        assert [r.room for r in by_room.items] == ["!r1"] * 3 and by_room.next_cursor
        # Upsert on the unique index: insert, then update the same row.
        a = await uow.event_json.upsert(C(event_id="$new", json_="{}", room="!r9"))
        assert isinstance(a, api.ej.EventJsonRead) and a.seq == 0
        b = await uow.event_json.upsert(C(event_id="$new", json_='{"x": 1}', seq=7))
        assert (b.event_id, b.json_, b.seq, b.room) == ("$new", '{"x": 1}', 7, "!r9")
        assert await uow.event_json.count() == 24
        found = await uow.event_json.get_by_event_id("$new")
        assert found == b and await uow.event_json.get_by_event_id("$none") is None
        assert await uow.event_json.count(where=api.ej.EventJsonFilter(room__is_null=True)) == 8
        page = await uow.event_json.list(limit=4, order_by=["seq"])
        with pytest.raises(api.errors.InvalidCursorError):
            await uow.event_json.list(
                limit=4, order_by=["seq"], after=page.next_cursor[:-3] + "AAA"
            )
        with pytest.raises(api.errors.InvalidCursorError, match="another order"):
            await uow.event_json.list(limit=4, order_by=["-seq"], after=page.next_cursor)
        with pytest.raises(api.errors.AlreadyExistsError):
            async with uow.savepoint():
                await uow.event_json.bulk_create([C(event_id="$new", json_="{}")])

    run(with_uow(db, body))


# -- a mapped table whose attributes differ from its column names ---------------------------------


async def _tokens_scenario(uow: Any, api: Api, aw: Callable[[Any], Any]) -> None:
    tok, errors = importlib.import_module("core_db.schemas.tokens"), api.errors
    C, U, F = tok.TokenCreate, tok.TokenUpdate, tok.TokenFilter
    ids = [uuid.uuid4() for _ in range(6)]
    t = await aw(uow.tokens.create(C(uuid_=ids[0], json_="{}", keys="k0")))
    assert (t.uuid_, t.json_, t.version) == (ids[0], "{}", 1)
    assert (await aw(uow.tokens.get_by_uuid_(ids[0]))).id == t.id
    t = await aw(uow.tokens.update(t.id, U(version=1, json_="[1]", keys=None)))
    assert (t.json_, t.keys, t.version) == ("[1]", None, 2)
    assert (
        await aw(
            uow.tokens.bulk_create(
                [C(uuid_=u, json_=f"j{i}", keys="k") for i, u in enumerate(ids[1:4])]
            )
        )
        == 3
    )
    rows = (await aw(uow.tokens.list(where=F(uuid___in=ids[1:4]), order_by=["json_"]))).items
    assert [r.json_ for r in rows] == ["j0", "j1", "j2"]
    assert await aw(uow.tokens.bulk_update([(r.id, U(version=1, json_="bulk")) for r in rows])) == 3
    assert {r.json_ for r in (await aw(uow.tokens.list_by_keys("k"))).items} == {"bulk"}
    assert await aw(uow.tokens.count(where=F(keys__is_null=True))) == 1
    assert [r.id for r in (await aw(uow.tokens.list(search="[1"))).items] == [t.id]
    up = await aw(uow.tokens.upsert(C(uuid_=ids[0], json_="up")))
    assert (up.id, up.json_, up.version) == (t.id, "up", 3)
    await aw(uow.tokens.delete(t.id))
    assert await aw(uow.tokens.get_by_uuid_(ids[0])) is None
    back = await aw(uow.tokens.upsert(C(uuid_=ids[0])))  # only the key: brings the row back
    assert back.id == t.id and back.deleted_at is None
    assert await aw(uow.tokens.bulk_delete([r.id for r in rows])) == 3
    s = await aw(
        uow.create_stream_with_tokens(
            api.streams.StreamCreate(name="tok"),
            tokens=[tok.TokenCreateNested(uuid_=ids[5], json_="c")],
        )
    )
    child = await aw(uow.tokens.get_by_uuid_(ids[5]))
    assert child.stream_id == s.id and child.json_ == "c"
    with pytest.raises(errors.AlreadyExistsError):
        await aw(uow.tokens.bulk_create([C(uuid_=ids[5])]))


def test_renamed_columns_async(pkg: ModuleType, db: FreshDb) -> None:
    async def aw(x: Any) -> Any:
        return await x

    run(with_uow(db, lambda uow, api: _tokens_scenario(uow, api, aw)))


def test_renamed_columns_sync(pkg: ModuleType, db: FreshDb) -> None:
    async def aw(x: Any) -> Any:
        return x

    api = Api()
    engine = sa.create_engine(db.sync_url, poolclass=NullPool)
    try:
        with api.uow.SyncUnitOfWork(api.db.sync_session_factory(engine)) as uow:
            asyncio.run(_tokens_scenario(uow, api, aw))
    finally:
        engine.dispose()


# -- sync flavour and the scaffold's read-only shape ---------------------------------------------


def test_core_tables_sync(pkg: ModuleType, db: FreshDb) -> None:
    api = Api()
    psql(
        db.dsn,
        "-q",
        "-c",
        "INSERT INTO room_stats SELECT 'r' || (i % 3), date '2024-01-01' + i / 3, i "
        "FROM generate_series(0, 29) i",
    )
    engine = sa.create_engine(db.sync_url, poolclass=NullPool)
    try:
        with api.uow.SyncUnitOfWork(api.db.sync_session_factory(engine)) as uow:
            stats = uow.room_stats
            assert not {"create", "bulk_create", "get"} & set(dir(stats))
            assert stats.count() == 30
            d = datetime.date
            where = api.stats.RoomStatFilter(day__between=(d(2024, 1, 2), d(2024, 1, 4)))
            assert stats.count(where=where) == 9
            seen = []
            page = stats.list(limit=7)
            while True:
                seen += [(r.room, r.day) for r in page.items]
                if page.next_cursor is None:
                    break
                page = stats.list(limit=7, after=page.next_cursor)
            assert seen == sorted(seen) and len(set(seen)) == 30  # (room, day): the unique key
            C = api.log.EventLogCreate
            row = uow.event_log.create(C(message="sync", level=api.enums.Level.WARN))
            assert row.level is api.enums.Level.WARN and row.stream_id is None
            assert uow.event_log.bulk_create([C(message=f"m{i}") for i in range(5)]) == 5
            assert [r.message for r in uow.event_log.list(order_by=["message"], limit=3).items] == [
                "m0",
                "m1",
                "m2",
            ]
            s = uow.create_stream_with_events(
                api.streams.StreamCreate(name="s"),
                event_log=[api.log.EventLogCreateNested(message="c")],
            )
            assert uow.event_log.count(where=api.log.EventLogFilter(stream_id__eq=s.id)) == 1
            streamed = list(uow.event_log.stream(batch_size=2))
            assert sorted(r.message for r in streamed) == [
                "c",
                "m0",
                "m1",
                "m2",
                "m3",
                "m4",
                "sync",
            ]
            up = uow.event_json.upsert(api.ej.EventJsonCreate(event_id="$a", json_="{}"))
            assert uow.event_json.get_by_event_id("$a") == up
        assert psql(db.dsn, "-Atc", "SELECT count(*) FROM event_log").stdout.strip() == "7"
    finally:
        engine.dispose()


@pytest.mark.parametrize("tool", ["mypy", "ruff"])
def test_core_package_passes_strict_checks(core_out: Path, tool: str, tmp_path: Path) -> None:
    if tool == "mypy":
        cmd = [
            str(BIN / "mypy"),
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "mc"),
            "-p",
            "core_db",
        ]
        env = dict(os.environ, MYPYPATH=str(core_out))
    else:
        cmd = [
            str(BIN / "ruff"),
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "E,F,W,I,B,UP,SIM,RUF",
            "--ignore",
            "E501",
            "--line-length",
            "100",
            str(core_out),
        ]
        env = dict(os.environ)
    if shutil.which(cmd[0]) is None:
        pytest.fail(f"{tool} is not installed in the test environment")
    proc = subprocess.run(cmd, cwd=core_out, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


# -- a real schema: synapse's tables without a primary key, as `dbgen scaffold` lists them ------


@pytest.mark.corpus
def test_scaffolded_core_tables_of_a_real_schema(tmp_path: Path, fresh_db: FreshDb) -> None:
    """Every table without a primary key in synapse (over a hundred) gets the scaffold's
    read-only repository, and each one's list and count statements run on PostgreSQL, async and
    sync (on empty tables: this checks the generated SQL and types against the real schema;
    row handling is covered on core_tables above)."""
    from support import require_shared

    schema = require_shared("corpus/synapse/schema.sql")
    spec = tmp_path / "spec"
    spec.mkdir()
    shutil.copy(schema, spec / "schema.sql")
    for cmd in (
        [
            "scaffold",
            str(spec / "schema.sql"),
            "--package",
            "syn_db",
            "--out",
            str(spec / "crud.yaml"),
        ],
        ["build", str(spec), "--out", str(tmp_path / "out")],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "dbgen", *cmd],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
    psql(fresh_db.dsn, "-q", "-f", str(schema))
    with import_generated(tmp_path / "out", "syn_db"):
        models = importlib.import_module("syn_db.models")
        core = sorted(name[: -len("_table")] for name in dir(models) if name.endswith("_table"))
        assert len(core) >= 100, core
        uow_mod = importlib.import_module("syn_db.uow")
        db_mod = importlib.import_module("syn_db.db")

        async def read_all() -> int:
            engine = create_async_engine(
                fresh_db.async_url, poolclass=NullPool, connect_args=fresh_db.async_connect_args
            )
            try:
                async with uow_mod.UnitOfWork(db_mod.async_session_factory(engine)) as uow:
                    for name in core:
                        repo = getattr(uow, name)
                        page = await repo.list(limit=5)
                        assert page.items == [] and await repo.count() == 0, name
                return len(core)
            finally:
                await engine.dispose()

        assert run(read_all()) == len(core)
        engine = sa.create_engine(fresh_db.sync_url, poolclass=NullPool)
        try:
            with uow_mod.SyncUnitOfWork(db_mod.sync_session_factory(engine)) as suow:
                for name in core:
                    repo = getattr(suow, name)
                    assert repo.list(limit=5, with_total=True).total == 0, name
        finally:
            engine.dispose()

"""Acceptance: the generated API as /work/shared/crud-spec.md (the contract) describes it.

Written from the contract alone, against a schema unlike the demo (tests/acceptance/music: a
record shop) whose crud.yaml uses every documented key. The example code of the contract is
followed line by line (``test_contract_example_async`` / ``_sync``); the other tests run one
scenario in both flavours: ``aw(x)`` awaits ``x`` for the async unit of work and passes the
value through for the sync one ("the sync twin is identical without await").

Every test runs on each dialect: PostgreSQL (music/), MariaDB (music_mysql/) and SQLite
(music_sqlite/), the same schema and crud.yaml as far as the dialect can express them, each
package built once. Where a dialect cannot honour part of the contract, the test asserts what
docs/mysql.md and docs/sqlite.md say it does instead ("Contract differences"), through the
``Dialect`` fields below, and ``test_contract_differences_are_reported`` checks that the parts it
cannot express at all are refused where the user wrote them.

Async runs use asyncio debug mode with every warning an error (no unawaited coroutines, no
unclosed connections).
"""

from __future__ import annotations

import asyncio
import datetime
import decimal
import inspect
import json
import subprocess
import sys
import typing
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import pydantic
import pytest
import sqlalchemy as sa

from support import REPO_ROOT, import_generated
from support.dialect_db import LiveDb, live_db

T = TypeVar("T")
HERE = Path(__file__).parent
D = decimal.Decimal


@dataclass(frozen=True)
class Dialect:
    """One dialect's spec directory and what its docs say it does where PostgreSQL differs."""

    name: str
    spec: Path
    async_driver: str  # what db.py puts in front of DATABASE_URL
    sync_driver: str  # "the sync engine uses the same URL with" this driver
    # `like` is the database's LIKE: case-sensitive on PostgreSQL; on MySQL as the column's
    # collation says (utf8mb4_unicode_ci: it folds case), on SQLite folding ASCII letters.
    like_folds_case: bool
    # `contains` (arrays/jsonb): PostgreSQL only; MySQL and SQLite have neither type.
    array_contains: bool
    # The unit of work's (and the schema module's) name for the reporting table: PostgreSQL
    # keeps it in schema reporting; a MySQL schema is another database and a SQLite one another
    # file, so there it is daily_sales in the default one.
    daily_sales: str
    # What a duplicate artist's AlreadyExistsError says of the key: PostgreSQL's detail and
    # MySQL's message name the value; SQLite's message names the table and column only.
    duplicate_names: str


DIALECTS = {
    "postgresql": Dialect(
        name="postgresql",
        spec=HERE / "music",
        async_driver="asyncpg",
        sync_driver="psycopg2",
        like_folds_case=False,
        array_contains=True,
        daily_sales="reporting_daily_sales",
        duplicate_names="(name)=(AC/DC)",
    ),
    "mysql": Dialect(
        name="mysql",
        spec=HERE / "music_mysql",
        async_driver="aiomysql",
        sync_driver="pymysql",
        like_folds_case=True,
        array_contains=False,
        daily_sales="daily_sales",
        duplicate_names="'AC/DC' for key 'artist_name_key'",
    ),
    "sqlite": Dialect(
        name="sqlite",
        spec=HERE / "music_sqlite",
        async_driver="aiosqlite",
        sync_driver="pysqlite",
        like_folds_case=True,
        array_contains=False,
        daily_sales="daily_sales",
        duplicate_names="UNIQUE constraint failed: artist.name",
    ),
}


@pytest.fixture(scope="module", params=list(DIALECTS))
def dialect(request: pytest.FixtureRequest) -> Dialect:
    return DIALECTS[request.param]


def dbgen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dbgen", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def chinook_out(dialect: Dialect, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp(f"acceptance_{dialect.name}") / "out"
    proc = dbgen("build", str(dialect.spec), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture
def chinook(chinook_out: Path) -> Iterator[ModuleType]:
    with import_generated(chinook_out, "chinook_db") as module:
        yield module


@pytest.fixture
def db(
    dialect: Dialect,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LiveDb]:
    with live_db(
        dialect.name,
        dialect.spec / "schema.sql",
        pg=lambda: request.getfixturevalue("pg_server"),
        tmp=tmp_path,
    ) as live:
        # The contract: db.py reads DATABASE_URL (the async driver's); the sync engine swaps in
        # the sync driver.
        monkeypatch.setenv("DATABASE_URL", live.async_url)
        yield live


def run(coro: Coroutine[Any, Any, T], *, debug: bool = True) -> T:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return asyncio.run(coro, debug=debug)


# -- the contract's example, line by line --------------------------------------------------------


def test_contract_example_async(chinook: ModuleType, db: LiveDb) -> None:
    from chinook_db.db import async_session_factory, create_async_engine_from_env
    from chinook_db.errors import NotFoundError
    from chinook_db.schemas.album import AlbumCreate
    from chinook_db.schemas.artist import ArtistCreate, ArtistFilter, ArtistRead, ArtistUpdate
    from chinook_db.schemas.customer import CustomerCreate
    from chinook_db.schemas.invoice import InvoiceCreate
    from chinook_db.schemas.invoice_line import InvoiceLineCreateNested
    from chinook_db.schemas.track import TrackCreate
    from chinook_db.uow import UnitOfWork

    async def main() -> None:
        engine = create_async_engine_from_env()
        try:
            async with UnitOfWork(async_session_factory(engine)) as uow:
                a = await uow.artist.create(ArtistCreate(name="AC/DC"))
                a = await uow.artist.get(a.artist_id)
                assert a is not None and type(a).__name__ == "Artist" and a.name == "AC/DC"
                assert ArtistRead.model_validate(a).name == "AC/DC"  # Read: from_attributes
                await uow.album.create(AlbumCreate(title="Powerage", artist_id=a.artist_id))
                a = await uow.artist.get(a.artist_id, load=["album"])
                assert [x.title for x in a.albums] == ["Powerage"]
                page = await uow.artist.list(
                    where=ArtistFilter(name__ilike="a%", artist_id__in=[1, 2, 3]),
                    search="dc",
                    order_by=["-name"],
                    limit=20,
                )
                assert [x.name for x in page.items] == ["AC/DC"]
                assert (page.next_cursor, page.prev_cursor, page.total) == (None, None, None)
                n = await uow.artist.count(where=ArtistFilter(name__ilike="a%"))
                assert n == 1
                ok = await uow.artist.exists(a.artist_id)
                assert ok is True
                a = await uow.artist.update(a.artist_id, ArtistUpdate(name="ACDC"))
                assert a.name == "ACDC"
                await uow.artist.delete(a.artist_id)  # NotFoundError if absent
                with pytest.raises(NotFoundError):
                    await uow.artist.delete(a.artist_id)
                n = await uow.artist.bulk_create(
                    [ArtistCreate(name=f"n{i}") for i in range(10_000)]
                )
                assert n == 10_000
                # Artist 1 (AC/DC) is gone; the n* rows hold keys 2..10001.
                n = await uow.artist.bulk_update(
                    [(1, ArtistUpdate(name="x")), (2, ArtistUpdate(name="y"))]
                )
                assert n == 1 and (await uow.artist.get(2)).name == "y"
                n = await uow.artist.bulk_delete([1, 2])
                assert n == 1 and await uow.artist.count() == 9_999
                a = await uow.artist.upsert(ArtistCreate(name="AC/DC"))
                assert type(a).__name__ == "Artist" and a.artist_id > 10_001
                x = await uow.artist.get_by_name("AC/DC")
                assert x is not None and x.artist_id == a.artist_id
                assert await uow.artist.get_by_name("nobody") is None
                for title in ("Let There Be Rock", "Back in Black", "High Voltage"):
                    await uow.album.create(AlbumCreate(title=title, artist_id=a.artist_id))
                p = await uow.album.list_by_artist_id(a.artist_id, order_by=["title"], limit=10)
                assert [al.title for al in p.items] == [
                    "Back in Black",
                    "High Voltage",
                    "Let There Be Rock",
                ]
                c = await uow.customer.create(
                    CustomerCreate(first_name="Bon", last_name="Scott", email="bon@x.org")
                )
                t = await uow.track.create(TrackCreate(name="T.N.T.", milliseconds=214_000))
                inv = await uow.create_invoice_with_lines(
                    InvoiceCreate(customer_id=c.customer_id, total=D("1.98")),
                    invoice_line=[
                        InvoiceLineCreateNested(
                            track_id=t.track_id, unit_price=D("0.99"), quantity=1
                        ),
                        InvoiceLineCreateNested(
                            track_id=t.track_id, unit_price=D("0.99"), quantity=1
                        ),
                    ],
                )
                assert type(inv).__name__ == "Invoice" and inv.customer_id == c.customer_id
            # The unit of work committed: a new one sees everything.
            async with UnitOfWork(async_session_factory(engine)) as uow:
                lines = await uow.invoice_line.list_by_invoice_id(inv.invoice_id)
                assert [ln.invoice_id for ln in lines.items] == [inv.invoice_id] * 2
                assert await uow.artist.count() == 10_000
        finally:
            await engine.dispose()

    run(main())


def test_contract_example_sync(chinook: ModuleType, db: LiveDb, dialect: Dialect) -> None:
    from chinook_db.db import create_sync_engine_from_env, sync_session_factory
    from chinook_db.errors import NotFoundError
    from chinook_db.schemas.album import AlbumCreate
    from chinook_db.schemas.artist import ArtistCreate, ArtistFilter, ArtistUpdate
    from chinook_db.schemas.customer import CustomerCreate
    from chinook_db.schemas.invoice import InvoiceCreate
    from chinook_db.schemas.invoice_line import InvoiceLineCreateNested
    from chinook_db.schemas.track import TrackCreate
    from chinook_db.uow import SyncUnitOfWork

    engine = create_sync_engine_from_env()
    assert engine.dialect.driver == dialect.sync_driver
    try:
        with SyncUnitOfWork(sync_session_factory(engine)) as uow:
            a = uow.artist.create(ArtistCreate(name="AC/DC"))
            a = uow.artist.get(a.artist_id)
            uow.album.create(AlbumCreate(title="Powerage", artist_id=a.artist_id))
            a = uow.artist.get(a.artist_id, load=["album"])
            assert [x.title for x in a.albums] == ["Powerage"]
            page = uow.artist.list(
                where=ArtistFilter(name__ilike="a%", artist_id__in=[1, 2, 3]),
                search="dc",
                order_by=["-name"],
                limit=20,
            )
            assert [x.name for x in page.items] == ["AC/DC"] and page.next_cursor is None
            assert uow.artist.count(where=ArtistFilter(name__ilike="a%")) == 1
            assert uow.artist.exists(a.artist_id) is True
            a = uow.artist.update(a.artist_id, ArtistUpdate(name="ACDC"))
            uow.artist.delete(a.artist_id)
            with pytest.raises(NotFoundError):
                uow.artist.delete(a.artist_id)
            assert (
                uow.artist.bulk_create([ArtistCreate(name=f"n{i}") for i in range(10_000)])
                == 10_000
            )
            assert (
                uow.artist.bulk_update([(1, ArtistUpdate(name="x")), (2, ArtistUpdate(name="y"))])
                == 1
            )
            assert uow.artist.bulk_delete([1, 2]) == 1
            a = uow.artist.upsert(ArtistCreate(name="AC/DC"))
            assert uow.artist.get_by_name("AC/DC").artist_id == a.artist_id
            uow.album.create(AlbumCreate(title="High Voltage", artist_id=a.artist_id))
            p = uow.album.list_by_artist_id(a.artist_id, order_by=["title"], limit=10)
            assert [al.title for al in p.items] == ["High Voltage"]
            c = uow.customer.create(CustomerCreate(first_name="B", last_name="S", email="b@x.org"))
            t = uow.track.create(TrackCreate(name="T.N.T.", milliseconds=214_000))
            inv = uow.create_invoice_with_lines(
                InvoiceCreate(customer_id=c.customer_id),
                invoice_line=[
                    InvoiceLineCreateNested(track_id=t.track_id, unit_price=D("0.99"), quantity=2)
                ],
            )
        assert (
            db.scalar(f"SELECT quantity FROM invoice_line WHERE invoice_id = {inv.invoice_id}") == 2
        )
    finally:
        engine.dispose()


# -- one scenario, both flavours -----------------------------------------------------------------

Aw = Callable[[Any], Awaitable[Any]]


async def _await(x: Any) -> Any:
    return await x


async def _value(x: Any) -> Any:
    return x


def both(db: LiveDb, body: Callable[[Any, Aw, ModuleType], Coroutine[Any, Any, None]]) -> None:
    """Run ``body`` with UnitOfWork (async) and then, on a fresh schema, with SyncUnitOfWork."""
    import chinook_db.db as dbm
    import chinook_db.uow as uowm

    async def async_run() -> None:
        engine = dbm.create_async_engine_from_env()
        try:
            async with uowm.UnitOfWork(dbm.async_session_factory(engine)) as uow:
                await body(uow, _await, sys.modules["chinook_db"])
        finally:
            await engine.dispose()

    async def sync_run() -> None:
        engine = dbm.create_sync_engine_from_env()
        try:
            with uowm.SyncUnitOfWork(dbm.sync_session_factory(engine)) as uow:
                await body(uow, _value, sys.modules["chinook_db"])
        finally:
            engine.dispose()

    run(async_run())
    db.reset()
    run(sync_run(), debug=False)  # blocking by design: the sync session runs on the loop


def m(name: str) -> Any:
    return sys.modules.get(f"chinook_db.{name}") or __import__(f"chinook_db.{name}", fromlist=["x"])


def test_filters_order_and_pages(chinook: ModuleType, db: LiveDb, dialect: Dialect) -> None:
    async def body(uow: Any, aw: Aw, _: ModuleType) -> None:
        art, errors = m("schemas.artist"), m("errors")
        C, F = art.ArtistCreate, art.ArtistFilter
        names = [f"Band {i:02d}" for i in range(30)] + ["50%_off", "Zed", "alpha"]
        assert await aw(uow.artist.bulk_create([C(name=n) for n in names])) == 33
        rows = (await aw(uow.artist.list(limit=100, order_by=["artist_id"]))).items
        ids = {r.name: r.artist_id for r in rows}

        async def names_of(where: Any) -> set[str]:
            page = await aw(uow.artist.list(where=where, limit=100))
            assert await aw(uow.artist.count(where=where)) == len(page.items)
            return {r.name for r in page.items}

        lo, hi = ids["Band 05"], ids["Band 09"]
        cases: list[tuple[Any, set[str]]] = [
            (F(name__eq="Zed"), {"Zed"}),
            (F(name__ne="Zed"), set(names) - {"Zed"}),
            (F(name__in=["Zed", "alpha"]), {"Zed", "alpha"}),
            (F(name__not_in=["Zed"], name__like="Band 0%"), {f"Band 0{i}" for i in range(10)}),
            # like is the database's: case-sensitive, or folding case (Dialect.like_folds_case)
            (F(name__like="band%"), set(names[:30]) if dialect.like_folds_case else set()),
            (F(name__ilike="BAND 2%"), {f"Band 2{i}" for i in range(10)}),
            (F(name__is_null=True), set()),
            (F(name__is_null=False), set(names)),
            (F(artist_id__eq=lo), {"Band 05"}),
            (F(artist_id__between=(lo, hi)), {f"Band 0{i}" for i in range(5, 10)}),
            (F(artist_id__gte=lo, artist_id__lt=hi), {f"Band 0{i}" for i in range(5, 9)}),
            (F(artist_id__gt=lo, artist_id__lte=hi), {f"Band 0{i}" for i in range(6, 10)}),
            (F(or_=[F(name__eq="Zed"), F(name__eq="alpha")]), {"Zed", "alpha"}),
        ]
        for where, want in cases:
            assert await names_of(where) == want, where
        # Typed filter fields: a wrong type or a (column, operator) not allowed is rejected.
        with pytest.raises(pydantic.ValidationError):
            F(artist_id__in=["not a number"])
        with pytest.raises(pydantic.ValidationError):
            F(country__eq="AU")  # country has no filter in crud.yaml
        # search: case-insensitive across the listed columns; LIKE wildcards match literally.
        assert [r.name for r in (await aw(uow.artist.list(search="%_"))).items] == ["50%_off"]
        assert {r.name for r in (await aw(uow.artist.list(search="ALPH"))).items} == {"alpha"}
        # order_by: a Literal of the allowed keys; anything else is InvalidQueryError.
        hints = typing.get_type_hints(type(uow.artist).list, vars(m("repositories.artist")))
        literal = typing.get_args(typing.get_args(hints["order_by"])[0])[0]
        assert set(typing.get_args(literal)) == {"name", "-name", "artist_id", "-artist_id"}
        with pytest.raises(errors.InvalidQueryError):
            await aw(uow.artist.list(order_by=["country"]))
        # default_sort [name]; cursors forward and backward reproduce the full order.
        by_name = [r.name for r in (await aw(uow.artist.list(limit=100))).items]
        in_db = await aw(
            uow.session.scalars(sa.text("SELECT name FROM artist ORDER BY name, artist_id"))
        )
        assert by_name == list(in_db)  # the database's collation decides, not Python's
        for order in (None, ["-name"], ["artist_id"]):
            full = [
                r.artist_id for r in (await aw(uow.artist.list(order_by=order, limit=100))).items
            ]
            pages = [await aw(uow.artist.list(order_by=order, limit=7))]
            assert pages[0].prev_cursor is None
            while pages[-1].next_cursor:
                pages.append(
                    await aw(uow.artist.list(order_by=order, limit=7, after=pages[-1].next_cursor))
                )
            assert [r.artist_id for p in pages for r in p.items] == full
            back, page = [r.artist_id for r in pages[-1].items], pages[-1]
            while page.prev_cursor:
                page = await aw(uow.artist.list(order_by=order, limit=7, before=page.prev_cursor))
                back = [r.artist_id for r in page.items] + back
            assert back == full
            via_offset = []
            for start in range(0, 33, 10):
                via_offset += [
                    r.artist_id
                    for r in (
                        await aw(uow.artist.list(order_by=order, limit=10, offset=start))
                    ).items
                ]
            assert via_offset == full
        # total only on request.
        page = await aw(uow.artist.list(limit=5))
        assert page.total is None and len(page.items) == 5
        assert (await aw(uow.artist.list(limit=5, with_total=True))).total == 33
        # Tampered and foreign cursors.
        cursor = page.next_cursor
        assert isinstance(cursor, str)
        for bad in (cursor[:-1] + ("A" if cursor[-1] != "A" else "B"), "x" + cursor, "junk"):
            with pytest.raises(errors.InvalidCursorError):
                await aw(uow.artist.list(limit=5, after=bad))
        trk = m("schemas.track")
        await aw(
            uow.track.bulk_create(
                [trk.TrackCreate(name=f"t{i}", milliseconds=1000 + i) for i in range(3)]
            )
        )
        foreign = (await aw(uow.track.list(limit=1))).next_cursor
        with pytest.raises(errors.InvalidCursorError):
            await aw(uow.artist.list(limit=5, after=foreign))
        # max_page_size: artist 100, customer 10; a page never exceeds it.
        assert len((await aw(uow.artist.list(limit=1000))).items) == 33
        cus = m("schemas.customer")
        for i in range(12):
            await aw(
                uow.customer.create(
                    cus.CustomerCreate(first_name="F", last_name=f"L{i:02d}", email=f"c{i}@x.org")
                )
            )
        assert len((await aw(uow.customer.list(limit=50))).items) == 10
        assert len((await aw(uow.customer.list())).items) == 10
        rest = await aw(uow.customer.list(limit=50, offset=10))
        assert [c.last_name for c in rest.items] == ["L10", "L11"]
        assert not {"after", "before"} & set(inspect.signature(type(uow.customer).list).parameters)
        # Non-unique finders take the list keywords and return a Page.
        alb = m("schemas.album")
        band = ids["Band 00"]
        for i in range(5):
            await aw(
                uow.album.create(
                    alb.AlbumCreate(
                        title=f"A{i}", artist_id=band, released=datetime.date(2000 + i, 1, 1)
                    )
                )
            )
        first = await aw(uow.album.list_by_artist_id(band, order_by=["-released"], limit=2))
        assert [a.title for a in first.items] == ["A4", "A3"]
        second = await aw(
            uow.album.list_by_artist_id(
                band, order_by=["-released"], limit=2, after=first.next_cursor
            )
        )
        assert [a.title for a in second.items] == ["A2", "A1"]
        third = await aw(
            uow.album.list_by_artist_id(
                band, order_by=["-released"], limit=2, offset=4, load=["artist"]
            )
        )
        assert [(a.title, a.artist.name) for a in third.items] == [("A0", "Band 00")]

    both(db, body)


def test_writes_versions_soft_delete_and_composite_keys(
    chinook: ModuleType, db: LiveDb, dialect: Dialect
) -> None:
    async def body(uow: Any, aw: Aw, _: ModuleType) -> None:
        errors, trk, gen = m("errors"), m("schemas.track"), m("schemas.genre")
        rock = await aw(uow.genre.upsert(gen.MusicGenreCreate(name="Rock")))
        again = await aw(uow.genre.upsert(gen.MusicGenreCreate(name="Rock")))
        assert type(rock).__name__ == "MusicGenre" and again.genre_id == rock.genre_id  # class_name
        t = await aw(
            uow.track.create(
                trk.TrackCreate(
                    name="Thunderstruck",
                    milliseconds=292_000,
                    composer="Young",
                    genre_id=rock.genre_id,
                    tags=["live", "80s"],
                )
            )
        )
        assert t.version == 1 and t.unit_price == D("0.99") and t.deleted_at is None
        assert "version" not in trk.TrackCreate.model_fields  # maintained by the repository
        assert "deleted_at" not in trk.TrackUpdate.model_fields  # soft delete belongs to delete()
        with pytest.raises(pydantic.ValidationError):
            trk.TrackUpdate(name="no version")  # the version read is required
        # Only the fields set are written; an explicit None writes NULL; the version goes up.
        t2 = await aw(uow.track.update(t.track_id, trk.TrackUpdate(version=1, composer=None)))
        assert (t2.version, t2.composer, t2.name, t2.tags) == (
            2,
            None,
            "Thunderstruck",
            ["live", "80s"],
        )
        with pytest.raises(errors.ConflictError) as stale:
            await aw(uow.track.update(t.track_id, trk.TrackUpdate(version=1, name="stale")))
        assert stale.value.entity == "Track" and stale.value.key == t.track_id
        with pytest.raises(errors.NotFoundError) as missing:
            await aw(uow.track.update(10**6, trk.TrackUpdate(version=1, name="x")))
        assert missing.value.entity == "Track" and missing.value.key == 10**6
        F = trk.TrackFilter
        if dialect.array_contains:
            assert await aw(uow.track.count(where=F(tags__contains=["80s"]))) == 1
            assert await aw(uow.track.count(where=F(tags__contains=["90s"]))) == 0
        else:  # no arrays: tags is JSON, which `contains` does not apply to (crud.yaml says so)
            assert "tags__contains" not in F.model_fields
        assert (
            await aw(
                uow.track.count(
                    where=F(milliseconds__between=(1, 300_000), genre_id__is_null=False)
                )
            )
            == 1
        )
        assert [x.name for x in (await aw(uow.track.list(search="THUNDER"))).items] == [
            "Thunderstruck"
        ]
        # M:N relation through playlist_track, loaded both ways.
        pl = await aw(uow.playlist.create(m("schemas.playlist").PlaylistCreate(name="Mix")))
        pt = m("schemas.playlist_track")
        await aw(
            uow.playlist_track.create(
                pt.PlaylistTrackCreate(playlist_id=pl.playlist_id, track_id=t.track_id)
            )
        )
        loaded = await aw(uow.playlist.get(pl.playlist_id, load=["track"]))
        assert [x.name for x in loaded.tracks] == ["Thunderstruck"]
        # Composite primary keys: tuples.
        key = (pl.playlist_id, t.track_id)
        assert (await aw(uow.playlist_track.get(key))) is not None
        assert (
            await aw(
                uow.playlist_track.count(
                    where=pt.PlaylistTrackFilter(playlist_id__eq=pl.playlist_id)
                )
            )
            == 1
        )
        await aw(uow.playlist_track.delete(key))
        with pytest.raises(errors.NotFoundError):
            await aw(uow.playlist_track.delete(key))
        assert (
            await aw(
                uow.playlist_track.bulk_create(
                    [pt.PlaylistTrackCreate(playlist_id=pl.playlist_id, track_id=t.track_id)]
                )
            )
            == 1
        )
        assert await aw(uow.playlist_track.bulk_delete([key, (pl.playlist_id, 10**6)])) == 1
        cus, rt = m("schemas.customer"), m("schemas.track_rating")
        c = await aw(
            uow.customer.create(
                cus.CustomerCreate(first_name="A", last_name="B", email="ab@x.org", country="AU")
            )
        )
        rkey = (c.customer_id, t.track_id)
        await aw(
            uow.track_rating.create(
                rt.TrackRatingCreate(customer_id=c.customer_id, track_id=t.track_id, stars=3)
            )
        )
        r = await aw(uow.track_rating.update(rkey, rt.TrackRatingUpdate(note="loud")))
        assert (r.stars, r.note) == (3, "loud")
        r = await aw(
            uow.track_rating.upsert(
                rt.TrackRatingCreate(customer_id=c.customer_id, track_id=t.track_id, stars=5)
            )
        )
        assert (r.stars, r.note) == (5, "loud")
        assert await aw(uow.track_rating.bulk_update([(rkey, rt.TrackRatingUpdate(stars=4))])) == 1
        assert (await aw(uow.track_rating.get(rkey))).stars == 4
        await aw(uow.track_rating.delete(rkey))
        assert await aw(uow.track_rating.get(rkey)) is None
        # Soft delete (timestamp): delete stamps; reads skip the row.
        album = await aw(
            uow.album.create(
                m("schemas.album").AlbumCreate(
                    title="Razors Edge",
                    artist_id=(
                        await aw(uow.artist.create(m("schemas.artist").ArtistCreate(name="AC/DC")))
                    ).artist_id,
                )
            )
        )
        t3 = await aw(
            uow.track.create(
                trk.TrackCreate(name="Moneytalks", milliseconds=225_000, album_id=album.album_id)
            )
        )
        await aw(uow.track.delete(t3.track_id))
        assert await aw(uow.track.get(t3.track_id)) is None
        assert await aw(uow.track.exists(t3.track_id)) is False
        assert await aw(uow.track.count()) == 1
        assert [x.track_id for x in (await aw(uow.track.list())).items] == [t.track_id]
        assert (await aw(uow.track.list_by_album_id(album.album_id))).items == []
        assert (await aw(uow.album.get(album.album_id, load=["track"]))).tracks == []
        with pytest.raises(errors.NotFoundError):
            await aw(uow.track.delete(t3.track_id))
        stamped = await aw(
            uow.session.scalar(
                sa.text(
                    "SELECT count(*) FROM track"
                    f" WHERE track_id = {t3.track_id} AND deleted_at IS NOT NULL"
                )
            )
        )
        assert stamped == 1
        # Soft delete (boolean): the same for customer.
        await aw(uow.customer.delete(c.customer_id))
        assert await aw(uow.customer.get(c.customer_id)) is None
        assert await aw(uow.customer.get_by_email("ab@x.org")) is None
        assert await aw(uow.customer.count()) == 0
        # A table outside the default schema: uow.<schema>_<table> (Dialect.daily_sales).
        ds = m(f"schemas.{dialect.daily_sales}")
        sales = getattr(uow, dialect.daily_sales)
        day = datetime.date(2024, 3, 1)
        await aw(sales.upsert(ds.DailySaleCreate(day=day, invoices=2, revenue=D("3.50"))))
        got = await aw(sales.upsert(ds.DailySaleCreate(day=day, invoices=3)))
        assert (got.invoices, got.revenue) == (3, D("3.50"))
        assert (await aw(sales.get(day))).invoices == 3

    both(db, body)


def test_errors_transactions_and_unit_of_work(
    chinook: ModuleType, db: LiveDb, dialect: Dialect
) -> None:
    async def body(uow: Any, aw: Aw, _: ModuleType) -> None:
        errors, art, alb = m("errors"), m("schemas.artist"), m("schemas.album")
        inv, line = m("schemas.invoice"), m("schemas.invoice_line")
        a = await aw(uow.artist.create(art.ArtistCreate(name="AC/DC")))
        with pytest.raises(errors.AlreadyExistsError) as dup:
            await aw(uow.artist.create(art.ArtistCreate(name="AC/DC")))
        # The error names the entity and what the server said of the key: PostgreSQL and MySQL
        # name the value, SQLite the table and column (Dialect.duplicate_names).
        assert dup.value.entity == "Artist" and dialect.duplicate_names in str(dup.value)
        await aw(uow.rollback())  # the failed statement aborted the transaction
        a = await aw(uow.artist.create(art.ArtistCreate(name="AC/DC")))
        assert (await aw(uow.artist.get_by_name("AC/DC"))).artist_id == a.artist_id
        with pytest.raises(errors.RelatedNotFoundError) as rel:
            await aw(uow.album.create(alb.AlbumCreate(title="x", artist_id=10**6)))
        assert rel.value.entity == "Album"
        await aw(uow.rollback())
        with pytest.raises(errors.NotFoundError) as nf:
            await aw(uow.artist.update(10**6, art.ArtistUpdate(name="x")))
        assert (nf.value.entity, nf.value.key) == ("Artist", 10**6) and "Artist" in str(nf.value)
        with pytest.raises(errors.InvalidQueryError):
            await aw(uow.artist.get(1, load=["invoice"]))
        c = await aw(
            uow.customer.create(
                m("schemas.customer").CustomerCreate(first_name="A", last_name="B", email="a@x.org")
            )
        )
        t = await aw(
            uow.track.create(m("schemas.track").TrackCreate(name="Jailbreak", milliseconds=280_000))
        )
        N = line.InvoiceLineCreateNested
        assert "invoice_id" not in N.model_fields  # the method fills in the root's key
        made = await aw(
            uow.create_invoice_with_lines(
                inv.InvoiceCreate(customer_id=c.customer_id),
                invoice_line=[
                    N(track_id=t.track_id, unit_price=D("0.99"), quantity=q) for q in (1, 2, 3)
                ],
            )
        )
        got = await aw(uow.invoice.get(made.invoice_id, load=["invoice_line", "customer"]))
        assert (
            sorted(ln.quantity for ln in got.invoice_lines) == [1, 2, 3]
            and got.customer.email == "a@x.org"
        )
        # All or nothing: a bad child undoes the root and the other children.
        with pytest.raises(errors.RelatedNotFoundError):
            await aw(
                uow.create_invoice_with_lines(
                    inv.InvoiceCreate(customer_id=c.customer_id),
                    invoice_line=[
                        N(track_id=t.track_id, unit_price=D("1"), quantity=1),
                        N(track_id=10**6, unit_price=D("1"), quantity=1),
                    ],
                )
            )
        assert await aw(uow.session.scalar(sa.text("SELECT count(*) FROM invoice"))) == 1
        assert await aw(uow.session.scalar(sa.text("SELECT count(*) FROM invoice_line"))) == 3
        page = await aw(uow.invoice.list(limit=10))
        assert [i.invoice_id for i in page.items] == [made.invoice_id]
        # Eager loading costs one statement per relation, not one per row.
        arts = [
            a.artist_id
            for a in [
                await aw(uow.artist.create(art.ArtistCreate(name=f"b{i}"))) for i in range(60)
            ]
        ]
        for aid in arts:
            await aw(uow.album.create(alb.AlbumCreate(title="t", artist_id=aid)))
        uow.session.expunge_all()
        seen: list[str] = []
        engine = getattr(uow.session.bind, "sync_engine", uow.session.bind)

        def count(*args: Any) -> None:
            seen.append(args[2])

        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            listed = await aw(uow.artist.list(limit=100, load=["album"]))
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert len(listed.items) == 60 and all(len(x.albums) == 1 for x in listed.items)
        assert len(seen) == 2, seen

    both(db, body)


# -- what a dialect cannot express is refused where it is written -------------------------------

PG_CRUD = HERE / "music" / "crud.yaml"


def _where(text: str, needle: str, within: str | None = None) -> tuple[int, int]:
    """(line, column) of ``needle``, 1-based; in the first line containing ``within`` if given."""
    for number, line in enumerate(text.splitlines(), 1):
        if (within or needle) in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{within or needle!r} not in the text")


def _shape(spec: Path) -> dict[str, dict[str, Any]]:
    """Each table's columns (nullable, identity, default), keys, checks and indexes, by name, as
    ``dbgen inspect`` reads them: what a dialect's spelling of the schema must keep."""
    proc = dbgen("inspect", str(spec))
    assert proc.returncode == 0, proc.stderr
    shapes = {}
    for t in json.loads(proc.stdout)["catalog"]["tables"]:
        shapes[t["qname"]["name"]] = {
            "columns": [
                (
                    c["name"],
                    c["nullable"],
                    c["identity"] is not None,
                    c["default"] not in (None, "NULL"),
                )
                for c in t["columns"]
            ],
            "primary_key": t["primary_key"]["columns"],
            "uniques": sorted((u["name"], tuple(u["columns"])) for u in t["uniques"]),
            "foreign_keys": sorted(
                (
                    f["name"],
                    tuple(f["columns"]),
                    f["ref_table"]["name"],
                    tuple(f["ref_columns"]),
                    (f["on_delete"] or "").upper(),
                )
                for f in t["foreign_keys"]
            ),
            "checks": sorted(c["name"] for c in t["checks"]),
            "indexes": sorted(
                (i["name"], tuple(e["column"] for e in i["elements"]), i["unique"])
                for i in t["indexes"]
            ),
        }
    return shapes


@pytest.mark.parametrize("other", ["mysql", "sqlite"])
def test_the_dialects_schema_is_the_postgresql_one(other: str) -> None:
    """The same tables, columns, keys, checks and indexes, under the same names (the reporting
    table in the default schema: see Dialect.daily_sales)."""
    assert _shape(DIALECTS[other].spec) == _shape(DIALECTS["postgresql"].spec)


def test_contract_differences_are_reported(dialect: Dialect, tmp_path: Path) -> None:
    """The dialect's spec is the PostgreSQL one but for the documented differences, and those
    are refused with file:line:col, exit 2 and nothing written when written the PostgreSQL way
    (docs/mysql.md, docs/sqlite.md: "Contract differences")."""
    import yaml

    ours = yaml.safe_load((dialect.spec / "crud.yaml").read_text(encoding="utf-8"))
    theirs = yaml.safe_load(PG_CRUD.read_text(encoding="utf-8"))
    if dialect.array_contains:
        assert ours == theirs
    else:
        assert theirs["entities"]["track"]["filters"].pop("tags") == ["contains"]
    if dialect.daily_sales != "reporting_daily_sales":
        theirs["entities"]["daily_sales"] = theirs["entities"].pop("reporting.daily_sales")
    assert ours == theirs  # nothing else differs

    # The PostgreSQL crud.yaml on this dialect's schema.
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "dbgen.toml").write_text(f'dialect = "{dialect.name}"\n')
    (spec / "schema.sql").write_text((dialect.spec / "schema.sql").read_text(encoding="utf-8"))
    crud = PG_CRUD.read_text(encoding="utf-8")
    (spec / "crud.yaml").write_text(crud)
    out = tmp_path / "out"
    proc = dbgen("build", str(spec), "--out", str(out))
    if dialect.name == "postgresql":
        assert proc.returncode == 0, proc.stderr
        return
    assert (proc.returncode, out.exists()) == (2, False), proc.stderr
    line, col = _where(crud, "contains", within="tags:")
    assert f"crud.yaml:{line}:{col}: error[operator-not-applicable]: operator 'contains'" in (
        proc.stderr
    )
    line, col = _where(crud, "reporting.daily_sales")
    assert f"crud.yaml:{line}:{col}: error[unknown-table]" in proc.stderr

    # A table in another schema, in this dialect's spelling: the reader refuses it.
    schema = (dialect.spec / "schema.sql").read_text(encoding="utf-8")
    plain = "CREATE TABLE `daily_sales`" if dialect.name == "mysql" else "CREATE TABLE daily_sales"
    qualified = plain.replace("daily_sales", "reporting.daily_sales").replace(
        "`reporting.daily_sales`", "`reporting`.`daily_sales`"
    )
    assert schema.count(plain) == 1
    (spec / "schema.sql").write_text(schema.replace(plain, qualified))
    (spec / "crud.yaml").write_text((dialect.spec / "crud.yaml").read_text(encoding="utf-8"))
    proc = dbgen("build", str(spec), "--out", str(out))
    assert (proc.returncode, out.exists()) == (2, False), proc.stderr
    line, _ = _where(schema, plain)
    assert f"schema.sql:{line}:1: error[" in proc.stderr and "reporting" in proc.stderr, proc.stderr


def test_unit_of_work_commits_rolls_back_and_repositories_never_commit(
    chinook: ModuleType, db: LiveDb
) -> None:
    from chinook_db.db import async_session_factory, create_async_engine_from_env
    from chinook_db.schemas.artist import ArtistCreate
    from chinook_db.uow import UnitOfWork

    def committed() -> str:  # as another connection sees the table
        return ",".join(name for (name,) in db.rows("SELECT name FROM artist ORDER BY name"))

    async def main() -> None:
        engine = create_async_engine_from_env()
        try:
            async with UnitOfWork(async_session_factory(engine)) as uow:
                await uow.artist.create(ArtistCreate(name="kept"))
                assert committed() == ""  # written, not committed: repositories never commit
            assert committed() == "kept"
            with pytest.raises(RuntimeError):
                async with UnitOfWork(async_session_factory(engine)) as uow:
                    await uow.artist.create(ArtistCreate(name="lost"))
                    raise RuntimeError("boom")
            assert committed() == "kept"
            async with UnitOfWork(async_session_factory(engine)) as uow:
                await uow.artist.create(ArtistCreate(name="outer"))
                with pytest.raises(RuntimeError):
                    async with uow.savepoint():
                        await uow.artist.create(ArtistCreate(name="inner"))
                        raise RuntimeError("only the savepoint")
            assert committed() == "kept,outer"
        finally:
            await engine.dispose()

    run(main())


def test_engine_settings_from_environment(
    chinook: ModuleType, db: LiveDb, dialect: Dialect, monkeypatch: pytest.MonkeyPatch
) -> None:
    import chinook_db.db as dbm

    monkeypatch.setenv("DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "1")
    monkeypatch.setenv("SQL_ECHO", "false")

    async def main() -> None:
        engine = dbm.create_async_engine_from_env()
        try:
            assert engine.dialect.driver == dialect.async_driver
            assert engine.pool.size() == 3  # type: ignore[attr-defined]
            # get_db_session(): an async generator dependency yielding one session.
            dependency = dbm.get_db_session()
            session = await dependency.__anext__()
            assert await session.scalar(sa.text("SELECT 1")) == 1
            await dependency.aclose()
        finally:
            await engine.dispose()
            await dbm.default_async_engine().dispose()

    run(main())


@pytest.mark.parametrize("tool", ["mypy", "ruff"])
def test_generated_package_passes_strict_checks(
    chinook_out: Path, tool: str, tmp_path: Path
) -> None:
    """The contract's package is typed: mypy --strict and ruff accept it as generated."""
    import os
    import shutil

    bin_dir = Path(sys.executable).parent
    if tool == "mypy":
        cmd = [
            str(bin_dir / "mypy"),
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "mc"),
            "-p",
            "chinook_db",
        ]
        env = dict(os.environ, MYPYPATH=str(chinook_out))
    else:
        cmd = [
            str(bin_dir / "ruff"),
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "E,F,W,I,B,UP,SIM,RUF",
            "--ignore",
            "E501",
            "--line-length",
            "100",
            str(chinook_out),
        ]
        env = dict(os.environ)
    if shutil.which(cmd[0]) is None:
        pytest.fail(f"{tool} is not installed in the test environment")
    proc = subprocess.run(
        cmd, cwd=chinook_out, env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]

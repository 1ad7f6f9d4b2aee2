"""Views and materialized views as read-only entities (golden case ``views``), on PostgreSQL:
the migration creates them as written and ``alembic check`` stays clean (the mapped classes are
no tables to create); get, list (filters, sort, search, offset and cursor pages), count, stream,
exists and finders read them, async and sync; ``refresh()`` recomputes a materialized view, also
CONCURRENTLY; a view without a key is a Core table."""

from __future__ import annotations

import asyncio
import datetime
import decimal
import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from dbgen.core import generate, read_inputs
from support import REPO_ROOT, FreshDb, import_generated, psql
from support.generated import write

CASE = REPO_ROOT / "tests" / "golden" / "cases" / "views"
BIN = Path(sys.executable).parent
D = decimal.Decimal

SEED = """
INSERT INTO products VALUES (1, 'Anvil', 'tools', 10), (2, 'Bucket', 'tools', 3.5),
    (3, 'Candle', NULL, 2), (4, 'Drill', 'tools', 99.99);
INSERT INTO reviews (product_id, rating, body) VALUES (1, 5, 'x'), (1, 4, 'y'), (2, 1, NULL),
    (4, 3, 'z');
"""


@pytest.fixture
def out(tmp_path: Path) -> Path:
    inputs, problems = read_inputs(CASE)
    assert inputs is not None and not problems
    return write(generate(inputs), tmp_path / "out")


def _alembic(out: Path, db: FreshDb, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "alembic"), "-c", str(out / "alembic.ini"), *args],
        env=dict(os.environ, DATABASE_URL=db.async_url),
        capture_output=True,
        text=True,
        check=False,
        cwd=out,
    )


@pytest.fixture
def pkg(out: Path, fresh_db: FreshDb) -> Iterator[ModuleType]:
    up = _alembic(out, fresh_db, "upgrade", "head")
    assert up.returncode == 0, up.stderr
    psql(fresh_db.dsn, "-q", "-v", "ON_ERROR_STOP=1", "-c", SEED)
    with import_generated(out, "views_db") as module:
        yield module


def test_alembic_check_is_clean_and_the_migration_knows_no_view_table(
    out: Path, fresh_db: FreshDb
) -> None:
    up = _alembic(out, fresh_db, "upgrade", "head")
    assert up.returncode == 0, up.stderr
    check = _alembic(out, fresh_db, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    initial = next((out / "views_db" / "migrations" / "versions").glob("*_initial.py")).read_text()
    assert 'op.create_table(\n        "product_ratings"' not in initial
    assert 'create_table("product_ratings"' not in initial
    assert "CREATE VIEW product_ratings AS" in initial
    kinds = psql(
        fresh_db.dsn,
        "-Atc",
        "SELECT relname, relkind FROM pg_class WHERE relname IN "
        "('product_ratings', 'product_review_counts', 'category_stats') ORDER BY relname",
    ).stdout.split()
    assert kinds == ["category_stats|m", "product_ratings|v", "product_review_counts|m"]


def test_the_migration_is_the_one_without_view_entities(tmp_path: Path) -> None:
    """Naming views in crud.yaml changes the models, never the migration."""
    inputs, _ = read_inputs(CASE)
    assert inputs is not None and inputs.crud is not None
    with_views = generate(inputs)
    crud = "version: 1\npackage: views_db\nentities:\n  products:\n    operations: [get]\n"
    without = generate(type(inputs)(inputs.sql, ("crud.yaml", crud)))
    assert with_views.ok and without.ok

    def migration(files: dict[str, str]) -> str:
        return next(v for k, v in files.items() if k.endswith("_initial.py"))

    assert migration(with_views.files) == migration(without.files)


def test_view_columns_are_typed_from_the_query(pkg: ModuleType) -> None:
    read: Any = importlib.import_module("views_db.schemas.product_ratings").ProductRatingRead
    fields = {n: f.annotation for n, f in read.model_fields.items()}
    assert fields == {
        "id": int,
        "name": str,
        "category": str | None,
        "reviews": int,
        "average": decimal.Decimal | None,
        "last_review_at": datetime.datetime | None,
    }
    schemas = importlib.import_module("views_db.schemas.product_ratings")
    assert not hasattr(schemas, "ProductRatingCreate")


@pytest.mark.parametrize("flavour", ["async", "sync"])
def test_read_only_repositories(pkg: ModuleType, fresh_db: FreshDb, flavour: str) -> None:
    db: Any = importlib.import_module("views_db.db")
    uow_mod: Any = importlib.import_module("views_db.uow")
    errors: Any = importlib.import_module("views_db.errors")
    filt: Any = importlib.import_module("views_db.schemas.product_ratings").ProductRatingFilter
    stats_filter: Any = importlib.import_module(
        "views_db.schemas.category_stats"
    ).CategoryStatFilter

    def check_ratings(r: Any, page: Any, names: list[str]) -> None:
        assert [x.name for x in page.items] == names

    async def run_async() -> None:
        engine = db.create_async_engine_from_env(fresh_db.async_url)
        try:
            async with uow_mod.UnitOfWork(db.async_session_factory(engine)) as uow:
                anvil = await uow.product_ratings.get(1)
                assert (anvil.name, anvil.reviews, anvil.average) == ("Anvil", 2, D("4.5"))
                assert await uow.product_ratings.get(99) is None
                assert await uow.product_ratings.exists(3)
                (candle,) = (await uow.product_ratings.list_by_name("Candle")).items
                assert candle.reviews == 0 and candle.average is None
                page = await uow.product_ratings.list(
                    where=filt(category__eq="tools", reviews__gte=1), order_by=["-average"]
                )
                assert [x.name for x in page.items] == ["Anvil", "Drill", "Bucket"]
                page = await uow.product_ratings.list(search="ANV")
                assert [x.name for x in page.items] == ["Anvil"]
                assert await uow.product_ratings.count(where=filt(average__is_null=True)) == 1
                first = await uow.product_ratings.list(limit=2)
                names = [x.name for x in first.items]
                second = await uow.product_ratings.list(limit=2, after=first.next_cursor)
                names += [x.name for x in second.items]
                assert names == ["Anvil", "Bucket", "Candle", "Drill"]
                offset = await uow.product_ratings.list(limit=1, offset=3, with_total=True)
                assert [x.name for x in offset.items] == ["Drill"] and offset.total == 4
                streamed = [x.name async for x in uow.product_ratings.stream(batch_size=2)]
                assert streamed == ["Anvil", "Bucket", "Candle", "Drill"]

                # created (WITH DATA) before the rows were: empty until refreshed
                assert await uow.product_review_counts.count() == 0
                await uow.product_review_counts.refresh()
                counts = await uow.product_review_counts.list()
                assert [(c.product_id, c.stars) for c in counts.items] == [
                    (1, 9),
                    (4, 3),
                    (2, 1),
                    (3, 0),
                ]
                # a materialized view keeps its rows until refreshed
                await uow.reviews.create(
                    importlib.import_module("views_db.schemas.reviews").ReviewCreate(
                        product_id=3, rating=5
                    )
                )
                assert (await uow.product_review_counts.get(3)).stars == 0
                # a view does not; an instance the unit of work holds keeps what it read
                # until expired (the identity map, as for a table's rows)
                uow.session.expire_all()
                assert (await uow.product_ratings.get(3)).reviews == 1
                await uow.product_review_counts.refresh(concurrently=True)
                assert (await uow.product_review_counts.get(3)).stars == 5

        finally:
            await engine.dispose()
        engine = db.create_async_engine_from_env(fresh_db.async_url)
        try:
            async with uow_mod.UnitOfWork(db.async_session_factory(engine)) as uow:
                with pytest.raises(errors.InvalidQueryError, match="refresh\\(\\) it first"):
                    await uow.category_stats.count()  # WITH NO DATA: not readable yet
        finally:
            await engine.dispose()

    def run_sync() -> None:
        engine = db.create_sync_engine_from_env(fresh_db.sync_url)
        try:
            with uow_mod.SyncUnitOfWork(db.sync_session_factory(engine)) as uow:
                uow.category_stats.refresh()
                rows = uow.category_stats.list(where=stats_filter(products__gte=1))
                assert [(r.category, r.products, r.cheapest) for r in rows.items] == [
                    ("tools", 3, D("3.50")),
                    (None, 1, D("2.00")),
                ]
                assert [r.category for r in uow.category_stats.stream()] == ["tools", None]
                anvil = uow.product_ratings.get(1)
                assert anvil.reviews == 2
                page = uow.product_ratings.list(order_by=["-reviews", "name"], limit=2)
                assert [x.name for x in page.items] == ["Anvil", "Bucket"]
                assert uow.product_review_counts.get(1) is None
                uow.product_review_counts.refresh()
                assert uow.product_review_counts.count() == 4
                assert uow.product_review_counts.get(1).reviews == 2
        finally:
            engine.dispose()

    if flavour == "async":
        asyncio.run(run_async())
    else:
        run_sync()

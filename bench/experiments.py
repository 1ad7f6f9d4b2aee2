"""Where the generated layer's time goes: the same operation done several ways on the generated
models, inside one session, so the cost of each layer (ORM, Core, driver) shows up.

These are not alternatives a user would write; they are what the generated code could emit. The
numbers feed NOTES.md's recommendations ("the path to 1.5x").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from bench.generated import Package
from bench.impl_base import Case
from bench.impl_raw import SQL
from bench.timing import Stats, interleaved
from bench.workload import LIST_ORDER, LIST_STATUSES, Workload

Step = Callable[[int], Awaitable[Any]]


@dataclass(slots=True)
class Experiment:
    op: str
    variant: str
    stats: Stats


@dataclass(slots=True)
class ExperimentResults:
    rows: list[Experiment] = field(default_factory=list)


async def _groups(
    out: ExperimentResults,
    variants: list[tuple[str, str, Step]],
    n: int,
    rounds: int,
    between: Callable[[int], None] | None,
) -> None:
    """Each operation's variants timed in interleaved rounds."""
    ops = list(dict.fromkeys(op for op, _, _ in variants))
    for op in ops:
        cases = {v: Case(step, True, between) for o, v, step in variants if o == op}
        stats = await interleaved(cases, n, rounds)
        out.rows += [Experiment(op, v, st) for v, st in stats.items()]


async def run(
    pkg: Package, url_asyncpg: str, raw_url: str, w: Workload, n: int, rounds: int
) -> ExperimentResults:
    import asyncpg

    db = pkg.module("db")
    models = pkg.module("models")
    repos = pkg.module("repositories.tasks")
    uow_mod = pkg.module("uow")
    schemas = pkg.module("schemas.tasks")
    task, status = models.Task, pkg.module("enums").TaskStatus
    statuses = [status(s) for s in LIST_STATUSES]
    t = task.__table__
    out = ExperimentResults()

    engine = db.create_async_engine_from_env(url_asyncpg)
    engine_noping = db.create_async_engine_from_env(url_asyncpg, pool_pre_ping=False)
    factory = db.async_session_factory(engine)
    factory_noping = db.async_session_factory(engine_noping)
    raw = await asyncpg.connect(raw_url)
    try:
        # --- reads, inside one open session (its transaction) ---------------------------------
        session = factory()
        await session.begin()
        repo = repos.TaskRepository(session)
        conn = await session.connection()
        driver = (await conn.get_raw_connection()).driver_connection
        by_key_orm = sa.select(task).where(
            task.id == sa.bindparam("k_id"), task.deleted_at.is_(None)
        )
        by_key_core = sa.select(*t.c).where(
            t.c.id == sa.bindparam("k_id"), t.c.deleted_at.is_(None)
        )
        ids = w.get_ids
        read_cls = getattr(schemas, "TaskRead", None)

        def pid(i: int) -> int:
            return w.pick(w.project_picks, i)

        order = [t.c.priority.asc(), t.c.created_at.desc(), t.c.id.asc()]
        page_core_stmt = (
            sa.select(*t.c)
            .where(
                t.c.deleted_at.is_(None),
                t.c.project_id == sa.bindparam("p"),
                t.c.status.in_(sa.bindparam("s", expanding=True)),
            )
            .order_by(*order)
            .limit(51)
        )
        page_orm_stmt = (
            sa.select(task)
            .where(
                task.deleted_at.is_(None),
                task.project_id == sa.bindparam("p"),
                task.status.in_(sa.bindparam("s", expanding=True)),
            )
            .order_by(*order)
            .limit(51)
        )
        status_text = list(LIST_STATUSES)
        flt = schemas.TaskFilter

        async def get_repo(i: int) -> Any:
            return await repo.get(ids[i % len(ids)])

        async def get_session_get(i: int) -> Any:
            return await session.get(task, ids[i % len(ids)])

        async def get_orm_stmt(i: int) -> Any:
            return (
                await session.execute(by_key_orm, {"k_id": ids[i % len(ids)]})
            ).scalar_one_or_none()

        async def get_core(i: int) -> Any:
            return (await conn.execute(by_key_core, {"k_id": ids[i % len(ids)]})).first()

        async def get_driver(i: int) -> Any:
            return await driver.fetchrow(SQL["get_pk"], ids[i % len(ids)])

        async def get_driver_model(i: int) -> Any:
            rec = await driver.fetchrow(SQL["get_pk"], ids[i % len(ids)])
            return (
                None if rec is None or read_cls is None else read_cls.model_construct(**dict(rec))
            )

        async def get_rel_repo(i: int) -> Any:
            return await repo.get(ids[i % len(ids)], load=["projects"])

        rel_attr = getattr(task, "project", None)
        joined = by_key_orm.options(joinedload(rel_attr)) if rel_attr is not None else by_key_orm
        selectin = (
            by_key_orm.options(selectinload(rel_attr)) if rel_attr is not None else by_key_orm
        )

        async def get_rel_selectin(i: int) -> Any:
            return (
                await session.execute(selectin, {"k_id": ids[i % len(ids)]})
            ).scalar_one_or_none()

        async def get_rel_joined(i: int) -> Any:
            return (await session.execute(joined, {"k_id": ids[i % len(ids)]})).scalar_one_or_none()

        async def get_rel_driver(i: int) -> Any:
            return await driver.fetchrow(SQL["get_rel"], ids[i % len(ids)])

        async def page_repo(i: int) -> Any:
            return await repo.list(
                where=flt(project_id__eq=pid(i), status__in=statuses),
                order_by=list(LIST_ORDER),
                limit=50,
            )

        async def page_orm(i: int) -> Any:
            return (await session.scalars(page_orm_stmt, {"p": pid(i), "s": statuses})).all()

        async def page_core(i: int) -> Any:
            return (await conn.execute(page_core_stmt, {"p": pid(i), "s": statuses})).all()

        async def page_driver(i: int) -> Any:
            return await driver.fetch(SQL["list_filter"], pid(i), status_text)

        async def page_raw(i: int) -> Any:
            return await raw.fetch(SQL["list_filter"], pid(i), status_text)

        async def get_raw(i: int) -> Any:
            return await raw.fetchrow(SQL["get_pk"], ids[i % len(ids)])

        async def get_rel_raw(i: int) -> Any:
            return await raw.fetchrow(SQL["get_rel"], ids[i % len(ids)])

        reads: list[tuple[str, str, Step]] = [
            ("get_pk", "asyncpg (own connection)", get_raw),
            ("get_pk", "repository.get (as generated)", get_repo),
            ("get_pk", "ORM select, no repository", get_orm_stmt),
            ("get_pk", "Session.get (identity map first)", get_session_get),
            ("get_pk", "Core select on the session's connection (Row)", get_core),
            ("get_pk", "asyncpg on the session's connection (Record)", get_driver),
            (
                "get_pk",
                "asyncpg on the session's connection -> TaskRead.model_construct",
                get_driver_model,
            ),
            ("get_rel", "asyncpg JOIN (own connection)", get_rel_raw),
            (
                "get_rel",
                "repository.get(load=[projects]) (as generated: fast path, one JOIN)",
                get_rel_repo,
            ),
            ("get_rel", "ORM select + selectinload", get_rel_selectin),
            ("get_rel", "ORM select + joinedload (one statement)", get_rel_joined),
            ("get_rel", "asyncpg JOIN on the session's connection", get_rel_driver),
            ("list_filter", "asyncpg (own connection)", page_raw),
            ("list_filter", "repository.list (as generated)", page_repo),
            ("list_filter", "ORM select, pre-built with bind parameters", page_orm),
            ("list_filter", "Core select on the session's connection", page_core),
            ("list_filter", "asyncpg on the session's connection", page_driver),
        ]

        def between(i: int) -> None:
            if i % 100 == 0:
                session.expunge_all()

        raw_tx = raw.transaction()
        await raw_tx.start()
        try:
            await _groups(out, reads, n, rounds, between)
        finally:
            await raw_tx.rollback()
            await session.rollback()
            await session.close()

        # --- one write, each a whole transaction -------------------------------------------
        create_cls = schemas.TaskCreate
        insert_core = sa.insert(t).returning(*t.c)

        def values(i: int) -> dict[str, Any]:
            p, number, title, description, st, priority = w.new_task(i)
            return {
                "project_id": p,
                "number": number,
                "title": title,
                "description": description,
                "status": status(st),
                "priority": priority,
            }

        async def create_raw(i: int) -> Any:
            p, number, title, description, st, priority = w.new_task(i)
            async with raw.transaction():
                return await raw.fetchrow(
                    SQL["create"], p, number, title, description, st, priority
                )

        async def create_uow(i: int) -> Any:
            async with uow_mod.UnitOfWork(factory) as uow:
                return await uow.tasks.create(create_cls(**values(i)))

        async def create_uow_noping(i: int) -> Any:
            async with uow_mod.UnitOfWork(factory_noping) as uow:
                return await uow.tasks.create(create_cls(**values(i)))

        async def create_core(i: int) -> Any:
            async with factory_noping() as s, s.begin():
                c = await s.connection()
                return (await c.execute(insert_core, values(i))).first()

        async def create_driver(i: int) -> Any:
            p, number, title, description, st, priority = w.new_task(i)
            async with factory_noping() as s, s.begin():
                c = await s.connection()
                d = (await c.get_raw_connection()).driver_connection
                return await d.fetchrow(SQL["create"], p, number, title, description, st, priority)

        writes: list[tuple[str, str, Step]] = [
            ("create", "asyncpg (own connection, own transaction)", create_raw),
            ("create", "UnitOfWork + repository.create (as generated)", create_uow),
            ("create", "the same, engine with pool_pre_ping=False", create_uow_noping),
            ("create", "session + Core insert ... returning (no pre-ping)", create_core),
            ("create", "session + asyncpg on its connection (no pre-ping)", create_driver),
        ]
        await _groups(out, writes, max(10, n // 2), rounds, None)
    finally:
        await raw.close()
        await engine.dispose()
        await engine_noping.dispose()
    return out

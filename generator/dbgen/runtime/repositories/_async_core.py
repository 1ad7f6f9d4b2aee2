"""The base of every asynchronous repository (asyncpg's fast path; see ``_driver.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Hashable, Sequence
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from .. import _compat
from ..errors import InvalidQueryError
from ..pagination import Page
from ._common import M, RepositoryBase
from ._driver import (
    COPY_MIN_ROWS,
    Statement,
    asyncpg_conversions,
    driver_error,
    driver_statement,
    watched,
)
from ._hydrate import Joined, RelationLoad, attach_joined, attach_related, hydrate, unloaded
from ._query import build_list, cached, filtered, resolve_order, rowcount, stream_statement


class AsyncRepository(RepositoryBase[M]):
    """What every repository of one entity shares; the entity's subclass defines only the
    operations crud.yaml lists, each with its exact signature."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__()
        self.session = session

    async def _connection(self) -> Any:
        """The asyncpg connection under the session's transaction, or None: run the statement
        through SQLAlchemy."""
        session = self.session.sync_session
        transaction = (session.get_transaction(), session.get_nested_transaction())
        if transaction[0] is None or transaction != self._transaction:
            # Begins the session's transaction, or emits the SAVEPOINT of a new nested one.
            connection = await self.session.connection()
            transaction = (session.get_transaction(), session.get_nested_transaction())
            engine = connection.sync_engine
            fast = engine.dialect.driver == "asyncpg"
            raw = await connection.get_raw_connection() if fast else None
            self._transaction, self._dialect, self._engine = transaction, engine.dialect, engine
            self._adapter = None if raw is None else raw.dbapi_connection
            self._driver = None if raw is None else raw.driver_connection
        driver = self._driver
        if driver is None or watched(self._engine):
            return None
        if driver.is_in_transaction():
            return driver
        # The transaction's first statement: have SQLAlchemy's adapter send its BEGIN now, so
        # that the session's COMMIT or ROLLBACK ends what the driver runs. Without that hook:
        # no fast path.
        adapter = self._adapter
        if not _compat.asyncpg_adapter_idle(adapter):
            return None
        await _compat.asyncpg_adapter_begin(adapter)
        return driver if driver.is_in_transaction() else None

    async def _run(
        self,
        key: Hashable,
        statement: Statement,
        params: dict[str, Any],
        column_keys: Sequence[str] | None = None,
        *,
        want: str = "rows",
        columns: Sequence[sa.ColumnElement[Any]] | None = None,
    ) -> Any:
        """Run a statement (see ``_driver.py``). ``want``: "rows" (of the table's columns, or of
        ``columns``), "rowcount", or "scalar" (a count or a flag: no result conversion)."""
        session = self.session
        if session.autoflush and (session.new or session.dirty or session.deleted):
            await session.flush()
        driver = await self._connection()
        compiled = None
        if driver is not None:
            compiled = driver_statement(self._info, key, statement, self._dialect, column_keys)
        if compiled is None:
            result = await session.execute(statement, params)
            if want == "rowcount":
                return rowcount(result)
            return result.scalar() if want == "scalar" else result.all()
        args = compiled.args(params)
        try:
            if want == "rowcount":
                status: str = await driver.execute(compiled.sql, *args)
                return int(status.rsplit(" ", 1)[-1])  # "DELETE 1"
            if want == "scalar":
                return await driver.fetchval(compiled.sql, *args)
            table_columns = self._info.table.c if columns is None else columns
            await asyncpg_conversions(driver, compiled, table_columns, self._dialect)
            records = await driver.fetch(compiled.sql, *args)
        except Exception as exc:
            wrapped = driver_error(exc, compiled.sql, args)
            if wrapped is exc:
                raise
            raise wrapped from exc
        return compiled.rows(records)

    async def _copy(self, rows: Sequence[dict[str, Any]]) -> bool:
        """Write ``rows`` (keyed by column key) with COPY ... FROM STDIN on the session's asyncpg
        connection, inside its transaction; False, having written nothing, where the caller
        should INSERT them: small batches, or no fast path."""
        if len(rows) < COPY_MIN_ROWS:
            return False
        driver = await self._connection()
        if driver is None:
            return False
        table, dialect = self._info.table, self._dialect
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            shapes.setdefault(tuple(row), []).append(row)
        for keys, group in shapes.items():
            columns = [table.c[key] for key in keys]
            binds = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
            convert = [(i, p) for i, p in enumerate(binds) if p is not None]
            records: list[list[Any]] = []
            for row in group:
                record = list(row.values())
                for i, p in convert:
                    record[i] = p(record[i])
                records.append(record)
            names = [c.name for c in columns]
            try:
                await driver.copy_records_to_table(
                    table.name, records=records, columns=names, schema_name=table.schema
                )
            except Exception as exc:
                wrapped = driver_error(exc, f"COPY {table.fullname}", None)
                if wrapped is exc:
                    raise
                raise wrapped from exc
        return True

    async def _fetch(
        self,
        key: Hashable,
        statement: Statement,
        params: dict[str, Any],
        column_keys: Sequence[str] | None = None,
        *,
        overwrite: bool = False,
    ) -> list[M]:
        """Instances of the mapped class for the rows of ``statement`` (see ``hydrate``)."""
        rows = await self._run(key, statement, params, column_keys)
        rowmap = self._rowmap
        assert rowmap is not None, "only repositories of mapped classes fetch instances"
        return hydrate(self.session.sync_session, rowmap, rows, overwrite=overwrite)

    async def _read_with(
        self,
        name: str,
        where: Sequence[sa.ColumnElement[bool]],
        params: dict[str, Any],
        load: Sequence[str],
    ) -> list[M]:
        """Instances matching ``where`` with the relations in ``load`` (the fast path)."""
        joined = self._joined(load)
        key = (name, tuple(load))
        statement = cached(self._info, key, lambda: joined.select.where(*where))
        return await self._fetch_joined(key, statement, params, joined)

    async def _fetch_joined(
        self, key: Hashable, statement: sa.Select[Any], params: dict[str, Any], joined: Joined
    ) -> list[M]:
        """Instances for the rows of a ``joined_read`` statement, their relations set where
        they are unloaded (as the ORM's eager loaders do)."""
        records = await self._run(key, statement, params, columns=joined.columns)
        assert self._rowmap is not None
        session = self.session.sync_session
        parents = hydrate(session, self._rowmap, records)  # reads the leading columns
        attach_joined(session, joined, parents, records)
        if joined.rest:
            await self._load_related(parents, joined.rest)
        return parents

    async def _load_related(self, parents: Sequence[Any], loads: Sequence[RelationLoad]) -> None:
        """Set these relations on the parents that have them unloaded: one statement per
        relationship, whatever the number of parents."""
        for rl in loads:
            todo, keys = unloaded(parents, rl)
            if not todo:
                continue
            rows: Sequence[Sequence[Any]] = []
            if keys:
                key = ("relation", rl.attr)
                rows = await self._run(key, rl.statement, {"keys": keys}, columns=rl.columns)
            attach_related(self.session.sync_session, rl, todo, rows)

    async def _page(
        self,
        *,
        finder: str | None = None,
        finder_params: dict[str, Any] | None = None,
        where: BaseModel | None = None,
        search: str | None = None,
        order_by: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int | None = None,
        after: str | None = None,
        before: str | None = None,
        load: Sequence[str] | None = None,
        with_total: bool = False,
    ) -> Page[M]:
        info = self._info
        fast = self._fast_loadable(load)
        joined = self._joined(load) if fast and load else None
        select = self._select if not fast else (joined.select if joined else self._columns)
        query = build_list(
            info,
            select,
            where=where,
            search=search,
            order_by=order_by,
            limit=limit,
            offset=offset,
            after=after,
            before=before,
            load=load,
            finder=finder,
            finder_params=finder_params,
            orm_options=not fast,
        )
        rows: Sequence[Any]
        if joined is not None:
            rows = await self._fetch_joined(query.key, query.statement, query.params, joined)
        elif fast:
            rows = await self._fetch(query.key, query.statement, query.params)
        elif info.read is None:
            rows = (await self.session.scalars(query.statement, query.params)).all()
        else:
            # Validated, not constructed: the Read schema's types (enums, constrained strings) hold.
            result = await self.session.execute(query.statement, query.params)
            rows = [info.read.model_validate(row._mapping) for row in result.all()]
        total: int | None = None
        if with_total:
            total = int((await self.session.scalar(query.count_statement(), query.params)) or 0)
        return query.page(rows, total)

    async def _stream(
        self,
        *,
        where: BaseModel | None = None,
        search: str | None = None,
        order_by: Sequence[str] | None = None,
        batch_size: int = 1000,
    ) -> AsyncIterator[M]:
        """Every matching row, in order, read through a server-side cursor ``batch_size`` rows
        at a time: memory stays flat however many rows match (as long as the caller lets go of
        them: the session holds instances weakly)."""
        info = self._info
        if batch_size < 1:
            raise InvalidQueryError(info.entity, "batch_size must be at least 1")
        order = resolve_order(info, tuple(order_by) if order_by else None)
        f = filtered(info, where, search)
        key, statement = stream_statement(info, self._columns, f, order)
        batches = self._batches(key, statement, f.params, batch_size)
        session = self.session.sync_session
        async for rows in batches:
            items: list[Any]
            if self._rowmap is not None:
                items = hydrate(session, self._rowmap, rows)
            else:
                assert info.read is not None
                items = [info.read.model_validate(row._mapping) for row in rows]
            for item in items:
                yield item

    async def _batches(
        self, key: Hashable, statement: sa.Select[Any], params: dict[str, Any], size: int
    ) -> AsyncIterator[Sequence[Any]]:
        """The rows of ``statement``, ``size`` at a time, from a server-side cursor: asyncpg's
        own on the fast path, else SQLAlchemy's (``yield_per``)."""
        session = self.session
        if session.autoflush and (session.new or session.dirty or session.deleted):
            await session.flush()
        driver = await self._connection()
        compiled = None
        if driver is not None:
            compiled = driver_statement(self._info, key, statement, self._dialect)
        if compiled is not None:
            args = compiled.args(params)
            try:
                table_columns = self._info.table.c
                await asyncpg_conversions(driver, compiled, table_columns, self._dialect)
                cursor = await driver.cursor(compiled.sql, *args)
                while records := await cursor.fetch(size):
                    yield compiled.rows(records)
            except Exception as exc:
                wrapped = driver_error(exc, compiled.sql, args)
                if wrapped is exc:
                    raise
                raise wrapped from exc
            return
        options = {"yield_per": size}
        result = await session.stream(statement, params, execution_options=options)
        try:
            async for rows in result.partitions():
                yield rows
        finally:
            await result.close()

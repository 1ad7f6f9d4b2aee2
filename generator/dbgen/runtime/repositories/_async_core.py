"""How an asynchronous repository runs a statement: on asyncpg itself (the fast path, see
``_driver.py``) or through the session."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from .. import _compat
from ._common import ASK, M, RepositoryBase
from ._driver import (
    COPY_MIN_ROWS,
    Statement,
    asyncpg_conversions,
    driver_error,
    driver_statement,
    watched,
)
from ._hydrate import PAUSE_COLLECTOR_ROWS, PausedCollector, hydrate
from ._query import rowcount


class AsyncCore(RepositoryBase[M]):
    """The session, its asyncpg connection, and running one statement on either."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__()
        self.session = session

    async def _connection(self) -> Any:
        """The asyncpg connection under the session's transaction, or None: run the statement
        through SQLAlchemy."""
        session = self.session.sync_session
        transaction = (session.get_transaction(), session.get_nested_transaction())
        if transaction[0] is None or transaction != self._transaction:
            # One trip into SQLAlchemy's greenlet (each costs as much as a round trip on a busy
            # machine): begins the session's transaction, or emits the SAVEPOINT of a new
            # nested one, and reads its pooled connection.
            engine, raw = await self.session.run_sync(_session_connection)
            transaction = (session.get_transaction(), session.get_nested_transaction())
            fast = engine.dialect.driver == "asyncpg"
            self._transaction, self._dialect, self._engine = transaction, engine.dialect, engine
            self._adapter = raw.dbapi_connection if fast else None
            self._driver = raw.driver_connection if fast else None
        self._watching = watched(self._engine) or self._watched_session(session)
        driver = self._driver
        if driver is None or self._watching:
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
        driver: Any = ASK,
    ) -> Any:
        """Run a statement (see ``_driver.py``). ``want``: "rows" (of the table's columns, or of
        ``columns``), "records" (the same as the driver's rows and the conversions still to
        apply: for ``hydrate``, which applies them to the instances' values), "rowcount", or
        "scalar" (a count or a flag: no result conversion). ``driver``: what ``_connection()``
        returned, when the caller has just asked it in this call (else it is asked here)."""
        session = self.session
        if session.autoflush and (session.new or session.dirty or session.deleted):
            await session.flush()
        if driver is ASK:
            driver = await self._connection()
        compiled = None
        if driver is not None:
            compiled = driver_statement(self._info, key, statement, self._dialect, column_keys)
        if compiled is None:
            result = await session.execute(statement, params)
            if want == "rowcount":
                return rowcount(result)
            if want == "records":
                return result.all(), ()
            return result.scalar() if want == "scalar" else result.all()
        args = compiled.args(params)
        try:
            if want == "rowcount":
                status: str = await driver.execute(compiled.sql, *args)
                return int(status.rsplit(" ", 1)[-1])  # "DELETE 1"
            if want == "scalar":
                return await driver.fetchval(compiled.sql, *args)
            table_columns = self._info.table.c if columns is None else columns
            if compiled.conversions is None:  # (once per statement: no coroutine per call)
                await asyncpg_conversions(driver, compiled, table_columns, self._dialect)
            records = await driver.fetch(compiled.sql, *args)
        except Exception as exc:
            wrapped = driver_error(exc, compiled.sql, args)
            if wrapped is exc:
                raise
            raise wrapped from exc
        if want == "records":
            return records, compiled.conversions or ()
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
        driver: Any = ASK,
    ) -> list[M]:
        """Instances of the mapped class for the rows of ``statement`` (see ``hydrate``)."""
        records, conversions = await self._run(
            key, statement, params, column_keys, want="records", driver=driver
        )
        rowmap = self._rowmap
        assert rowmap is not None, "only repositories of mapped classes fetch instances"
        session = self.session.sync_session
        if len(records) < PAUSE_COLLECTOR_ROWS:  # (a row or a page: nothing to set up)
            return hydrate(session, rowmap, records, overwrite=overwrite, conversions=conversions)
        with PausedCollector(len(records)):
            return hydrate(session, rowmap, records, overwrite=overwrite, conversions=conversions)


def _session_connection(session: Session) -> tuple[Any, Any]:
    """The engine of the session's connection and its pooled (DBAPI) connection, in the
    session's transaction (begun here if need be)."""
    connection = session.connection()
    return connection.engine, connection.connection

"""Named queries (``queries/*.sql``): the bases of the generated ``Queries`` and
``SyncQueries``, on the repositories' own machinery. A query runs on the unit of work's session
(pending ORM changes are flushed first, as the ORM's autoflush would), and on the driver's fast
path: its prebuilt text statement is compiled once and run by asyncpg or psycopg2 on the
session's connection, inside its transaction, with SQLAlchemy's bind and result conversions;
through SQLAlchemy whenever someone watches (``_driver.py``). Streams use the session's
server-side cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, ClassVar, TypeVar

import sqlalchemy as sa

from ..errors import InvalidValueError
from ._async_core import AsyncCore
from ._query import EntityInfo
from ._sync_core import SyncCore

T = TypeVar("T")


def query_info(entity: str) -> EntityInfo:
    """The bookkeeping the fast path keeps per entity (compiled statements by key), for the
    named queries: no table, key, filters or order of their own."""
    return EntityInfo(
        entity=entity,
        scope=entity,
        table=sa.Table(entity, sa.MetaData()),
        pk=(),
        tie_break=(),
        filters={},
        sort={},
        order_columns={},
        default_order=(),
        search=(),
        alive=None,
        loads={},
        max_page_size=1,
        offset=False,
        cursor=False,
    )


def _check_batch(batch_size: int) -> None:
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise InvalidValueError(
            "queries", "batch_size must be an integer from 1", field="batch_size"
        )


class AsyncQueriesBase(AsyncCore[Any]):
    _info: ClassVar[EntityInfo] = query_info("queries")

    async def _rows(
        self,
        key: str,
        statement: sa.TextualSelect,
        params: dict[str, Any],
        columns: Sequence[sa.ColumnElement[Any]],
    ) -> Sequence[Any]:
        """The rows of a query that returns some (values converted as SQLAlchemy would)."""
        rows: Sequence[Any] = await self._run(key, statement, params, columns=columns)
        return rows

    async def _count(self, key: str, statement: sa.TextClause, params: dict[str, Any]) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        changed: int = await self._run(key, statement, params, want="rowcount")
        return changed

    def _stream(
        self,
        statement: sa.TextualSelect,
        params: dict[str, Any],
        row: Callable[..., T],
        batch_size: int,
    ) -> AsyncIterator[T]:
        _check_batch(batch_size)
        return self._streamed(statement, params, row, batch_size)

    async def _streamed(
        self,
        statement: sa.TextualSelect,
        params: dict[str, Any],
        row: Callable[..., T],
        batch_size: int,
    ) -> AsyncIterator[T]:
        session = self.session
        if session.autoflush and (session.new or session.dirty or session.deleted):
            await session.flush()
        result = await session.stream(
            statement, params, execution_options={"yield_per": batch_size}
        )
        async for values in result:
            yield row(*values)


class SyncQueriesBase(SyncCore[Any]):
    _info: ClassVar[EntityInfo] = query_info("queries")

    def _rows(
        self,
        key: str,
        statement: sa.TextualSelect,
        params: dict[str, Any],
        columns: Sequence[sa.ColumnElement[Any]],
    ) -> Sequence[Any]:
        """The rows of a query that returns some (values converted as SQLAlchemy would)."""
        rows: Sequence[Any] = self._run(key, statement, params, columns=columns)
        return rows

    def _count(self, key: str, statement: sa.TextClause, params: dict[str, Any]) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        changed: int = self._run(key, statement, params, want="rowcount")
        return changed

    def _stream(
        self,
        statement: sa.TextualSelect,
        params: dict[str, Any],
        row: Callable[..., T],
        batch_size: int,
    ) -> Iterator[T]:
        _check_batch(batch_size)
        return self._streamed(statement, params, row, batch_size)

    def _streamed(
        self,
        statement: sa.TextualSelect,
        params: dict[str, Any],
        row: Callable[..., T],
        batch_size: int,
    ) -> Iterator[T]:
        session = self.session
        if session.autoflush and (session.new or session.dirty or session.deleted):
            session.flush()
        result = session.execute(statement, params, execution_options={"yield_per": batch_size})
        for values in result:
            yield row(*values)

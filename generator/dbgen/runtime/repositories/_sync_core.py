"""The base of every synchronous repository (psycopg2's fast path; see ``_driver.py``).

The twin of ``_async.py``: the same steps, with psycopg2 cursors and without ``await``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ..errors import InvalidQueryError
from ..pagination import Page
from ._common import M, RepositoryBase
from ._driver import Statement, driver_error, driver_statement, result_conversions, watched
from ._hydrate import Joined, RelationLoad, attach_joined, attach_related, hydrate, unloaded
from ._query import build_list, cached, filtered, resolve_order, rowcount, stream_statement


class SyncRepository(RepositoryBase[M]):
    """What every synchronous repository of one entity shares; the entity's subclass defines
    only the operations crud.yaml lists, each with its exact signature."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def _connection(self) -> Any:
        """The psycopg2 connection under the session's transaction (psycopg2 sends BEGIN
        itself), or None: run the statement through SQLAlchemy."""
        session = self.session
        transaction = (session.get_transaction(), session.get_nested_transaction())
        if transaction[0] is None or transaction != self._transaction:
            # Begins the session's transaction, or emits the SAVEPOINT of a new nested one.
            connection = session.connection()
            transaction = (session.get_transaction(), session.get_nested_transaction())
            engine = connection.engine
            fast = engine.dialect.driver == "psycopg2"
            self._transaction, self._dialect, self._engine = transaction, engine.dialect, engine
            self._driver = connection.connection.dbapi_connection if fast else None
        if self._driver is None or watched(self._engine):
            return None
        return self._driver

    def _run(
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
            session.flush()
        driver = self._connection()
        compiled = None
        if driver is not None:
            compiled = driver_statement(self._info, key, statement, self._dialect, column_keys)
        if compiled is None:
            result = session.execute(statement, params)
            if want == "rowcount":
                return rowcount(result)
            return result.scalar() if want == "scalar" else result.all()
        args = dict(zip(compiled.names, compiled.args(params), strict=True))
        try:
            with driver.cursor() as cursor:
                cursor.execute(compiled.sql, args)
                if want == "rowcount":
                    return int(cursor.rowcount)
                if want == "scalar":
                    return cursor.fetchone()[0]
                if compiled.conversions is None:
                    oids = [d.type_code for d in cursor.description]
                    table_columns = self._info.table.c if columns is None else columns
                    compiled.conversions = result_conversions(table_columns, oids, self._dialect)
                records = cursor.fetchall()
        except Exception as exc:
            wrapped = driver_error(exc, compiled.sql, args)
            if wrapped is exc:
                raise
            raise wrapped from exc
        return compiled.rows(records)

    def _fetch(
        self,
        key: Hashable,
        statement: Statement,
        params: dict[str, Any],
        column_keys: Sequence[str] | None = None,
        *,
        overwrite: bool = False,
    ) -> list[M]:
        """Instances of the mapped class for the rows of ``statement`` (see ``hydrate``)."""
        rows = self._run(key, statement, params, column_keys)
        rowmap = self._rowmap
        assert rowmap is not None, "only repositories of mapped classes fetch instances"
        return hydrate(self.session, rowmap, rows, overwrite=overwrite)

    def _read_with(
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
        return self._fetch_joined(key, statement, params, joined)

    def _fetch_joined(
        self, key: Hashable, statement: sa.Select[Any], params: dict[str, Any], joined: Joined
    ) -> list[M]:
        """Instances for the rows of a ``joined_read`` statement, their relations set where
        they are unloaded (as the ORM's eager loaders do)."""
        records = self._run(key, statement, params, columns=joined.columns)
        assert self._rowmap is not None
        parents = hydrate(self.session, self._rowmap, records)  # reads the leading columns
        attach_joined(self.session, joined, parents, records)
        if joined.rest:
            self._load_related(parents, joined.rest)
        return parents

    def _load_related(self, parents: Sequence[Any], loads: Sequence[RelationLoad]) -> None:
        """Set these relations on the parents that have them unloaded: one statement per
        relationship, whatever the number of parents."""
        for rl in loads:
            todo, keys = unloaded(parents, rl)
            if not todo:
                continue
            rows: Sequence[Sequence[Any]] = []
            if keys:
                key = ("relation", rl.attr)
                rows = self._run(key, rl.statement, {"keys": keys}, columns=rl.columns)
            attach_related(self.session, rl, todo, rows)

    def _page(
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
            rows = self._fetch_joined(query.key, query.statement, query.params, joined)
        elif fast:
            rows = self._fetch(query.key, query.statement, query.params)
        elif info.read is None:
            rows = self.session.scalars(query.statement, query.params).all()
        else:
            # Validated, not constructed: the Read schema's types (enums, constrained strings) hold.
            result = self.session.execute(query.statement, query.params)
            rows = [info.read.model_validate(row._mapping) for row in result.all()]
        total: int | None = None
        if with_total:
            total = int(self.session.scalar(query.count_statement(), query.params) or 0)
        return query.page(rows, total)

    def _stream(
        self,
        *,
        where: BaseModel | None = None,
        search: str | None = None,
        order_by: Sequence[str] | None = None,
        batch_size: int = 1000,
    ) -> Iterator[M]:
        """Every matching row, in order, read through a server-side cursor ``batch_size`` rows
        at a time: memory stays flat however many rows match (as long as the caller lets go of
        them: the session holds instances weakly)."""
        info = self._info
        if batch_size < 1:
            raise InvalidQueryError(info.entity, "batch_size must be at least 1")
        order = resolve_order(info, tuple(order_by) if order_by else None)
        f = filtered(info, where, search)
        key, statement = stream_statement(info, self._columns, f, order)
        for rows in self._batches(key, statement, f.params, batch_size):
            items: list[Any]
            if self._rowmap is not None:
                items = hydrate(self.session, self._rowmap, rows)
            else:
                assert info.read is not None
                items = [info.read.model_validate(row._mapping) for row in rows]
            yield from items

    def _batches(
        self, key: Hashable, statement: sa.Select[Any], params: dict[str, Any], size: int
    ) -> Iterator[Sequence[Any]]:
        """The rows of ``statement``, ``size`` at a time, from SQLAlchemy's server-side cursor
        (``yield_per``)."""
        session = self.session
        if session.autoflush and (session.new or session.dirty or session.deleted):
            session.flush()
        options = {"yield_per": size}
        result = session.execute(statement, params, execution_options=options)
        try:
            yield from result.partitions()
        finally:
            result.close()

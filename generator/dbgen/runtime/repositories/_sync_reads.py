"""The reads every synchronous repository shares (the twin of ``_async_reads.py``).

Each read takes the driver's fast path unless someone watches (``_watching``), in which case it
runs the ORM's own statement (``select(Model)`` with the loader options) through the session,
so that listeners, loader criteria and load events see exactly what the ORM would show them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from typing import Any, cast

import sqlalchemy as sa
from pydantic import BaseModel

from ..pagination import Page
from ._common import ASK, M
from ._hydrate import (
    PAUSE_COLLECTOR_ROWS,
    Joined,
    PausedCollector,
    RelationLoad,
    attach_related,
    hydrate_joined,
    loader,
    unloaded,
)
from ._query import (
    build_list,
    cached,
    check_params,
    count_statement,
    exists_statement,
    filtered,
    load_options,
    one_checks,
    refuse,
    resolve_order,
    stream_statement,
)
from ._sync_core import SyncCore
from ._values import page_number_check


class SyncReads(SyncCore[M]):
    def _one(
        self,
        name: str,
        where: Sequence[sa.ColumnElement[bool]],
        params: dict[str, Any],
        load: Sequence[str] | None = None,
    ) -> M | None:
        """The row ``where`` matches (a key or a unique finder), or None."""
        if name != "get":  # (key_params has checked a key)
            check_params(self._info, params, one_checks(self._info, name, where))
        info = self._info
        driver = self._connection()
        if self._rowmap is None:
            statement = cached(info, ("one", name), lambda: self._select.where(*where))
            row = self.session.execute(statement, params).one_or_none()
            return None if row is None else cast(M, self._validated([row])[0])
        if self._watching or (load and not self._fast_loadable(load)):
            options = load_options(info, load)  # validated on every call
            key = ("orm one", name, tuple(load or ()))
            orm = cached(info, key, lambda: self._select.where(*where).options(*options))
            return cast(M | None, self.session.scalars(orm, params).one_or_none())
        rows: Sequence[M]
        if load:
            rows = self._read_with(name, where, params, load, driver)
        else:
            statement = cached(info, ("row", name), lambda: self._columns.where(*where))
            rows = self._fetch(name, statement, params, driver=driver)
        return rows[0] if rows else None

    def _count(self, where: BaseModel | None, search: str | None = None) -> int:
        f = filtered(self._info, where, search)
        statement = count_statement(self._info, f, self._source)
        return int((self._run(("count", f.key), statement, f.params, want="scalar")) or 0)

    def _exists(
        self, where: Sequence[sa.ColumnElement[bool]], params: dict[str, Any], name: str = "key"
    ) -> bool:
        statement = exists_statement(self._info, name, where, self._source)
        found = self._run(("exists", name), statement, params, want="scalar")
        return found is not None

    def _read_with(
        self,
        name: str,
        where: Sequence[sa.ColumnElement[bool]],
        params: dict[str, Any],
        load: Sequence[str],
        driver: Any = ASK,
    ) -> list[M]:
        """Instances matching ``where`` with the relations in ``load`` (the fast path)."""
        joined = self._joined(load)
        key = (name, tuple(load))
        statement = cached(self._info, key, lambda: joined.select.where(*where))
        return self._fetch_joined(key, statement, params, joined, driver)

    def _fetch_joined(
        self,
        key: Hashable,
        statement: sa.Select[Any],
        params: dict[str, Any],
        joined: Joined,
        driver: Any = ASK,
    ) -> list[M]:
        """Instances for the rows of a ``joined_read`` statement, their relations set where
        they are unloaded (as the ORM's eager loaders do)."""
        found = self._run(
            key, statement, params, want="records", columns=joined.columns, driver=driver
        )
        records, conversions = found
        assert self._rowmap is not None
        session = self.session
        if len(records) < PAUSE_COLLECTOR_ROWS:  # (a row or a page: nothing to set up)
            parents = hydrate_joined(session, self._rowmap, joined, records, conversions)
        else:
            with PausedCollector(len(records)):
                parents = hydrate_joined(session, self._rowmap, joined, records, conversions)
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
        driver = self._connection()
        fast = not self._watching and self._fast_loadable(load)
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
            source=self._source,
            variant=fast,
        )
        rows: Sequence[Any]
        if joined is not None:
            rows = self._fetch_joined(query.key, query.statement, query.params, joined, driver)
        elif fast:
            rows = self._fetch(query.key, query.statement, query.params, driver=driver)
        elif self._rowmap is not None:
            rows = (self.session.scalars(query.statement, query.params)).all()
        else:
            result = self.session.execute(query.statement, query.params)
            rows = self._validated(result.all())
        total: int | None = None
        if with_total:
            count = query.count_statement()
            found = self._run(("count", query.filtered.key), count, query.params, want="scalar")
            total = int(found or 0)
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
        if (reason := page_number_check(batch_size, 1)) is not None:
            raise refuse(info, "batch_size", reason)
        order = resolve_order(info, order_by)
        f = filtered(info, where, search)
        session = self.session
        self._connection()
        if self._watching and self._rowmap is not None:
            key, orm = stream_statement(info, self._select, f, order, variant="orm")
            options = {"yield_per": batch_size}
            result = session.scalars(orm, f.params, execution_options=options)
            try:
                yield from result
            finally:
                result.close()
            return
        key, statement = stream_statement(info, self._columns, f, order)
        rowmap = self._rowmap
        for rows in self._batches(key, statement, f.params, batch_size):
            if rowmap is None:
                yield from self._validated(rows)
                continue
            # One row at a time (see AsyncReads._stream).
            yield from map(loader(session, rowmap), rows)

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

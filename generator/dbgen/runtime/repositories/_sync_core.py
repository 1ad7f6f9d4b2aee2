"""How a synchronous repository runs a statement: on psycopg2 itself (the fast path, see
``_driver.py``) or through the session. The twin of ``_async_core.py``."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ._common import ASK, M, RepositoryBase
from ._driver import Statement, driver_error, driver_statement, result_conversions, watched
from ._hydrate import PAUSE_COLLECTOR_ROWS, PausedCollector, hydrate
from ._query import rowcount


class SyncCore(RepositoryBase[M]):
    """The session, its psycopg2 connection, and running one statement on either."""

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
        self._watching = watched(self._engine) or self._watched_session(session)
        if self._driver is None or self._watching:
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
        driver: Any = ASK,
    ) -> Any:
        """Run a statement (see ``_driver.py``). ``want``: "rows" (of the table's columns, or of
        ``columns``), "records" (the same as the driver's rows and the conversions still to
        apply: for ``hydrate``, which applies them to the instances' values), "rowcount", or
        "scalar" (a count or a flag: no result conversion). ``driver``: what ``_connection()``
        returned, when the caller has just asked it in this call (else it is asked here)."""
        session = self.session
        if session.autoflush and (session.new or session.dirty or session.deleted):
            session.flush()
        if driver is ASK:
            driver = self._connection()
        compiled = None
        if driver is not None:
            compiled = driver_statement(self._info, key, statement, self._dialect, column_keys)
        if compiled is None:
            result = session.execute(statement, params)
            if want == "rowcount":
                return rowcount(result)
            if want == "records":
                return result.all(), ()
            return result.scalar() if want == "scalar" else result.all()
        args = dict(zip(compiled.names, compiled.args(params), strict=True))
        try:
            with driver.cursor() as cursor:
                cursor.execute(compiled.sql, args)
                if want == "rowcount":
                    return int(cursor.rowcount)
                if want == "scalar":
                    row = cursor.fetchone()
                    return None if row is None else row[0]
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
        if want == "records":
            return records, compiled.conversions or ()
        return compiled.rows(records)

    def _fetch(
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
        records, conversions = self._run(
            key, statement, params, column_keys, want="records", driver=driver
        )
        rowmap = self._rowmap
        assert rowmap is not None, "only repositories of mapped classes fetch instances"
        session = self.session
        if len(records) < PAUSE_COLLECTOR_ROWS:  # (a row or a page: nothing to set up)
            return hydrate(session, rowmap, records, overwrite=overwrite, conversions=conversions)
        with PausedCollector(len(records)):
            return hydrate(session, rowmap, records, overwrite=overwrite, conversions=conversions)

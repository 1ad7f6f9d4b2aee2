"""Typed errors of this data layer.

Every failure a caller can cause or meet comes out as one of these: database errors are mapped
from the SQLSTATE the server reports, driver and pool failures from what the drivers raise
(``map_error``), bad values are refused before they reach the driver. Each error names the
entity and, where known, the key; ``__cause__`` is the driver's own exception (asyncpg's or
psycopg2's) where there is one, and ``.sqlstate`` its SQLSTATE.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from . import _dialect


class DataLayerError(Exception):
    """Base of every error this package raises on purpose."""

    def __init__(self, message: str, *, entity: str | None = None, key: Any = None) -> None:
        super().__init__(message)
        self.entity = entity
        self.key = key
        self.sqlstate: str | None = None  # set when the error comes from the server


class NotFoundError(DataLayerError):
    """No (live) row has this key."""

    def __init__(self, entity: str, key: Any) -> None:
        super().__init__(f"{entity} {key!r} not found", entity=entity, key=key)


class AlreadyExistsError(DataLayerError):
    """A unique constraint, the primary key or an exclusion constraint rejected the row
    (SQLSTATE 23505 / 23P01)."""

    def __init__(
        self,
        entity: str,
        key: Any = None,
        *,
        constraint: str | None = None,
        detail: str | None = None,
    ) -> None:
        what = f" {key!r}" if key is not None else ""
        why = f": {detail}" if detail else ""
        super().__init__(f"{entity}{what} already exists{why}", entity=entity, key=key)
        self.constraint = constraint
        self.detail = detail


class RelatedNotFoundError(DataLayerError):
    """A foreign key rejected the row: the referenced row is missing, or still referenced
    (SQLSTATE 23503)."""

    def __init__(
        self,
        entity: str,
        key: Any = None,
        *,
        constraint: str | None = None,
        detail: str | None = None,
    ) -> None:
        what = f" {key!r}" if key is not None else ""
        why = f": {detail}" if detail else ""
        super().__init__(
            f"{entity}{what} refers to a missing related row or is still referenced{why}",
            entity=entity,
            key=key,
        )
        self.constraint = constraint
        self.detail = detail


class ConflictError(DataLayerError):
    """The row changed since the caller read it (optimistic locking)."""

    def __init__(self, entity: str, key: Any, *, expected_version: Any = None) -> None:
        super().__init__(
            f"{entity} {key!r} was changed by someone else (expected version {expected_version!r})",
            entity=entity,
            key=key,
        )
        self.expected_version = expected_version


class ConstraintViolationError(DataLayerError):
    """A NOT NULL or CHECK constraint rejected the row (SQLSTATE 23502 / 23514), or the value
    does not fit the column (class 22)."""

    def __init__(
        self,
        entity: str,
        key: Any = None,
        *,
        constraint: str | None = None,
        detail: str | None = None,
    ) -> None:
        what = f" {key!r}" if key is not None else ""
        why = f": {detail}" if detail else ""
        super().__init__(f"{entity}{what} violates a constraint{why}", entity=entity, key=key)
        self.constraint = constraint
        self.detail = detail


class InvalidCursorError(DataLayerError):
    """A pagination cursor was tampered with, truncated, or made for another query."""

    def __init__(self, entity: str, reason: str) -> None:
        super().__init__(f"invalid cursor for {entity}: {reason}", entity=entity)


class InvalidQueryError(DataLayerError):
    """The caller asked for something the spec does not allow (an order key, a relation ...)."""

    def __init__(self, entity: str, reason: str) -> None:
        super().__init__(f"invalid query on {entity}: {reason}", entity=entity)
        self.reason = reason


class InvalidValueError(InvalidQueryError):
    """A key, filter, limit, offset or search value that the column or the driver cannot take:
    the wrong type, out of the column type's range, a NUL character, more bind parameters than
    PostgreSQL accepts. Refused before any SQL is sent; ``.field`` names the argument."""

    def __init__(self, entity: str, reason: str, *, field: str | None = None) -> None:
        super().__init__(entity, reason)
        self.field = field


class QueryTimeoutError(DataLayerError):
    """The statement ran out of time: ``statement_timeout`` or ``lock_timeout`` (SQLSTATE 57014,
    55P03), or the driver's command timeout. The transaction is aborted: roll back (the unit of
    work does)."""

    def __init__(self, entity: str | None, reason: str = "") -> None:
        what = f" on {entity}" if entity else ""
        super().__init__(
            f"query timed out{what}" + (f": {reason}" if reason else ""), entity=entity
        )


class PoolTimeoutError(DataLayerError):
    """No connection became free in the pool within ``DATABASE_POOL_TIMEOUT`` seconds: the pool
    (``DATABASE_POOL_SIZE`` + ``DATABASE_MAX_OVERFLOW``) is exhausted."""

    def __init__(self, entity: str | None, reason: str = "") -> None:
        super().__init__(
            "no database connection available in time" + (f": {reason}" if reason else ""),
            entity=entity,
        )


class ConnectionLostError(DataLayerError):
    """The connection to the database broke, or could not be made (class 08, administrator
    shutdown 57P01-57P03, a closed socket). ``during_commit``: it broke during COMMIT, so
    whether the transaction committed is unknown; otherwise nothing of the unit of work was
    committed and running it again is safe (``run_in_transaction`` does)."""

    def __init__(
        self, entity: str | None, reason: str = "", *, during_commit: bool = False
    ) -> None:
        when = " during COMMIT (the outcome is unknown)" if during_commit else ""
        super().__init__(
            f"lost the database connection{when}" + (f": {reason}" if reason else ""),
            entity=entity,
        )
        self.during_commit = during_commit


class RetryableError(DataLayerError):
    """The transaction lost a race: a serialization failure (40001) or a deadlock (40P01).
    Nothing was committed; run the unit of work again (``run_in_transaction(fn, retries=N)``)."""

    def __init__(self, entity: str | None, reason: str = "") -> None:
        super().__init__(
            "the transaction must be retried" + (f": {reason}" if reason else ""), entity=entity
        )


class ConfigurationError(DataLayerError):
    """The layer's settings do not fit what it is connected to: named prepared statements
    through a pooler in transaction mode (SQLSTATE 26000 / 42P05 on asyncpg's statements; set
    ``DATABASE_PGBOUNCER=1``, or pass ``db.PGBOUNCER_CONNECT_ARGS`` as ``connect_args``)."""

    def __init__(self, entity: str | None, reason: str = "") -> None:
        super().__init__(
            "the connection settings do not fit the server" + (f": {reason}" if reason else ""),
            entity=entity,
        )


# -- HTTP ----------------------------------------------------------------------------------------
#
# For web frameworks, without depending on one: the status a DataLayerError stands for, and a
# body that says what went wrong without leaking what the client need not see.

# Most specific class first: InvalidValueError is an InvalidQueryError.
_HTTP_STATUS: tuple[tuple[type[DataLayerError], int], ...] = (
    (NotFoundError, 404),
    (AlreadyExistsError, 409),
    (ConflictError, 409),
    (RelatedNotFoundError, 409),
    (ConstraintViolationError, 422),
    (InvalidQueryError, 422),
    (InvalidCursorError, 422),
    (RetryableError, 503),
    (PoolTimeoutError, 503),
    (ConnectionLostError, 503),
    (QueryTimeoutError, 504),
    (ConfigurationError, 500),  # the deployment's settings: nothing the client can change
)


def http_status(exc: DataLayerError) -> int:
    """The HTTP status for ``exc``: 404 not found; 409 already exists, changed by someone else
    (optimistic locking), a foreign key's referenced row missing or still referenced; 422 a
    constraint, value or query the request got wrong (a cursor too); 503 the database is
    unavailable for now (retry: pool exhausted, connection lost, serialization failure); 504 a
    statement timed out; 500 anything else."""
    for cls, status in _HTTP_STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def http_detail(exc: DataLayerError) -> dict[str, Any]:
    """A JSON-ready body for ``exc``: ``error`` (the class name), ``message`` and, for the
    client's own mistakes (4xx), ``entity`` and the ``field`` or ``constraint`` where known.
    A 5xx body says only what kind of failure it was: the server's log has the rest."""
    status = http_status(exc)
    if status >= 500:
        return {"error": type(exc).__name__, "message": _SERVER_SIDE.get(status, "server error")}
    body: dict[str, Any] = {"error": type(exc).__name__, "message": str(exc)}
    if exc.entity is not None:
        body["entity"] = exc.entity
    for name in ("field", "constraint"):
        value = getattr(exc, name, None)
        if value is not None:
            body[name] = value
    return body


_SERVER_SIDE = {
    503: "the database is unavailable for now; try again",
    504: "the database did not answer in time",
    500: "a database error",
}


# -- what the drivers raise -----------------------------------------------------------------------
#
# SQLAlchemy wraps DBAPI errors in DBAPIError (``.orig``); its asyncpg adapter wraps asyncpg's
# exceptions once more (the asyncpg one is the adapter error's ``__cause__``). The fast path
# runs on the drivers directly, so their own exceptions arrive too. SQLSTATE decides wherever
# there is one; otherwise the exception's kind does.

_LOST_STATES = ("08", "57P01", "57P02", "57P03", "53300", "25P03")
_TIMEOUT_STATES = ("57014", "55P03")
_RETRY_STATES = ("40001", "40P01")
# A named prepared statement missing or already there: what transaction pooling does to them.
_STATEMENT_STATES = ("26000", "42P05")
# Messages of driver errors without SQLSTATE that mean the connection is gone (asyncpg's
# InterfaceError, psycopg2's InterfaceError and OperationalError).
_LOST_MESSAGES = (
    "connection is closed",
    "connection was closed",
    "connection already closed",
    "underlying connection is closed",
    "server closed the connection",
    "terminating connection",
    "connection has been released",
    "could not connect",
    "connection refused",
    "connection reset",
    # asyncpg's InternalClientError when an operation was cut off by the connection breaking
    # (its protocol still waits for the server's answer): the connection is unusable.
    "another operation",
)


def driver_exception(exc: BaseException) -> BaseException:
    """The driver's own exception behind ``exc`` (``exc`` itself if it is one)."""
    inner: BaseException = exc
    if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None:
        inner = exc.orig
    while type(inner).__module__.startswith("sqlalchemy") and inner.__cause__ is not None:
        inner = inner.__cause__
    return inner


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of ``exc`` or of the driver error behind it."""
    # The dialect's mapping first: a driver without SQLSTATEs (sqlite3), or one whose SQLSTATE
    # is too coarse (MySQL's 23000 for every integrity error), maps its error codes.
    mapped = _dialect.error_state(driver_exception(exc))[0]
    if mapped is not None:
        return mapped
    for candidate in (exc, getattr(exc, "orig", None), driver_exception(exc)):
        state = getattr(candidate, "pgcode", None) or getattr(candidate, "sqlstate", None)
        if isinstance(state, str) and state:
            return state
    return None


def _attr(exc: BaseException, name: str) -> Any:
    # psycopg2 exposes details on .diag, asyncpg on the exception itself.
    diag = getattr(exc, "diag", None)
    diag_name = {"constraint_name": "constraint_name", "detail": "message_detail"}[name]
    if diag is not None:
        return getattr(diag, diag_name, None)
    return getattr(exc, name, None)


def _lost(exc: BaseException, inner: BaseException) -> bool:
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(inner, OSError | EOFError) and not isinstance(inner, TimeoutError):
        return True  # (TimeoutError is an OSError: a command timeout, not a lost connection)
    text = str(inner).lower()
    name = type(inner).__name__
    driverish = type(inner).__module__.split(".")[0] in ("asyncpg", "psycopg2")
    lost_kinds = ("InterfaceError", "OperationalError", "ConnectionDoesNotExistError")
    if driverish and name in (*lost_kinds, "InternalClientError"):
        return any(message in text for message in _LOST_MESSAGES)
    return False


def map_error(
    exc: BaseException, entity: str | None, key: Any = None, *, during_commit: bool = False
) -> BaseException:
    """The typed error for a failure of an operation on ``entity`` (``exc`` itself when it is
    one already, or maps to nothing). The typed error's ``__cause__`` is the driver's
    exception; raise it ``from`` that (``raise typed from typed.__cause__``)."""
    if isinstance(exc, DataLayerError):
        return exc
    inner = driver_exception(exc)
    state = sqlstate(exc)
    name = entity or "the unit of work"
    typed: DataLayerError | None = None
    if isinstance(exc, sa.exc.TimeoutError):  # the pool's, not the server's
        typed = PoolTimeoutError(entity, str(exc).split(" (Background")[0])
    elif state is not None and state.startswith(_RETRY_STATES):
        typed = RetryableError(entity, _first_line(inner))
    elif state is not None and state.startswith(_TIMEOUT_STATES):
        typed = QueryTimeoutError(entity, _first_line(inner))
    elif (state is not None and state.startswith(_LOST_STATES)) or _lost(exc, inner):
        typed = ConnectionLostError(entity, _first_line(inner), during_commit=during_commit)
    elif isinstance(inner, TimeoutError):  # asyncio's too
        typed = QueryTimeoutError(entity, "the driver's command timeout")
    elif state in _STATEMENT_STATES and "__asyncpg_" in str(inner):
        typed = ConfigurationError(
            entity,
            f"{_first_line(inner)}; a pooler in transaction mode (PgBouncer) is in front of "
            "the server: set DATABASE_PGBOUNCER=1 (or connect_args=db.PGBOUNCER_CONNECT_ARGS)",
        )
    elif state == "25006":
        typed = InvalidQueryError(name, "the unit of work is read-only (it may run on a replica)")
    elif state == "55000" and "has not been populated" in str(inner):
        # a materialized view created WITH NO DATA (or never refreshed) cannot be read
        typed = InvalidQueryError(name, f"{_first_line(inner)}: refresh() it first")
    elif state is not None:
        typed = _constraint(state, inner, entity, key)
    elif _bad_value(inner):
        typed = InvalidValueError(name, _first_line(inner))
    if typed is None:
        return exc
    typed.sqlstate = state
    typed.__cause__ = inner
    return typed


def _constraint(
    state: str, inner: BaseException, entity: str | None, key: Any
) -> DataLayerError | None:
    name = entity or "the unit of work"
    constraint = _attr(inner, "constraint_name") or _dialect.error_state(inner)[1]
    # What the server said about the row, which names its values where the server does: the
    # detail of asyncpg/psycopg2, else the message of a driver that has nothing apart from it.
    detail = _attr(inner, "detail") or _dialect.error_detail(inner)
    if state in ("23505", "23P01"):
        return AlreadyExistsError(name, key, constraint=constraint, detail=detail)
    if state == "23503":
        return RelatedNotFoundError(name, key, constraint=constraint, detail=detail)
    if state in ("23502", "23514") or state.startswith("22"):
        detail = detail or _first_line(inner)
        return ConstraintViolationError(name, key, constraint=constraint, detail=detail)
    return None


def _bad_value(inner: BaseException) -> bool:
    """A value the driver refused to send (asyncpg's client-side DataError; psycopg2 raises
    ValueError for a NUL character)."""
    module = type(inner).__module__.split(".")[0]
    if module == "asyncpg" and type(inner).__name__ == "DataError":
        return True
    if isinstance(inner, OverflowError):  # sqlite3: an int beyond 64 bits
        return True
    return isinstance(inner, ValueError) and "NUL" in str(inner)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def map_db_error(exc: Exception, entity: str, key: Any = None) -> BaseException:
    """``map_error`` under its earlier name."""
    return map_error(exc, entity, key)

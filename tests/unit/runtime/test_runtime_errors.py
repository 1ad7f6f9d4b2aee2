"""errors.map_error and the operation boundary, on the exceptions the drivers really raise."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg
import psycopg2
import pytest
import sqlalchemy as sa

from dbgen.runtime import _uow
from dbgen.runtime import errors as e
from dbgen.runtime.repositories._operation import LogSettings, configure_logging, operation


def _wrapped(inner: BaseException) -> sa.exc.DBAPIError:
    """What SQLAlchemy raises around a driver error."""
    return sa.exc.DBAPIError("SELECT 1", None, inner)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raised", "typed"),
    [
        (asyncpg.exceptions.SerializationError("could not serialize"), e.RetryableError),
        (asyncpg.exceptions.DeadlockDetectedError("deadlock"), e.RetryableError),
        (asyncpg.exceptions.QueryCanceledError("canceling statement"), e.QueryTimeoutError),
        (asyncpg.exceptions.LockNotAvailableError("lock timeout"), e.QueryTimeoutError),
        (asyncpg.exceptions.AdminShutdownError("terminating connection"), e.ConnectionLostError),
        (asyncpg.exceptions.ConnectionDoesNotExistError("closed mid-way"), e.ConnectionLostError),
        (
            asyncpg.exceptions.InterfaceError(
                "cannot call Transaction.rollback(): the underlying connection is closed"
            ),
            e.ConnectionLostError,
        ),
        (
            psycopg2.OperationalError("server closed the connection unexpectedly"),
            e.ConnectionLostError,
        ),
        (psycopg2.InterfaceError("connection already closed"), e.ConnectionLostError),
        (ConnectionResetError("reset by peer"), e.ConnectionLostError),
        (
            # asyncpg after PgBouncer lost the server connection mid-operation
            asyncpg.exceptions._base.InternalClientError(
                "cannot switch to state 12; another operation (2) is in progress"
            ),
            e.ConnectionLostError,
        ),
        (
            asyncpg.exceptions.InvalidSQLStatementNameError(
                'prepared statement "__asyncpg_stmt_8__" does not exist'
            ),
            e.ConfigurationError,
        ),
        (
            asyncpg.exceptions.DuplicatePreparedStatementError(
                'prepared statement "__asyncpg_stmt_3__" already exists'
            ),
            e.ConfigurationError,
        ),
        (TimeoutError(), e.QueryTimeoutError),
        (asyncpg.exceptions.UniqueViolationError("dup"), e.AlreadyExistsError),
        (asyncpg.exceptions.ForeignKeyViolationError("fk"), e.RelatedNotFoundError),
        (asyncpg.exceptions.CheckViolationError("check"), e.ConstraintViolationError),
        (
            asyncpg.exceptions._base.DataError("invalid input for query argument $1"),
            e.InvalidValueError,
        ),
        (ValueError("A string literal cannot contain NUL (0x00) characters."), e.InvalidValueError),
        (asyncpg.exceptions.ReadOnlySQLTransactionError("read-only"), e.InvalidQueryError),
    ],
)
def test_driver_errors_are_typed_with_the_driver_error_as_cause(
    raised: BaseException, typed: type[e.DataLayerError]
) -> None:
    for exc in (raised, _wrapped(raised)):
        mapped = e.map_error(exc, "Task", 7)
        assert type(mapped) is typed, (exc, mapped)
        assert mapped.__cause__ is raised
        assert mapped.entity == "Task"


def test_pool_timeout_and_commit_loss() -> None:
    mapped = e.map_error(sa.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"), None)
    assert isinstance(mapped, e.PoolTimeoutError)
    lost = e.map_error(
        psycopg2.OperationalError("server closed the connection"), None, during_commit=True
    )
    assert isinstance(lost, e.ConnectionLostError) and lost.during_commit
    assert "outcome is unknown" in str(lost)


def test_unknown_errors_pass_through() -> None:
    boom = RuntimeError("not a database error")
    assert e.map_error(boom, "Task") is boom
    typed = e.NotFoundError("Task", 1)
    assert e.map_error(typed, "Other") is typed
    other = asyncpg.exceptions.UndefinedTableError("no such table")
    assert e.map_error(other, "Task") is other


class _Info:
    entity = "Thing"


class _Repo:
    _info = _Info()

    @operation
    async def get(self, key: int) -> object | None:
        if key < 0:
            raise asyncpg.exceptions.AdminShutdownError("terminating connection")
        return None if key == 0 else object()

    @operation
    def stream(self) -> Any:
        yield from (1, 2, 3)


def test_operation_boundary_logs_and_types(caplog: pytest.LogCaptureFixture) -> None:
    repo = _Repo()
    with caplog.at_level(logging.DEBUG, logger="dbgen.repositories"):
        assert asyncio.run(repo.get(5)) is not None
        with pytest.raises(e.ConnectionLostError) as lost:
            asyncio.run(repo.get(-1))
        assert list(repo.stream()) == [1, 2, 3]
    assert isinstance(lost.value.__cause__, asyncpg.exceptions.AdminShutdownError)
    got = [(r.operation, r.rows, getattr(r, "error", None)) for r in caplog.records]  # type: ignore[attr-defined]
    assert got == [("get", 1, None), ("get", None, "ConnectionLostError"), ("stream", 3, None)]
    try:
        configure_logging(LogSettings(slow_ms=0.0, parameters=False))
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="dbgen.repositories"):
            asyncio.run(repo.get(0))
        assert [r.levelname for r in caplog.records] == ["WARNING"]
    finally:
        configure_logging()


def test_isolation_levels_are_checked_and_backoff_grows() -> None:
    assert _uow._options("serializable", True) == {
        "isolation_level": "SERIALIZABLE",
        "postgresql_readonly": True,
    }
    with pytest.raises(e.InvalidValueError):
        _uow._options("READ UNCOMMITTED!", False)
    delays = [_uow.backoff_seconds(n, 0.1) for n in (1, 2, 3)]
    assert 0.05 <= delays[0] <= 0.15 and 0.2 <= delays[2] <= 0.6
    assert _uow._retry_safe(e.RetryableError(None))
    assert not _uow._retry_safe(e.ConnectionLostError(None, during_commit=True))

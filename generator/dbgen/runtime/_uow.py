"""Units of work: one session, commit on success, roll back on error.

The generated ``uow.py`` subclasses these with one attribute per repository and the
transactions of crud.yaml. What they guarantee:

- leaving the block commits; an exception rolls back and propagates, and a rollback that fails
  in turn (the connection is gone) never hides it;
- a failure of COMMIT itself comes out typed (``ConnectionLostError(during_commit=True)`` when
  its outcome is unknown, ``RetryableError`` for a serialization failure);
- ``isolation_level`` ("READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE") and ``read_only``
  hold for the unit of work's transaction;
- without a session factory, sessions come from the default engines of ``db.py``; a read-only
  unit of work then reads from a replica of DATABASE_REPLICA_URLS (the primary when none
  answers), and every other one runs on the primary, where it reads its own writes.

The repositories are ``repository`` attributes: a repository's module is imported the first
time one of its units of work is used (importing uow.py imports none of them, so an application
of a large schema starts without importing hundreds of modules it may never call), and each
unit of work creates it on its session at its first use in the block.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Generic, NoReturn, Self, TypeVar, overload

from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction
from sqlalchemy.orm import Session, SessionTransaction

from . import db
from .errors import ConnectionLostError, InvalidValueError, RetryableError, map_error

PACKAGE = __name__.split(".", 1)[0]
logger = logging.getLogger(f"{PACKAGE}.uow")

ISOLATION_LEVELS = ("READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE")
U = TypeVar("U", bound="AsyncUnitOfWorkBase")
SU = TypeVar("SU", bound="SyncUnitOfWorkBase")
R = TypeVar("R")


def _options(isolation_level: str | None, read_only: bool) -> dict[str, Any]:
    """The connection's execution options for the unit of work's transaction."""
    options: dict[str, Any] = {}
    if isolation_level is not None:
        level = isolation_level.upper().replace("_", " ")
        if level not in ISOLATION_LEVELS:
            allowed = ", ".join(ISOLATION_LEVELS)
            raise InvalidValueError(
                "UnitOfWork", f"isolation_level {isolation_level!r} (allowed: {allowed})"
            )
        options["isolation_level"] = level
    if read_only:
        options["postgresql_readonly"] = True
    return options


def _lost(failure: BaseException | None) -> bool:
    """Whether ``failure`` means the unit of work's connection is gone."""
    if failure is None or not isinstance(failure, Exception):
        return False
    return isinstance(map_error(failure, None), ConnectionLostError)


def _retry_safe(exc: BaseException) -> bool:
    """Whether running the unit of work again cannot write twice: nothing was committed."""
    if isinstance(exc, RetryableError):
        return True
    return isinstance(exc, ConnectionLostError) and not exc.during_commit


def _reraise(failure: BaseException) -> NoReturn:
    """Raise ``failure`` as its typed error (itself if it has none)."""
    typed = map_error(failure, None) if isinstance(failure, Exception) else failure
    if typed is failure:
        raise failure
    raise typed from typed.__cause__


def backoff_seconds(attempt: int, base: float) -> float:
    """Exponential backoff with jitter: about base, 2 x base, 4 x base ... (attempt 1, 2, 3)."""
    return float(base * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))


def _commit_and_close(session: Session) -> None:
    """Commit, then close (a failure to close after the COMMIT is only logged: the work is
    done, and the pool drops a broken connection)."""
    session.commit()
    try:
        session.close()
    except Exception as failure:
        logger.debug("closing the session failed: %s", failure)


RepositoryT = TypeVar("RepositoryT")


class repository(Generic[RepositoryT]):  # lower case: an attribute declaration, like field()
    """A unit of work's repository: ``uow.users`` is the ``UserRepository`` on the unit's
    session, made at its first use in the block (the module imported at the first use in the
    process), then an ordinary attribute until the unit of work is entered again."""

    __slots__ = ("_attr", "_made", "_module", "_name")

    def __init__(self, module: str, name: str) -> None:
        self._module = module
        self._name = name
        self._attr = name
        self._made: Callable[[Any], RepositoryT] | None = None

    def __set_name__(self, owner: type, attr: str) -> None:
        self._attr = attr

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...

    @overload
    def __get__(self, obj: object, owner: type) -> RepositoryT: ...

    def __get__(self, obj: object | None, owner: type) -> Self | RepositoryT:
        if obj is None:
            return self
        made = self._made
        if made is None:
            made = self._made = getattr(importlib.import_module(self._module), self._name)
        try:
            session = obj.__dict__["session"]
        except KeyError:
            raise AttributeError(
                f"{type(obj).__name__}.{self._attr}: the unit of work is not open "
                "(use it in an `async with` / `with` block)"
            ) from None
        repo = made(session)
        obj.__dict__[self._attr] = repo  # later reads find it first (no __set__ here)
        return repo


_REPOSITORIES: dict[type, tuple[str, ...]] = {}


def _forget_repositories(uow: object) -> None:
    """Drop the repositories a unit of work made in its previous block (they hold its old
    session): the next use makes them on the new one."""
    cls = type(uow)
    names = _REPOSITORIES.get(cls)
    if names is None:
        names = _REPOSITORIES[cls] = tuple(
            name
            for klass in cls.__mro__
            for name, value in vars(klass).items()
            if isinstance(value, repository)
        )
    found = uow.__dict__
    for name in names:
        found.pop(name, None)


class AsyncUnitOfWorkBase:
    """One async session for a block of work; see the module docstring."""

    session: AsyncSession

    def __init__(
        self,
        session_factory: Callable[[], AsyncSession] | None = None,
        *,
        isolation_level: str | None = None,
        read_only: bool = False,
    ) -> None:
        self._session_factory = session_factory
        self._execution_options = _options(isolation_level, read_only)
        self.read_only = read_only
        # Set when the unit of work runs on a replica: leaves it out should it fail us.
        self._replica_failed: Callable[[BaseException], None] | None = None

    def _open(self, session: AsyncSession) -> None:
        """Start a block on ``session``: the repositories are made on it as they are used (the
        generated subclass adds what else it holds, after calling this)."""
        _forget_repositories(self)

    def _new_session(self) -> AsyncSession:
        factory = self._session_factory or db.default_async_session_factory()
        return factory()

    async def __aenter__(self) -> Self:
        self._replica_failed = None
        if self.read_only and self._session_factory is None:
            # A read-only unit of work on the default engines reads from a replica, if any
            # answers (see _replicas.py).
            opened = await db.open_replica_session(self._execution_options)
            if opened is not None:
                self.session, self._replica_failed = opened
                self._open(self.session)
                return self
        self.session = self._new_session()
        if self._execution_options:
            try:
                await self.session.connection(execution_options=self._execution_options)
            except BaseException as failure:
                await self._close(self.session)
                _reraise(failure)
        self._open(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        if exc is None:
            try:
                # COMMIT and close in one trip into SQLAlchemy's greenlet (each trip costs as
                # much as a round trip on a busy machine).
                await session.run_sync(_commit_and_close)
            except Exception as failure:
                typed = map_error(failure, None, during_commit=True)
                self._note(typed)
                await self._discard(session, typed)
                if typed is failure:
                    raise
                raise typed from typed.__cause__
            return
        self._note(exc)
        await self._discard(session, exc)

    def _note(self, failure: BaseException) -> None:
        """A replica whose connection broke is left out for a while (see _replicas.py)."""
        if self._replica_failed is not None and isinstance(failure, ConnectionLostError):
            self._replica_failed(failure)

    async def _close(self, session: AsyncSession) -> None:
        try:
            await session.close()
        except Exception as failure:
            logger.debug("closing the session failed: %s", failure)

    async def _discard(self, session: AsyncSession, cause: BaseException | None = None) -> None:
        """Roll back and close without raising: an error is on its way out already. A lost
        connection (``cause``) is invalidated instead of rolled back, so that the pool drops it
        rather than handing it out again."""
        try:
            if _lost(cause):
                await session.invalidate()
            else:
                await session.rollback()
        except Exception as failure:
            logger.debug("rollback failed (%s): invalidating the connection", failure)
            try:
                await session.invalidate()
            except Exception as again:
                logger.debug("invalidating the connection failed too: %s", again)
        await self._close(session)

    async def commit(self) -> None:
        """Commit now (the unit of work stays usable and commits again at the end)."""
        try:
            await self.session.commit()
        except Exception as failure:
            typed = map_error(failure, None, during_commit=True)
            if typed is failure:
                raise
            raise typed from typed.__cause__

    async def rollback(self) -> None:
        try:
            await self.session.rollback()
        except Exception as failure:
            _reraise(failure)

    def savepoint(self) -> AsyncSessionTransaction:
        """``async with uow.savepoint():`` runs a block in a SAVEPOINT: if it raises, only its
        writes are undone."""
        return self.session.begin_nested()


class SyncUnitOfWorkBase:
    """One session for a block of work (the sync twin of ``AsyncUnitOfWorkBase``)."""

    session: Session

    def __init__(
        self,
        session_factory: Callable[[], Session] | None = None,
        *,
        isolation_level: str | None = None,
        read_only: bool = False,
    ) -> None:
        self._session_factory = session_factory
        self._execution_options = _options(isolation_level, read_only)
        self.read_only = read_only
        # Set when the unit of work runs on a replica: leaves it out should it fail us.
        self._replica_failed: Callable[[BaseException], None] | None = None

    def _open(self, session: Session) -> None:
        """Start a block on ``session`` (see ``AsyncUnitOfWorkBase._open``)."""
        _forget_repositories(self)

    def _new_session(self) -> Session:
        factory = self._session_factory or db.default_sync_session_factory()
        return factory()

    def __enter__(self) -> Self:
        self._replica_failed = None
        if self.read_only and self._session_factory is None:
            opened = db.open_sync_replica_session(self._execution_options)
            if opened is not None:
                self.session, self._replica_failed = opened
                self._open(self.session)
                return self
        self.session = self._new_session()
        if self._execution_options:
            try:
                self.session.connection(execution_options=self._execution_options)
            except BaseException as failure:
                self._close(self.session)
                _reraise(failure)
        self._open(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        if exc is None:
            try:
                session.commit()
            except Exception as failure:
                typed = map_error(failure, None, during_commit=True)
                self._note(typed)
                self._discard(session, typed)
                if typed is failure:
                    raise
                raise typed from typed.__cause__
            self._close(session)
            return
        self._note(exc)
        self._discard(session, exc)

    def _note(self, failure: BaseException) -> None:
        if self._replica_failed is not None and isinstance(failure, ConnectionLostError):
            self._replica_failed(failure)

    def _close(self, session: Session) -> None:
        try:
            session.close()
        except Exception as failure:
            logger.debug("closing the session failed: %s", failure)

    def _discard(self, session: Session, cause: BaseException | None = None) -> None:
        try:
            if _lost(cause):
                session.invalidate()
            else:
                session.rollback()
        except Exception as failure:
            logger.debug("rollback failed (%s): invalidating the connection", failure)
            try:
                session.invalidate()
            except Exception as again:
                logger.debug("invalidating the connection failed too: %s", again)
        self._close(session)

    def commit(self) -> None:
        """Commit now (the unit of work stays usable and commits again at the end)."""
        try:
            self.session.commit()
        except Exception as failure:
            typed = map_error(failure, None, during_commit=True)
            if typed is failure:
                raise
            raise typed from typed.__cause__

    def rollback(self) -> None:
        try:
            self.session.rollback()
        except Exception as failure:
            _reraise(failure)

    def savepoint(self) -> SessionTransaction:
        """``with uow.savepoint():`` runs a block in a SAVEPOINT: if it raises, only its writes
        are undone."""
        return self.session.begin_nested()


async def run_async(
    make: Callable[[], U], fn: Callable[[U], Awaitable[R]], retries: int, backoff: float
) -> R:
    """``fn`` in a fresh unit of work from ``make``, committed; run again (up to ``retries``
    more times, with exponential backoff) after a ``RetryableError`` or a connection lost
    before COMMIT. Anything else, and the last failure, propagates."""
    attempt = 0
    while True:
        try:
            async with make() as uow:
                return await fn(uow)
        except (RetryableError, ConnectionLostError) as exc:
            if attempt >= retries or not _retry_safe(exc):
                raise
            attempt += 1
            delay = backoff_seconds(attempt, backoff)
            logger.info("retrying the unit of work in %.3f s (attempt %d): %s", delay, attempt, exc)
            await asyncio.sleep(delay)


def run_sync(make: Callable[[], SU], fn: Callable[[SU], R], retries: int, backoff: float) -> R:
    """``run_async`` for synchronous units of work."""
    attempt = 0
    while True:
        try:
            with make() as uow:
                return fn(uow)
        except (RetryableError, ConnectionLostError) as exc:
            if attempt >= retries or not _retry_safe(exc):
                raise
            attempt += 1
            delay = backoff_seconds(attempt, backoff)
            logger.info("retrying the unit of work in %.3f s (attempt %d): %s", delay, attempt, exc)
            time.sleep(delay)

"""The boundary of every repository operation: typed errors and one log record.

Each public repository method is decorated with ``operation``. On the way out it

- turns any database or driver failure into the package's typed error (``errors.map_error``),
  with the original error as ``__cause__``;
- writes one DEBUG record on the ``<package>.repositories`` logger: entity, operation, rows,
  duration, and the call's arguments only when ``DATABASE_LOG_PARAMETERS`` is set (they hold
  personal data);
- writes a WARNING instead when the operation took longer than ``DATABASE_SLOW_OPERATION_MS``.

Records carry ``entity``, ``operation``, ``rows`` and ``duration_ms`` as attributes (``extra``)
for structured handlers. With neither DEBUG enabled nor a threshold set the cost is two clock
reads and a level check.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar, cast

from ..errors import map_error
from ..pagination import Page

P = ParamSpec("P")
R = TypeVar("R")

PACKAGE = __name__.split(".", 1)[0]
logger = logging.getLogger(f"{PACKAGE}.repositories")
# Operations addressed by key: their first argument is the key the typed errors carry.
_KEYED = frozenset({"get", "exists", "update", "delete"})


@dataclass(frozen=True, slots=True)
class LogSettings:
    slow_ms: float | None  # WARNING above this many milliseconds; None: never
    parameters: bool  # include the call's arguments in the records


def settings_from_env() -> LogSettings:
    """``DATABASE_SLOW_OPERATION_MS`` and ``DATABASE_LOG_PARAMETERS``, read now."""
    raw = os.environ.get("DATABASE_SLOW_OPERATION_MS", "").strip()
    try:
        slow = float(raw) if raw else None
    except ValueError:
        raise ValueError(f"DATABASE_SLOW_OPERATION_MS must be a number, not {raw!r}") from None
    flag = os.environ.get("DATABASE_LOG_PARAMETERS", "").strip().lower()
    return LogSettings(slow, flag in ("1", "true", "yes"))


_settings = settings_from_env()


def configure_logging(settings: LogSettings | None = None) -> None:
    """Use ``settings`` from now on (default: read the environment again)."""
    global _settings
    _settings = settings if settings is not None else settings_from_env()


class Batches(AsyncIterator[R]):
    """What an asynchronous stream returns: its items as they come, from an async iterator of
    batches, each an iterable that makes its items as they are asked for (instances built one
    at a time from a batch of rows). ``operation`` iterates the batches itself, so that a
    logged stream costs one async generator step per item, not two; iterated directly, a
    ``Batches`` gives the items all the same."""

    __slots__ = ("_current", "batches")

    def __init__(self, batches: AsyncIterator[Iterable[R]]) -> None:
        self.batches = batches
        self._current: Iterator[R] = iter(())

    def __aiter__(self) -> Batches[R]:
        return self

    async def __anext__(self) -> R:
        while True:
            for item in self._current:
                return item
            self._current = iter(await self.batches.__anext__())


def _rows(name: str, result: Any) -> int:
    """What the record reports as rows: read, written or counted."""
    if isinstance(result, Page):
        return len(result.items)
    if isinstance(result, list):
        return len(result)  # a named query's rows
    if isinstance(result, bool):
        return int(result)
    if isinstance(result, int):
        return result  # count, bulk operations
    if result is None:
        return 1 if name == "delete" else 0
    return 1


def _record(
    entity: str,
    name: str,
    rows: int | None,
    started: float,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    error: BaseException | None = None,
) -> None:
    elapsed_ms = (time.perf_counter() - started) * 1000
    settings = _settings
    slow = settings.slow_ms is not None and elapsed_ms > settings.slow_ms
    level = logging.WARNING if slow else logging.DEBUG
    if not logger.isEnabledFor(level):
        return
    extra: dict[str, Any] = {
        "entity": entity,
        "operation": name,
        "rows": rows,
        "duration_ms": round(elapsed_ms, 3),
    }
    message = "%s.%s: %s rows in %.2f ms"
    values: list[Any] = [entity, name, rows, elapsed_ms]
    if slow:
        message = "slow operation " + message + f" (over {settings.slow_ms:g} ms)"
    if error is not None:
        extra["error"] = type(error).__name__
        message += " (%s)"
        values.append(type(error).__name__)
    if settings.parameters:
        extra["parameters"] = {"args": args, "kwargs": kwargs}
        message += " args=%r kwargs=%r"
        values += [args, kwargs]
    logger.log(level, message, *values, extra=extra)


def _typed(exc: Exception, entity: str, name: str, args: tuple[Any, ...]) -> BaseException:
    key = args[0] if name in _KEYED and args else None
    return map_error(exc, entity, key)


def operation(fn: Callable[P, R]) -> Callable[P, R]:
    """Make ``fn`` (a repository method) an operation: see the module docstring. A method that
    returns an iterator (``stream``) is logged when the iteration ends."""
    name = fn.__name__

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            entity = args[0]._info.entity
            started = time.perf_counter()
            try:
                result = await fn(*args, **kwargs)
            except Exception as exc:
                typed = _typed(exc, entity, name, args[1:])
                _record(entity, name, None, started, args[1:], kwargs, typed)
                if typed is exc:
                    raise
                raise typed from typed.__cause__
            _record(entity, name, _rows(name, result), started, args[1:], kwargs)
            return result

        return cast(Callable[P, R], run_async)

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        entity = args[0]._info.entity
        started = time.perf_counter()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            typed = _typed(exc, entity, name, args[1:])
            _record(entity, name, None, started, args[1:], kwargs, typed)
            if typed is exc:
                raise
            raise typed from typed.__cause__
        if isinstance(result, Batches):
            return _logged_batches(result.batches, entity, name, started, args[1:], kwargs)
        if isinstance(result, AsyncIterator):
            return _logged_async(result, entity, name, started, args[1:], kwargs)
        if isinstance(result, Iterator):
            return _logged(result, entity, name, started, args[1:], kwargs)
        _record(entity, name, _rows(name, result), started, args[1:], kwargs)
        return result

    return cast(Callable[P, R], run)


async def _logged_async(
    items: AsyncIterator[Any],
    entity: str,
    name: str,
    started: float,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> AsyncIterator[Any]:
    count = 0
    try:
        async for item in items:
            count += 1
            yield item
    except Exception as exc:
        typed = _typed(exc, entity, name, args)
        _record(entity, name, count, started, args, kwargs, typed)
        if typed is exc:
            raise
        raise typed from typed.__cause__
    _record(entity, name, count, started, args, kwargs)


async def _logged_batches(
    batches: AsyncIterator[Iterable[Any]],
    entity: str,
    name: str,
    started: float,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> AsyncIterator[Any]:
    """``_logged_async`` for a ``Batches`` stream: one generator step per item."""
    count = 0
    try:
        async for batch in batches:
            for item in batch:
                count += 1
                yield item
    except Exception as exc:
        typed = _typed(exc, entity, name, args)
        _record(entity, name, count, started, args, kwargs, typed)
        if typed is exc:
            raise
        raise typed from typed.__cause__
    finally:
        aclose = getattr(batches, "aclose", None)
        if aclose is not None:
            await aclose()  # (the server-side cursor, when the caller stops early)
    _record(entity, name, count, started, args, kwargs)


def _logged(
    items: Iterator[Any],
    entity: str,
    name: str,
    started: float,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Iterator[Any]:
    count = 0
    try:
        for item in items:
            count += 1
            yield item
    except Exception as exc:
        typed = _typed(exc, entity, name, args)
        _record(entity, name, count, started, args, kwargs, typed)
        if typed is exc:
            raise
        raise typed from typed.__cause__
    _record(entity, name, count, started, args, kwargs)

"""Read replicas: which one a read-only unit of work reads from, and what happens when one does
not answer.

``DATABASE_REPLICA_URLS`` lists them (comma-separated URLs, as ``DATABASE_URL``). ``db.py``
makes a default engine per replica beside the primary's; a read-only unit of work made without
a session factory takes the next replica in turn. A replica that cannot be reached (its
connection fails, or breaks during a unit of work) is left out for
``DATABASE_REPLICA_RETRY_SECONDS`` (default 30) with one WARNING, and the work reads from the
next one, or from the primary when none answers. Units of work that may write always run on
the primary, so they read their own writes.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import make_url

PACKAGE = __name__.split(".", 1)[0]
logger = logging.getLogger(f"{PACKAGE}.db")

REPLICAS_ENV = "DATABASE_REPLICA_URLS"
F = TypeVar("F")  # a session factory


def replica_urls() -> list[str]:
    """The URLs in DATABASE_REPLICA_URLS, in order (empty when unset)."""
    raw = os.environ.get(REPLICAS_ENV, "")
    return [part.strip() for part in raw.split(",") if part.strip()]


def _seconds_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None


def retry_seconds() -> float:
    return _seconds_env("DATABASE_REPLICA_RETRY_SECONDS", 30.0)


def connect_timeout() -> float:
    """How long connecting to a replica may take before it counts as not answering."""
    return _seconds_env("DATABASE_REPLICA_CONNECT_TIMEOUT", 3.0)


@dataclass(slots=True)
class Replica(Generic[F]):
    name: str  # the URL without its password, for messages
    engine: Any
    factory: F
    down_until: float = 0.0


@dataclass(slots=True)
class ReplicaSet(Generic[F]):
    """The replicas of one set of default engines, taken in turn."""

    replicas: list[Replica[F]] = field(default_factory=list)
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, make: Callable[[str], tuple[Any, F]]) -> ReplicaSet[F]:
        """One replica per URL of DATABASE_REPLICA_URLS; ``make(url)`` gives (engine,
        factory)."""
        out: ReplicaSet[F] = cls()
        for url in replica_urls():
            engine, factory = make(url)
            name = make_url(url).render_as_string(hide_password=True)
            out.replicas.append(Replica(name, engine, factory))
        return out

    def candidates(self) -> Iterator[Replica[F]]:
        """The replicas that answer (as far as we know), starting with the next in turn."""
        if not self.replicas:
            return
        with self._lock:
            start = self._next
            self._next = (start + 1) % len(self.replicas)
        now = time.monotonic()
        count = len(self.replicas)
        for i in range(count):
            replica = self.replicas[(start + i) % count]
            if replica.down_until <= now:
                yield replica

    def mark_down(self, replica: Replica[F], failure: BaseException) -> None:
        """Leave ``replica`` out for a while (one WARNING per outage)."""
        seconds = retry_seconds()
        with self._lock:
            already = replica.down_until > time.monotonic()
            replica.down_until = time.monotonic() + seconds
        if not already:
            logger.warning(
                "read replica %s does not answer (%s): read-only units of work use another "
                "replica or the primary for the next %g s",
                replica.name,
                failure,
                seconds,
            )

    @property
    def engines(self) -> list[Any]:
        return [replica.engine for replica in self.replicas]

"""What every implementation under test provides."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bench.workload import Operation, Workload


@dataclass(slots=True)
class Case:
    """One implementation set up for one operation: ``step(i)`` is the timed call (a coroutine
    function when ``is_async``), ``between(i)`` runs untimed before it, ``close()`` at the end."""

    step: Callable[[int], Any]
    is_async: bool
    between: Callable[[int], None] | None = None
    close: Callable[[], Awaitable[None]] | None = None


class Implementation(ABC):
    name: str  # short column name in the results
    ops: frozenset[str]  # operation keys it has

    def supports(self, op: Operation) -> bool:
        return op.key in self.ops

    async def open(self) -> None:  # noqa: B027 - optional hook
        pass

    async def close(self) -> None:  # noqa: B027 - optional hook
        pass

    @abstractmethod
    async def case(self, op: Operation, w: Workload) -> Case:
        """Set up the read or write ``op``; the runner times ``step`` in interleaved rounds."""

    async def bulk_once(self, op: Operation, w: Workload) -> None:
        """One bulk_create of op.rows rows (the runner times it and cleans up around it)."""
        raise KeyError(op.key)

    async def stream_once(self, w: Workload) -> tuple[int, int]:
        """Read every row of audit_log in id order; returns the rows read and their id sum."""
        raise KeyError("stream")

    async def statements(self, limit: int) -> int | None:
        """Statements issued to list ``limit`` audit_log rows with their users, or None."""
        return None

"""Timing loops and summary statistics."""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.impl_base import Case

# gc.collect() before each timed chunk; the profiler turns it off so it does not show up.
COLLECT = True
# What a sample measures: wall time (the bench), or this process's CPU time (``bench.focus
# --cpu``: an A/B of the layer's own work that other load on the machine hardly moves).
CLOCK = time.perf_counter_ns


@dataclass(slots=True)
class Stats:
    samples_ns: list[int] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.samples_ns)

    @property
    def median_us(self) -> float:
        return statistics.median(self.samples_ns) / 1_000

    @property
    def p25_us(self) -> float:
        return statistics.quantiles(self.samples_ns, n=4)[0] / 1_000

    @property
    def p95_us(self) -> float:
        ordered = sorted(self.samples_ns)
        # nearest-rank p95
        rank = max(0, min(len(ordered) - 1, round(0.95 * len(ordered) + 0.5) - 1))
        return ordered[rank] / 1_000


def warmup_count(n: int) -> int:
    return max(5, n // 10)


async def run_chunk(case: Case, start: int, count: int) -> list[int]:
    """Time ``case.step(i)`` for i in [start, start + count); ``between`` runs untimed."""
    if COLLECT:
        gc.collect()
    clock = CLOCK
    out: list[int] = []
    step, between = case.step, case.between
    if case.is_async:
        for i in range(start, start + count):
            if between is not None:
                between(i)
            t0 = clock()
            await step(i)
            out.append(clock() - t0)
    else:
        for i in range(start, start + count):
            if between is not None:
                between(i)
            t0 = clock()
            step(i)
            out.append(clock() - t0)
    return out


def fmt_us(us: float) -> str:
    if us >= 1_000_000:
        return f"{us / 1_000_000:.2f} s"
    if us >= 10_000:
        return f"{us / 1_000:.1f} ms"
    if us >= 1_000:
        return f"{us / 1_000:.2f} ms"
    return f"{us:.0f} µs"


async def interleaved(cases: dict[str, Case], n: int, rounds: int) -> dict[str, Stats]:
    """Warm every case up, then time n calls of each in ``rounds`` rounds, rotating the order
    of the cases each round, so that load from outside (a shared machine) falls on all of them
    alike. Call indexes run 0 .. warm-up + n - 1 for every case."""
    warm = warmup_count(n)
    names = list(cases)
    stats = {name: Stats() for name in names}
    for name in names:
        await run_chunk(cases[name], 0, warm)
    rounds = max(1, min(rounds, n))
    start = warm
    for r in range(rounds):
        count = n // rounds + (1 if r < n % rounds else 0)
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            stats[name].samples_ns += await run_chunk(cases[name], start, count)
        start += count
    return stats


async def alternating(cases: dict[str, Case], n: int) -> dict[str, Stats]:
    """Like ``interleaved``, but the cases take turns call by call (the order rotating each
    call): for an A/B of small differences on a loaded machine, where load comes and goes
    faster than a round. Call indexes run as in ``interleaved``."""
    warm = warmup_count(n)
    names = list(cases)
    stats = {name: Stats() for name in names}
    for name in names:
        await run_chunk(cases[name], 0, warm)
    if COLLECT:
        gc.collect()
    clock = CLOCK
    for i in range(warm, warm + n):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            case = cases[name]
            if case.between is not None:
                case.between(i)
            t0 = clock()
            if case.is_async:
                await case.step(i)
            else:
                case.step(i)
            stats[name].samples_ns.append(clock() - t0)
    return stats

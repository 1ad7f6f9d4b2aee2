"""The issue's targets, checked against a run's numbers."""

from __future__ import annotations

from dataclasses import dataclass

from bench.timing import Stats

BASE = "asyncpg"
SYNC_BASE = "psycopg2"  # the raw driver the sync repositories run on
GENERATED = ("generated async", "generated sync")
SINGLE_ROW = ("get_pk", "get_rel", "count", "create", "update", "delete", "soft_delete")
PAGES = ("list_filter", "list_search", "cursor_p1", "cursor_deep", "offset_deep")
SINGLE_LIMIT = 2.5
PAGE_LIMIT = 2.0
BULK_LIMIT = 2.0  # half the throughput of executemany == twice its time
DEPTH_LIMIT = 2.0

Results = dict[str, dict[str, Stats]]

# Issue 10's targets, with the fast path's hook checks on: (label, implementation, baseline,
# operations, limit as a ratio of medians).
DRIVER_SPEED: tuple[tuple[str, str, str, tuple[str, ...], float], ...] = (
    ("get by key ≤ 1.3x asyncpg", "generated async", BASE, ("get_pk",), 1.3),
    ("get + relation ≤ 1.4x asyncpg", "generated async", BASE, ("get_rel",), 1.4),
    ("cursor page ≤ 1.5x asyncpg", "generated async", BASE, ("cursor_p1", "cursor_deep"), 1.5),
    (
        "single-row write, own transaction ≤ 1.4x asyncpg",
        "generated async",
        BASE,
        ("create", "update", "delete", "soft_delete"),
        1.4,
    ),
    ("list 500 + relation ≤ 1.5x asyncpg", "generated async", BASE, ("list_500_rel",), 1.5),
    ("sync get by key ≤ 1.3x psycopg2", "generated sync", SYNC_BASE, ("get_pk",), 1.3),
)
STREAM_SHARE = 0.4  # the generated async stream reads at least this share of asyncpg's rows/s


@dataclass(frozen=True, slots=True)
class Check:
    target: str
    impl: str
    op: str
    value: float
    limit: str
    met: bool
    detail: str = ""


def ratio(results: Results, op: str, impl: str, base: str = BASE) -> float | None:
    row = results.get(op, {})
    if impl not in row or base not in row:
        return None
    return row[impl].median_us / row[base].median_us


def evaluate(results: Results) -> list[Check]:
    checks: list[Check] = []
    for label, impl, base, ops, limit in DRIVER_SPEED:
        for op in ops:
            r = ratio(results, op, impl, base)
            if r is not None:
                checks.append(Check(label, impl, op, r, f"≤ {limit}x {base}", r <= limit))
    for impl in GENERATED:
        for op in SINGLE_ROW:
            r = ratio(results, op, impl)
            if r is not None:
                checks.append(
                    Check(
                        "single-row op ≤ 2.5x asyncpg",
                        impl,
                        op,
                        r,
                        f"≤ {SINGLE_LIMIT}x",
                        r <= SINGLE_LIMIT,
                    )
                )
        for op in PAGES:
            r = ratio(results, op, impl)
            if r is not None:
                checks.append(
                    Check(
                        "page of 50 ≤ 2.0x asyncpg",
                        impl,
                        op,
                        r,
                        f"≤ {PAGE_LIMIT}x",
                        r <= PAGE_LIMIT,
                    )
                )
        for op, row in results.items():
            if impl in row and "FastCRUD" in row:
                r = row[impl].median_us / row["FastCRUD"].median_us
                checks.append(
                    Check("faster than FastCRUD", impl, op, r, "< 1.0x FastCRUD", r < 1.0)
                )
        r = ratio(results, "bulk_large", impl)
        if r is not None:
            checks.append(
                Check(
                    "bulk_create (large) ≥ ½ executemany throughput",
                    impl,
                    "bulk_large",
                    r,
                    f"≤ {BULK_LIMIT}x time",
                    r <= BULK_LIMIT,
                )
            )
        row_deep, row_p1 = results.get("cursor_deep", {}), results.get("cursor_p1", {})
        if impl in row_deep and impl in row_p1:
            deep = row_deep[impl].median_us / row_p1[impl].median_us
            checks.append(
                Check(
                    "cursor page 1,000 < 2x page 1",
                    impl,
                    "cursor_deep",
                    deep,
                    f"< {DEPTH_LIMIT}x page 1",
                    deep < DEPTH_LIMIT,
                )
            )
        row_off = results.get("offset_deep", {})
        if impl in row_off and impl in row_p1:
            off = row_off[impl].median_us / row_p1[impl].median_us
            checks.append(
                Check(
                    "offset page 1,000 is not (expected ≥ 2x page 1)",
                    impl,
                    "offset_deep",
                    off,
                    f"≥ {DEPTH_LIMIT}x page 1",
                    off >= DEPTH_LIMIT,
                )
            )
    return checks


def evaluate_stream(rows_per_second: dict[str, float]) -> list[Check]:
    """The generated async stream's rows per second as a share of raw asyncpg's (keyed by the
    stream variant: ``asyncpg``, ``generated_async``)."""
    base, mine = rows_per_second.get("asyncpg"), rows_per_second.get("generated_async")
    if not base or mine is None:
        return []
    share = mine / base
    return [
        Check(
            f"stream 1M rows ≥ {STREAM_SHARE:.0%} of asyncpg's rows/s",
            "generated async",
            "stream",
            share,
            f"≥ {STREAM_SHARE}x asyncpg rows/s",
            share >= STREAM_SHARE,
        )
    ]


def missed_ops(checks: list[Check], impl: str) -> list[str]:
    """Operations with a missed target for ``impl`` (the expectation on offset excluded)."""
    out: list[str] = []
    for c in checks:
        if c.impl == impl and not c.met and not c.target.startswith("offset") and c.op not in out:
            out.append(c.op)
    return out


# The other dialects (bench.dialects): each generated implementation against the raw driver it
# runs on, with the PostgreSQL targets' limits (why: bench/NOTES.md, "Other dialects").
DIALECT_LIMITS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("get by key ≤ 1.3x", ("get_pk",), 1.3),
    ("get + relation ≤ 1.4x", ("get_rel",), 1.4),
    ("cursor page ≤ 1.5x", ("cursor_p1", "cursor_deep"), 1.5),
    (
        "single-row write, own transaction ≤ 1.4x",
        ("create", "update", "delete", "soft_delete"),
        1.4,
    ),
    ("list 500 + relation ≤ 1.5x", ("list_500_rel",), 1.5),
    ("filtered page of 50 ≤ 2.0x", ("list_filter", "list_search", "offset_deep"), PAGE_LIMIT),
    ("count ≤ 2.5x", ("count",), SINGLE_LIMIT),
    ("bulk_create ≥ ½ executemany throughput", ("bulk_small",), BULK_LIMIT),
    (f"stream ≥ {STREAM_SHARE:.0%} of the driver's rows/s", ("stream",), 1 / STREAM_SHARE),
)


def evaluate_dialect(results: Results, baselines: dict[str, str]) -> list[Check]:
    """``baselines``: generated implementation -> the raw driver it is measured against."""
    checks: list[Check] = []
    for impl, base in baselines.items():
        for label, ops, limit in DIALECT_LIMITS:
            for op in ops:
                r = ratio(results, op, impl, base)
                if r is not None:
                    checks.append(Check(label, impl, op, r, f"≤ {limit:g}x {base}", r <= limit))
    return checks

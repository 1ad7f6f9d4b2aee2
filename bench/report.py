"""bench/results.md and bench/ratios.png from one run's numbers."""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

from bench import machine, report_dialects
from bench.dialect_sql import DIALECTS
from bench.dialects import DialectResults
from bench.evolution import REBUILD_TARGET
from bench.generation import GenerationResults, ImportResult, Runs, Subject
from bench.runtime import RuntimeResults
from bench.settings import Settings
from bench.targets import BASE, SYNC_BASE
from bench.timing import fmt_us

COLUMNS = (
    "asyncpg",
    "psycopg2",
    "generated async",
    "generated sync",
    "FastCRUD",
    "asyncpg COPY",
)
CHART = ("generated async", "generated sync", "FastCRUD", "asyncpg COPY")
COLORS = {
    "generated async": "#1f77b4",
    "generated sync": "#6baed6",
    "FastCRUD": "#d62728",
    "asyncpg COPY": "#2ca02c",
}
BUILD_TARGET_S, CHECK_TARGET_S, IMPORT_TARGET_S = 10.0, 3.0, 1.5
RUNTIME_HEADING = "Runtime: generated repositories vs raw asyncpg and FastCRUD"
GENERATION_HEADING = "Generation"


def _secs(x: float) -> str:
    return f"{x:.2f} s" if x < 100 else f"{x:.0f} s"


def _runtime_md(r: RuntimeResults, settings: Settings) -> list[str]:
    s = settings.sizes
    out = [f"## {RUNTIME_HEADING}", ""]
    out.append(
        "One database, loaded once with COPY then `VACUUM ANALYZE`: "
        + ", ".join(f"{t} {n:,}" for t, n in r.rows.items())
        + f" rows (load {r.load_seconds:.1f} s). Same seeded inputs for every implementation; "
        f"each implementation is warmed up first (a tenth of the iterations, at least 5; "
        f"bulk: one run of the small size), then the implementations take turns: the timed calls are split into "
        f"{s.rounds} rounds whose order rotates (bulk: every repetition), so outside load on "
        f"this shared machine falls on all of them alike. Reads run inside one open transaction (the unit of work's, for the "
        f"generated layer; the identity map is emptied untimed every 100 calls); every write is "
        f"a whole transaction: unit of work (session, statements, COMMIT) for the generated "
        f"layer, `conn.transaction()` for asyncpg, `commit()` for psycopg2, FastCRUD's own "
        f"commit. psycopg2 runs the asyncpg statements with `cursor.execute` (it has no "
        f"prepared statements; its default type casters apply). Reads on `tasks` "
        f"({s.tasks:,} rows): filters `project_id = ?` and `status IN (todo, in_progress)`, "
        f"order `priority, -created_at`, search `'fix'` over title and description. Ratios are "
        f"medians over the asyncpg median (for bulk, over asyncpg executemany); *x psycopg2*: "
        f"the sync repositories over raw psycopg2."
    )
    out.append("")
    present = [c for c in COLUMNS if any(c in row for row in r.stats.values())]
    head = ["operation", "n"]
    # The sync repositories also against the raw driver they run on.
    sync_base = SYNC_BASE in present and "generated sync" in present
    for c in present:
        head.append(f"{c} median / p95")
        if c != BASE:
            head.append("x")
        if c == "generated sync" and sync_base:
            head.append(f"x {SYNC_BASE}")
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    for op in r.operations:
        row = r.stats.get(op.key, {})
        base = row.get(BASE)
        n = next(iter(row.values())).n if row else 0
        cells = [op.title, str(n)]
        for c in present:
            st = row.get(c)
            cells.append(f"{fmt_us(st.median_us)} / {fmt_us(st.p95_us)}" if st else "—")
            if c != BASE:
                cells.append(f"{st.median_us / base.median_us:.2f}" if st and base else "—")
            if c == "generated sync" and sync_base:
                raw = row.get(SYNC_BASE)
                cells.append(f"{st.median_us / raw.median_us:.2f}" if st and raw else "—")
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    bulk = [op for op in r.operations if op.kind == "bulk"]
    if bulk:
        out.append("Bulk throughput (rows/s, from the medians):")
        out.append("")
        out.append("| rows | " + " | ".join(c for c in present) + " |")
        out.append("|---:|" + "---:|" * len(present))
        for op in bulk:
            row = r.stats.get(op.key, {})
            cells = [f"{op.rows:,}"]
            for c in present:
                st = row.get(c)
                cells.append(f"{op.rows / (st.median_us / 1e6):,.0f}" if st else "—")
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
        built = ", ".join(f"{n:,}: {secs:.2f} s" for n, secs in r.create_objects_seconds.items())
        out.append(
            f"Not in the bulk timings: building the `TaskCreate` objects the generated "
            f"bulk_create takes ({built}); asyncpg starts from tuples."
        )
        out.append("")
    out.append("### Statements issued to list rows of audit_log with their users loaded")
    out.append("")
    out.append("| implementation | 50 rows | 500 rows | constant |")
    out.append("|---|---:|---:|---|")
    for impl, counts in r.statements.items():
        a, b = counts.get(50), counts.get(500)
        out.append(f"| {impl} | {a} | {b} | {'yes' if a == b else 'NO'} |")
    out.append("")
    out.append(
        "asyncpg and FastCRUD (`get_multi_joined`) use one JOIN. The generated layer "
        "LEFT JOINs many-to-one relations into the page's statement on its fast path "
        "(collections would add one `= ANY($1)` statement each); its statements are "
        "counted where the repository sends them (`_run`), since a cursor-execute "
        "listener would switch the fast path off."
    )
    out.append("")
    out += _streaming_md(r)
    out.append("### Targets")
    out.append("")
    out.append("| target | implementation | operation | measured | limit | met |")
    out.append("|---|---|---|---:|---|---|")
    titles = {op.key: op.title for op in r.operations}
    for chk in r.checks:
        out.append(
            f"| {chk.target} | {chk.impl} | {titles.get(chk.op, chk.op)} | "
            f"{chk.value:.2f}x | {chk.limit} | {'yes' if chk.met else '**no**'} |"
        )
    out.append("")
    out.append(
        "The sync rows of the older targets compare psycopg2 against asyncpg, so they mix "
        "driver and layer costs; the sync target against raw psycopg2 does not."
    )
    out.append("")
    summary = _streaming_summary(r)
    if summary:
        out += [summary, ""]
    if r.experiments is not None and r.experiments.rows:
        out += _experiments_md(r)
    if r.profiles:
        out.append(
            "Profiles (pyinstrument) of the generated operations that missed a "
            "target (`sync_`: the sync repository): "
            + ", ".join(f"[{k}](profiles/{p.name})" for k, p in r.profiles.items())
            + ". What they show: [NOTES.md](NOTES.md)."
        )
        out.append("")
    return out


def _streaming_md(r: RuntimeResults) -> list[str]:
    out = ["### Streaming 1M rows", ""]
    if not r.streaming:
        return [*out, "Not measured in this run.", ""]
    out += [
        "Peak memory while reading every row of `audit_log` in id order. Each line is a fresh "
        "process (`python -m bench.stream_child`) that imports what it needs, connects, and "
        "counts the table; *RSS before* is its resident set then, *peak RSS* its high-water "
        "mark (`VmHWM`) after reading every row (summing the ids, checked against the "
        "table's count and id sum). FastCRUD is not in the table: it has no streaming API "
        "(`get_multi` returns one list; `select` only builds a statement). The generated `list` cannot stand in for the last "
        f"line either (its page size is capped), so that line is plain SQLAlchemy on the "
        f"generated model in the unit of work's session. {r.streaming_note}.",
        "",
        "| variant | rows | time | rows/s | RSS before | peak RSS | added by streaming |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in r.streaming:
        if s.error:
            out.append(f"| {s.variant} | failed: {s.error} | — | — | — | — | — |")
            continue
        rate = f"{s.rows / s.seconds:,.0f}" if s.seconds > 0 else "—"
        out.append(
            f"| {s.variant} | {s.rows:,} | {_secs(s.seconds)} | {rate} | "
            f"{s.rss_before_mib:.0f} MiB | {s.peak_mib:.0f} MiB | "
            f"{s.added_mib:.0f} MiB |"
        )
    out.append("")
    return out


def _streaming_summary(r: RuntimeResults) -> str:
    """One line under the targets (the issue sets no limit for streaming)."""
    ok = {s.key: s for s in r.streaming if not s.error}
    gen, whole = ok.get("generated_async"), ok.get("orm_all")
    if gen is None:
        return ""
    line = (
        f"Streaming (no target set): the generated async `stream` read {gen.rows:,} rows "
        f"with {gen.added_mib:.0f} MiB added to its process's peak RSS"
    )
    if whole is not None:
        line += f"; all rows at once through the ORM added {whole.added_mib:.0f} MiB"
    return line + "."


def _experiments_md(r: RuntimeResults) -> list[str]:
    ex = r.experiments
    assert ex is not None
    out = [
        "### Where the time goes: the same operation one layer down",
        "",
        "Measured in the same run, inside one session on the generated models (writes: one "
        "transaction each). These are what the generated code could emit, not user code; "
        "the ratio is to the first (asyncpg) line of each group.",
        "",
        "| operation | variant | median | p95 | x asyncpg |",
        "|---|---|---:|---:|---:|",
    ]
    base: dict[str, float] = {}
    for e in ex.rows:
        base.setdefault(e.op, e.stats.median_us)
        out.append(
            f"| {e.op} | {e.variant} | {fmt_us(e.stats.median_us)} | "
            f"{fmt_us(e.stats.p95_us)} | {e.stats.median_us / base[e.op]:.2f} |"
        )
    out.append("")
    return out


def _runs(r: Runs) -> str:
    return f"{_secs(r.median)} ({_secs(r.cpu_median)} CPU)" if r.wall else "—"


def _subject_row(s: Subject) -> str:
    codegen = _runs(s.sqlacodegen) if s.sqlacodegen.wall else s.sqlacodegen_note or "—"
    return (
        f"| {s.name} | {s.tables} | {s.files} | {len(s.build.wall)} | {_runs(s.build)} | "
        f"{_runs(s.build_warm)} | {_runs(s.check)} | {_runs(s.check_warm)} | {codegen} | "
        f"{s.schema_load_seconds:.1f} s |"
    )


def _rebuild_md(s: Subject) -> list[str]:
    r = s.rebuild
    assert r is not None
    cold, rebuild, cpu = s.build.median, statistics.median(r.wall), statistics.median(r.cpu)
    met = "yes" if rebuild <= REBUILD_TARGET * cold else "**no**"
    return [
        f"Schema evolution on {s.name}: the cold build's tree rebuilt after a 10-statement edit "
        f"({r.edit}); the build replays the schema at the head from the history, plans one "
        f"revision ({r.revision}) and writes it with the changed models.",
        "",
        "| | median | CPU | vs the cold build (wall, CPU) | target |",
        "|---|---:|---:|---:|---|",
        f"| rebuild after the edit | {_secs(rebuild)} | {_secs(cpu)} | "
        f"{rebuild / cold:.2f}x, {cpu / s.build.cpu_median:.2f}x | ≤ {REBUILD_TARGET}x: {met} |",
        "",
    ]


def _imports_md(imports: list[ImportResult], name: str) -> list[str]:
    out = [
        f"Importing the generated {name} package built with the crud.yaml `dbgen scaffold` "
        "writes (every table), in a fresh process (SQLAlchemy and pydantic imported first), "
        "then `configure_mappers()`. *models*: `<package>.models` (every model); *package*: "
        "every module but the migrations (schemas and repositories too). `models/__init__` "
        "configures its registry itself, so that time is in the import column:",
        "",
        "| mode | import | modules | import time | configure_mappers | whole process | RSS "
        "| RSS added |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in imports:
        out.append(
            f"| {r.mode} | {r.scope} | {r.modules} | "
            f"{_secs(statistics.median(r.package_seconds))} | "
            f"{_secs(statistics.median(r.mappers_seconds))} | {_secs(r.process.median)} | "
            f"{r.rss_mib:.0f} MiB | {r.rss_delta_mib:.0f} MiB |"
        )
    out.append("")
    return out


def _generation_md(g: GenerationResults) -> list[str]:
    out = [
        f"## {GENERATION_HEADING}",
        "",
        "Each timing is a fresh process. `dbgen build` writes into an empty directory; "
        "the build keeps no cache (it formats nothing since dbgen/layout/ writes the final "
        "layout), so *cold* and *warm* differ only in the OS file cache and .pyc files. "
        "`dbgen check` compares against the first build's output. sqlacodegen "
        "(declarative generator) reflects the same schema from a live database loaded with "
        "`psql -f` (load time in the last column). Medians; CPU is the child's user + "
        "system time (the machine is shared, so wall time can include waiting).",
        "",
        "| schema | tables | files written | runs | dbgen build, cold | dbgen build, warm "
        "cache | dbgen check, cold | dbgen check, warm cache | sqlacodegen | psql load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    out.append(_subject_row(g.demo))
    if g.corpus is not None:
        out.append(_subject_row(g.corpus))
    out.append("")
    for subject in (g.demo, g.corpus):
        if subject is not None and subject.check_drift:
            out.append(
                f"**`dbgen check` on {subject.name} did not find the fresh build current**: "
                f"{subject.check_drift} (a non-deterministic generator, or its source "
                "changed during the run)."
            )
            out.append("")
    if g.corpus is not None:
        out.append(f"The {g.corpus.name} spec: {g.corpus.spec_note}.")
        out.append("")
        out.extend(_imports_md(g.imports, g.corpus.name))
        if g.corpus.name == "musicbrainz":
            warm = next(
                (i for i in g.imports if i.mode.startswith("warm") and i.scope == "models"), None
            )
            rows = [
                ("musicbrainz cold build < 10 s", g.corpus.build.median, BUILD_TARGET_S),
                (
                    "musicbrainz `dbgen check` < 3 s (cold cache, as in CI)",
                    g.corpus.check.median,
                    CHECK_TARGET_S,
                ),
                (
                    "musicbrainz `dbgen check` < 3 s (warm cache)",
                    g.corpus.check_warm.median,
                    CHECK_TARGET_S,
                ),
            ]
            if warm is not None:
                rows.append(
                    (
                        "import < 1.5 s (models + configure_mappers, warm .pyc, scaffolded)",
                        statistics.median(warm.package_seconds)
                        + statistics.median(warm.mappers_seconds),
                        IMPORT_TARGET_S,
                    )
                )
            out.append("| generation target | measured | met |")
            out.append("|---|---:|---|")
            for label, value, limit in rows:
                out.append(f"| {label} | {_secs(value)} | {'yes' if value < limit else '**no**'} |")
            out.append("")
    if g.corpus is not None and g.corpus.rebuild is not None:
        out.extend(_rebuild_md(g.corpus))
    else:
        out.append(f"Corpus part skipped: {g.corpus_skipped}.")
        out.append("")
    for note in g.notes:
        out.append(f"Note: {note}.")
        out.append("")
    return out


def chart(r: RuntimeResults | None, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 8))
    if r is None or not r.stats:
        ax.text(0.5, 0.5, "runtime benchmark not run", ha="center", va="center")
        ax.set_axis_off()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return
    ops = [op for op in r.operations if BASE in r.stats.get(op.key, {})]
    impls = [c for c in CHART if any(c in r.stats.get(op.key, {}) for op in ops)]
    height = 0.8 / max(1, len(impls))
    for j, impl in enumerate(impls):
        ys, xs = [], []
        for i, op in enumerate(ops):
            row = r.stats[op.key]
            if impl in row:
                ys.append(i + (j - (len(impls) - 1) / 2) * height)
                xs.append(row[impl].median_us / row[BASE].median_us)
        ax.barh(ys, xs, height=height, label=impl, color=COLORS.get(impl))
        for y, x in zip(ys, xs, strict=True):
            ax.text(x * 1.03, y, f"{x:.1f}", va="center", fontsize=6)
    ax.set_yticks(range(len(ops)), [op.title for op in ops], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=1)
    ax.axvline(2.0, color="grey", linestyle="--", linewidth=0.8)
    ax.axvline(2.5, color="grey", linestyle=":", linewidth=0.8)
    ax.set_xlabel(
        "median time ÷ raw asyncpg median (log scale; 1 = asyncpg; dashed 2.0x, dotted 2.5x)"
    )
    ax.set_title("dbgen generated layer vs raw asyncpg and FastCRUD (lower is better)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# Sections of results.md that another tool writes (their heading is followed by this line):
# a bench run carries them over unchanged.
KEPT_MARK = "<!-- not written by python -m bench: kept as is -->"


def kept_sections(md: Path) -> list[str]:
    """The kept sections of an existing results.md, as lines (with a blank line before)."""
    if not md.exists():
        return []
    out: list[str] = []
    sections = md.read_text().split("\n## ")
    for section in sections[1:]:
        heading, _, body = section.partition("\n")
        if body.startswith(KEPT_MARK):
            out += ["", f"## {heading}", *body.rstrip().split("\n")]
    return out


def previous_sections(md: Path, headings: list[str]) -> dict[str, list[str]]:
    """The sections of an existing results.md with these headings, as lines (with a blank line
    before): what a run that did not measure them carries over."""
    if not md.exists():
        return {}
    out: dict[str, list[str]] = {}
    for section in md.read_text().split("\n## ")[1:]:
        title, _, body = section.partition("\n")
        if title in headings:
            out[title] = ["", f"## {title}", *body.rstrip().split("\n")]
    return out


def write(
    settings: Settings,
    pg_version: str,
    runtime: RuntimeResults | None,
    generation: GenerationResults | None,
    elapsed: float,
    failures: list[str],
    dialects: dict[str, DialectResults] | None = None,
) -> tuple[Path, Path]:
    md = settings.out_dir / "results.md"
    png = settings.out_dir / "ratios.png"
    info = machine.describe(pg_version)
    lines = [
        "# dbgen benchmarks",
        "",
        f"Written by `python -m bench{' --quick' if settings.quick else ''}` on "
        f"{dt.date.today().isoformat()} in {elapsed:.0f} s (seed {settings.seed}). Every "
        "number below comes from that run; rerun with `make bench`.",
        "",
        "![ratios to raw asyncpg](ratios.png)",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in info.items()]
    lines.append(f"| load average at the end | {machine.load_average()} |")
    lines.append("")
    for failure in failures:
        lines += [f"**Failed**: {failure.splitlines()[0][:500]}", ""]
    if settings.quick:
        lines += [
            "**Quick run**: small tables and few iterations, for checking that the bench "
            "works, not for its numbers.",
            "",
        ]
    # A run of some dialects only (--dialect) keeps the other runtime sections of the last run.
    old = previous_sections(
        md,
        [
            RUNTIME_HEADING,
            *(report_dialects.heading(d) for d in DIALECTS.values()),
            GENERATION_HEADING,
        ],
    )
    partial = set(settings.dialects) != {"postgresql", *DIALECTS}
    if runtime is not None:
        lines += _runtime_md(runtime, settings)
    elif "postgresql" not in settings.dialects and RUNTIME_HEADING in old:
        lines += [*old[RUNTIME_HEADING][1:], ""]
    for key, dialect in DIALECTS.items():
        measured = (dialects or {}).get(key)
        if measured is not None:
            lines += report_dialects.section(measured)
        elif key not in settings.dialects and report_dialects.heading(dialect) in old:
            lines += [*old[report_dialects.heading(dialect)][1:], ""]
    if generation is not None:
        lines += _generation_md(generation)
    elif partial and GENERATION_HEADING in old:
        lines += [*old[GENERATION_HEADING][1:], ""]
    lines += kept_sections(md)
    md.write_text("\n".join(lines).rstrip() + "\n")
    # The chart is of the PostgreSQL rows: a run that kept their section keeps their chart.
    if runtime is not None or "postgresql" in settings.dialects or not png.exists():
        chart(runtime, png)
    return md, png

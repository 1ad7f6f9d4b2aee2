"""The results.md sections of the other dialects (bench.dialects): one per dialect."""

from __future__ import annotations

from bench.dialect_sql import Dialect
from bench.dialects import DialectResults
from bench.timing import fmt_us


def heading(d: Dialect) -> str:
    return f"Runtime on {d.title}: generated repositories vs the raw drivers"


def section(r: DialectResults) -> list[str]:
    drivers = ", ".join(f"{impl} on {base}" for impl, base in r.baselines.items())
    out = [f"## {heading(r.dialect)}", ""]
    out.append(
        f"{r.server}. The demo's {r.dialect.title} spec (`tests/golden/cases/"
        f"{r.dialect.spec.name}`), built with dbgen, against the raw drivers it runs on "
        f"({drivers}), on the PostgreSQL bench's seeded data: "
        + ", ".join(f"{t} {n:,}" for t, n in r.rows.items())
        + f" rows (load {r.load_seconds:.1f} s). The same inputs and the same timing as above "
        f"({r.rounds} rotating rounds after a warm-up, fewer calls than above: the *n* column; reads inside one open transaction, every "
        "write a whole transaction). The raw drivers run the statements the generated layer "
        "sends, written by hand (`bench/dialect_sql.py`). Bulk: the small size only; stream: "
        "all of audit_log in id order, one untimed read each first. *x*: the median over the "
        "raw driver's median; *added*: the "
        "difference of the medians (what the layer costs per call, where a ratio to a call "
        "of a few microseconds says little)."
    )
    out.append("")
    # each raw driver beside the generated implementation measured against it
    order = [name for impl, base in r.baselines.items() for name in (base, impl)]
    present = [c for c in order if any(c in row for row in r.stats.values())]
    head = ["operation", "n"]
    for c in present:
        head.append(f"{c} median / p95")
        if c in r.baselines:
            head += ["x", "added"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    for op in r.operations:
        row = r.stats.get(op.key, {})
        n = next(iter(row.values())).n if row else 0
        cells = [op.title, str(n)]
        for c in present:
            st = row.get(c)
            cells.append(f"{fmt_us(st.median_us)} / {fmt_us(st.p95_us)}" if st else "—")
            if c in r.baselines:
                base = row.get(r.baselines[c])
                if st and base:
                    added = st.median_us - base.median_us
                    sign = "-" if added < 0 else "+"
                    cells += [f"{st.median_us / base.median_us:.2f}", sign + fmt_us(abs(added))]
                else:
                    cells += ["—", "—"]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out.append(f"### Targets on {r.dialect.title}")
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
    met = sum(c.met for c in r.checks)
    out.append(
        f"{met} of {len(r.checks)} met. Why these targets, and what the profiles of the misses "
        'show: [NOTES.md](NOTES.md), "Other dialects".'
    )
    if r.profiles:
        out.append(
            "Profiles (pyinstrument, generated async): "
            + ", ".join(f"[{k}](profiles/{p.name})" for k, p in r.profiles.items())
            + "."
        )
    out.append("")
    return out

"""Nothing vanishes: every clause of the table in clauses.py is modelled exactly, carried
verbatim, or named by a diagnostic, never dropped in silence.

Live and batched: all EXACT cases go through one scaffold, build, pg-roundtrip (upgrade head,
pg_dump comparison, downgrade base) and `alembic check`; all DIAGNOSED cases through a second.
A difference is attributed to its case by the object names, which start with the case's id.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from clauses import CHECK_EXCLUDED, DIAGNOSED, EXACT

from dbgen.ddl import read_schema
from support import PgServer
from support.roundtrip import Outcome, run

_BLOCK = re.compile(r"^(MISSING|EXTRA):\n((?:  .*\n?)+)", re.M)
_CHECK_NAMES = re.compile(r"(?:Table|Index)\('([^']+)'|\('\w+', None, '([^']+)'")


def _script(cases: list[str]) -> str:
    return "\n".join(cases) + "\n"


def _case_of(name: str, ids: list[str]) -> str | None:
    """The case whose id starts an object name (the longest id: a_inherit vs a_inherit_p)."""
    hits = [i for i in ids if name.startswith(i)]
    return max(hits, key=len) if hits else None


def _differing_cases(outcome: Outcome, ids: list[str]) -> set[str]:
    """The cases named by pg-roundtrip's MISSING/EXTRA blocks."""
    found = set()
    for _, block in _BLOCK.findall(outcome.roundtrip):
        for word in re.findall(r"[a-z_][a-z0-9_]*", block):
            case = _case_of(word, ids)
            if case is not None:
                found.add(case)
    return found


def _check_cases(outcome: Outcome, ids: list[str]) -> set[str]:
    """The cases `alembic check` reports a difference for."""
    found = set()
    for m in _CHECK_NAMES.finditer(outcome.check):
        case = _case_of(m.group(1) or m.group(2), ids)
        found.add(case or f"<unattributed {m.group(0)}>")
    return found


def test_cases_name_their_objects() -> None:
    """Every case is one line creating objects named after it, so differences attribute."""
    ids = [*EXACT, *DIAGNOSED]
    assert len(ids) == len(set(ids))
    for case, sql in [*EXACT.items(), *((k, v) for k, (_, v) in DIAGNOSED.items())]:
        assert "\n" not in sql, case
        assert case in sql, case
    assert set(CHECK_EXCLUDED) <= set(EXACT)


def test_exact_clauses_round_trip(pg_server: PgServer, tmp_path: Path) -> None:
    ids = list(EXACT)
    outcome = run(_script(list(EXACT.values())), tmp_path, pg_server, "exact_db")
    assert outcome.failure is None, outcome.explain()
    # no warning on any line: an exact clause loses nothing
    warnings = [d for d in outcome.diagnostics.splitlines() if "warning[" in d or "error[" in d]
    assert not warnings, "\n".join(warnings)
    assert not _differing_cases(outcome, ids), outcome.explain()
    assert ", 0 missing, 0 extra" in outcome.summary, outcome.explain()
    assert "FAILED" not in outcome.summary, outcome.explain()  # the downgrade left nothing
    reported = _check_cases(outcome, ids)
    assert reported <= set(CHECK_EXCLUDED), (sorted(reported - set(CHECK_EXCLUDED)), outcome.check)


@pytest.mark.parametrize("case", sorted(DIAGNOSED))
def test_diagnosed_clause_is_named_on_its_line(case: str) -> None:
    code, sql = DIAGNOSED[case]
    _, diags = read_schema([("schema.sql", sql + "\n")])
    assert [d for d in diags if d.code == code and d.span.line == 1], [str(d) for d in diags]


def test_diagnosed_clauses_lose_only_what_is_named(pg_server: PgServer, tmp_path: Path) -> None:
    """Live: the round-trip differs at most in the diagnosed cases, and the migration and its
    downgrade still run."""
    ids = list(DIAGNOSED)
    outcome = run(_script([sql for _, sql in DIAGNOSED.values()]), tmp_path, pg_server, "diag_db")
    assert outcome.failure is None, outcome.explain()
    assert "FAILED" not in outcome.summary, outcome.explain()
    for _, block in _BLOCK.findall(outcome.roundtrip):  # every difference is a case's
        words = re.findall(r"[a-z_][a-z0-9_]*", block)
        assert any(_case_of(w, ids) for w in words), block
    lines = outcome.diagnostics.splitlines()
    for n, case in enumerate(ids, start=1):
        code = DIAGNOSED[case][0]
        assert any(f"schema.sql:{n}:" in d and f"[{code}]" in d for d in lines), (case, lines)

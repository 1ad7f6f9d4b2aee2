"""Golden cases, one per change kind: the whole planned revision (bodies, hazards, diagnostics)
of tests/evolve_cases/<case>. Rewrite with ``pytest tests/unit/test_evolve_cases.py
--update-goldens`` and review the diff; tests/live/test_evolve_cases.py proves each one exact
on a database, both ways."""

from __future__ import annotations

import pytest

from dbgen.evolve import plan_revision
from support.evolution import read
from support.evolve_cases import CASES, CASES_DIR, case_options, case_renames, expected_text


@pytest.mark.parametrize("name", CASES)
def test_case_plans_as_expected(name: str, update_goldens: bool) -> None:
    case = CASES_DIR / name
    plan = plan_revision(
        read(case / "old.sql"),
        read(case / "new.sql"),
        renames=case_renames(case),
        **case_options(case),
    )
    text = expected_text(plan)
    expected = case / "expected.txt"
    if update_goldens:
        expected.write_text(text, encoding="utf-8")
    assert expected.is_file(), f"{expected} missing: run with --update-goldens"
    assert text == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", CASES)
def test_case_is_deterministic_and_compiles(name: str) -> None:
    case = CASES_DIR / name
    old, new = read(case / "old.sql"), read(case / "new.sql")
    a = plan_revision(old, new, renames=case_renames(case), **case_options(case))
    b = plan_revision(old, new, renames=case_renames(case), **case_options(case))
    assert a == b
    assert not a.is_empty
    for body in (a.upgrade_body, a.downgrade_body):
        compile("def f():\n" + body, name, "exec")


def test_nothing_changed_is_empty() -> None:
    catalog = read(CASES_DIR / "verbatim" / "old.sql")
    plan = plan_revision(catalog, catalog)
    assert plan.is_empty and plan.upgrade_body == "    pass\n" and not plan.diagnostics

"""The per-kind evolution cases in tests/evolve_cases/<case>/: old.sql, new.sql, an optional
renames.toml (the ``[renames]`` table of dbgen.toml), an optional options.toml (plan_revision
switches), and expected.txt (the planned revision)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from dbgen.evolve import Renames, RevisionPlan, load_renames
from support.paths import REPO_ROOT

CASES_DIR = REPO_ROOT / "tests" / "evolve_cases"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "old.sql").is_file())


def case_renames(case: Path) -> Renames:
    path = case / "renames.toml"
    if not path.is_file():
        return Renames()
    renames, diags = load_renames(tomllib.loads(path.read_text(encoding="utf-8")), path.name)
    assert not diags, diags
    return renames


def case_options(case: Path) -> dict[str, bool]:
    """plan_revision's switches for the case (options.toml: concurrent_indexes = true)."""
    path = case / "options.toml"
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {k: bool(v) for k, v in data.items()}


def expected_text(plan: RevisionPlan) -> str:
    """Everything a reviewer sees of a revision: diagnostics, hazards, slug and both bodies."""
    return (
        "# diagnostics\n"
        + "".join(f"{d}\n" for d in plan.diagnostics)
        + f"# {plan.hazard_summary}\n# slug: {plan.slug}\n# refused: {plan.refused}\n"
        + "# upgrade\n"
        + plan.upgrade_body
        + "# downgrade\n"
        + plan.downgrade_body
    )

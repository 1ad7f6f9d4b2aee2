"""The demo spec (specs/) in either layout, for the suites that run on both.

``demo_crud()`` is specs/crud.yaml with entities grouped into features (``feature:``);
``demo_spec_dir(tmp, layout)`` writes a spec directory that builds it in ``layout``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from support.paths import REPO_ROOT

SPECS = REPO_ROOT / "specs"

# Two features of several entities (with relationships between and across them); the other
# entities keep one feature each (their module's name).
DEMO_FEATURES = {
    "users": "accounts",
    "user_profiles": "accounts",
    "projects": "work",
    "project_members": "work",
    "tasks": "work",
    "comments": "work",
}


def demo_crud(features: dict[str, str] = DEMO_FEATURES) -> str:
    """specs/crud.yaml with ``feature:`` added to the entities ``features`` names."""
    out = []
    for line in (SPECS / "crud.yaml").read_text().splitlines():
        out.append(line)
        name = line.strip().removesuffix(":")
        if line.startswith("  ") and not line.startswith("   ") and name in features:
            out.append(f"    feature: {features[name]}")
    text = "\n".join(out) + "\n"
    assert text.count("feature:") == len(features), "specs/crud.yaml changed shape"
    return text


def demo_spec_dir(where: Path, layout: str) -> Path:
    """A spec directory holding the demo (grouped into features) and a dbgen.toml choosing
    ``layout``."""
    spec = where / "specs"
    spec.mkdir(parents=True)
    for p in SPECS.glob("*.sql"):
        (spec / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    if (SPECS / "queries").is_dir():  # the named queries
        shutil.copytree(SPECS / "queries", spec / "queries")
    (spec / "crud.yaml").write_text(demo_crud(), encoding="utf-8")
    (spec / "dbgen.toml").write_text(f'layout = "{layout}"\n', encoding="utf-8")
    return spec


def build_demo(where: Path, layout: str) -> Path:
    """`dbgen build` of the demo in ``layout`` (layer: specs/ itself), into ``where/out``."""
    out = where / "out"
    spec = SPECS if layout == "layer" else demo_spec_dir(where, layout)
    proc = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", str(spec), "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return out

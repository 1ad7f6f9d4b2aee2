"""Golden cases: one directory per feature under cases/.

A case holds its input (*.sql, crud.yaml) and either
- expected/: the whole generated tree, compared byte for byte; or
- stderr.txt: the exact diagnostics `dbgen build` prints, which must exit 2 and write nothing.

Update the expected trees (and stderr.txt files) after an intended change with `make golden`
(`pytest tests/golden --update-goldens`), then review the diff.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import black
import pytest

from dbgen.core import generate, read_inputs

CASES = Path(__file__).parent / "cases"
ALL_CASES = sorted(p for p in CASES.iterdir() if p.is_dir())
TREE_CASES = [p for p in ALL_CASES if not (p / "stderr.txt").exists()]
ERROR_CASES = [p for p in ALL_CASES if (p / "stderr.txt").exists()]


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _generate(case: Path) -> dict[str, str]:
    cwd = os.getcwd()
    os.chdir(case)  # diagnostics and headers use paths relative to the working directory
    try:
        inputs, diags = read_inputs(Path("."))
        assert inputs is not None, [str(d) for d in diags]
        result = generate(inputs)
    finally:
        os.chdir(cwd)
    assert result.ok, "\n".join(str(d) for d in result.diagnostics)
    return result.files


@pytest.mark.parametrize("case", TREE_CASES, ids=lambda p: p.name)
def test_tree_case(case: Path, update_goldens: bool) -> None:
    files = _generate(case)
    expected_dir = case / "expected"
    if update_goldens:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, text in files.items():
            (expected_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / rel).write_text(text, encoding="utf-8")
    assert expected_dir.is_dir(), f"{case.name}: no expected/ tree; run `make golden`"
    expected = _tree(expected_dir)
    got = {k: v.encode() for k, v in files.items()}
    assert sorted(got) == sorted(expected), "file lists differ"
    for rel in sorted(got):
        assert got[rel] == expected[rel], f"{case.name}/{rel} differs from the golden file"
    # Most files skip black in the build (they are rendered in its layout): black is the oracle.
    mode = black.Mode(line_length=100, target_versions={black.TargetVersion.PY311})
    for rel, text in sorted(files.items()):
        if rel.endswith(".py"):
            assert black.format_str(text, mode=mode) == text, (
                f"{case.name}/{rel}: black would change it"
            )


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda p: p.name)
def test_error_case(case: Path, tmp_path: Path, update_goldens: bool) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", ".", "--out", str(out)],
        cwd=case,
        capture_output=True,
        text=True,
        check=False,
    )
    if update_goldens and proc.returncode == 2:
        (case / "stderr.txt").write_text(proc.stderr, encoding="utf-8")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr == (case / "stderr.txt").read_text(encoding="utf-8")
    assert not out.exists(), "a failed build must write nothing"

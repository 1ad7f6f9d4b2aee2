"""Golden cases: one directory per feature under cases/.

A case holds its input (*.sql, crud.yaml, optionally dbgen.toml), optionally history/ (an output directory's
``<package>/migrations/versions/`` as an earlier build and the user left it: the build starts from
it), and either
- expected/: the whole generated tree, compared byte for byte (history kept, plus the revision
  the edit adds); or
- stderr.txt: the exact diagnostics `dbgen build` prints, which must exit 2 and write nothing.

Update the expected trees (and stderr.txt files) after an intended change with `make golden`
(`pytest tests/golden --update-goldens`), then review the diff.
"""

from __future__ import annotations

import difflib
import shutil
import subprocess
import sys
from pathlib import Path

import black
import pytest

from dbgen.history.revisions import read_history_files
from support.cases import build_case

CASES = Path(__file__).parent / "cases"
ALL_CASES = sorted(p for p in CASES.iterdir() if p.is_dir())
TREE_CASES = [p for p in ALL_CASES if not (p / "stderr.txt").exists()]
ERROR_CASES = [p for p in ALL_CASES if (p / "stderr.txt").exists()]


# What a mismatch tells the reader to run once the change is intended.
UPDATE = "make golden"
_MAX_DIFF_LINES = 200


def golden_diff(case: str, expected: dict[str, bytes], got: dict[str, bytes]) -> str:
    """ "" when the trees are equal; else which files are missing or extra, a unified diff of
    each differing file (cut at 200 lines) and the command that updates the golden files."""
    out: list[str] = []
    for rel in sorted(expected.keys() - got.keys()):
        out.append(f"{case}/expected/{rel}: no longer generated")
    for rel in sorted(got.keys() - expected.keys()):
        out.append(f"{case}/expected/{rel}: generated but not in the golden tree")
    for rel in sorted(expected.keys() & got.keys()):
        if expected[rel] == got[rel]:
            continue
        diff = list(
            difflib.unified_diff(
                expected[rel].decode("utf-8", "replace").splitlines(keepends=True),
                got[rel].decode("utf-8", "replace").splitlines(keepends=True),
                f"{case}/expected/{rel}",
                f"{case}/generated/{rel}",
            )
        )
        if not diff:  # the bytes differ, the decoded lines do not (line endings, say)
            diff = [f"{case}/expected/{rel}: differs in bytes the text does not show\n"]
        if len(diff) > _MAX_DIFF_LINES:
            more = len(diff) - _MAX_DIFF_LINES
            diff = [*diff[:_MAX_DIFF_LINES], f"... {more} more diff lines\n"]
        out.append("".join(line if line.endswith("\n") else line + "\n" for line in diff))
    if not out:
        return ""
    return (
        f"{case}: the generated tree differs from the golden files\n"
        + "\n".join(out)
        + f"\nIf the change is intended, run `{UPDATE}` and review the diff of tests/golden.\n"
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _generate(case: Path) -> dict[str, str]:
    result = build_case(case)
    assert result.ok, "\n".join(str(d) for d in result.diagnostics)
    # The tree after the build: what it wrote, plus the history files that are the user's
    # (hand-written revisions), which stay where they are.
    return {**dict(read_history_files(case / "history")), **result.files}


@pytest.mark.parametrize("case", TREE_CASES, ids=lambda p: p.name)
def test_tree_case(case: Path, update_goldens: bool) -> None:
    files = _generate(case)
    expected_dir = case / "expected"
    if update_goldens:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, text in files.items():
            (expected_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / rel).write_text(text, encoding="utf-8")
    assert expected_dir.is_dir(), f"{case.name}: no expected/ tree; run `{UPDATE}`"
    mismatch = golden_diff(
        case.name, _tree(expected_dir), {k: v.encode() for k, v in files.items()}
    )
    if mismatch:
        pytest.fail(mismatch, pytrace=False)
    # The build formats nothing (dbgen/layout/ writes the final layout): black is the oracle.
    mode = black.Mode(line_length=100, target_versions={black.TargetVersion.PY311})
    for rel, text in sorted(files.items()):
        if rel.endswith(".py"):
            assert black.format_str(text, mode=mode) == text, (
                f"{case.name}/{rel}: black would change it"
            )


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda p: p.name)
def test_error_case(case: Path, tmp_path: Path, update_goldens: bool) -> None:
    out = tmp_path / "out"
    if (case / "history").is_dir():
        shutil.copytree(case / "history", out)
    before = _tree(out) if out.exists() else None
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
    expected = (case / "stderr.txt").read_bytes()
    mismatch = golden_diff(
        case.name, {"stderr.txt": expected}, {"stderr.txt": proc.stderr.encode()}
    )
    if mismatch:
        pytest.fail(mismatch, pytrace=False)
    if before is None:
        assert not out.exists(), "a failed build must write nothing"
    else:
        assert _tree(out) == before, "a failed build must write nothing"


def test_a_mismatch_shows_a_unified_diff_and_the_update_command() -> None:
    expected = {"a.py": b"x = 1\ny = 2\n", "gone.py": b"", "same.py": b"z\n"}
    got = {"a.py": b"x = 1\ny = 3\n", "new.py": b"", "same.py": b"z\n"}
    report = golden_diff("case", expected, got)
    assert "--- case/expected/a.py\n+++ case/generated/a.py\n" in report
    assert "-y = 2\n+y = 3\n" in report
    assert "case/expected/gone.py: no longer generated" in report
    assert "case/expected/new.py: generated but not in the golden tree" in report
    assert "same.py" not in report
    assert report.rstrip().endswith("run `make golden` and review the diff of tests/golden.")
    assert golden_diff("case", expected, dict(expected)) == ""
    crlf = golden_diff("case", {"a": b"x\n"}, {"a": b"x\r\n"})
    assert "differs" in crlf

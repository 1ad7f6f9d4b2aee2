"""pre-commit: this repository's hooks (.pre-commit-config.yaml) and the `dbgen-check` hook it
offers to users (.pre-commit-hooks.yaml), run the way a user's pre-commit runs it."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
HOOKS = REPO / ".pre-commit-hooks.yaml"
CONFIG = REPO / ".pre-commit-config.yaml"


def _pre_commit(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )


def _project(tmp_path: Path) -> Path:
    """A user's repository: the demo spec in specs/ and its generated package in generated/."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "specs", project / "specs")
    build = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", "specs/"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    return project


def test_the_hook_files_are_valid() -> None:
    for command, path in (("validate-manifest", HOOKS), ("validate-config", CONFIG)):
        proc = _pre_commit(command, str(path), cwd=REPO)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_repositorys_hooks_are_make_lints_tools() -> None:
    hooks = {
        h["id"]: h for repo in yaml.safe_load(CONFIG.read_text())["repos"] for h in repo["hooks"]
    }
    assert set(hooks) == {"ruff-format", "ruff", "mypy", "dbgen-check"}
    for hook in hooks.values():
        tool = shlex.split(hook["entry"])[0]
        assert tool.startswith(".venv/bin/") and hook["language"] == "system"
        assert (REPO / tool).name in {"ruff", "mypy", "dbgen"}
    # generated code and golden trees are the generator's to lay out, never the formatter's
    assert "generated" in hooks["ruff-format"]["exclude"]
    assert "tests/golden/cases" in hooks["ruff-format"]["exclude"]


def test_the_dbgen_check_hook_entry_passes_then_fails_on_a_stale_tree(tmp_path: Path) -> None:
    (hook,) = yaml.safe_load(HOOKS.read_text())
    assert hook["id"] == "dbgen-check" and hook["language"] == "python"
    assert hook["pass_filenames"] is False  # dbgen check takes a spec dir, not the changed files
    command = shlex.split(hook["entry"]) + hook["args"]
    # the entry is this package's console script
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert command[0] in scripts
    run = [sys.executable, "-m", "dbgen", *command[1:]]
    project = _project(tmp_path)
    ok = subprocess.run(run, cwd=project, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (project / "generated" / "app_db" / "enums.py").write_text("# edited\n", encoding="utf-8")
    stale = subprocess.run(run, cwd=project, capture_output=True, text=True, check=False)
    assert stale.returncode == 1
    assert "generated/app_db/enums.py" in stale.stdout + stale.stderr


def test_try_repo_runs_dbgen_check_in_a_users_repository(tmp_path: Path) -> None:
    """pre-commit installs this repository as the hook's environment and runs it: a stale
    generated tree fails the commit with dbgen's report."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", HOOKS.name],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    if tracked.returncode != 0:
        pytest.skip(f"{HOOKS.name} is not tracked by git here (pre-commit reads the committed one)")
    project = _project(tmp_path)
    (project / "generated" / "app_db" / "enums.py").write_text("# edited\n", encoding="utf-8")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com")
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "generated"]):
        subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)
    proc = _pre_commit("try-repo", str(REPO), "dbgen-check", "--all-files", cwd=project, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "dbgen check" in out and "Failed" in out, out
    assert "stale: generated/app_db/enums.py" in out, out

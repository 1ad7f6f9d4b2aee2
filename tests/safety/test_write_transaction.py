"""A failed or interrupted build restores the previous files (issue 9, part 1).

Writes are made to fail at every step of a build (the journal, each temporary file, each rename,
the manifest that commits) and the directory must come back byte for byte, modes included, with
nothing of the build left behind. A build killed outright (no chance to clean up) is restored by
the next `dbgen build`, and `check` says so until then.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from safety_kit import CRUD, EDITED, Run, dbgen_process, snapshot, write_spec

from dbgen.cli import main
from dbgen.emit import write
from dbgen.emit.stamp import STAMP

Dbgen = Callable[..., Run]
CHANGED = EDITED


@pytest.fixture
def built(project: Path, dbgen: Dbgen) -> Path:
    """A built tree, a file of the user's in it, and a schema edit waiting to be built."""
    assert dbgen("build", "specs", "--out", "gen").code == 0
    (project / "gen" / "shelf_db" / "NOTES.md").write_text("mine\n")
    write_spec(project / "specs", CHANGED, CRUD.replace("[get, list, create]", "[get, count]"))
    return project / "gen"


def _failing(real: Callable[..., Any], at: int, exc: BaseException) -> Callable[..., Any]:
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == at:
            raise exc
        return real(*args, **kwargs)

    return wrapper


def _hidden_leftovers(root: Path) -> list[str]:
    return [p.name for p in root.rglob(".*")]


@pytest.mark.parametrize("at", range(1, 9))
@pytest.mark.parametrize("step", ["replace", "rename", "open", "link"])
def test_a_write_failing_midway_restores_the_previous_files(
    built: Path, dbgen: Dbgen, monkeypatch: pytest.MonkeyPatch, step: str, at: int
) -> None:
    before = snapshot(built)
    real = getattr(os, step)
    monkeypatch.setattr(write.os, step, _failing(real, at, OSError(28, "No space left on device")))
    run = dbgen("build", "specs", "--out", "gen")
    monkeypatch.setattr(write.os, step, real)
    if run.code == 0:
        # The build made fewer calls than ``at``: it must then be complete and correct.
        assert dbgen("check", "specs", "--out", "gen").code == 0
        return
    assert run.code == 2, run.stdout + run.stderr
    assert "error[write-failed]" in run.stderr and "previous files are restored" in run.stderr
    assert snapshot(built) == before
    assert not _hidden_leftovers(built)
    assert dbgen("build", "specs", "--out", "gen").code == 0
    assert dbgen("check", "specs", "--out", "gen").code == 0
    assert (built / "shelf_db" / "NOTES.md").read_text() == "mine\n"


@pytest.mark.parametrize("at", [2, 4, 6])
def test_ctrl_c_midway_restores_the_previous_files(
    built: Path, dbgen: Dbgen, monkeypatch: pytest.MonkeyPatch, at: int
) -> None:
    before = snapshot(built)
    monkeypatch.setattr(write.os, "replace", _failing(os.replace, at, KeyboardInterrupt()))
    monkeypatch.setattr(sys, "argv", ["dbgen", "build", "specs", "--out", "gen"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 130
    assert snapshot(built) == before
    assert not _hidden_leftovers(built)


def test_a_failed_first_build_leaves_no_directory(
    project: Path, dbgen: Dbgen, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(write.os, "replace", _failing(os.replace, 3, OSError(5, "I/O error")))
    run = dbgen("build", "specs", "--out", "gen")
    assert run.code == 2
    assert not (project / "gen").exists()


_KILLER = textwrap.dedent(
    """
    import os, sys
    from dbgen.emit import write
    from dbgen.cli import main

    real, calls, at, after = os.replace, [0], int(sys.argv[1]), sys.argv[2] == "after"

    def replace(src, dst):
        if str(dst).endswith("dbgen-stamp.txt"):  # after the build, not part of its commit
            return real(src, dst)
        calls[0] += 1
        if calls[0] == at and not after:
            os._exit(137)  # as SIGKILL would: no cleanup of any kind
        real(src, dst)
        if calls[0] == at and after:
            os._exit(137)

    write.os.replace = replace
    sys.argv = ["dbgen", "build", "specs", "--out", "gen"]
    main()
    """
)


def _replace_calls(built: Path, monkeypatch: pytest.MonkeyPatch, dbgen: Dbgen) -> int:
    """How many os.replace calls the pending build makes (run on a copy of the tree)."""
    copy = built.parent / "gen-count"
    shutil.copytree(built, copy, symlinks=True)
    counter = [0]
    real = os.replace

    def counting(src: Any, dst: Any) -> None:
        counter[0] += Path(dst).name != STAMP  # the stamp is written after the build committed
        real(src, dst)

    monkeypatch.setattr(write.os, "replace", counting)
    assert dbgen("build", "specs", "--out", "gen-count").code == 0
    monkeypatch.setattr(write.os, "replace", real)
    shutil.rmtree(copy)
    return counter[0]


def test_a_killed_build_is_restored_by_the_next_one(
    built: Path, dbgen: Dbgen, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = built.parent
    (project / "killer.py").write_text(_KILLER)
    before = snapshot(built)
    total = _replace_calls(built, monkeypatch, dbgen)
    assert total >= 4
    # Killed at every replace up to and including the manifest's (the commit): not committed,
    # so restoring gives back exactly the previous tree.
    for at in range(1, total + 1):
        proc = _run_killer(project, at, "before")
        assert proc.returncode == 137, proc.stderr
        if at > 1:  # the first replace puts the journal in place
            check = dbgen("check", "specs", "--out", "gen")
            assert check.code == 2 and "error[interrupted-build]" in check.stderr
        assert write.recover(built) == (at > 1)
        assert snapshot(built) == before, at
        assert not _hidden_leftovers(built), at


def test_a_build_killed_after_its_commit_is_finished_by_the_next_one(
    built: Path, dbgen: Dbgen, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = built.parent
    (project / "killer.py").write_text(_KILLER)
    total = _replace_calls(built, monkeypatch, dbgen)
    assert _run_killer(project, total, "after").returncode == 137
    run = dbgen("build", "specs", "--out", "gen")
    assert run.code == 0, run.stderr
    assert "gen:1:1: note[recovered]" in run.stderr and "up to date" in run.stdout
    assert dbgen("check", "specs", "--out", "gen").code == 0
    assert not _hidden_leftovers(built)
    assert (built / "shelf_db" / "NOTES.md").read_text() == "mine\n"


def _run_killer(project: Path, at: int, when: str) -> Any:
    return subprocess.run(
        [sys.executable, "killer.py", str(at), when],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def test_an_interrupted_build_is_finished_by_the_next_build(project: Path) -> None:
    """The real command, killed by a signal it cannot catch, then run again."""
    write_spec(project / "specs")
    assert dbgen_process("build", "specs", "--out", "gen", cwd=project).returncode == 0
    write_spec(project / "specs", CHANGED)
    (project / "killer.py").write_text(_KILLER)
    assert _run_killer(project, 3, "before").returncode == 137
    proc = dbgen_process("build", "specs", "--out", "gen", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert "gen:1:1: note[recovered]" in proc.stderr
    assert dbgen_process("check", "specs", "--out", "gen", cwd=project).returncode == 0

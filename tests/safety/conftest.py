"""Fixtures of the safety suite: small spec directories and the dbgen command, in process."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

# The helpers module sits beside this file; make it importable under any import mode.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from safety_kit import Run, write_spec  # noqa: E402

from dbgen.cli import app  # noqa: E402


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory (the working directory) with specs/ holding a two-table spec."""
    root = tmp_path / "project"
    write_spec(root / "specs")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def dbgen() -> Callable[..., Run]:
    """``dbgen(*args)`` runs the command in this process, in the current working directory."""
    runner = CliRunner()

    def run(*args: str) -> Run:
        result = runner.invoke(app, list(args))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr)

    return run

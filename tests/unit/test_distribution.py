"""The output directory is an installable distribution: its pyproject.toml, a rebuild over it,
and ``pip install -e`` of it in a throwaway virtual environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from dbgen.dialects.postgresql import POSTGRESQL
from dbgen.runtime._requirements import REQUIREMENTS, TESTING_REQUIREMENTS
from support import REPO_ROOT


def dbgen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dbgen", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


@pytest.fixture
def built(tmp_path: Path) -> Path:
    shutil.copytree(REPO_ROOT / "specs", tmp_path / "specs")
    proc = dbgen("build", "specs", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return tmp_path


def test_pyproject_declares_the_runtime_bounds(built: Path) -> None:
    data = tomllib.loads((built / "generated" / "pyproject.toml").read_text())
    assert data["project"]["name"] == "app-db"
    assert data["project"]["dependencies"] == [*REQUIREMENTS, *POSTGRESQL.driver.requirements]
    assert data["project"]["optional-dependencies"]["testing"] == list(TESTING_REQUIREMENTS)
    assert data["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["app_db"]
    assert "pyproject.toml" in (built / "generated" / "dbgen-manifest.txt").read_text()


def test_dbgens_test_extra_keeps_the_testing_bounds() -> None:
    """dbgen's own tests run the generated fixtures: its test extra has the same bounds."""
    extra = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["test"]
    ours = {Requirement(r).name: Requirement(r).specifier for r in extra}
    for raw in TESTING_REQUIREMENTS:
        needed = Requirement(raw)
        assert ours.get(needed.name) == needed.specifier, raw


def test_rebuild_over_its_own_pyproject_but_not_over_a_users(built: Path) -> None:
    out = built / "generated"
    again = dbgen("build", "specs", cwd=built)
    assert again.returncode == 0, again.stderr
    assert dbgen("check", "specs", cwd=built).returncode == 0

    # Edited since dbgen wrote it, it is the user's project file: the directory is refused,
    # nothing is touched.
    written = out / "pyproject.toml"
    written.write_text(written.read_text() + "# mine\n")
    proc = dbgen("build", "specs", cwd=built)
    assert proc.returncode == 2 and "output-is-project" in proc.stderr, proc.stderr
    assert written.read_text().endswith("# mine\n")

    # A project root of the user's (a pyproject.toml no manifest lists) is refused as before.
    project = built / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "mine"\n')
    proc = dbgen("build", "specs", "--out", "project", cwd=built)
    assert proc.returncode == 2 and "output-is-project" in proc.stderr, proc.stderr
    assert sorted(p.name for p in project.iterdir()) == ["pyproject.toml"]


def test_pip_install_editable(built: Path, tmp_path: Path) -> None:
    """``pip install -e generated/`` in a fresh venv (--no-deps: the dependencies come from this
    environment through a .pth file), then the package imports from anywhere."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "dbgen_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "-e", str(built / "generated")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    check = (
        "import importlib.metadata as m, app_db.uow, app_db.models, sqlalchemy.orm\n"
        "sqlalchemy.orm.configure_mappers()\n"
        "print(app_db.uow.__file__)\n"
        "print(*m.requires('app-db'), sep='\\n')\n"
    )
    proc = subprocess.run(
        [python, "-c", check], cwd=elsewhere, capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == str(built / "generated" / "app_db" / "uow.py")
    assert sorted(str(Requirement(r)) for r in lines[1:]) == sorted(
        [
            *(str(Requirement(r)) for r in (*REQUIREMENTS, *POSTGRESQL.driver.requirements)),
            *(str(Requirement(f'{r}; extra == "testing"')) for r in TESTING_REQUIREMENTS),
        ]
    )

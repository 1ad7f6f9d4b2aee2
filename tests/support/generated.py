"""Build a package from SQL and crud.yaml text in-process, write it, and check it as a user would.

``build`` runs the pure core (no CLI); ``write`` puts the files under a directory;
``import_all`` imports every generated module in a fresh interpreter (warnings are errors) and
configures the mappers; ``type_check`` runs ``mypy --strict`` and ``ruff check`` on the package.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dbgen.core import Inputs, Result, generate

_IMPORT_ALL = """
import importlib, pkgutil, sys, warnings
warnings.simplefilter("error")
import sqlalchemy.orm
pkg = importlib.import_module(sys.argv[1])
names = [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")
         if ".migrations" not in m.name]
for name in names:
    importlib.import_module(name)
sqlalchemy.orm.configure_mappers()
print(len(names))
"""


# The rules `make lint` applies to generated/ (pyproject.toml's [tool.ruff.lint]).
_RUFF_RULES = "E,F,W,I,B,UP,SIM,RUF"


def build(sql: str, crud: str, layout: str = "layer") -> Result:
    return generate(Inputs((("schema.sql", sql),), ("crud.yaml", crud)), layout=layout)


def errors(result: Result) -> list[str]:
    return [str(d) for d in result.diagnostics if d.is_error]


def write(result: Result, out: Path) -> Path:
    assert result.ok, "\n".join(errors(result))
    for rel, text in result.files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return out


def import_all(out: Path, package: str) -> subprocess.CompletedProcess[str]:
    """Import every module of ``package`` under ``out`` and configure the mappers."""
    return subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, package],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def type_check(out: Path, package: str) -> subprocess.CompletedProcess[str]:
    """``mypy --strict`` then ``ruff check`` over the package; the output of the first failing."""
    bin_dir = Path(sys.executable).parent
    mypy = subprocess.run(
        [str(bin_dir / "mypy"), "--strict", "--no-incremental", "-p", package],
        cwd=out,
        env={"MYPYPATH": str(out), "PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if mypy.returncode != 0:
        return mypy
    return subprocess.run(
        [
            str(bin_dir / "ruff"),
            "check",
            "--no-cache",
            "--isolated",
            "--config",
            "line-length=100",
            "--config",
            "src=['.']",
            "--select",
            _RUFF_RULES,
            "--ignore",
            "E501",  # as pyproject.toml's [tool.ruff.lint], which `make lint` applies
            package,
        ],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )

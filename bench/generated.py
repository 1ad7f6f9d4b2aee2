"""Build the bench's package from the demo spec with `dbgen build` and import it."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import yaml

from bench.settings import DEMO_SPEC


@dataclass(frozen=True, slots=True)
class Package:
    name: str
    root: Path  # the --out directory (on sys.path)

    def module(self, dotted: str) -> ModuleType:
        return importlib.import_module(f"{self.name}.{dotted}")


def dbgen_executable() -> str:
    exe = Path(sys.executable).with_name("dbgen")
    return str(exe) if exe.exists() else "dbgen"


def build(out: Path, spec: Path = DEMO_SPEC) -> Package:
    """`dbgen build SPEC --out OUT`, then make OUT importable."""
    proc = subprocess.run(
        [dbgen_executable(), "build", str(spec), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"dbgen build {spec} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    name = str(yaml.safe_load((spec / "crud.yaml").read_text())["package"])
    if not (out / name / "repositories").is_dir():
        raise RuntimeError(
            f"{out / name} has no repositories/: the CRUD layer is not generated yet"
        )
    if name in sys.modules:
        raise RuntimeError(f"a module named {name} is already imported")
    sys.path.insert(0, str(out))
    pkg = importlib.import_module(name)
    if not str(Path(pkg.__file__ or "").resolve()).startswith(str(out.resolve())):
        raise RuntimeError(f"imported {name} from {pkg.__file__}, not from {out}")
    return Package(name, out)


def build_as(out: Path, spec: Path, name: str) -> Package:
    """``build`` of ``spec`` under package ``name``: the golden cases' demos share package names
    with each other and with the PostgreSQL demo, and one process imports them all. The spec's
    files are copied to a scratch directory beside ``out`` (never into the repository)."""
    copy = out.with_name(out.name + "-spec")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(spec, copy, ignore=shutil.ignore_patterns("expected"))
    crud = yaml.safe_load((copy / "crud.yaml").read_text())
    crud["package"] = name
    (copy / "crud.yaml").write_text(yaml.safe_dump(crud, sort_keys=False))
    return build(out, copy)

"""Install the `bench` extra (pyproject.toml) into this interpreter when parts are missing."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tomllib

from bench.settings import REPO_ROOT

# distribution name -> module that proves it is installed
MODULES = {
    "fastcrud": "fastcrud",
    "sqlacodegen": "sqlacodegen",
    "matplotlib": "matplotlib",
    "pyinstrument": "pyinstrument",
    "py-spy": None,
}


def _requirements() -> list[str]:
    data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    return list(data["project"]["optional-dependencies"]["bench"])


def _name(requirement: str) -> str:
    for sep in "<>=!~[; ":
        requirement = requirement.split(sep, 1)[0]
    return requirement.strip().lower()


def ensure() -> None:
    missing = []
    for req in _requirements():
        module = MODULES.get(_name(req), _name(req).replace("-", "_"))
        if module is not None and importlib.util.find_spec(module) is None:
            missing.append(req)
    if not missing:
        return
    print(f"bench: installing the bench extra's missing packages: {' '.join(missing)}", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)
    importlib.invalidate_caches()

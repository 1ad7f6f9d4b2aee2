"""Copy the runtime (dbgen/runtime/**) into the generated package.

Every ``*.py`` under ``dbgen/runtime`` except the ``__init__.py`` files lands at the same path
inside the package, behind the generated-file header and otherwise byte for byte: the modules
import each other relatively and take the package's name from ``__name__``, so nothing is
substituted. They are read as text, never imported (SQLAlchemy stays out of ``dbgen build``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from dbgen.render.package import Rendered

RUNTIME_DIR = Path(__file__).resolve().parent.parent / "runtime"


@cache
def runtime_sources() -> tuple[tuple[str, str], ...]:
    """(path relative to the package, source text) of every runtime module, sorted."""
    return tuple(
        (path.relative_to(RUNTIME_DIR).as_posix(), path.read_text(encoding="utf-8"))
        for path in sorted(RUNTIME_DIR.rglob("*.py"))
        if path.name != "__init__.py" and "__pycache__" not in path.parts
    )


def render_runtime(package: str, env: jinja2.Environment) -> Rendered:
    """The modules are in ruff format's (and black's) layout at 100 columns, whatever the
    configured line length: they are copied, never laid out again."""
    header = env.get_template("_header.j2").render().rstrip("\n") + "\n"
    return Rendered({f"{package}/{rel}": header + text for rel, text in runtime_sources()})

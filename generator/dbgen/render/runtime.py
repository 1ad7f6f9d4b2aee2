"""Copy the runtime (dbgen/runtime/**) into the generated package.

Every ``*.py`` under ``dbgen/runtime`` except the ``__init__.py`` files lands at the same path
inside the package, behind the generated-file header and otherwise byte for byte: the modules
import each other relatively and take the package's name from ``__name__``, so nothing is
substituted. They are read as text, never imported (SQLAlchemy stays out of ``dbgen build``).

The one per-dialect module: ``_dialect.py`` is the dialect's piece, ``_dialects/<name>.py``
(``DriverFacts.runtime`` names it); the other pieces stay out of the package.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from dbgen.render.package import Rendered

RUNTIME_DIR = Path(__file__).resolve().parent.parent / "runtime"
DIALECT_MODULE = "_dialect.py"
PIECES = "_dialects"


@cache
def runtime_sources() -> tuple[tuple[str, str], ...]:
    """(path relative to the package, source text) of every runtime module, sorted (the
    dialects' pieces included, each at its own path)."""
    return tuple(
        (path.relative_to(RUNTIME_DIR).as_posix(), path.read_text(encoding="utf-8"))
        for path in sorted(RUNTIME_DIR.rglob("*.py"))
        if path.name != "__init__.py" and "__pycache__" not in path.parts
    )


def dialect_pieces() -> tuple[str, ...]:
    """The names of the dialects' runtime pieces (``_dialects/<name>.py``)."""
    return tuple(
        rel.removeprefix(f"{PIECES}/").removesuffix(".py")
        for rel, _ in runtime_sources()
        if rel.startswith(f"{PIECES}/")
    )


def package_sources(piece: str = "postgresql") -> tuple[tuple[str, str], ...]:
    """What lands in a package of the dialect whose runtime piece is ``piece``."""
    sources = dict(runtime_sources())
    chosen = sources[f"{PIECES}/{piece}.py"]
    return tuple(
        (rel, chosen if rel == DIALECT_MODULE else text)
        for rel, text in sources.items()
        if not rel.startswith(f"{PIECES}/")
    )


def render_runtime(package: str, env: jinja2.Environment, piece: str = "postgresql") -> Rendered:
    """The modules are in ruff format's (and black's) layout at 100 columns, whatever the
    configured line length: they are copied, never laid out again."""
    header = env.get_template("_header.j2").render().rstrip("\n") + "\n"
    return Rendered({f"{package}/{rel}": header + text for rel, text in package_sources(piece)})

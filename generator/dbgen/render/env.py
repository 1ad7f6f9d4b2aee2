"""The Jinja environment shared by every template."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from dbgen.plan.pyexpr import docbody, pycomment, pystr, tomlstr


def templates_dir() -> Path:
    """Templates ship inside the wheel (dbgen/templates); in a checkout they live at the top."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "templates", here.parent.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"dbgen templates not found near {here}")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # we render Python and INI, not HTML
    )
    # Input text reaches the generated source only through these three (plan/pyexpr.py).
    env.filters["pystr"] = pystr
    env.filters["doc"] = docbody
    env.filters["comment"] = pycomment
    env.filters["tomlstr"] = tomlstr  # pyproject.toml
    return env

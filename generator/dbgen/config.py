"""Options from dbgen.toml (in the spec dir) or [tool.dbgen] in ./pyproject.toml.

out = "generated"        # output directory, relative to the file that says it
line_length = 100        # columns for the lines dbgen composes from names and values
layout = "layer"         # "layer": <pkg>/models/<table>.py ...; "feature": <pkg>/<feature>/models.py ...
allow_destructive = false  # let `dbgen build` write revisions that drop or narrow (the CLI flag)
concurrent_indexes = false # new revisions build and drop indexes of existing tables CONCURRENTLY
dialect = "postgresql"   # the schema's database: "postgresql" (default), "mysql", "sqlite"

[renames]                # declared renames for the next revision (dbgen.evolve reads them)
tables = { "old_name" = "new_name" }
columns = { "users.fullname" = "display_name" }
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from dbgen.diagnostics import Diagnostic, Span, error, line_col

_KNOWN = {
    "out",
    "line_length",
    "layout",
    "allow_destructive",
    "concurrent_indexes",
    "renames",
    "dialect",
}
LAYOUTS = ("layer", "feature")


@dataclass(frozen=True, slots=True)
class Config:
    out: Path
    line_length: int = 100
    layout: str = "layer"  # where each entity's code goes (plan/models.py's Layout)
    allow_destructive: bool = False
    concurrent_indexes: bool = False
    renames: dict[str, object] = field(default_factory=dict)  # the [renames] table as parsed
    source: str = ""  # the file these came from (for the renames' diagnostics)
    dialect: str = "postgresql"  # a name dbgen.dialects has a module for (checked on load)
    # where the dialect was chosen, as messages name it (sniff.py's wrong-dialect errors)
    dialect_setting: str = 'dialect = "postgresql" (the default: no dbgen.toml sets it)'


def load_config(spec_dir: Path, cwd: Path) -> tuple[Config, tuple[Diagnostic, ...]]:
    default = Config(out=cwd / "generated")
    candidates = [(spec_dir / "dbgen.toml", None), (cwd / "pyproject.toml", ("tool", "dbgen"))]
    for path, section in candidates:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line, col = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
            return default, (error(Span(str(path), line, col), "config", str(exc)),)
        for key in section or ():
            data = data.get(key, {}) if isinstance(data, dict) else {}
        if not data:
            continue
        return _from_table(data, path, default, text=text)
    return default, ()


def _key_span(path: Path, text: str, key: str) -> Span:
    """Where ``key = ...`` is written in the file (its first line that sets it)."""
    match = re.search(rf"^[ \t]*({re.escape(key)})[ \t]*=", text, re.MULTILINE)
    if match is None:
        return Span(str(path))
    return Span(str(path), *line_col(text, match.start(1)))


def _dialect(
    data: dict[str, object], path: Path, text: str, problems: list[Diagnostic]
) -> tuple[str, str] | None:
    """(dialect, how messages name the setting) when the table sets a usable one."""
    from dbgen.dialects import dialect_problem

    if "dialect" not in data:
        return None
    value = data["dialect"]
    span = _key_span(path, text, "dialect")
    if not isinstance(value, str):
        problems.append(error(span, "config", "'dialect' must be a string"))
        return None
    problem = dialect_problem(value)
    if problem is not None:
        problems.append(error(span, "config", problem))
        return None
    return value, f'dialect = "{value}" in {path}'


def _from_table(
    data: dict[str, object], path: Path, default: Config, text: str = ""
) -> tuple[Config, tuple[Diagnostic, ...]]:
    problems = [
        error(
            Span(str(path)),
            "config",
            f"unknown option {key!r} (known: {', '.join(sorted(_KNOWN))})",
        )
        for key in data
        if key not in _KNOWN
    ]
    out, line_length = default.out, default.line_length
    if "out" in data:
        if isinstance(data["out"], str) and data["out"]:
            out = path.parent / data["out"]
        else:
            problems.append(error(Span(str(path)), "config", "'out' must be a non-empty string"))
    if "line_length" in data:
        value = data["line_length"]
        if isinstance(value, int) and not isinstance(value, bool) and 40 <= value <= 200:
            line_length = value
        else:
            problems.append(
                error(Span(str(path)), "config", "'line_length' must be an integer from 40 to 200")
            )
    layout = default.layout
    if "layout" in data:
        if data["layout"] in LAYOUTS:
            layout = str(data["layout"])
        else:
            problems.append(
                error(
                    _key_span(path, text, "layout"),
                    "config",
                    f"'layout' must be one of {', '.join(map(repr, LAYOUTS))}",
                )
            )
    switches = {}
    for key in ("allow_destructive", "concurrent_indexes"):
        value = data.get(key, False)
        if isinstance(value, bool):
            switches[key] = value
        else:
            problems.append(error(Span(str(path)), "config", f"'{key}' must be true or false"))
    renames: dict[str, object] = {}
    if "renames" in data:
        if isinstance(data["renames"], dict):
            renames = data["renames"]
        else:
            problems.append(error(Span(str(path)), "config", "'renames' must be a table"))
    chosen = _dialect(data, path, text, problems)
    dialect, setting = chosen if chosen is not None else (default.dialect, default.dialect_setting)
    config = Config(
        out=out,
        line_length=line_length,
        layout=layout,
        allow_destructive=switches.get("allow_destructive", False),
        concurrent_indexes=switches.get("concurrent_indexes", False),
        renames=renames,
        source=str(path),
        dialect=dialect,
        dialect_setting=setting,
    )
    return config, tuple(problems)

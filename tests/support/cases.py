"""Building a golden case (or the demo spec) in memory, as `dbgen build` would from its directory.

One place decides what a case's build takes: its inputs, its dbgen.toml (line length, layout,
dialect) and its history/; the golden comparison and the formatting checks both call it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

from dbgen.config import load_config
from dbgen.core import Result, generate, read_inputs
from dbgen.history.revisions import read_history_files


def build_case(
    case: Path, *, layout: str | None = None, crud: Callable[[str], str] | None = None
) -> Result:
    """The build of ``case``: run from inside it, as paths in headers and diagnostics are relative.
    ``layout`` overrides the case's; ``crud`` rewrites its crud.yaml text first."""
    cwd = os.getcwd()
    os.chdir(case)
    try:
        inputs, diags = read_inputs(Path("."))
        assert inputs is not None, [str(d) for d in diags]
        config, config_diags = load_config(Path("."), Path("."))
        assert not config_diags, [str(d) for d in config_diags]
        history = read_history_files(Path("history"))
        if crud is not None and inputs.crud is not None:
            inputs = dataclasses.replace(inputs, crud=(inputs.crud[0], crud(inputs.crud[1])))
        return generate(
            dataclasses.replace(inputs, history=history, out_display="out"),
            line_length=config.line_length,
            layout=layout or config.layout,
            dialect=config.dialect,
            dialect_setting=config.dialect_setting,
        )
    finally:
        os.chdir(cwd)

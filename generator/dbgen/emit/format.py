"""Format generated Python with black, in-process."""

from __future__ import annotations

import black

from dbgen.diagnostics import Diagnostic, Span, error


def format_files(files: dict[str, str], line_length: int) -> tuple[dict[str, str], tuple[Diagnostic, ...]]:
    mode = black.Mode(line_length=line_length, target_versions={black.TargetVersion.PY311})
    out: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for path, text in sorted(files.items()):
        if not path.endswith(".py"):
            out[path] = text
            continue
        try:
            out[path] = black.format_str(text, mode=mode)
        except black.InvalidInput as exc:
            # A template produced invalid Python: a dbgen bug, reported against the output file.
            problems.append(error(Span(path), "internal-invalid-python", f"generated code does not parse: {exc}"))
            out[path] = text
    return out, tuple(problems)

"""The last gate before anything is written: every generated Python file must compile.

A template or view that produces code Python rejects is a dbgen bug, but the user sees the
consequence: a package that does not import. So the core compiles every ``.py`` file it is about
to hand back (compile(), not only ast.parse(): the compiler also rejects what the parser lets
through, such as a duplicate argument name or ``return`` outside a function) and turns a failure
into a located error against the generated file, instead of exit 0. The code is not run.
"""

from __future__ import annotations

from collections.abc import Mapping

from dbgen.diagnostics import Diagnostic, Span, error

CODE = "internal-invalid-python"


def check_python(files: Mapping[str, str]) -> tuple[Diagnostic, ...]:
    """An error for each Python file of ``files`` that does not compile."""
    problems: list[Diagnostic] = []
    for path, text in sorted(files.items()):
        if not path.endswith(".py"):
            continue
        try:
            # Bytes, as an import reads the file: a coding declaration would count there too.
            compile(text.encode("utf-8"), path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            line = exc.lineno or 1
            col = exc.offset or 1
            problems.append(
                error(
                    Span(path, line, max(col, 1)),
                    CODE,
                    f"dbgen generated Python that does not compile ({exc.msg}); this is a dbgen "
                    "bug: please report it with the input that caused it",
                )
            )
        except ValueError as exc:  # NUL bytes (Python 3.11 raises ValueError for them)
            offset = text.find("\0")
            line = text.count("\n", 0, offset) + 1 if offset >= 0 else 1
            problems.append(
                error(
                    Span(path, line),
                    CODE,
                    f"dbgen generated Python that does not compile ({exc}); this is a dbgen bug: "
                    "please report it with the input that caused it",
                )
            )
    return tuple(problems)

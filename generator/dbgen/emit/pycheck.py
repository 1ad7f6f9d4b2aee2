"""The last gate before anything is written: every generated Python file must compile.

A template or view that produces code Python rejects is a dbgen bug, but the user sees the
consequence: a package that does not import. So the core compiles every ``.py`` file it is about
to hand back (compile(), not only ast.parse(): the compiler also rejects what the parser lets
through, such as a duplicate argument name or ``return`` outside a function) and turns a failure
into a located error against the generated file, instead of exit 0. The code is not run.

Compiling is a fifth of a large build's CPU and needs nothing but the texts, so part of it runs
in a forked worker on another core while the parent renders or compiles the rest
(``start_check_python``). The worker sends back the same diagnostics ``check_python`` returns;
where there is no fork (or other threads run, which a fork would not carry), or the worker
fails, the parent compiles those files itself: the result never depends on the worker.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
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


class PendingCheck:
    """``check_python`` of some files, running in a forked worker until ``result()``."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self._files = files
        self._pid = 0
        self._read = -1
        if _can_fork():
            self._start()

    def _start(self) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: compile, send, and leave without running any cleanup
            code = 1
            try:
                os.close(read)
                data = pickle.dumps(check_python(self._files))
                with os.fdopen(write, "wb") as out:
                    out.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self._pid, self._read = pid, read

    def result(self) -> tuple[Diagnostic, ...]:
        if not self._pid:
            return check_python(self._files)
        with os.fdopen(self._read, "rb") as received:
            data = received.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if os.waitstatus_to_exitcode(status) != 0 or not data:
            return check_python(self._files)  # the worker died: the parent compiles instead
        found: tuple[Diagnostic, ...] = pickle.loads(data)
        return found


def start_check_python(files: Mapping[str, str]) -> PendingCheck:
    """Start ``check_python(files)`` on another core; ``.result()`` waits for it."""
    return PendingCheck(files)


def check_python_split(files: Mapping[str, str]) -> tuple[Diagnostic, ...]:
    """``check_python(files)``, the Python files shared between a worker and this process."""
    paths = sorted(p for p in files if p.endswith(".py"))
    size = sum(len(files[p]) for p in paths)
    theirs: dict[str, str] = {}
    given = 0
    for path in paths:  # about half the text each, by size (what compile() time follows)
        if given * 2 >= size:
            break
        theirs[path] = files[path]
        given += len(files[path])
    worker = start_check_python(theirs)
    mine = check_python({p: files[p] for p in paths if p not in theirs})
    return (*worker.result(), *mine)


def _can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32" and threading.active_count() == 1

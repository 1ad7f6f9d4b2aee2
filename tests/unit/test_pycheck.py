"""The compile gate gives the same located errors whether a forked worker compiled or not."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

from dbgen.diagnostics import Diagnostic
from dbgen.emit import pycheck

FILES = {
    "pkg/a.py": "x = 1\n",
    "pkg/b.py": "def f(a, a):\n    pass\n",  # the compiler's error, not the parser's
    "pkg/c.py": "return 1\n",
    "pkg/d.py": "y = (\n",
    "pkg/e.py": "z = 'nul\0'\n",
    "pkg/notes.txt": "return 1\n",  # not Python: never compiled
    **{f"pkg/ok_{i}.py": f"v{i} = {i}\n" * 40 for i in range(12)},
}


def _where(diags: tuple[Diagnostic, ...]) -> list[tuple[str, int, int, str]]:
    return sorted((d.span.file, d.span.line, d.span.col, d.message) for d in diags)


def test_the_worker_reports_what_the_parent_would() -> None:
    expected = _where(pycheck.check_python(FILES))
    assert [w[0] for w in expected] == ["pkg/b.py", "pkg/c.py", "pkg/d.py", "pkg/e.py"]
    pending = pycheck.start_check_python(FILES)
    assert pending._pid > 0  # forked: a single-threaded POSIX process
    assert _where(pending.result()) == expected


def test_the_split_gate_reports_every_file_once() -> None:
    assert _where(pycheck.check_python_split(FILES)) == _where(pycheck.check_python(FILES))
    assert pycheck.check_python_split({}) == ()


@pytest.fixture
def other_thread() -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    yield
    stop.set()
    thread.join()


@pytest.mark.usefixtures("other_thread")
def test_no_fork_while_other_threads_run() -> None:
    pending = pycheck.start_check_python(FILES)
    assert pending._pid == 0
    assert _where(pending.result()) == _where(pycheck.check_python(FILES))


def test_a_worker_that_fails_is_replaced_by_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    parent = os.getpid()

    def dumps(obj: object) -> bytes:
        if os.getpid() != parent:
            raise RuntimeError("the worker fails before it sends anything")
        raise AssertionError("the parent never pickles")

    monkeypatch.setattr(pycheck.pickle, "dumps", dumps)
    pending = pycheck.start_check_python(FILES)
    assert pending._pid > 0
    assert _where(pending.result()) == _where(pycheck.check_python(FILES))

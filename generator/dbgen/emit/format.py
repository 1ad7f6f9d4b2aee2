"""Format generated Python with black, in-process, fast enough for large schemas.

Most generated files never reach black: the renderer writes them in black's layout already
(plan/pretty.py) and names them in ``preformatted``; the tests check that black leaves each of
them unchanged. The rest (any file with syntax pretty.py could not lay out exactly like black,
or at a line length the fixed templates were not written for) go through black here.

Measured on the 519-table musicbrainz schema (523 files, a 1.4 MB migration): black itself is
~90% of a build. Three things keep it down, none of which changes the output:
- a content-addressed cache (black version + mode + input text -> output), so `check`, `diff`
  and repeated builds format nothing that was formatted before;
- the cyclic garbage collector paused while black runs (its syntax trees are cyclic and many;
  collecting once per file instead of continuously saves about a third);
- when enough text is left to format and several CPUs are free, worker processes, each given
  about the same amount of text (largest files first).
``DBGEN_CACHE_DIR`` overrides the cache location; set it to an empty string to disable the cache.
"""

from __future__ import annotations

import gc
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from dbgen.diagnostics import Diagnostic, Span, error

# black (and importlib.metadata for its version) is imported only when a file needs it: a build
# where every file is preformatted, or every one is cached, never pays for the import.
if TYPE_CHECKING:
    from black.mode import Mode

# Below this much unformatted text a worker pool costs more (fork, pickling) than it saves.
_PARALLEL_MIN_CHARS = 300_000
_MAX_WORKERS = 4

# (path, formatted text or None, black's error message or None)
_Outcome = tuple[str, str | None, str | None]


def _mode(line_length: int) -> Mode:
    from black.mode import Mode, TargetVersion

    return Mode(line_length=line_length, target_versions={TargetVersion.PY311})


@contextmanager
def _paused_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _format_batch(batch: list[tuple[str, str]], line_length: int) -> list[_Outcome]:
    import black
    from black.parsing import InvalidInput

    mode = _mode(line_length)
    out: list[_Outcome] = []
    with _paused_gc():
        for path, text in batch:
            try:
                out.append((path, black.format_str(text, mode=mode), None))
            except InvalidInput as exc:
                out.append((path, None, str(exc)))
            gc.collect()  # black's trees are cyclic: free them now, not at the end
    return out


def _workers() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, _MAX_WORKERS))


def _balanced(items: list[tuple[str, str]], n: int) -> list[list[tuple[str, str]]]:
    """Split into n batches of about equal text size (longest-processing-time-first)."""
    batches: list[list[tuple[str, str]]] = [[] for _ in range(n)]
    sizes = [0] * n
    for path, text in sorted(items, key=lambda it: (-len(it[1]), it[0])):
        i = sizes.index(min(sizes))
        batches[i].append((path, text))
        sizes[i] += len(text)
    return [b for b in batches if b]


def _format_all(items: list[tuple[str, str]], line_length: int) -> list[_Outcome]:
    if not items:
        return []
    workers = _workers()
    if workers == 1 or len(items) < 2 or sum(len(t) for _, t in items) < _PARALLEL_MIN_CHARS:
        return _format_batch(items, line_length)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import black  # noqa: F401  (imported before the fork, so the workers inherit it)

    # fork where there is one: the workers inherit the imported black instead of importing it.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    batches = _balanced(items, workers)
    out: list[_Outcome] = []
    with ProcessPoolExecutor(max_workers=len(batches), mp_context=context) as pool:
        for result in pool.map(_format_batch, batches, [line_length] * len(batches)):
            out.extend(result)
    return out


class _Cache:
    """Formatted text by hash of (black version, mode, input text); one small file per entry."""

    def __init__(self, line_length: int) -> None:
        raw = os.environ.get("DBGEN_CACHE_DIR")
        if raw == "":
            self.root: Path | None = None
        else:
            base = (
                Path(raw)
                if raw
                else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dbgen"
            )
            self.root = base / "black"
        self.line_length = line_length

    @cached_property
    def salt(self) -> bytes:
        from importlib.metadata import version

        return f"{version('black')}\0{self.line_length}\0py311\0".encode()

    def _path(self, text: str) -> Path | None:
        if self.root is None:
            return None
        digest = hashlib.sha256(self.salt + text.encode()).hexdigest()
        return self.root / digest[:2] / digest[2:]

    def get(self, text: str) -> str | None:
        path = self._path(text)
        if path is None:
            return None
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def put(self, text: str, formatted: str) -> None:
        path = self._path(text)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Atomic: a concurrent reader sees the whole entry or none.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(formatted)
            os.replace(tmp, path)
        except OSError:
            self.root = None  # unwritable cache: stop trying, format without it


def format_files(
    files: dict[str, str], line_length: int, preformatted: frozenset[str] = frozenset()
) -> tuple[dict[str, str], tuple[Diagnostic, ...]]:
    """black over every Python file of ``files`` except those in ``preformatted``."""
    cache = _Cache(line_length)
    out: dict[str, str] = {}
    todo: list[tuple[str, str]] = []
    for path, text in sorted(files.items()):
        if not path.endswith(".py") or path in preformatted:
            out[path] = text
            continue
        hit = cache.get(text)
        if hit is not None:
            out[path] = hit
        else:
            todo.append((path, text))
    problems: list[Diagnostic] = []
    sources = dict(todo)
    for path, formatted, message in _format_all(todo, line_length):
        if formatted is None:
            # A template produced invalid Python: a dbgen bug, reported against the output file.
            problems.append(
                error(
                    Span(path),
                    "internal-invalid-python",
                    f"generated code does not parse: {message}",
                )
            )
            out[path] = sources[path]
        else:
            out[path] = formatted
            cache.put(sources[path], formatted)
    return dict(sorted(out.items())), tuple(problems)

"""Format generated Python with black, in-process.

Black is most of a build's time (a large schema's migration alone is a megabyte of Python), so:
- results are cached by content (input text, black version, options) under the user's cache
  directory: an unchanged file costs a hash and a read, which keeps `dbgen check` fast;
- cache misses are formatted in parallel processes when there is enough work to pay for them.
The output is the same bytes either way.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import black

from dbgen.diagnostics import Diagnostic, Span, error

# Below this much uncached source, starting worker processes costs more than it saves.
_PARALLEL_MIN_CHARS = 400_000


def cache_dir() -> Path | None:
    """$DBGEN_CACHE_DIR, else $XDG_CACHE_HOME/dbgen, else ~/.cache/dbgen; None if DBGEN_NO_CACHE."""
    if os.environ.get("DBGEN_NO_CACHE"):
        return None
    explicit = os.environ.get("DBGEN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dbgen" / "black"


def _mode(line_length: int) -> black.Mode:
    return black.Mode(line_length=line_length, target_versions={black.TargetVersion.PY311})


def _key(text: str, line_length: int) -> str:
    h = hashlib.sha256(f"{black.__version__}\0{line_length}\0".encode())
    h.update(text.encode())
    return h.hexdigest()


def _format_one(args: tuple[str, int]) -> tuple[str | None, str | None]:
    """(formatted, error message); runs in worker processes too."""
    text, line_length = args
    try:
        return black.format_str(text, mode=_mode(line_length)), None
    except black.InvalidInput as exc:
        return None, str(exc)


def _read_cache(directory: Path | None, key: str) -> str | None:
    if directory is None:
        return None
    try:
        return (directory / key[:2] / key).read_text(encoding="utf-8")
    except OSError:
        return None


def _write_cache(directory: Path | None, key: str, text: str) -> None:
    if directory is None:
        return
    target = directory / key[:2] / key
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, target)  # readers see a whole entry or none
    except OSError:
        pass  # a cache that cannot be written is only slower


def format_files(files: dict[str, str], line_length: int) -> tuple[dict[str, str], tuple[Diagnostic, ...]]:
    directory = cache_dir()
    out: dict[str, str] = {}
    todo: list[tuple[str, str]] = []  # (path, cache key) of cache misses
    for path, text in files.items():
        if not path.endswith(".py"):
            out[path] = text
            continue
        key = _key(text, line_length)
        cached = _read_cache(directory, key)
        if cached is not None:
            out[path] = cached
        else:
            todo.append((path, key))
    # Largest first, so the longest file starts at once and the rest fill the other workers.
    todo.sort(key=lambda item: -len(files[item[0]]))
    jobs = [(files[path], line_length) for path, _ in todo]
    workers = min(os.cpu_count() or 1, 8)
    if workers > 1 and sum(len(j[0]) for j in jobs) >= _PARALLEL_MIN_CHARS and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_format_one, jobs, chunksize=4))
    else:
        results = [_format_one(j) for j in jobs]
    problems: list[Diagnostic] = []
    for (path, key), (formatted, message) in zip(todo, results, strict=True):
        if formatted is None:
            # A template produced invalid Python: a dbgen bug, reported against the output file.
            problems.append(error(Span(path), "internal-invalid-python", f"generated code does not parse: {message}"))
            out[path] = files[path]
            continue
        out[path] = formatted
        _write_cache(directory, key, formatted)
    return {p: out[p] for p in sorted(out)}, tuple(problems)

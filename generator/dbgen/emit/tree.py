"""Write, compare and diff a generated tree. build, check and diff share generate()'s result."""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Drift:
    stale: tuple[str, ...]
    missing: tuple[str, ...]
    extra: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return not (self.stale or self.missing or self.extra)


def existing_files(out: Path) -> dict[str, Path]:
    if not out.is_dir():
        return {}
    found = {}
    for p in out.rglob("*"):
        rel = p.relative_to(out).as_posix()
        if p.is_file() and "__pycache__" not in p.parts and not rel.startswith("."):
            found[rel] = p
    return found


def compare(out: Path, files: dict[str, str]) -> Drift:
    have = existing_files(out)
    stale = [p for p, text in files.items() if p in have and have[p].read_bytes() != text.encode()]
    missing = [p for p in files if p not in have]
    extra = [p for p in have if p not in files]
    return Drift(tuple(sorted(stale)), tuple(sorted(missing)), tuple(sorted(extra)))


def unified_diff(out: Path, files: dict[str, str]) -> str:
    have = existing_files(out)
    chunks: list[str] = []
    for path in sorted(set(have) | set(files)):
        old = have[path].read_text(encoding="utf-8", errors="replace") if path in have else ""
        new = files.get(path, "")
        if old == new:
            continue
        chunks.extend(difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True),
            fromfile=f"a/{path}" if path in have else "/dev/null",
            tofile=f"b/{path}" if path in files else "/dev/null",
        ))
    return "".join(chunks)


def write_tree(out: Path, files: dict[str, str]) -> None:
    """Replace ``out`` with exactly ``files``, atomically: the new tree is written beside it and
    swapped in with renames, so an interrupted build leaves the old tree or the new one, never
    half of each. The output directory belongs to dbgen: files it did not generate are removed."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        for rel, text in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rename(out, old / "tree")
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)

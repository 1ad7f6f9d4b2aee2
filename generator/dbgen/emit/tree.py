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
        chunks.extend(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                fromfile=f"a/{path}" if path in have else "/dev/null",
                tofile=f"b/{path}" if path in files else "/dev/null",
            )
        )
    return "".join(chunks)


def write_tree(out: Path, files: dict[str, str]) -> None:
    """Replace ``out`` with exactly ``files``.

    The new tree is written in full beside ``out`` and swapped in with two renames; if the swap
    fails the old tree is put back. So a failed or interrupted build leaves the old tree or the
    new one, never a mix. The output directory belongs to dbgen: files it did not generate go.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    parked: Path | None = None
    try:
        for rel, text in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        if out.exists():
            parked = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rename(out, parked / "tree")
        try:
            os.rename(staging, out)
        except BaseException:
            if parked is not None:
                os.rename(parked / "tree", out)
            raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if parked is not None and out.exists():
            shutil.rmtree(parked, ignore_errors=True)
        raise
    if parked is not None:
        shutil.rmtree(parked, ignore_errors=True)


def _remove_leftovers(out: Path) -> None:
    """Staging trees of a build that was killed; a parked old tree is restored if out is gone."""
    for p in out.parent.glob(f".{out.name}.old-*"):
        if not out.exists() and (p / "tree").is_dir():
            os.rename(p / "tree", out)
        shutil.rmtree(p, ignore_errors=True)
    for p in out.parent.glob(f".{out.name}.new-*"):
        shutil.rmtree(p, ignore_errors=True)

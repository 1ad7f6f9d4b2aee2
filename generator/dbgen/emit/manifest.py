"""The manifest: which files of an output directory dbgen wrote, and their content hashes.

It lives in the output directory as ``dbgen-manifest.txt`` and is generated with the rest of the
tree (``generate()`` adds it), so it is committed, reviewed and checked like any other file. The
format is sha256sum's (``<sha256>  <path>`` per line, sorted by path; ``#`` lines are comments),
so ``sha256sum -c dbgen-manifest.txt`` inside the directory verifies the tree.

A build replaces or removes only the files listed here; everything else in the directory belongs
to the user. The hashes let a build tell a file it wrote from one edited since: a listed file that
the new build no longer produces is removed only while it still holds what dbgen wrote.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dbgen.diagnostics import Diagnostic, Span, error

MANIFEST = "dbgen-manifest.txt"

_HEADER = (
    "# The files dbgen wrote in this directory, with their SHA-256 (`sha256sum -c` checks them).\n"
    "# `dbgen build` replaces or removes only these; every other file here is yours.\n"
)
_LINE = re.compile(r"([0-9a-f]{64})  (.+)")
# One path segment as dbgen writes them: no separators, no control characters, not "." or "..".
_SEGMENT = re.compile(r"[^/\\\x00-\x1f\x7f]+")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_safe_path(rel: str) -> bool:
    """A relative POSIX path that stays inside the directory it is relative to."""
    if not rel or rel.startswith("/") or rel != str(PurePosixPath(rel)):
        return False
    return all(_SEGMENT.fullmatch(p) and p not in (".", "..") for p in rel.split("/"))


@dataclass(frozen=True, slots=True)
class Manifest:
    """Path (relative to the output directory, POSIX) -> SHA-256 of the content dbgen wrote."""

    files: Mapping[str, str]


def render_manifest(files: Mapping[str, str]) -> str:
    """The manifest text for a generated tree (``files``: path -> content; the manifest's own
    entry, if present, is left out)."""
    lines = [_HEADER]
    for rel in sorted(files):
        if rel == MANIFEST:
            continue
        if not is_safe_path(rel):
            raise ValueError(f"generated path {rel!r} is not a plain relative path")
        lines.append(f"{digest(files[rel].encode())}  {rel}\n")
    return "".join(lines)


def with_manifest(files: Mapping[str, str]) -> dict[str, str]:
    """``files`` plus their manifest, in path order."""
    out = {k: v for k, v in files.items() if k != MANIFEST}
    out[MANIFEST] = render_manifest(out)
    return dict(sorted(out.items()))


def parse_manifest(text: str, where: str) -> tuple[Manifest | None, tuple[Diagnostic, ...]]:
    files: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        m = _LINE.fullmatch(line)
        if m is None or not is_safe_path(m.group(2)) or m.group(2) == MANIFEST:
            problems.append(
                error(
                    Span(where, n),
                    "bad-manifest",
                    "not a `<sha256>  <relative path>` line; dbgen will not guess which files "
                    "are its own (restore the file from version control, or delete it and "
                    "adopt the tree with `dbgen build --adopt`)",
                )
            )
            continue
        if m.group(2) in files:
            problems.append(error(Span(where, n), "bad-manifest", f"{m.group(2)} is listed twice"))
        files[m.group(2)] = m.group(1)
    if problems:
        return None, tuple(problems)
    return Manifest(files), ()


def read_manifest(out: Path, where: str) -> tuple[Manifest | None, tuple[Diagnostic, ...]]:
    """The manifest of output directory ``out`` (``where``: how to name it in messages); None
    without diagnostics when there is none."""
    path = out / MANIFEST
    if not path.exists() and not path.is_symlink():
        return None, ()
    if path.is_symlink() or not path.is_file():
        return None, (error(Span(where), "bad-manifest", "the manifest is not a regular file"),)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, (error(Span(where), "bad-manifest", f"cannot read the manifest: {exc}"),)
    return parse_manifest(text, where)

"""Apply a survey to the output directory: file by file, each atomically, all or nothing.

The directory itself is never replaced (bind mounts, editors and shells inside it keep working).
Each file is written to a temporary file beside it and renamed over it; the file it replaces is
kept as a hard link (or a copy) until the build is over. A journal listing every temporary and
backup name is written before anything is touched, so a failed build restores the previous files
at once, and one that was killed is restored by the next `dbgen build` (``recover``). The
manifest is renamed into place last: that rename is the commit point.

New files get the permissions the umask allows; a replaced file keeps its own. Bytecode caches
of every module written or removed are deleted: Python trusts a .pyc whose source has the same
size and mtime (in seconds), which a quick rebuild can produce, and a package directory left with
only ``__pycache__`` would still import as a namespace package.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import shutil
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from dbgen.emit.manifest import MANIFEST, digest
from dbgen.emit.ownership import JOURNAL, Survey


class Interrupted(Exception):
    """SIGTERM arrived while files were being replaced (the previous files are restored)."""


@dataclass(frozen=True, slots=True)
class _Entry:
    rel: str
    temp: str | None  # name of the new content's temporary file (None: a removal)
    backup: str | None  # name the previous file is kept under (None: there was none)
    new_sha: str | None


def _hidden(rel: str, kind: str) -> str:
    """A fresh hidden name beside rel (same directory, so renames stay atomic)."""
    head, _, name = rel.rpartition("/")
    hidden = f".{name}.{secrets.token_hex(4)}.dbgen-{kind}"
    return f"{head}/{hidden}" if head else hidden


def _write_new(path: Path, data: bytes, mode: int | None) -> None:
    # O_EXCL: never follow or reuse something already there. 0o666 lets the umask decide.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    if mode is not None:
        os.chmod(path, mode)


def _keep(path: Path, backup: Path) -> None:
    """Keep the current file under ``backup`` while the new one replaces it."""
    try:
        os.link(path, backup)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EMLINK, errno.EACCES):
            raise
        part = backup.with_name(backup.name + ".part")
        shutil.copy2(path, part)
        os.replace(part, backup)


def _save_journal(root: Path, entries: list[_Entry], dirs: list[str], manifest_sha: str) -> None:
    data = {
        "version": 1,
        "manifest": manifest_sha,
        "dirs": dirs,
        "entries": [[e.rel, e.temp, e.backup, e.new_sha] for e in entries],
    }
    tmp = root / (JOURNAL + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, root / JOURNAL)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _drop_bytecode(root: Path, rel: str) -> None:
    if not rel.endswith(".py"):
        return
    path = root / rel
    cache = path.parent / "__pycache__"
    if not cache.is_dir():
        return
    for pyc in cache.glob(f"{path.stem}.*.pyc"):
        with contextlib.suppress(OSError):
            pyc.unlink()
    with contextlib.suppress(OSError):
        cache.rmdir()  # only when empty


def _prune_dirs(root: Path, rels: list[str], keep: set[Path]) -> None:
    """Remove directories the removals left empty (never root, never the working directory
    or one of its parents)."""
    candidates = set()
    for rel in rels:
        parent = (root / rel).parent
        while parent != root and root in parent.parents:
            candidates.add(parent)
            parent = parent.parent
    for d in sorted(candidates, key=lambda p: len(p.parts), reverse=True):
        if d in keep:
            continue
        with contextlib.suppress(OSError):
            (d / "__pycache__").rmdir()
        with contextlib.suppress(OSError):
            d.rmdir()


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into an exception while files are replaced, so they are restored."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted("terminated")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: nothing to install
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def apply(plan: Survey) -> None:
    """Make the output directory hold ``plan``'s writes and lose its removals, or, if anything
    fails, leave it as it was. Raises what made it fail."""
    if plan.clean:
        return
    root = plan.root
    created_root = not root.exists()
    root.mkdir(parents=True, exist_ok=True)
    entries: list[_Entry] = []
    for rel in sorted(plan.writes):
        existed = rel not in plan.missing
        sha = digest(plan.writes[rel].encode())
        entries.append(
            _Entry(rel, _hidden(rel, "new"), _hidden(rel, "old") if existed else None, sha)
        )
    entries += [_Entry(rel, None, _hidden(rel, "old"), None) for rel in plan.removals]
    # The manifest goes last, after the removals: replacing it is what commits the build.
    entries.sort(key=lambda e: e.rel == MANIFEST)
    new_dirs = sorted(
        {
            (root / rel).parent.relative_to(root).as_posix()
            for rel in plan.writes
            if not (root / rel).parent.exists()
        }
    )
    manifest_sha = digest(plan.writes[MANIFEST].encode()) if MANIFEST in plan.writes else ""
    with _sigterm_raises():
        _save_journal(root, entries, new_dirs, manifest_sha)
        try:
            for entry in entries:
                if entry.temp is not None:
                    target = root / entry.rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    _write_new(
                        root / entry.temp,
                        plan.writes[entry.rel].encode(),
                        plan.modes.get(entry.rel),
                    )
            for entry in entries:
                target = root / entry.rel
                if entry.temp is None:
                    assert entry.backup is not None
                    os.rename(target, root / entry.backup)
                    continue
                if entry.backup is not None:
                    _keep(target, root / entry.backup)
                os.replace(root / entry.temp, target)
        except BaseException:
            recover(root)
            if created_root:
                with contextlib.suppress(OSError):
                    root.rmdir()
            raise
    _finish(root, entries, plan.removals)


def _finish(root: Path, entries: list[_Entry], removals: tuple[str, ...] | list[str]) -> None:
    """After the commit: drop backups and caches, prune emptied directories, end the journal."""
    for entry in entries:
        if entry.backup is not None:
            with contextlib.suppress(OSError):
                os.unlink(root / entry.backup)
        if entry.temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(root / entry.temp)
        _drop_bytecode(root, entry.rel)
    cwd = Path.cwd().resolve()
    _prune_dirs(root, list(removals), {cwd, *cwd.parents})
    with contextlib.suppress(OSError):
        os.unlink(root / JOURNAL)


def recover(root: Path) -> bool:
    """Finish or undo what an interrupted build left in ``root``; True if there was something.

    Before the commit (the manifest not yet replaced), every file is put back as it was; after
    it, the build is complete and only its leftovers are cleared."""
    journal = root / JOURNAL
    with contextlib.suppress(OSError):
        os.unlink(root / (JOURNAL + ".tmp"))  # killed while writing it: nothing was touched
    if not os.path.lexists(journal):
        return False
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        entries = [_Entry(*e) for e in data["entries"]]
        dirs = list(data["dirs"])
        manifest_sha = str(data["manifest"])
    except (OSError, ValueError, KeyError, TypeError):
        # Unreadable: only a crash during its own atomic write can cause this, before any file
        # was touched, so there is nothing to undo.
        with contextlib.suppress(OSError):
            os.unlink(journal)
        return True
    manifest = root / MANIFEST
    committed = (
        bool(manifest_sha) and manifest.is_file() and digest(manifest.read_bytes()) == manifest_sha
    )
    if committed:
        _finish(root, entries, [e.rel for e in entries if e.temp is None])
        return True
    for entry in reversed(entries):
        target = root / entry.rel
        if entry.temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(root / entry.temp)
        if entry.backup is not None and os.path.lexists(root / entry.backup):
            if os.path.lexists(target) and os.path.samefile(root / entry.backup, target):
                # Still the old file (rename() between two links to one file does nothing).
                os.unlink(root / entry.backup)
            else:
                os.replace(root / entry.backup, target)
        elif (
            entry.backup is None
            and entry.new_sha is not None
            and target.is_file()
            and digest(target.read_bytes()) == entry.new_sha
        ):
            os.unlink(target)  # a new file of this build (only while it holds what it wrote)
        if entry.backup is not None:
            with contextlib.suppress(OSError):
                os.unlink(root / (entry.backup + ".part"))
    for d in sorted(dirs, key=lambda p: len(p.split("/")), reverse=True):
        path = root / d
        while path != root and root in path.parents:
            try:
                path.rmdir()
            except OSError:
                break
            path = path.parent
    with contextlib.suppress(OSError):
        os.unlink(journal)
    return True

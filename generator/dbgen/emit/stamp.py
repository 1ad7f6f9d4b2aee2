"""The stamp: what a tree was built from, so `dbgen check` can prove it current without rendering.

``dbgen build`` writes ``dbgen-stamp.txt`` beside the manifest, after the build committed. It
records four SHA-256 digests:

- ``generator``: dbgen itself: every file of the installed ``dbgen`` package (its code, the
  runtime modules copied into the output) and of its templates, dbgen's version, the Python
  version and the versions of the distributions dbgen depends on (sqlglot parses the DDL, Jinja
  renders it): a different generator may render different files from the same inputs.
- ``inputs``: every input ``generate()`` reads besides the history: each ``*.sql`` file's name
  and text, crud.yaml's, and the configuration (every option of dbgen.toml / [tool.dbgen] but
  the output directory, and the bytes of the file they came from).
- ``manifest``: the manifest the build wrote. The manifest lists every file of the build with
  its hash, so with this one digest the stamp pins the whole tree.
- ``user-history``: the files of ``*/migrations/versions/`` the manifest does not list (revisions
  written by hand): they are read by the build (a new revision chains after them) without being
  part of its output, so they count as inputs. dbgen's own revisions are listed and hashed.

``check`` recomputes the first two and the last from what is on disk now; when they equal the
stamp's and the manifest is the one the stamp names, the manifest is what a build would write, so
hashing the listed files against it decides the verdict: each listed file present, a regular
file, its content the listed hash. Any other finding (a digest that differs, no stamp, a file in
an odd state) means the tree is judged by rendering, as without a stamp. The stamp is never part
of the verdict (a stale or deleted stamp only makes check render); it is not listed in the
manifest, and a build rewrites it whenever it differs.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from dbgen.emit.manifest import MANIFEST, Manifest, digest, parse_manifest

if TYPE_CHECKING:
    from dbgen.config import Config
    from dbgen.core import Inputs

STAMP = "dbgen-stamp.txt"
_HEADER = (
    "# What `dbgen build` built this directory from (dbgen/emit/stamp.py): while it matches,\n"
    "# `dbgen check` verifies the files against the manifest instead of rendering them again.\n"
)
_KEYS = ("generator", "inputs", "manifest", "user-history")


@dataclass(frozen=True, slots=True)
class Stamp:
    generator: str
    inputs: str
    manifest: str
    user_history: str

    def render(self) -> str:
        values = (self.generator, self.inputs, self.manifest, self.user_history)
        return _HEADER + "".join(f"{k} {v}\n" for k, v in zip(_KEYS, values, strict=True))


class _Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...


def _feed(h: _Hasher, label: str, data: bytes) -> None:
    # Length-prefixed, so no two different sequences of fields hash alike.
    h.update(f"{label}\0{len(data)}\0".encode())
    h.update(data)


def _tree_files(root: Path) -> list[tuple[str, Path]]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in filenames:
            if name.endswith((".pyc", ".pyo")):
                continue
            path = Path(dirpath) / name
            found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


@cache
def generator_id() -> str:
    """The digest of the generator that runs: its files, templates and what it depends on."""
    import dbgen
    from dbgen.render.env import templates_dir

    return generator_digest(Path(dbgen.__file__).parent, templates_dir())


def generator_digest(package: Path, templates: Path) -> str:
    """generator_id() for the dbgen package at ``package`` with the templates at ``templates``."""
    import importlib.metadata

    import dbgen

    h = hashlib.sha256()
    _feed(h, "version", dbgen.__version__.encode())
    _feed(h, "python", sys.version.encode())
    try:
        requires = importlib.metadata.requires("dbgen") or []
    except importlib.metadata.PackageNotFoundError:
        requires = []
    for req in sorted(requires):
        if "extra ==" in req:
            continue  # the test and bench tools: not run by a build
        name = req.split(";")[0].strip()
        for sep in "<>=!~[ (":
            name = name.split(sep)[0]
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        _feed(h, "requires", f"{req}={version}".encode())
    for label, root in (("package", package), ("templates", templates)):
        for rel, path in _tree_files(root):
            _feed(h, f"{label}:{rel}", path.read_bytes())
    return h.hexdigest()


# The fields of core.Inputs that are not inputs of the stamp: the history is judged from the
# tree itself (the manifest lists and hashes dbgen's revisions; user_history covers the rest),
# and the output directory's display name only reaches messages.
NOT_STAMPED = frozenset({"history", "out_display"})


def inputs_digest(inputs: Inputs, config: Config) -> str:
    """The digest of a build's inputs but the history: every other field of ``inputs`` (the
    SQL files, crud.yaml, the query files: each file's name, which the generated files name,
    and text), and the configuration: its options but the output directory (where the tree is,
    not what it holds), and the bytes of the file they came from. A new field of Inputs is
    stamped by this loop (or refused, if it is not made of files), never left out silently."""
    h = hashlib.sha256()
    for f in fields(inputs):
        if f.name in NOT_STAMPED:
            continue
        for name, text in _files(f.name, getattr(inputs, f.name)):
            _feed(h, f"{f.name}-name", Path(name).name.encode())
            _feed(h, f.name, text.encode("utf-8", "surrogateescape"))
        _feed(h, f"{f.name}-end", b"")
    options = {k: v for k, v in asdict(config).items() if k not in ("out", "source")}
    _feed(h, "config", repr(sorted(options.items())).encode())
    _feed(h, "config-file", Path(config.source).read_bytes() if config.source else b"")
    return h.hexdigest()


def _files(field_name: str, value: object) -> tuple[tuple[str, str], ...]:
    """An Inputs field as (display path, text) pairs: None, one pair, or a tuple of them."""
    if value is None:
        return ()
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return (value,)
    if isinstance(value, tuple) and all(
        isinstance(v, tuple) and len(v) == 2 and all(isinstance(x, str) for x in v) for v in value
    ):
        return value
    raise TypeError(f"Inputs.{field_name} is not files; say in stamp.py how it is stamped")


def user_history_digest(history: Iterable[tuple[str, str]], listed: Mapping[str, object]) -> str:
    """The digest of the history files (read_history_files) that ``listed`` does not name."""
    h = hashlib.sha256()
    for rel, text in sorted(history):
        if rel not in listed:
            _feed(h, rel, text.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def parse_stamp(text: str) -> Stamp | None:
    values: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition(" ")
        if key not in _KEYS or key in values or len(value) != 64:
            return None
        values[key] = value
    if set(values) != set(_KEYS):
        return None
    return Stamp(values["generator"], values["inputs"], values["manifest"], values["user-history"])


def read_stamp(root: Path) -> Stamp | None:
    path = root / STAMP
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        return parse_stamp(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def write_stamp(root: Path, stamp: Stamp) -> None:
    """Replace the stamp atomically (a stamp half written is no stamp: check renders)."""
    path = root / STAMP
    text = stamp.render()
    try:
        if path.read_text(encoding="utf-8") == text and not path.is_symlink():
            return
    except (OSError, UnicodeDecodeError):
        pass
    tmp = root / f".{STAMP}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError:
        # The stamp only saves work; a build that cannot write it has still succeeded.
        with contextlib.suppress(OSError):
            os.unlink(tmp)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the stamp proves about a tree: its files (the manifest's entry included), and of
    those the ones that are stale (edited) or missing; both empty means up to date."""

    files: int
    stale: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return not (self.stale or self.missing)


def verify(
    root: Path, expected: Stamp, read_history: Iterable[tuple[str, str]] | None = None
) -> Verdict | None:
    """The verdict on ``root`` if its stamp equals ``expected`` (the generator and inputs of
    this run; its manifest and user-history fields are ignored) and every file is in a state the
    stamp can judge; None when the tree must be rendered to be judged.

    ``read_history``: the history files as read_history_files returns them (read here if None).
    """
    found = read_stamp(root)
    if found is None or (found.generator, found.inputs) != (expected.generator, expected.inputs):
        return None
    try:
        st = (root / MANIFEST).lstat()
        if not stat.S_ISREG(st.st_mode):
            return None
        data = (root / MANIFEST).read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if digest(data) != found.manifest:
        return None  # edited, or replaced since (a build killed before it wrote the stamp)
    manifest, problems = parse_manifest(text, MANIFEST)
    if manifest is None or problems:
        return None
    if read_history is None:
        from dbgen.history.revisions import read_history_files

        read_history = read_history_files(root)
    if user_history_digest(read_history, manifest.files) != found.user_history:
        return None
    return _judge(root, manifest)


def _judge(root: Path, manifest: Manifest) -> Verdict | None:
    stale: list[str] = []
    missing: list[str] = []
    dirs: dict[str, bool | None] = {"": True}  # relative directory -> exists (as a real directory)
    for rel, sha in sorted(manifest.files.items()):
        parent = rel.rpartition("/")[0]
        state = _dir_state(root, parent, dirs)
        if state is None:
            return None  # a parent is not a directory: the build's survey reports it
        if not state:
            missing.append(rel)
            continue
        path = root / rel
        try:
            st = path.lstat()
        except FileNotFoundError:
            missing.append(rel)
            continue
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if digest(data) != sha:
            stale.append(rel)
    if any(_is_history(rel) for rel in (*stale, *missing)):
        # A revision is read back as an input (an edited one goes out as edited, the manifest
        # changes instead): only rendering says what a build would do with it.
        return None
    return Verdict(len(manifest.files) + 1, tuple(stale), tuple(missing))


def _is_history(rel: str) -> bool:
    from dbgen.history.revisions import VERSIONS

    parts = rel.split("/")
    return len(parts) == len(VERSIONS.split("/")) + 2 and "/".join(parts[1:-1]) == VERSIONS


def _dir_state(root: Path, rel: str, dirs: dict[str, bool | None]) -> bool | None:
    """True: ``rel`` is a real directory; False: it (or a parent) does not exist; None: it or a
    parent exists and is something else (a file, a symbolic link)."""
    if rel in dirs:
        return dirs[rel]
    parent = _dir_state(root, rel.rpartition("/")[0], dirs)
    state: bool | None
    if not parent:
        state = parent
    else:
        try:
            state = True if stat.S_ISDIR((root / rel).lstat().st_mode) else None
        except FileNotFoundError:
            state = False
        except OSError:
            state = None
    dirs[rel] = state
    return state

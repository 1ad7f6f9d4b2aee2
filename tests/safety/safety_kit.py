"""Helpers of the safety suite (tests/safety/conftest.py puts this directory on sys.path)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """\
CREATE TABLE authors (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE books (
    id integer PRIMARY KEY,
    author_id integer NOT NULL REFERENCES authors (id),
    title text NOT NULL
);
"""

# A schema edit a build writes without --allow-destructive: one nullable column added (it adds
# a migration revision and changes the authors model).
EDITED = SCHEMA.replace("name text NOT NULL", "name text NOT NULL, born date")

CRUD = """\
version: 1
package: shelf_db
entities:
  authors:
    operations: [get, list, create]
  books:
    operations: [get, list, create, delete]
"""


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def snapshot(root: Path) -> dict[str, tuple[bytes | str, int]]:
    """Every entry under root (files: bytes; links: target; dirs: ""), with its mode."""
    out: dict[str, tuple[bytes | str, int]] = {}
    if not root.exists():
        return out
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        st = p.lstat()
        if p.is_symlink():
            out[rel] = (os.readlink(p), st.st_mode)
        elif p.is_file():
            out[rel] = (p.read_bytes(), st.st_mode)
        else:
            out[rel] = ("", st.st_mode)
    return out


def write_spec(spec: Path, schema: str = SCHEMA, crud: str = CRUD) -> Path:
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "schema.sql").write_text(schema, encoding="utf-8")
    (spec / "crud.yaml").write_text(crud, encoding="utf-8")
    return spec


def dbgen_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command in a child process (for what needs a process of its own)."""
    return subprocess.run(
        [sys.executable, "-m", "dbgen", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )

"""Driving a schema evolution in a test: build the old schema, add the planned revision, and
check databases against the roundtrip tool.

``write_revision`` stands in for the build's own revision writer (the history half of issue
16): it renders the plan's bodies into a revision file chained to the initial one, the way
the build does, so the planner can be proven on real databases by itself.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from dbgen.ddl import read_schema
from dbgen.evolve import Renames, RevisionPlan, plan_revision
from dbgen.evolve.renames import NO_RENAMES
from dbgen.ir import Catalog

_RAW_TYPE = '''

class RawType(UserDefinedType[Any]):
    """A column type printed exactly as the schema wrote it."""

    cache_ok = True

    def __init__(self, sql: str) -> None:
        self.sql = sql

    def get_col_spec(self, **kw: Any) -> str:
        return self.sql
'''


def dbgen(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dbgen", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )


def read(path: Path) -> Catalog:
    catalog, diags = read_schema([(path.name, path.read_text(encoding="utf-8"))])
    errors = [str(d) for d in diags if d.is_error]
    assert not errors, errors
    return catalog


def build_initial(schema: Path, work: Path, package: str) -> Path:
    """A spec dir holding ``schema``, scaffolded and built; returns the output dir."""
    spec = work / "spec"
    spec.mkdir(parents=True)
    (spec / "schema.sql").write_bytes(schema.read_bytes())
    done = dbgen("scaffold", "schema.sql", "--out", "crud.yaml", "--package", package, cwd=spec)
    assert done.returncode == 0, done.stderr
    out = work / "out"
    done = dbgen("build", str(spec), "--out", str(out), cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def versions_dir(out: Path) -> Path:
    found = sorted(out.glob("*/migrations/versions"))
    assert len(found) == 1, found
    return found[0]


def head_revision(out: Path) -> str:
    files = sorted(versions_dir(out).glob("*.py"))
    assert len(files) == 1, files
    return files[0].name.split("_", 1)[0]


def write_revision(out: Path, plan: RevisionPlan, parent: str) -> Path:
    rev = hashlib.sha256(f"{parent}\n{plan.digest}".encode()).hexdigest()[:12]
    imports = ["from collections.abc import Sequence"]
    if plan.uses_raw_type:
        imports.append("from typing import Any")
    imports += ["", "import sqlalchemy as sa", "from alembic import op"]
    if plan.uses_postgresql:
        imports.append("from sqlalchemy.dialects import postgresql")
    if plan.uses_raw_type:
        imports.append("from sqlalchemy.types import UserDefinedType")
    text = (
        f'"""{plan.slug}\n\nRevision ID: {rev}\nRevises: {parent}\n"""\n\n'
        + "\n".join(imports)
        + f'\n\nrevision: str = "{rev}"\ndown_revision: str | Sequence[str] | None = "{parent}"\n'
        "branch_labels: str | Sequence[str] | None = None\n"
        "depends_on: str | Sequence[str] | None = None\n"
        + (_RAW_TYPE if plan.uses_raw_type else "")
        + f"\n\ndef upgrade() -> None:\n{plan.upgrade_body}\n\ndef downgrade() -> None:\n{plan.downgrade_body}"
    )
    path = versions_dir(out) / f"{rev}_{plan.slug}.py"
    path.write_text(text, encoding="utf-8")
    return path


def evolve(
    old: Path, new: Path, work: Path, package: str, renames: Renames = NO_RENAMES
) -> tuple[Path, RevisionPlan]:
    out = build_initial(old, work, package)
    plan = plan_revision(read(old), read(new), renames=renames, allow_destructive=True)
    write_revision(out, plan, head_revision(out))
    return out, plan


def roundtrip(
    tool: Path, schema: Path, out: Path, command: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """pg-roundtrip: ``schema`` loaded fresh vs a database that ran ``command`` (a shell line)."""
    return subprocess.run(
        [
            sys.executable,
            str(tool),
            "--ignore-column-order",
            str(schema),
            "--",
            "sh",
            "-c",
            command,
        ],
        cwd=out,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )


def alembic(out: Path) -> str:
    return f"{sys.executable} -m alembic -c {out / 'alembic.ini'}"


def environ(libpq: dict[str, str]) -> dict[str, str]:
    return dict(os.environ, **libpq)

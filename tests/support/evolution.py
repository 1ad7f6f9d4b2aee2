"""Driving a schema evolution in a test: build the old schema, add the planned revision, and
check databases against the roundtrip tool.

``evolve`` does what a user does: build the old schema, put the new one in its place, build
again; the revision under test is the one `dbgen build` wrote.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dbgen.ddl import read_schema
from dbgen.evolve import Renames, RevisionPlan, plan_revision
from dbgen.evolve.renames import NO_RENAMES
from dbgen.ir import Catalog


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


def evolve(
    old: Path,
    new: Path,
    work: Path,
    package: str,
    renames: Renames = NO_RENAMES,
    *,
    allow_destructive: bool = True,
    concurrent_indexes: bool = False,
) -> tuple[Path, RevisionPlan]:
    """Build ``old``, then ``new`` into the same tree, as a user would (``--allow-destructive``,
    crud.yaml scaffolded again for the new tables); the second build must keep the first
    revision byte for byte and add exactly one. Returns the tree and the planner's plan (for
    its diagnostics); ``renames`` and ``concurrent_indexes`` go to dbgen.toml."""
    out = build_initial(old, work, package)
    versions = versions_dir(out)
    first = {p.name: p.read_bytes() for p in versions.iterdir()}
    spec = work / "spec"
    (spec / "schema.sql").write_bytes(new.read_bytes())
    done = dbgen("scaffold", "schema.sql", "--out", "crud.yaml", "--package", package, cwd=spec)
    assert done.returncode == 0, done.stderr
    toml = "concurrent_indexes = true\n" if concurrent_indexes else ""
    if renames != NO_RENAMES:
        toml += renames_toml(renames)
    if toml:
        (spec / "dbgen.toml").write_text(toml, encoding="utf-8")
    allow = ["--allow-destructive"] if allow_destructive else []
    done = dbgen("build", str(spec), "--out", str(out), *allow, cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    after = {p.name: p.read_bytes() for p in versions.iterdir()}
    assert {n: after[n] for n in first} == first, "the first revision was rewritten"
    added = sorted(n for n in after if n not in first and n.endswith(".py"))
    assert len(added) == 1, added
    plan = plan_revision(
        read(old),
        read(new),
        renames=renames,
        allow_destructive=allow_destructive,
        concurrent_indexes=concurrent_indexes,
    )
    assert added[0].removesuffix(".py").split("_", 1)[1] == plan.slug
    return out, plan


def initial_revision(out: Path) -> str:
    (initial,) = sorted(versions_dir(out).glob("*_initial.py"))
    return initial.name.split("_", 1)[0]


def renames_toml(renames: Renames) -> str:
    """``renames`` as dbgen.toml's [renames] table (README, "Changing the schema")."""

    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    tables = ", ".join(
        f"{q(f'{o.schema}.{o.name}')} = {q(f'{n.schema}.{n.name}')}" for o, n in renames.tables
    )
    columns = ", ".join(f"{q(f'{t.schema}.{t.name}.{a}')} = {q(b)}" for t, a, b in renames.columns)
    enums: dict[str, list[str]] = {}
    for e, a, b in renames.enum_values:
        enums.setdefault(f"{e.schema}.{e.name}", []).append(f"{q(a)} = {q(b)}")
    values = ", ".join(f"{q(e)} = {{ {', '.join(pairs)} }}" for e, pairs in enums.items())
    return (
        f"[renames]\ntables = {{ {tables} }}\ncolumns = {{ {columns} }}\n"
        f"enum_values = {{ {values} }}\n"
    )


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

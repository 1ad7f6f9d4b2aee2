"""A SQLite schema through what a user does with it: scaffold (--dialect sqlite), build with
``dialect = "sqlite"`` in dbgen.toml, import every module and configure the mappers (warnings
as errors), then ../shared/tools/sqlite-roundtrip: ``alembic upgrade head`` on an empty SQLite
file, compared with the schema loaded into another, and ``alembic downgrade base`` after it;
then ``alembic check`` on a third file at head (the models agree with the migration).

No server: both databases are files the tool makes in a temporary directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from support.paths import require_shared
from support.roundtrip import _IMPORT_ALL


@dataclass
class Outcome:
    diagnostics: str = ""  # the build's stderr (notes, warnings)
    roundtrip: str = ""  # sqlite-roundtrip's output
    check: str = ""  # alembic check's output, on a file upgraded to head
    failure: str | None = None  # the first step that failed, with its output

    @property
    def summary(self) -> str:
        lines = [
            line for line in self.roundtrip.strip().splitlines() if line.startswith("roundtrip:")
        ]
        return lines[-1] if lines else ""

    @property
    def models_agree(self) -> bool:
        return "No new upgrade operations detected" in self.check

    @property
    def exact(self) -> bool:
        return (
            self.failure is None
            and ", 0 missing, 0 extra" in self.summary
            and "FAILED" not in self.summary
        )

    def explain(self) -> str:
        parts = (
            self.failure or "",
            self.roundtrip[-6000:],
            self.check[-3000:],
            self.diagnostics[-3000:],
        )
        return "\n".join(p for p in parts if p)


def _run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, env=env, timeout=600, check=False
    )


def run(sql: str, workdir: Path, package: str = "rt_db", crud: str | None = None) -> Outcome:
    tool = require_shared("tools/sqlite-roundtrip")
    spec = workdir / "spec"
    spec.mkdir(parents=True)
    schema = spec / "schema.sql"
    schema.write_text(sql, encoding="utf-8")
    (spec / "dbgen.toml").write_text('dialect = "sqlite"\n')
    out = workdir / "out"
    outcome = Outcome()
    dbgen = [sys.executable, "-m", "dbgen"]
    if crud is None:
        scaffold = _run(
            [
                *dbgen,
                "scaffold",
                "schema.sql",
                "--dialect",
                "sqlite",
                "--out",
                "crud.yaml",
                "--package",
                package,
            ],
            spec,
        )
        if scaffold.returncode != 0:
            outcome.failure = "scaffold failed:\n" + scaffold.stderr
            return outcome
    else:
        (spec / "crud.yaml").write_text(crud, encoding="utf-8")
    build = _run([*dbgen, "build", str(spec), "--out", str(out)], workdir)
    outcome.diagnostics = build.stderr
    if build.returncode != 0:
        outcome.failure = "build failed:\n" + build.stderr
        return outcome
    imported = _run([sys.executable, "-c", _IMPORT_ALL, package], out)
    if imported.returncode != 0:
        outcome.failure = "import failed:\n" + imported.stderr[-4000:]
        return outcome
    alembic = [sys.executable, "-m", "alembic", "-c", str(out / "alembic.ini")]
    rt = _run(
        [
            sys.executable,
            str(tool),
            "--downgrade",
            " ".join([*alembic, "downgrade", "base"]),
            str(schema),
            "--",
            *alembic,
            "upgrade",
            "head",
        ],
        out,
    )
    outcome.roundtrip = rt.stdout + rt.stderr[-3000:]
    if rt.returncode != 0 and not outcome.summary:
        outcome.failure = f"sqlite-roundtrip exited {rt.returncode}"
        return outcome
    # The models agree with the migrated database: alembic check on a file at head.
    env = dict(os.environ, DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'check.db'}")
    upgrade = _run([*alembic, "upgrade", "head"], out, env)
    checked = _run([*alembic, "check"], out, env) if upgrade.returncode == 0 else upgrade
    outcome.check = checked.stdout + checked.stderr[-3000:]
    return outcome

"""A schema through everything a user does with it, live: scaffold, build, import, then
../shared/tools/pg-roundtrip (upgrade head on an empty database, pg_dump comparison, downgrade
base) and ``alembic check`` (the models agree with the migrated database).

``run`` returns what each step said, so a test can assert on the diagnostics as well as on the
round-trip; a step that fails stops there and says why (``Outcome.failure``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from support.paths import require_shared
from support.pg import PgServer, temporary_database

_IMPORT_ALL = """
import importlib, pkgutil, sys, warnings
warnings.simplefilter("error")
import sqlalchemy.orm
pkg = importlib.import_module(sys.argv[1])
for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
    if ".migrations" not in m.name:
        importlib.import_module(m.name)
sqlalchemy.orm.configure_mappers()
"""


@dataclass
class Outcome:
    diagnostics: str = ""  # the build's stderr (notes, warnings)
    roundtrip: str = ""  # pg-roundtrip's stdout
    check: str = ""  # alembic check's output
    failure: str | None = None  # the first step that failed, with its output

    @property
    def summary(self) -> str:
        lines = self.roundtrip.strip().splitlines()
        return lines[-1] if lines else ""

    @property
    def exact(self) -> bool:
        """Everything matched, the downgrade left nothing, the models agree."""
        return (
            self.failure is None
            and ", 0 missing, 0 extra" in self.summary
            and "FAILED" not in self.summary
            and "No new upgrade operations detected" in self.check
        )

    def explain(self) -> str:
        return "\n".join(
            part
            for part in (
                self.failure or "",
                self.roundtrip[-6000:],
                self.check[-3000:],
                self.diagnostics[-3000:],
            )
            if part
        )


def _run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, env=env, timeout=900, check=False
    )


def run(sql: str, workdir: Path, pg_server: PgServer, package: str = "rt_db") -> Outcome:
    tool = require_shared("tools/pg-roundtrip")
    spec = workdir / "spec"
    spec.mkdir(parents=True)
    schema = spec / "schema.sql"
    schema.write_text(sql, encoding="utf-8")
    out = workdir / "out"
    outcome = Outcome()
    dbgen = [sys.executable, "-m", "dbgen"]
    scaffold = _run(
        [*dbgen, "scaffold", "schema.sql", "--out", "crud.yaml", "--package", package], spec
    )
    if scaffold.returncode != 0:
        outcome.failure = "scaffold failed:\n" + scaffold.stderr
        return outcome
    build = _run([*dbgen, "build", str(spec), "--out", str(out)], workdir)
    outcome.diagnostics = build.stderr
    if build.returncode != 0:
        outcome.failure = "build failed:\n" + build.stderr
        return outcome
    imported = _run([sys.executable, "-c", _IMPORT_ALL, package], out)
    if imported.returncode != 0:
        outcome.failure = "import failed:\n" + imported.stderr[-4000:]
        return outcome
    env = dict(os.environ, **pg_server.libpq_env())
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
        env,
    )
    outcome.roundtrip = rt.stdout + rt.stderr[-3000:]
    with temporary_database(pg_server) as db:
        env = dict(
            env,
            DATABASE_URL=db.async_url,
            DATABASE_URL_SYNC=db.sync_url,
        )
        up = _run([*alembic, "upgrade", "head"], out, env)
        if up.returncode != 0:
            outcome.failure = "upgrade head failed:\n" + up.stderr[-4000:]
            return outcome
        check = _run([*alembic, "check"], out, env)
        outcome.check = check.stdout + check.stderr
    return outcome

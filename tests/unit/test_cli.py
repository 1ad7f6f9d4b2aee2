"""The dbgen command end to end on the demo spec (no database needed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO_ROOT

SPECS = REPO_ROOT / "specs"


def dbgen(*args: str, cwd: Path, seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    return subprocess.run(
        [sys.executable, "-m", "dbgen", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(SPECS, tmp_path / "specs")
    return tmp_path


@pytest.fixture
def built(project: Path) -> Path:
    proc = dbgen("build", "specs", cwd=project)
    assert proc.returncode == 0, proc.stderr
    return project


def test_build_writes_generated_and_check_passes(built: Path) -> None:
    out = built / "generated"
    assert (out / "alembic.ini").is_file()
    assert (out / "app_db" / "db.py").is_file()
    assert list((out / "app_db" / "migrations" / "versions").glob("*_initial.py"))
    proc = dbgen("check", "specs", cwd=built)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "up to date" in proc.stdout


def test_repository_demo_is_up_to_date() -> None:
    """The committed generated/ is exactly what the generator makes now (the CI check)."""
    proc = dbgen("check", "specs", cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_output_is_identical_across_hash_seeds(project: Path, tmp_path: Path) -> None:
    trees = []
    for seed in ("0", "1", "4242"):
        out = tmp_path / f"out{seed}"
        proc = dbgen("build", "specs", "--out", str(out), cwd=project, seed=seed)
        assert proc.returncode == 0, proc.stderr
        trees.append(snapshot(out))
    assert trees[0] == trees[1] == trees[2]
    text = b"".join(trees[0].values()).decode()
    assert str(tmp_path) not in text, "absolute paths leak into the output"


def test_check_reports_schema_edits_as_stale(built: Path) -> None:
    schema = built / "specs" / "schema.sql"
    schema.write_text(schema.read_text() + "\nCOMMENT ON TABLE tags IS 'edited';\n")
    proc = dbgen("check", "specs", cwd=built)
    assert proc.returncode == 1
    assert "stale: generated/app_db/models/tags.py" in proc.stdout


def test_check_reports_crud_edits_as_stale(built: Path) -> None:
    crud = built / "specs" / "crud.yaml"
    crud.write_text(crud.read_text().replace("package: app_db", "package: other_db", 1))
    proc = dbgen("check", "specs", cwd=built)
    assert proc.returncode == 1
    assert "missing: generated/other_db/models/tags.py" in proc.stdout
    assert "extra: generated/app_db/models/tags.py" in proc.stdout


def test_check_reports_stale_missing_and_extra_files(built: Path) -> None:
    out = built / "generated" / "app_db"
    (out / "db.py").write_text("# edited by hand\n")
    (out / "enums.py").unlink()
    (out / "notes.txt").write_text("mine")  # not in the manifest: the user's, never "extra"
    proc = dbgen("check", "specs", cwd=built)
    assert proc.returncode == 1
    assert "stale: generated/app_db/db.py" in proc.stdout
    assert "missing: generated/app_db/enums.py" in proc.stdout
    assert "notes.txt" not in proc.stdout
    diff = dbgen("diff", "specs", cwd=built)
    assert diff.returncode == 1
    assert "--- a/app_db/db.py" in diff.stdout and "-# edited by hand" in diff.stdout


def test_broken_sql_exits_2_with_location_and_leaves_output_alone(built: Path) -> None:
    before = snapshot(built / "generated")
    schema = built / "specs" / "schema.sql"
    schema.write_text(schema.read_text() + "\nCREATE TABLE broken (id integer,\n")
    lines = schema.read_text().count("\n")
    proc = dbgen("build", "specs", cwd=built)
    assert proc.returncode == 2
    first = proc.stderr.splitlines()[0]
    assert first.startswith("specs/schema.sql:"), first
    assert ": error[" in first
    assert int(first.split(":")[1]) >= lines - 1
    assert snapshot(built / "generated") == before


def test_broken_yaml_exits_2_with_location(built: Path) -> None:
    before = snapshot(built / "generated")
    crud = built / "specs" / "crud.yaml"
    crud.write_text(crud.read_text() + "\n  - [unclosed\n")
    proc = dbgen("build", "specs", cwd=built)
    assert proc.returncode == 2
    assert proc.stderr.startswith("specs/crud.yaml:"), proc.stderr
    assert snapshot(built / "generated") == before


def test_missing_spec_dir_is_a_usage_error(tmp_path: Path) -> None:
    proc = dbgen("build", "nowhere", cwd=tmp_path)
    assert proc.returncode == 2
    assert "nowhere" in proc.stderr and "error[no-spec-dir]" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nosuch",), "No such command 'nosuch'"),
        (("build",), "Missing"),
        (("build", "--nosuch", "specs"), "No such option: --nosuch"),
    ],
)
def test_usage_errors_exit_2_without_a_traceback(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    run = dbgen(*args, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert message in run.stderr and "Traceback" not in run.stderr, run.stderr


def test_inspect_prints_the_model_as_json(project: Path) -> None:
    proc = dbgen("inspect", "specs", cwd=project)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    names = {t["qname"]["name"] for t in data["catalog"]["tables"]}
    assert {"users", "tasks", "tags"} <= names
    assert data["spec"]["package"] == "app_db"


def test_version() -> None:
    proc = dbgen("--version", cwd=REPO_ROOT)
    assert proc.returncode == 0
    assert proc.stdout.startswith("dbgen 0.")


def test_config_file_sets_output_dir(project: Path) -> None:
    (project / "specs" / "dbgen.toml").write_text('out = "../build/db"\n')
    proc = dbgen("build", "specs", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert (project / "build" / "db" / "alembic.ini").is_file()
    (project / "specs" / "dbgen.toml").write_text('output = "x"\n')
    proc = dbgen("build", "specs", cwd=project)
    assert proc.returncode == 2
    assert "unknown option 'output'" in proc.stderr

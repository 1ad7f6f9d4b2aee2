"""Query files through the command line: an edit makes the tree stale and the next build
rewrites queries.py; a broken query stops the build at its location and writes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO_ROOT

SPECS = REPO_ROOT / "specs"


def dbgen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dbgen", *args],
        cwd=cwd,
        env=dict(os.environ, PYTHONHASHSEED="0"),
        capture_output=True,
        text=True,
        check=False,
    )


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def built(tmp_path: Path) -> Path:
    shutil.copytree(SPECS, tmp_path / "specs")
    proc = dbgen("build", "specs", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return tmp_path


def test_a_query_edit_is_stale_and_rebuilt(built: Path) -> None:
    queries = built / "specs" / "queries" / "reports.sql"
    queries.write_text(
        queries.read_text()
        + "\n-- name: tag_names :many\nSELECT t.name FROM tags t ORDER BY t.name;\n"
    )
    proc = dbgen("check", "specs", cwd=built)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "stale: generated/app_db/queries.py" in proc.stdout
    proc = dbgen("build", "specs", cwd=built)
    assert proc.returncode == 0, proc.stderr
    assert (
        "async def tag_names(self) -> list[TagNamesRow]:"
        in (built / "generated" / "app_db" / "queries.py").read_text()
    )
    assert dbgen("check", "specs", cwd=built).returncode == 0
    # Queries are not the schema: no migration revision for them.
    versions = built / "generated" / "app_db" / "migrations" / "versions"
    assert len(list(versions.glob("*.py"))) == 1


def test_removing_the_queries_removes_queries_py(built: Path) -> None:
    shutil.rmtree(built / "specs" / "queries")
    proc = dbgen("build", "specs", cwd=built)
    assert proc.returncode == 0, proc.stderr
    assert not (built / "generated" / "app_db" / "queries.py").exists()
    assert "queries" not in (built / "generated" / "app_db" / "uow.py").read_text()


def test_a_broken_query_exits_2_and_writes_nothing(built: Path) -> None:
    before = snapshot(built / "generated")
    queries = built / "specs" / "queries" / "reports.sql"
    queries.write_text(queries.read_text().replace("u.display_name,", "u.displayname,", 1))
    proc = dbgen("build", "specs", cwd=built)
    assert proc.returncode == 2
    assert proc.stderr.startswith(
        "specs/queries/reports.sql:9:8: error[unknown-column]: users (u) has no column "
        "'displayname' (did you mean 'display_name'?)"
    ), proc.stderr
    assert snapshot(built / "generated") == before


def test_queries_are_postgresql_only() -> None:
    from dbgen.core import Inputs, generate

    inputs = Inputs(
        (("schema.sql", "CREATE TABLE t (id int PRIMARY KEY);\n"),),
        ("crud.yaml", "version: 1\npackage: t_db\nentities:\n  t: {}\n"),
        queries=(("queries/q.sql", "-- name: ids :many\nSELECT id FROM t;\n"),),
    )
    assert generate(inputs).ok
    result = generate(inputs, dialect="mysql")
    assert [str(d) for d in result.diagnostics if d.is_error] == [
        "queries/q.sql:1:1: error[queries-unsupported-dialect]: named queries are typed with "
        "PostgreSQL's rules; the mysql dialect has none yet (move queries/ out of the spec "
        "directory)"
    ]
    assert result.files == {}


def test_query_text_reaches_the_package_exactly() -> None:
    """Docstrings and SQL from a query file go through the escaping functions: quotes, triple
    quotes, backslashes and colons come out as written."""
    import ast

    from dbgen.core import Inputs, generate
    from dbgen.sqltype import text_for_sqlalchemy

    sql = (
        "SELECT t.id, 'a''b\"\"\"c\\\\d :not_a_param' AS s, E'\\\\n' AS e\n"
        "FROM t WHERE t.id = :id::int"
    )
    query = f'-- name: odd :many\n-- Says """hi""" and \\ then {{{{ x }}}}.\n{sql};\n'
    result = generate(
        Inputs(
            (("schema.sql", "CREATE TABLE t (id int PRIMARY KEY);\n"),),
            ("crud.yaml", "version: 1\npackage: t_db\nentities:\n  t: {}\n"),
            queries=(("queries/q.sql", query),),
        )
    )
    assert result.ok, [str(d) for d in result.diagnostics]
    module = ast.parse(result.files["t_db/queries.py"])
    strings = [n.value for n in ast.walk(module) if isinstance(n, ast.Constant)]
    assert text_for_sqlalchemy(sql) in strings
    assert 'Says """hi""" and \\ then {{ x }}.' in strings


def test_a_feature_named_queries_keeps_out_of_the_way() -> None:
    """queries.py sits at the top of the package: a feature of the feature layout (by default
    named after its table) may not take the name."""
    from dbgen.core import Inputs, generate

    result = generate(
        Inputs(
            (("schema.sql", "CREATE TABLE queries (id int PRIMARY KEY);\n"),),
            ("crud.yaml", "version: 1\npackage: q_db\nentities:\n  queries: {operations: [get]}\n"),
            queries=(("queries/q.sql", "-- name: ids :many\nSELECT id FROM queries;\n"),),
        ),
        layout="feature",
    )
    assert result.ok, [str(d) for d in result.diagnostics]
    assert "q_db/queries.py" in result.files
    assert not any(p.startswith("q_db/queries/") for p in result.files)

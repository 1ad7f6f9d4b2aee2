"""docs/examples/ run as the README says: migrate a fresh database, then run the program."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from support import REPO_ROOT, FreshDb, import_generated, psql
from support.layouts import build_demo

GENERATED = REPO_ROOT / "generated"  # the committed demo package (`make check` keeps it current)
EXAMPLES = REPO_ROOT / "docs" / "examples"


def user_env(db: FreshDb, out: Path = GENERATED) -> dict[str, str]:
    """A user's shell after ``pip install -e generated/`` and ``export DATABASE_URL=...``
    (tests/unit/test_distribution.py installs it for real; here it is on PYTHONPATH)."""
    return dict(os.environ, DATABASE_URL=db.async_url, PYTHONPATH=str(out))


def migrate(db: FreshDb, out: Path = GENERATED) -> None:
    alembic = [sys.executable, "-m", "alembic", "-c", str(out / "alembic.ini")]
    proc = subprocess.run(
        [*alembic, "upgrade", "head"], env=user_env(db, out), capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def feature_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo in the feature layout (support/layouts.py): the examples import only what both
    layouts have, so they run on it unchanged."""
    return build_demo(tmp_path_factory.mktemp("feature"), "feature")


@pytest.mark.parametrize("layout", ["layer", "feature"])
def test_the_tour_runs_on_a_migrated_database(
    fresh_db: FreshDb, layout: str, request: pytest.FixtureRequest
) -> None:
    out = GENERATED if layout == "layer" else request.getfixturevalue("feature_build")
    migrate(fresh_db, out)
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / "docs/examples/tour.py")],
        env=user_env(fresh_db, out),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "docs-1: Write docs",
        "docs-2: Review docs",
        "1 todo",
        "2 todo",
    ]


@pytest.fixture
def fastapi_example(fresh_db: FreshDb, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """docs/examples/fastapi_app.py imported against the committed demo package, with
    DATABASE_URL on a freshly migrated database."""
    migrate(fresh_db)
    monkeypatch.setenv("DATABASE_URL", fresh_db.async_url)
    with import_generated(GENERATED, "app_db"):
        spec = importlib.util.spec_from_file_location("fastapi_app", EXAMPLES / "fastapi_app.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
        sys.modules["app_db.db"].dispose_engines_sync()


def _backends(db: FreshDb) -> int:
    query = f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{db.name}'"
    return int(psql(db.server.admin_dsn, "-Atc", query).stdout.strip())


def test_the_fastapi_example(fastapi_example: ModuleType, fresh_db: FreshDb) -> None:
    app = fastapi_example.app

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://t") as client,
        ):
            ada = {"email": "ada@example.com", "display_name": "Ada"}
            created = await client.post("/users", json=ada)
            assert created.status_code == 201, created.text
            user_id = created.json()["id"]
            assert (await client.get(f"/users/{user_id}")).json()["email"] == ada["email"]

            again = await client.post("/users", json=ada)
            assert again.status_code == 409, again.text
            assert again.json()["error"] == "AlreadyExistsError"
            assert again.json()["constraint"] == "users_email_key"

            missing = await client.get(f"/users/{uuid.uuid4()}")
            assert (missing.status_code, missing.json()["error"]) == (404, "NotFoundError")
            gone = await client.patch(f"/users/{uuid.uuid4()}", json={"display_name": "x"})
            assert gone.status_code == 404, gone.text

            bad = await client.patch(f"/users/{user_id}", json={"email": "no-at-sign"})
            assert bad.status_code == 422, bad.text
            assert bad.json()["constraint"] == "users_email_format"
            nothing = await client.get("/users", params={"limit": 0})
            assert nothing.status_code == 422, nothing.text  # an InvalidQueryError (or subclass)
            assert nothing.json()["error"] in ("InvalidQueryError", "InvalidValueError")
            forged = await client.get("/users", params={"after": "not-a-cursor"})
            assert (forged.status_code, forged.json()["error"]) == (422, "InvalidCursorError")

            await client.post("/users", json={"email": "bob@example.com", "display_name": "B"})
            first = (await client.get("/users", params={"limit": 1})).json()
            assert [u["email"] for u in first["items"]] == ["ada@example.com"]
            rest = await client.get("/users", params={"limit": 1, "after": first["next_cursor"]})
            assert [u["email"] for u in rest.json()["items"]] == ["bob@example.com"]

            assert (await client.delete(f"/users/{user_id}")).status_code == 204
            assert (await client.get(f"/users/{user_id}")).status_code == 404
            assert _backends(fresh_db) >= 1  # the pool holds its connection until shutdown
        # The lifespan disposed the engine at shutdown: no connection is left open.
        assert sys.modules["app_db.db"]._async_defaults == {}

    # The user's test run shows no warning from the generated schemas (a deferred request body
    # made pydantic warn UnsupportedFieldAttributeWarning on the route's first request).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(scenario())
    assert [str(w.message) for w in caught if "pydantic" in w.filename] == []
    emails = psql(fresh_db.dsn, "-Atc", "SELECT email FROM users ORDER BY email").stdout.split()
    assert emails == ["bob@example.com"]  # the failed requests committed nothing
    assert _backends(fresh_db) == 0


def _test_databases(db: FreshDb) -> set[str]:
    query = "SELECT datname FROM pg_database WHERE datname LIKE 'app\\_db\\_test\\_%'"
    return set(psql(db.server.admin_dsn, "-Atc", query).stdout.split())


@pytest.mark.parametrize(
    ("where", "layout"),
    [("DATABASE_URL", "layer"), ("throwaway server", "layer"), ("DATABASE_URL", "feature")],
)
def test_the_users_first_repository_tests_pass(
    fresh_db: FreshDb, tmp_path: Path, where: str, layout: str, request: pytest.FixtureRequest
) -> None:
    """docs/examples/{conftest,test_users,test_api,fastapi_app}.py copied into a project of
    their own and run with pytest: the session's database is migrated, each test's writes
    (a route's too) are rolled back, and the database (or the whole throwaway server) is gone
    afterwards. On the feature layout too: the examples import nothing layout-specific."""
    out = GENERATED if layout == "layer" else request.getfixturevalue("feature_build")
    project = tmp_path / "project"
    project.mkdir()
    for name in ("conftest.py", "test_users.py", "test_api.py", "fastapi_app.py"):
        shutil.copy(EXAMPLES / name, project / name)
    # The throwaway server's directory must be reachable by the postgres OS user under root.
    scratch = Path(tempfile.mkdtemp(prefix="dbgen-testing-"))
    scratch.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(PYTHONPATH=str(out), TMPDIR=str(scratch))
    if where == "DATABASE_URL":
        env["DATABASE_URL"] = fresh_db.async_url  # its server, beside this database
    before = _test_databases(fresh_db)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "4 passed" in proc.stdout, proc.stdout
        assert list(scratch.iterdir()) == []  # the throwaway server's files are removed
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    assert _test_databases(fresh_db) == before
    tables = psql(fresh_db.dsn, "-Atc", "SELECT count(*) FROM pg_tables WHERE tablename = 'users'")
    assert tables.stdout.strip() == "0"  # DATABASE_URL's own database is never touched

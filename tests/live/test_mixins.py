"""``mixins: auto``: the shared columns move to base.py, the tables and the migration stay
exactly what the schema says, and the package works as before."""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from dbgen.ddl import read_schema
from support import REPO_ROOT, FreshDb, import_generated, psql
from support.generated import build, type_check, write

CASE = REPO_ROOT / "tests" / "golden" / "cases" / "mixins"
SQL = (CASE / "schema.sql").read_text()
CRUD = (CASE / "crud.yaml").read_text()


def _migrations(files: dict[str, str]) -> dict[str, str]:
    return {p: t for p, t in files.items() if "/migrations/" in p or p == "alembic.ini"}


@pytest.mark.parametrize("case", ["mixins", "demo"])
def test_the_migration_is_byte_identical(case: str) -> None:
    if case == "demo":
        sql = (REPO_ROOT / "specs" / "schema.sql").read_text()
        crud = (REPO_ROOT / "specs" / "crud.yaml").read_text()
        with_mixins = crud.replace("package: app_db\n", "package: app_db\nmixins: auto\n")
        assert with_mixins != crud
    else:
        sql, crud, with_mixins = SQL, CRUD.replace("mixins: auto\n", ""), CRUD
    plain, mixed = build(sql, crud), build(sql, with_mixins)
    assert plain.ok and mixed.ok
    assert _migrations(mixed.files) == _migrations(plain.files)
    base = next(t for p, t in mixed.files.items() if p.endswith("/base.py"))
    assert "class CreatedAtMixin:" in base


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(build(SQL, CRUD), tmp_path_factory.mktemp("mixins") / "out")


@pytest.fixture
def pkg(out: Path) -> Iterator[ModuleType]:
    with import_generated(out, "mixins_db") as module:
        yield module


def test_tables_keep_the_schemas_column_order(pkg: ModuleType) -> None:
    base: Any = importlib.import_module("mixins_db.base")
    importlib.import_module("mixins_db.models")
    catalog, _ = read_schema([("schema.sql", SQL)])
    for table in catalog.tables:
        mapped = base.Base.metadata.tables[table.qname.name]
        assert [c.name for c in mapped.columns] == [c.name for c in table.columns], table.qname


def test_strict_type_check_and_lint(out: Path) -> None:
    proc = type_check(out, "mixins_db")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_repositories_on_the_migrated_schema(pkg: ModuleType, out: Path, fresh_db: FreshDb) -> None:
    env = dict(os.environ, DATABASE_URL=fresh_db.async_url)
    alembic = [sys.executable, "-m", "alembic", "-c", str(out / "alembic.ini"), "upgrade", "head"]
    proc = subprocess.run(alembic, env=env, capture_output=True, text=True, cwd=out)
    assert proc.returncode == 0, proc.stderr
    uow_mod: Any = importlib.import_module("mixins_db.uow")
    db: Any = importlib.import_module("mixins_db.db")
    accounts: Any = importlib.import_module("mixins_db.schemas.accounts")
    invoices: Any = importlib.import_module("mixins_db.schemas.invoices")

    async def scenario() -> None:
        engine = db.create_async_engine_from_env(fresh_db.async_url)
        try:
            async with uow_mod.UnitOfWork(db.async_session_factory(engine)) as uow:
                acme = await uow.accounts.create(accounts.AccountCreate(name="Acme"))
                assert acme.id is not None and acme.created_at is not None
                invoice = await uow.invoices.create(
                    invoices.InvoiceCreate(account_id=acme.id, total="12.50")
                )
                again = await uow.accounts.get(acme.id, load=["invoices"])
                assert [i.id for i in again.invoices] == [invoice.id]
                renamed = await uow.accounts.update(acme.id, accounts.AccountUpdate(name="A"))
                assert renamed.updated_at >= acme.updated_at
        finally:
            await engine.dispose()

    asyncio.run(scenario())
    names = psql(fresh_db.dsn, "-Atc", "SELECT name FROM accounts").stdout.split()
    assert names == ["A"]

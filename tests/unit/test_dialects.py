"""The dialect seam: one place chooses the dialect, and what the generated code spells about
drivers agrees with the dialect's facts."""

from __future__ import annotations

import importlib
import tomllib

import pytest
from sqlalchemy.engine import make_url

import dbgen.runtime._dialect as runtime_dialect
import dbgen.runtime.db as runtime_db
from dbgen.core import Inputs, generate
from dbgen.ddl import read_schema
from dbgen.dialects import DEFAULT_DIALECT, DIALECTS, get_dialect
from dbgen.plan.migration import plan_migration
from dbgen.plan.typemap import map_type
from dbgen.render.runtime import RUNTIME_DIR
from dbgen.runtime._requirements import REQUIREMENTS

SCHEMA = "CREATE TABLE item (id bigint PRIMARY KEY, name text NOT NULL);"
CRUD = "version: 1\npackage: shop_db\nentities:\n  item:\n    operations: [get, list]\n"


def test_postgresql_is_the_default_and_wires_todays_modules() -> None:
    pg = get_dialect()
    assert pg.name == DEFAULT_DIALECT == "postgresql"
    assert pg.read_schema is read_schema
    assert pg.map_type is map_type
    assert pg.plan_initial_migration is plan_migration


def test_an_unknown_dialect_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        get_dialect("oracle")


def test_the_runtime_db_module_uses_the_dialects_driver_names() -> None:
    # runtime/db.py takes them from _dialect.py, PostgreSQL's piece in dbgen's tree.
    driver = get_dialect().driver
    assert driver.async_url == runtime_db.ASYNC_DRIVER
    assert driver.sync_url == runtime_db.SYNC_DRIVER
    assert driver.async_url == f"postgresql+{driver.async_driver}"
    assert driver.sync_url == f"postgresql+{driver.sync_driver}"


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_each_dialects_runtime_piece_agrees_with_its_facts(name: str) -> None:
    driver = get_dialect(name).driver
    piece = importlib.import_module(f"dbgen.runtime._dialects.{driver.runtime}")
    assert name == piece.NAME
    assert piece.ASYNC_DRIVER == driver.async_url == f"{name}+{driver.async_driver}"
    assert driver.sync_url == piece.SYNC_DRIVER
    assert driver.example_url == piece.EXAMPLE_URL
    assert make_url(driver.example_url).get_backend_name() in piece.BACKENDS
    assert set(piece.BACKENDS) <= set(driver.url_schemes)
    # The same names in every piece: db.py and the migration environment use them all.
    assert set(runtime_dialect.__all__) <= set(vars(piece))


def test_the_stand_in_piece_is_postgresqls() -> None:
    pg = importlib.import_module("dbgen.runtime._dialects.postgresql")
    for name in runtime_dialect.__all__:
        assert getattr(runtime_dialect, name) is getattr(pg, name)


def test_generated_migration_environment_takes_the_async_driver_from_the_dialect() -> None:
    result = generate(Inputs((("schema.sql", SCHEMA),), ("crud.yaml", CRUD)))
    assert result.ok, [str(d) for d in result.diagnostics]
    env = result.files["shop_db/migrations/env.py"]
    assert "return db.async_url(url).render_as_string(hide_password=False)" in env
    assert f"({get_dialect().driver.async_url}://...)" in env
    # ... and every engine it opens gets the dialect's per-connection setup.
    assert "db.prepare_engine(engine.sync_engine)" in env


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_the_package_gets_its_dialects_piece_and_drivers(name: str) -> None:
    driver = get_dialect(name).driver
    result = generate(Inputs((("schema.sql", SCHEMA),), ("crud.yaml", CRUD)), dialect=name)
    assert result.ok, [str(d) for d in result.diagnostics]
    piece = (RUNTIME_DIR / "_dialects" / f"{driver.runtime}.py").read_text()
    assert result.files["shop_db/_dialect.py"].endswith(piece)
    assert not any(p.startswith("shop_db/_dialects/") for p in result.files)
    deps = tomllib.loads(result.files["pyproject.toml"])["project"]["dependencies"]
    assert deps == [*REQUIREMENTS, *driver.requirements]
    assert driver.example_url in result.files["alembic.ini"]

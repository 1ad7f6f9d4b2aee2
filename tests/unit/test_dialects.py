"""The dialect seam: one place chooses the dialect, and what the generated code spells about
drivers agrees with the dialect's facts."""

from __future__ import annotations

import pytest

import dbgen.runtime.db as runtime_db
from dbgen.core import Inputs, generate
from dbgen.ddl import read_schema
from dbgen.dialects import DEFAULT_DIALECT, get_dialect
from dbgen.plan.migration import plan_migration
from dbgen.plan.typemap import map_type

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
    # runtime/db.py is copied verbatim, so it spells the names; they must stay the dialect's.
    driver = get_dialect().driver
    assert driver.async_url == runtime_db.ASYNC_DRIVER
    assert driver.sync_url == runtime_db.SYNC_DRIVER
    assert driver.async_url == f"postgresql+{driver.async_driver}"
    assert driver.sync_url == f"postgresql+{driver.sync_driver}"


def test_generated_migration_environment_takes_the_async_driver_from_the_dialect() -> None:
    result = generate(Inputs((("schema.sql", SCHEMA),), ("crud.yaml", CRUD)))
    assert result.ok, [str(d) for d in result.diagnostics]
    env = result.files["shop_db/migrations/env.py"]
    assert f'drivername="{get_dialect().driver.async_url}"' in env

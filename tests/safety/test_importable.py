"""Accepted means importable (issue 9, part 3): each input that used to exit 0 with a package
that does not import (or crash) now builds a package that imports and configures its mappers,
or exits 2 with a located error."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.generated import build, errors, import_all, write

T = "CREATE TABLE t (id integer PRIMARY KEY, name text);\n"


def _crud(package: str = "p", extra: str = "", entity: str = "") -> str:
    return (
        f"version: 1\npackage: {package}\nentities:\n  t:\n"
        f"    operations: [get, list, create, update, delete]\n{entity}{extra}"
    )


def _imports(sql: str, crud: str, tmp_path: Path, package: str = "p") -> None:
    result = build(sql, crud)
    assert result.ok, "\n".join(errors(result))
    proc = import_all(write(result, tmp_path / "out"), package)
    assert proc.returncode == 0, proc.stderr[-3000:]


def _refused(sql: str, crud: str, code: str) -> list[str]:
    result = build(sql, crud)
    found = [e for e in errors(result) if f"error[{code}]" in e]
    assert found, errors(result)
    return found


@pytest.mark.parametrize("children", ["[]", "null"])
def test_a_transaction_without_children(children: str, tmp_path: Path) -> None:
    _imports(
        T, _crud(extra=f"transactions:\n  make:\n    root: t\n    children: {children}\n"), tmp_path
    )


@pytest.mark.parametrize(
    "columns",
    [
        "list text, str text, int integer",
        "float double precision, bool boolean, bytes bytea, tuple text, type text",
        'sa text, datetime timestamptz, decimal numeric, uuid uuid, "Any" text, "Mapped" text',
        "metadata text, registry text, model_config text, annotations text",
    ],
)
def test_columns_named_like_what_the_modules_use(columns: str, tmp_path: Path) -> None:
    sql = f"CREATE TABLE t (id integer PRIMARY KEY, {columns});\n"
    _imports(sql, _crud(), tmp_path)


def test_finder_parameters_never_shadow_the_method_own(tmp_path: Path) -> None:
    sql = 'CREATE TABLE t (id integer PRIMARY KEY, "limit" integer, params text, self text);\n'
    entity = "    finders:\n      - by: [limit]\n      - by: [params, self]\n"
    _imports(sql, _crud(entity=entity), tmp_path)


@pytest.mark.parametrize("table", ["pages", "sa", "datetime", "base", "any", "list"])
def test_tables_whose_class_name_the_modules_use(table: str, tmp_path: Path) -> None:
    sql = f'CREATE TABLE "{table}" (id integer PRIMARY KEY);\n' + T
    crud = _crud() + f"  {table}:\n    operations: [get, list]\n"
    _imports(sql, crud, tmp_path)


def test_an_enum_whose_class_name_the_modules_use(tmp_path: Path) -> None:
    sql = "CREATE TYPE any AS ENUM ('a');\nCREATE TYPE page AS ENUM ('b');\n"
    sql += "CREATE TABLE t (id integer PRIMARY KEY, a any, p page);\n"
    _imports(sql, _crud(), tmp_path)


@pytest.mark.parametrize("name", ["Page", "sa", "datetime", "Base", "Any", "str", "_Hidden"])
def test_class_names_the_modules_use_are_refused(name: str) -> None:
    (msg,) = _refused(T, _crud(entity=f"    class_name: {name}\n"), "invalid-class-name")
    assert msg.startswith("crud.yaml:6:17: error[invalid-class-name]"), msg


@pytest.mark.parametrize(
    "package",
    [
        "typing",
        "sqlalchemy",
        "os",
        "json",
        "pydantic",
        "alembic",
        "list",
        "pkgé",
        "a" * 300,
        "my-app",
    ],
)
def test_package_names_that_cannot_work_are_refused(package: str) -> None:
    (msg,) = _refused(T, _crud(package=package), "invalid-package")
    assert msg.startswith("crud.yaml:2:10: error[invalid-package]"), msg


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE t (id integer PRIMARY KEY, name text DEFAULT 'a\x00b');",
        "CREATE TABLE t (id integer PRIMARY KEY, name text DEFAULT E'a\\000b');",
        T + "COMMENT ON TABLE t IS 'a\x00b';",
    ],
)
def test_a_nul_byte_in_sql_text_is_a_located_error(sql: str) -> None:
    (msg,) = _refused(sql, _crud(), "nul-byte")
    assert msg.startswith("schema.sql:"), msg


def test_a_primary_key_referencing_its_own_table(tmp_path: Path) -> None:
    sql = "CREATE TABLE t (id integer PRIMARY KEY REFERENCES t (id), name text);\n"
    _imports(sql, _crud(entity="    relations: []\n"), tmp_path)
    sql = "CREATE TABLE t (id integer PRIMARY KEY REFERENCES t (id), parent_id integer REFERENCES t (id));\n"
    _imports(sql, _crud(), tmp_path)


@pytest.mark.parametrize("table", ["session", "commit", "repositories", "get_uow"])
def test_a_table_named_like_a_unit_of_work_attribute(table: str, tmp_path: Path) -> None:
    sql = f'CREATE TABLE "{table}" (id integer PRIMARY KEY);\n'
    crud = f"version: 1\npackage: p\nentities:\n  {table}:\n    operations: [get, create]\n"
    result = build(sql, crud)
    assert result.ok, "\n".join(errors(result))
    # The repository moves aside (uow.session_), the unit of work's own attribute stays.
    assert f"\n    {table}_: " in result.files["p/uow.py"]
    _imports(sql, crud, tmp_path)

"""The feature layout (``layout = "feature"`` in dbgen.toml): where the files go, that the
migration and the package-level API are those of the layer layout, and crud.yaml's ``feature:``
values that are refused (file:line:col, exit 2, nothing written)."""

from __future__ import annotations

import ast
import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import black
import pytest

from dbgen.config import load_config
from dbgen.core import Inputs, Result, generate, read_inputs
from dbgen.graph.bindings import PACKAGE_MODULES
from support import REPO_ROOT
from support.cases import build_case
from support.generated import build, errors, import_all, type_check, write
from support.layouts import SPECS, demo_crud

GOLDEN = REPO_ROOT / "tests" / "golden" / "cases" / "feature_layout"


def _build(spec_dir: Path, crud: str, layout: str) -> Result:
    """The spec directory's build (its named queries included) with ``crud`` as crud.yaml."""
    inputs, diags = read_inputs(spec_dir)
    assert inputs is not None, [str(d) for d in diags]
    result = generate(dataclasses.replace(inputs, crud=("crud.yaml", crud)), layout=layout)
    assert result.ok, errors(result)
    return result


def _migrations(result: Result, package: str) -> dict[str, str]:
    prefix = f"{package}/migrations/"
    return {k: v for k, v in result.files.items() if k.startswith(prefix)}


@pytest.mark.parametrize(
    ("sql_dir", "crud", "package"),
    [
        (GOLDEN, (GOLDEN / "crud.yaml").read_text(), "feat_db"),
        (SPECS, demo_crud(), "app_db"),
        (SPECS, (SPECS / "crud.yaml").read_text(), "app_db"),
    ],
    ids=["golden-case", "demo-grouped", "demo-default-features"],
)
def test_the_migration_is_the_layer_layouts_byte_for_byte(
    sql_dir: Path, crud: str, package: str
) -> None:
    layer = _build(sql_dir, crud, "layer")
    feature = _build(sql_dir, crud, "feature")
    assert _migrations(layer, package) and _migrations(feature, package) == _migrations(
        layer, package
    )
    assert any("/versions/" in k for k in _migrations(feature, package))


def _names(text: str, target: str) -> list[str]:
    """The string items of the module-level list assigned to ``target`` (``__all__``)."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == target for t in node.targets
        ):
            assert isinstance(node.value, ast.List)
            return [ast.literal_eval(e) for e in node.value.elts]
    raise AssertionError(f"no {target}")


def test_the_package_level_api_is_the_same_in_both_layouts() -> None:
    """models/__init__, the schemas and repositories facades and the unit of work name the
    same things; only the per-entity modules move."""
    crud = demo_crud()
    layer = _build(SPECS, crud, "layer").files
    feature = _build(SPECS, crud, "feature").files
    for facade in ("models", "schemas", "repositories"):
        rel = f"app_db/{facade}/__init__.py"
        assert _names(feature[rel], "__all__") == _names(layer[rel], "__all__"), facade
        assert _names(layer[rel], "__all__"), facade

    def members(uow: str) -> list[str]:
        """Every attribute and method of the unit-of-work classes."""
        out = []
        for cls in ast.parse(uow).body:
            if isinstance(cls, ast.ClassDef):
                for n in cls.body:
                    if isinstance(n, ast.AnnAssign):
                        out.append(
                            f"{cls.name}.{ast.unparse(n.target)}: {ast.unparse(n.annotation)}"
                        )
                    elif isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef):
                        out.append(f"{cls.name}.{n.name}")
        return out

    assert members(feature["app_db/uow.py"]) == members(layer["app_db/uow.py"])
    assert "UnitOfWork.users: repository[UserRepository]" in members(layer["app_db/uow.py"])
    # Where the entity modules went: one package per feature, three files each.
    assert "app_db/work/repository.py" in feature and "app_db/accounts/schemas.py" in feature
    assert "app_db/tags/models.py" in feature  # a feature of its own (no feature: key)
    assert [k for k in feature if k.startswith("app_db/models/")] == ["app_db/models/__init__.py"]
    assert "app_db/repositories/_base.py" in feature  # the runtime stays where it is


@pytest.fixture(scope="module")
def grouped_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = generate(
        Inputs(
            (("schema.sql", (SPECS / "schema.sql").read_text()),),
            ("crud.yaml", demo_crud()),
        ),
        layout="feature",
    )
    return write(result, tmp_path_factory.mktemp("feature"))


def test_the_grouped_demo_imports_configures_and_type_checks(grouped_demo: Path) -> None:
    proc = import_all(grouped_demo, "app_db")
    assert proc.returncode == 0, proc.stderr
    checked = type_check(grouped_demo, "app_db")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_facades_resolve_lazily_and_name_unknowns(grouped_demo: Path) -> None:
    code = (
        "import sys, app_db.schemas as s, app_db.repositories as r\n"
        "assert 'app_db.work.schemas' not in sys.modules\n"
        "print(s.TaskCreate.__module__, r.SyncUserRepository.__module__)\n"
        "assert 'TaskCreate' in dir(s)\n"
        "try:\n    s.Nope\nexcept AttributeError as e:\n    print(e)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=grouped_demo,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(grouped_demo)},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "app_db.work.schemas app_db.accounts.repository",
        "module 'app_db.schemas' has no attribute 'Nope'",
    ]


SQL = """
CREATE TABLE notes (id int PRIMARY KEY, title text NOT NULL);
CREATE TABLE errors (id int PRIMARY KEY, note_id int REFERENCES notes (id));
"""
CRUD = """version: 1
package: notes_db
entities:
  notes:
    feature: FEATURE
    operations: [get]
  errors:
    operations: [get]
"""


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("Notes", "must be a lowercase Python identifier"),
        ("1notes", "must be a lowercase Python identifier"),
        ("note-book", "must be a lowercase Python identifier"),
        ("_private", "must be a lowercase Python identifier"),
        ("class", "must be a lowercase Python identifier"),
        ("models", "is a module of the generated package itself"),
        ("errors", "is a module of the generated package itself"),
        ("db", "is a module of the generated package itself"),
        ("[a]", "feature must be a name"),
    ],
)
def test_bad_feature_values_are_spec_errors_with_their_location(value: str, why: str) -> None:
    found = errors(build(SQL, CRUD.replace("FEATURE", value), layout="feature"))
    assert len(found) == 1, found
    assert found[0].startswith("crud.yaml:5:14: error["), found
    assert why in found[0], found
    # The layer layout ignores the key, but not a bad value: the spec is the same file.
    assert errors(build(SQL, CRUD.replace("FEATURE", value))) == found


def test_a_table_named_like_a_package_module_gets_a_feature_beside_it() -> None:
    result = build(SQL, CRUD.replace("FEATURE", "notebook"), layout="feature")
    assert result.ok, errors(result)
    assert "notes_db/errors_/models.py" in result.files
    assert "notes_db/errors.py" in result.files  # the runtime's, untouched
    assert "notes_db/notebook/repository.py" in result.files


def test_package_modules_lists_every_top_level_module_of_a_package() -> None:
    """A feature must never replace a module the package has: PACKAGE_MODULES is that list."""
    files = _build(SPECS, (SPECS / "crud.yaml").read_text(), "layer").files
    top = {
        rel.split("/")[1].removesuffix(".py")
        for rel in files
        if rel.startswith("app_db/") and rel.count("/") >= 1
    }
    public = {t for t in top if not t.startswith("_") and t != "py.typed"}
    assert public == set(PACKAGE_MODULES)


def test_an_unknown_layout_is_a_config_error(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("schema.sql", "crud.yaml"):
        (specs / name).write_text((SPECS / name).read_text())
    (specs / "dbgen.toml").write_text('layout = "flat"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", "specs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "'layout' must be one of 'layer', 'feature'" in proc.stderr
    assert not (tmp_path / "generated").exists()
    (specs / "dbgen.toml").write_text('layout = "feature"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", "specs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "generated" / "app_db" / "tasks" / "repository.py").is_file()


CASES = REPO_ROOT / "tests" / "golden" / "cases"
TREE_CASES = sorted(p for p in CASES.iterdir() if p.is_dir() and not (p / "stderr.txt").exists())


def one_feature(crud: str) -> str:
    """crud.yaml with every entity in one feature (``everything``): the most entities per
    module, relationships between all of them inside it."""
    out: list[str] = []
    in_entities = False
    for line in crud.splitlines():
        if re.match(r"^\S", line):
            in_entities = line.startswith("entities:")
        entry = re.match(r"^  [^\s#][^:]*:\s*(\{\s*\})?\s*(#.*)?$", line)
        if in_entities and entry:
            if entry.group(1):
                line = line.replace(entry.group(1), "{feature: everything}")
                out.append(line)
                continue
            out.append(line)
            out.append("    feature: everything")
            continue
        if in_entities and re.match(r"^    feature:", line):
            continue  # the case's own grouping gives way
        out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("case", TREE_CASES, ids=lambda p: p.name)
def test_every_golden_case_builds_in_one_feature_like_the_layer_layout(
    case: Path, tmp_path: Path
) -> None:
    """Each golden case with all its entities in one feature: the same migration, files in
    black's layout, and the package imports and configures its mappers (where the layer
    layout's does: a case broken in both layouts is reported, not blamed on this one)."""
    layer = build_case(case, layout="layer")
    feature = build_case(case, layout="feature", crud=one_feature)
    assert feature.ok, errors(feature)
    assert "/everything/" in "".join(feature.files)
    assert _migrations_of(feature) == _migrations_of(layer)
    mode = black.Mode(line_length=100, target_versions={black.TargetVersion.PY311})
    for rel, text in feature.files.items():
        if rel.endswith(".py") and ("/everything/" in rel or rel.endswith("/__init__.py")):
            assert black.format_str(text, mode=mode) == text, rel  # the merged modules
    config, _ = load_config(case, case)
    if config.dialect != "postgresql":
        return  # the other dialects' drivers are not what this checks
    package = next(rel.split("/")[0] for rel in feature.files if rel.endswith("/uow.py"))
    imported = import_all(write(feature, tmp_path / "feature"), package)
    if imported.returncode != 0:
        layer_import = import_all(write(layer, tmp_path / "layer"), package)
        last = imported.stderr.strip().splitlines()[-1]
        if layer_import.returncode != 0 and layer_import.stderr.strip().splitlines()[-1] == last:
            pytest.xfail(f"the layer layout fails to import the same way: {last}")
        raise AssertionError(imported.stderr)


def _migrations_of(result: Result) -> dict[str, str]:
    return {k: v for k, v in result.files.items() if "/migrations/" in k}


def test_long_module_names_share_a_repository_module_in_black_layout() -> None:
    """Constants of entities sharing repository.py are prefixed with their module name, or,
    past 16 characters, with their position: the prefixed statements stay within the line."""
    long = "quarterly_revenue_by_region_and_product_x"  # 41 characters
    sql = f"""
    CREATE TABLE {long} (id int PRIMARY KEY, title text NOT NULL, deleted_at timestamptz,
                         version int NOT NULL DEFAULT 1, n int NOT NULL UNIQUE);
    CREATE TABLE notes (id int PRIMARY KEY, ref int REFERENCES {long} (id));
    """
    crud = f"""version: 1
package: long_db
entities:
  {long}:
    feature: sales
    operations: [get, list, create, update, delete, bulk_create, bulk_update, upsert]
    soft_delete: deleted_at
    version_column: version
    finders:
      - by: [n]
        exists: true
    relations: [notes]
  notes:
    feature: sales
    operations: [get, create]
"""
    result = build(sql, crud, layout="feature")
    assert result.ok, errors(result)
    repository = result.files["long_db/sales/repository.py"]
    assert "_1_T = cast(" in repository and "_NOTES_T = cast(" in repository
    assert "def _1_insert_values(" in repository and "_1_EXISTS_BY_N_WHERE" in repository
    mode = black.Mode(line_length=100, target_versions={black.TargetVersion.PY311})
    assert black.format_str(repository, mode=mode) == repository

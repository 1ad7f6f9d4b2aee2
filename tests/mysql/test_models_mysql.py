"""The MySQL models carry the table options and index kinds the migration builds, so
``metadata.create_all()`` of the models makes the same tables (ENGINE, charsets, FULLTEXT,
SPATIAL, prefix lengths); checked by compiling the demo_mysql and feature models' DDL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CASES = Path(__file__).resolve().parents[1]

_DDL = """
import sys
from sqlalchemy.dialects import mysql
from sqlalchemy.schema import CreateIndex, CreateTable
import importlib
pkg = sys.argv[1]
importlib.import_module(pkg + ".models")
base = importlib.import_module(pkg + ".base").Base
for t in base.metadata.sorted_tables:
    print(CreateTable(t).compile(dialect=mysql.dialect()))
    for ix in sorted(t.indexes, key=lambda i: i.name):
        print(CreateIndex(ix).compile(dialect=mysql.dialect()))
"""


def _ddl(spec: Path, package: str, tmp_path: Path) -> str:
    out = tmp_path / "out"
    build = subprocess.run(
        [sys.executable, "-m", "dbgen", "build", str(spec), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    ddl = subprocess.run(
        [sys.executable, "-c", _DDL, package], cwd=out, capture_output=True, text=True, check=False
    )
    assert ddl.returncode == 0, ddl.stderr
    return ddl.stdout


def test_demo_models_carry_table_options_and_fulltext(tmp_path: Path) -> None:
    ddl = _ddl(CASES / "golden" / "cases" / "demo_mysql", "app_db", tmp_path)
    assert ddl.count("ENGINE=InnoDB") == 9
    assert "CREATE FULLTEXT INDEX projects_search_idx ON projects (name, description)" in ddl
    assert "COLLATE utf8mb4_unicode_ci" in ddl
    assert "slug VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL" in ddl
    assert "postgresql_" not in ddl


def test_feature_models_carry_prefix_spatial_using_and_partitions(tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "schema.sql").write_bytes((CASES / "mysql" / "cases" / "features.sql").read_bytes())
    (spec / "dbgen.toml").write_text('dialect = "mysql"\n', encoding="utf-8")
    scaffold = subprocess.run(
        [
            sys.executable,
            "-m",
            "dbgen",
            "scaffold",
            "--dialect",
            "mysql",
            "schema.sql",
            "--out",
            "crud.yaml",
            "--package",
            "features_db",
        ],
        cwd=spec,
        capture_output=True,
        text=True,
        check=False,
    )
    assert scaffold.returncode == 0, scaffold.stderr
    ddl = _ddl(spec, "features_db", tmp_path)
    assert "CREATE INDEX ix_code ON `order line` (code(8))" in ddl
    assert "CREATE FULLTEXT INDEX ft_note ON `order line` (note)" in ddl
    assert "CREATE SPATIAL INDEX sp_place ON orders (place)" in ddl
    assert "USING btree" in ddl
    assert "ENGINE=MEMORY" in ddl and "ROW_FORMAT=DYNAMIC" in ddl
    assert "PARTITION BY RANGE (year(happened))" in ddl

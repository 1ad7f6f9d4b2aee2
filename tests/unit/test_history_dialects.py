"""A second `dbgen build` after a schema edit, on the dialects whose edits dbgen does not plan
yet (SQLite, MySQL): the build stops at the first changed line of the schema, exit 2, with
nothing written, instead of running PostgreSQL's diff planner on their catalog (which wrote a
revision dropping every table it touched). An edit the initial revision cannot tell apart needs
nothing; `--fold` writes the initial revision anew. No database is needed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dbgen.diagnostics import Span
from dbgen.history.unsupported import CODE, _where

SCHEMAS = {
    "sqlite": (
        "CREATE TABLE author (\n"
        "    id INTEGER PRIMARY KEY,\n"
        "    name TEXT NOT NULL\n"
        ");\n"
        "CREATE TABLE book (\n"
        "    id INTEGER PRIMARY KEY,\n"
        "    author_id INTEGER REFERENCES author (id),\n"
        "    title TEXT NOT NULL\n"
        ");\n"
        "CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT);\n"
    ),
    "mysql": (
        "CREATE TABLE `author` (\n"
        "  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
        "  `name` varchar(100) NOT NULL,\n"
        "  PRIMARY KEY (`id`)\n"
        ") ENGINE=InnoDB;\n"
        "CREATE TABLE `book` (\n"
        "  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
        "  `author_id` int(11) DEFAULT NULL,\n"
        "  `title` varchar(200) NOT NULL,\n"
        "  PRIMARY KEY (`id`),\n"
        "  CONSTRAINT `book_author` FOREIGN KEY (`author_id`) REFERENCES `author` (`id`)\n"
        ") ENGINE=InnoDB;\n"
        "CREATE TABLE `note` (`id` int(11) NOT NULL, `body` text, PRIMARY KEY (`id`));\n"
    ),
}

# edit -> (old text, new text, where the first change is: line, col)
EDITS = {
    "sqlite": {
        "add_column": (
            "    title TEXT NOT NULL\n",
            "    title TEXT NOT NULL,\n    isbn TEXT\n",
            8,
            24,
        ),
        # cut from the end: the end of the line before it
        "drop_table": ("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT);\n", "", 9, 3),
        "rename_column": ("    name TEXT NOT NULL\n", "    full_name TEXT NOT NULL\n", 3, 5),
        "change_type": ("body TEXT)", "body BLOB)", 10, 49),
    },
    "mysql": {
        "add_column": (
            "  `title` varchar(200) NOT NULL,\n",
            "  `title` varchar(200) NOT NULL,\n  `isbn` char(13) DEFAULT NULL,\n",
            10,
            3,
        ),
        "drop_table": (
            "CREATE TABLE `note` (`id` int(11) NOT NULL, `body` text, PRIMARY KEY (`id`));\n",
            "",
            12,
            17,
        ),
        "rename_column": ("`name` varchar(100)", "`full_name` varchar(100)", 3, 4),
        "change_type": ("`body` text", "`body` mediumtext", 13, 52),
    },
}


def _dbgen(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dbgen", *args],
        cwd=cwd,
        env=dict(os.environ, PYTHONHASHSEED="0"),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _project(tmp_path: Path, dialect: str) -> Path:
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "schema.sql").write_text(SCHEMAS[dialect], encoding="utf-8")
    (spec / "dbgen.toml").write_text(f'dialect = "{dialect}"\n', encoding="utf-8")
    (spec / "crud.yaml").write_text(CRUD, encoding="utf-8")
    _ok(_dbgen(tmp_path, "build", "spec", "--out", "out"))
    return tmp_path


def _edit(project: Path, old: str, new: str) -> None:
    schema = project / "spec" / "schema.sql"
    text = schema.read_text(encoding="utf-8")
    assert old in text
    schema.write_text(text.replace(old, new, 1), encoding="utf-8")


def _revisions(project: Path) -> list[str]:
    versions = project / "out" / "lib_db" / "migrations" / "versions"
    return sorted(p.name for p in versions.glob("*.py"))


# The spec names two of the three tables, and none of the edited columns: the edits are the
# schema's, and the history (not crud.yaml) has the first word.
CRUD = """version: 1
package: lib_db
entities:
  author:
    operations: [get, list]
  book:
    operations: [get, create]
"""

CASES = [(d, e) for d in sorted(EDITS) for e in sorted(EDITS[d])]


@pytest.mark.parametrize(("dialect", "edit"), CASES)
def test_an_edit_is_refused_at_its_line_and_nothing_is_written(
    dialect: str, edit: str, tmp_path: Path
) -> None:
    project = _project(tmp_path, dialect)
    before = _snapshot(project / "out")
    old, new, line, col = EDITS[dialect][edit]
    _edit(project, old, new)

    for command in (["build", "spec", "--out", "out"], ["diff", "spec", "--out", "out"]):
        proc = _dbgen(project, *command)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        first = proc.stderr.splitlines()[0]
        assert first.startswith(f"spec/schema.sql:{line}:{col}: error[{CODE}]: "), proc.stderr
        title = {"sqlite": "SQLite", "mysql": "MySQL/MariaDB"}[dialect]
        assert f"for {title} yet" in first and f"docs/{dialect}.md" in first, first
        assert "--fold" in first, first
    assert _snapshot(project / "out") == before


@pytest.mark.parametrize("dialect", sorted(SCHEMAS))
def test_an_edit_the_revision_cannot_see_needs_nothing(dialect: str, tmp_path: Path) -> None:
    """Comments and blank lines between statements: the initial revision is the same."""
    project = _project(tmp_path, dialect)
    revisions = _revisions(project)
    schema = project / "spec" / "schema.sql"
    schema.write_text(
        "-- the library\n\n" + schema.read_text(encoding="utf-8") + "\n-- end\n", encoding="utf-8"
    )
    _ok(_dbgen(project, "build", "spec", "--out", "out"))
    assert _revisions(project) == revisions


@pytest.mark.parametrize("dialect", sorted(SCHEMAS))
def test_fold_writes_the_initial_revision_anew(dialect: str, tmp_path: Path) -> None:
    project = _project(tmp_path, dialect)
    (first,) = _revisions(project)
    old, new, _, _ = EDITS[dialect]["add_column"]
    _edit(project, old, new)
    _ok(_dbgen(project, "build", "spec", "--out", "out", "--fold"))
    (initial,) = _revisions(project)
    assert initial != first and initial.endswith("_initial.py")
    text = (project / "out" / "lib_db" / "migrations" / "versions" / initial).read_text()
    assert "isbn" in text
    # and the next build is up to date
    assert "up to date" in _ok(_dbgen(project, "build", "spec", "--out", "out")).stdout


def test_the_first_change_is_found_in_file_order() -> None:
    old = {"a.sql": "x\ny\n", "b.sql": "p\n"}
    assert _where(old, {"a.sql": "x\ny\n", "b.sql": "p\nq\n"}, "spec") == Span("spec/b.sql", 2, 1)
    assert _where(old, {"a.sql": "x\nY\n", "b.sql": "q\n"}, "spec") == Span("spec/a.sql", 2, 1)
    # text cut from the end: the last line that is left
    assert _where(old, {"a.sql": "x\n", "b.sql": "p\n"}, ".") == Span("a.sql", 1, 2)
    # a file gone, a file added
    assert _where(old, {"b.sql": "p\n"}, "spec") == Span("spec/a.sql")
    assert _where(old, {**old, "c.sql": "z\n"}, "spec") == Span("spec/c.sql", 1, 1)

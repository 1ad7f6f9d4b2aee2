"""The generator's own layout (dbgen/layout/) against black, the oracle.

`dbgen build` formats nothing: every file is written in its final layout, so every one of them
must be exactly what black (pinned in the test extra) would write. These tests run black over
generated trees and over many generated statements and fail on any difference.
"""

from __future__ import annotations

import ast
import random
import re
import subprocess
import sys
from pathlib import Path

import black
import pytest

from dbgen.core import generate, read_inputs
from dbgen.layout.printer import Printer
from dbgen.layout.statement import Unsupported, black_str, import_from, item, layout
from dbgen.plan.pyexpr import pystr
from support.cases import build_case

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "golden" / "cases"
MODE = black.Mode(line_length=100, target_versions={black.TargetVersion.PY311})


def _black(text: str, line_length: int = 100) -> str:
    return black.format_str(
        text, mode=black.Mode(line_length=line_length, target_versions={black.TargetVersion.PY311})
    )


@pytest.mark.parametrize(
    "value",
    [
        "",
        "a",
        "it's",
        'say "hi"',
        "both ' and \"",
        "two '' one \"",
        'two "" one \'',
        "back\\slash",
        "tab\there",
        "\x00nul",
        "é and 漢字",
        "\\'",
        '\\"',
        "'",
        '"',
        "''\"\"",
    ],
)
def test_string_literals_are_black_normalised(value: str) -> None:
    literal = black_str(value)
    assert ast.literal_eval(literal) == value
    source = f"x = {literal}\n"
    assert _black(source) == source


def test_enum_members_are_spelled_by_their_value() -> None:
    from dbgen.spec import Operation, Operator

    assert black_str(Operator.IS_NULL) == '"is_null"' and pystr(Operation.GET) == '"get"'


def _random_expr(rng: random.Random, depth: int = 0) -> str:
    """A call, list, dict or value of the shapes the generator writes, of random length."""
    roll = rng.random()
    if depth > 3 or roll < 0.35:
        if rng.random() < 0.1:
            return pystr("line one\n" + "x" * rng.randint(0, 120) + "\nlast")
        return rng.choice(
            [pystr("s" * rng.randint(0, 60)), "True", "None", "sa.Text()", str(rng.randint(0, 99))]
        )
    if roll < 0.45:
        # one-element subscripts, as the generator writes them (_T.c["col"], Sequence[X])
        base = rng.choice(["_T.c", "Sequence", "x" * rng.randint(5, 40), "Mapped"])
        inner = rng.choice([pystr("c" * rng.randint(1, 70)), _random_expr(rng, depth + 1)])
        return f"{base}[{inner}]"
    if roll < 0.8:
        args = [_random_expr(rng, depth + 1) for _ in range(rng.randint(0, 5))]
        kwargs = [f"k{i}={_random_expr(rng, depth + 1)}" for i in range(rng.randint(0, 3))]
        name = rng.choice(
            ["f", "sa.Column", "op.create_table", "postgresql.ENUM", "x" * rng.randint(5, 40)]
        )
        return f"{name}({', '.join(args + kwargs)})"
    if roll < 0.92:
        return "[" + ", ".join(_random_expr(rng, depth + 1) for _ in range(rng.randint(0, 5))) + "]"
    return (
        "{"
        + ", ".join(
            f"{pystr('k' * rng.randint(1, 9))}: {_random_expr(rng, depth + 1)}"
            for _ in range(rng.randint(1, 3))
        )
        + "}"
    )


@pytest.mark.parametrize("seed", range(12))
def test_random_statements_match_black(seed: int) -> None:
    rng = random.Random(seed)
    checked = 0
    for _ in range(60):
        expr = _random_expr(rng)
        line_length = rng.choice([79, 100, 120])
        kind = rng.randrange(4)
        try:
            if kind == 0:  # an expression statement in a function body
                body = "    x = 1\n    " + layout(expr, 1, line_length)
            elif kind == 1:  # an annotated assignment in a class body
                body = "    " + layout(
                    f'attr_{"n" * rng.randint(0, 60)}: Mapped[list["X"]] = {expr}', 1, line_length
                )
            elif kind == 2:  # one element of an exploded tuple
                body = "    t = (\n        None,\n        " + item(expr, 2, line_length) + "\n    )"
            else:
                body = "    " + layout(f"name = {expr}", 1, line_length)
        except Unsupported:
            continue
        source = f"def f():\n{body}\n"
        assert _black(source, line_length) == source, (
            f"seed {seed}, line length {line_length}:\n{source}"
        )
        checked += 1
    assert checked > 40  # Unsupported must stay the exception, not the rule


@pytest.mark.parametrize(
    "annotation",
    ['list["ReleaseGroupSecondaryTypeJoin"]', '"AttributeTypeAllowedValue | None"', "int"],
)
@pytest.mark.parametrize(
    "call",
    [
        'relationship(lazy="raise")',
        'relationship(back_populates="release_group_attributes", '
        'foreign_keys="[ReleaseGroupAttribute.release_group_attribute_type]", lazy="raise")',
    ],
)
def test_long_annotated_targets_match_black(annotation: str, call: str) -> None:
    """Targets too long for "target = (": black splits the annotation's subscript, or
    parenthesizes the annotation; every length around each boundary."""
    checked = 0
    for n in range(40, 110):
        statement = f"{'n' * n}: Mapped[{annotation}] = {call}"
        try:
            source = "class C:\n    " + layout(statement, 1, 100) + "\n"
        except Unsupported:
            continue
        assert _black(source) == source, source
        checked += 1
    assert checked > 40


def test_long_imports_and_values_match_black() -> None:
    source = import_from("pkg.models." + "m" * 70, ["ClassName"], 0, 100) + "\n"
    assert source.count("\n") == 3 and _black(source) == source
    assert import_from("a", ["B", "C"], 0, 100) == "from a import B, C"
    for n in (60, 90, 99):
        source = "class E:\n    " + layout(f"MEMBER = {pystr('v' * n)}", 1, 100) + "\n"
        assert _black(source) == source


@pytest.mark.parametrize("n", [1, 2, 5, 12])
@pytest.mark.parametrize("width", [5, 20, 45])
def test_crud_signatures_and_literals_match_black(n: int, width: int) -> None:
    fmt = Printer(100)
    params = ["self", *(f"p{i}_{'x' * width}: int | None = None" for i in range(n))]
    sig = fmt.sig("async def " + "m" * width, params, "Page[" + "M" * width + "]", 1)
    source = f"class C:\n    {sig}\n        return None\n"
    assert _black(source) == source
    literal = fmt.literal("Key" * (width // 3 + 1), [pystr("k" * width + str(i)) for i in range(n)])
    source = f"{literal}\n"
    assert (_black(source) == source) == fmt.exact
    fmt = Printer(100)
    head = fmt.class_head(f"Sync{'X' * width * n}Repository", f"SyncRepository[{'X' * width * n}]")
    source = f'{head}\n    """Doc."""\n'
    assert (_black(source) == source) == fmt.exact


def _generated(case: Path) -> dict[str, str]:
    result = build_case(case)
    assert result.ok, "\n".join(str(d) for d in result.diagnostics)
    return result.files


@pytest.mark.parametrize(
    "spec",
    [REPO / "specs", *sorted(p for p in CASES.iterdir() if (p / "expected").is_dir())],
    ids=lambda p: p.name,
)
def test_black_leaves_every_generated_file_unchanged(spec: Path) -> None:
    for path, text in _generated(spec).items():
        if path.endswith(".py"):
            assert _black(text) == text, f"{spec.name}: black would change {path}"


def test_the_build_never_imports_a_formatter() -> None:
    """The layout is the generator's own: black is the tests' oracle, not a build step."""
    code = (
        "import sys; from pathlib import Path; from dbgen.core import generate, read_inputs; "
        f"inputs, _ = read_inputs(Path({str(REPO / 'specs')!r})); "
        "assert generate(inputs).ok; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('black', 'ruff', 'blib2to3')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


# Files made only of composed lines (laid out at the configured length) and short fixed ones.
_COMPOSED = re.compile(r"/(models/[^/]+|migrations/versions/[^/]+|enums|base|types)\.py$")


@pytest.mark.parametrize("line_length", [79, 120])
def test_other_line_lengths_lay_out_the_composed_files(line_length: int) -> None:
    """The line length governs every line dbgen composes from names and values: at 79 or 120
    columns black leaves the models, migration, enums, base and types unchanged. The fixed
    code of the CRUD layer and the runtime stays in its 100-column layout (docs/architecture.md).
    """
    inputs, _ = read_inputs(REPO / "specs")
    assert inputs is not None
    result = generate(inputs, line_length=line_length)
    assert result.ok
    composed = sorted(path for path in result.files if _COMPOSED.search(path))
    assert len(composed) > 10
    for path in composed:
        text = result.files[path]
        assert _black(text, line_length) == text, f"black would change {path} at {line_length}"


@pytest.mark.parametrize("n", [20, 60, 85, 93, 95, 97, 99, 101, 110, 140])
def test_long_names_and_subscripts_match_black(n: int) -> None:
    """Names longer than the line (a finder's constants over six columns) and subscripts that
    must split: black splits at the value's brackets even when the first line stays too long,
    or makes the value's parentheses real, and splits a one-element subscript like a call."""
    name, other = "N" * n, "M" * n
    col = "k" * min(n, 63)  # PostgreSQL's identifier limit: column names are no longer
    finder_match = f"({', '.join(f'matches(_T.c[{pystr(c)}], {pystr(c)})' for c in 'abcdef')})"
    always = [f"{name} = {finder_match}", f"{name} = tuple(_INFO.live(*{other}))"]
    sometimes = [
        f"{name} = Writes(source=_T, key_where=_KEY_WHERE, key_match=_KEY_MATCH)",
        f"{name} = [{pystr('x' * (n // 2))}, {pystr('y' * (n // 3))}]",
        f"{name} = f({pystr('x' * n)})",
    ]
    for statement in always + sometimes:
        try:
            source = layout(statement, 0, 100) + "\n"
        except Unsupported:
            assert statement not in always
            continue
        assert _black(source) == source, source
    fmt = Printer(100)
    entries = [f"{pystr(col)}: _T.c[{pystr(col)}]", f"{pystr(col)}: {'C' * n}"]
    block = "\n".join(["x = {", *(f"    {fmt.item(e, 1)}" for e in entries), "}"]) + "\n"
    assert _black(block) == block and fmt.exact
    params = [
        "self",
        f"items: Sequence[tuple[tuple[int, int, int, datetime.date], {'X' * n}Update]]",
        f"keys: Sequence[{'K' * n}]",
    ]
    fmt = Printer(100)
    source = f"class C:\n    {fmt.sig('def bulk', params, 'int', 1)}\n        return 0\n"
    assert (_black(source) == source) == fmt.exact, source
    assert fmt.exact or n >= 60  # within the subset unless a subscript with commas must split


@pytest.mark.parametrize("length", [40, 95])
def test_long_package_names_keep_every_file_in_blacks_layout(length: int, tmp_path: Path) -> None:
    """The package's name is in fixed lines (imports of env.py, testing.py, the CRUD layer):
    however long it is, those lines are laid out, not left too long."""
    import shutil

    spec = tmp_path / "spec"
    shutil.copytree(REPO / "specs", spec)
    crud = (spec / "crud.yaml").read_text(encoding="utf-8")
    assert "package: app_db\n" in crud
    (spec / "crud.yaml").write_text(crud.replace("package: app_db", "package: " + "p" * length))
    inputs, _ = read_inputs(spec)
    assert inputs is not None
    result = generate(inputs)
    assert result.ok, [str(d) for d in result.diagnostics]
    for path, text in result.files.items():
        if path.endswith(".py"):
            assert _black(text) == text, f"black would change {path}"


@pytest.mark.parametrize(
    "comment",
    [
        "trailing space ",
        " leading",
        'ends with a quote"',
        '"starts with one',
        'q""',
        "several\nlines\n  indented\n\n\nand blank ones\n",
        "back\\slash and a last one\\",
        'triple """ inside',
        "tab\there\tand\tthere",
        "a\u2028line separator",
        "x" * 150,
        "   ",
    ],
)
def test_table_comments_keep_the_models_in_blacks_layout(comment: str) -> None:
    """A table comment becomes the model's docstring (at two depths): black must not re-indent
    or strip it, whatever it holds (the migration keeps the exact text)."""
    from dbgen.core import Inputs

    literal = "'" + comment.replace("'", "''") + "'"
    sql = f"CREATE TABLE t (id int PRIMARY KEY, name text);\nCOMMENT ON TABLE t IS {literal};\n"
    crud = "version: 1\npackage: d_db\nentities:\n  t:\n    operations: [get, list]\n"
    result = generate(Inputs((("schema.sql", sql),), ("crud.yaml", crud)))
    assert result.ok, [str(d) for d in result.diagnostics]
    text = result.files["d_db/models/t.py"]
    assert _black(text) == text

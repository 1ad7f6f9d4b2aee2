"""The renderer's own layout (plan/pretty.py) against black, the oracle.

Files the renderer marks preformatted skip black in `dbgen build`, so every one of them must be
exactly what black would write: these tests run black over them and over many generated
statements and fail on any difference.
"""

from __future__ import annotations

import ast
import random
from pathlib import Path

import black
import pytest

from dbgen.core import generate, read_inputs
from dbgen.emit import format as fmt
from dbgen.plan.pretty import Unsupported, black_str, import_from, item, layout
from dbgen.plan.pyexpr import pystr

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


def _random_expr(rng: random.Random, depth: int = 0) -> str:
    """A call, list, dict or value of the shapes the generator writes, of random length."""
    roll = rng.random()
    if depth > 3 or roll < 0.35:
        if rng.random() < 0.1:
            return pystr("line one\n" + "x" * rng.randint(0, 120) + "\nlast")
        return rng.choice(
            [pystr("s" * rng.randint(0, 60)), "True", "None", "sa.Text()", str(rng.randint(0, 99))]
        )
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
    from dbgen.render.crud import _Layout

    fmt = _Layout(100)
    params = ["self", *(f"p{i}_{'x' * width}: int | None = None" for i in range(n))]
    sig = fmt.sig("async def " + "m" * width, params, "Page[" + "M" * width + "]", 1)
    source = f"class C:\n    {sig}\n        return None\n"
    assert _black(source) == source
    literal = fmt.literal("Key" * (width // 3 + 1), [pystr("k" * width + str(i)) for i in range(n)])
    source = f"{literal}\n"
    assert (_black(source) == source) == fmt.exact
    fmt = _Layout(100)
    head = fmt.class_head(f"Sync{'X' * width * n}Repository", f"SyncRepository[{'X' * width * n}]")
    source = f'{head}\n    """Doc."""\n'
    assert (_black(source) == source) == fmt.exact


def _generated(case: Path) -> dict[str, str]:
    import os

    cwd = os.getcwd()
    os.chdir(case)
    try:
        inputs, diags = read_inputs(Path("."))
        assert inputs is not None, diags
        result = generate(inputs)
    finally:
        os.chdir(cwd)
    assert result.ok
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


def test_build_skips_black_for_preformatted_files(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = fmt._format_all

    def recording(
        items: list[tuple[str, str]], line_length: int
    ) -> list[tuple[str, str | None, str | None]]:
        seen.extend(path for path, _ in items)
        return real(items, line_length)

    monkeypatch.setattr(fmt, "_format_all", recording)
    monkeypatch.setenv("DBGEN_CACHE_DIR", "")  # no cache: every file black sees is recorded
    files = _generated(REPO / "specs")
    # Every file of the demo is rendered in black's layout, the CRUD layer included.
    assert files and not seen, f"went through black: {sorted(seen)}"


def test_other_line_lengths_send_fixed_templates_to_black(tmp_path: Path) -> None:
    """db.py etc. are written for black's default 100 columns; at 79 black must format them."""
    inputs, _ = read_inputs(REPO / "specs")
    assert inputs is not None
    files = generate(inputs, line_length=79).files
    for path, text in files.items():
        if path.endswith(".py"):
            assert _black(text, 79) == text, f"black would change {path} at 79 columns"

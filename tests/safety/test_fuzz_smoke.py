"""Fuzz smoke test (issue 9): a bounded, seeded set of mutated inputs. Each one exits 2 with
located errors or yields a package that imports; none raises; a refused build leaves the output
directory exactly as it was."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from pathlib import Path

from safety_kit import CRUD, SCHEMA, Run, snapshot, write_spec

from dbgen.core import Inputs, generate
from support.generated import import_all

SEED = 9
MUTATIONS = 300
# Fragments a careful adversary splices in: quotes, brackets, keywords, YAML structure.
_FRAGMENTS = [
    "'",
    '"',
    '"""',
    "\\",
    "(",
    ")",
    ";",
    ",",
    "\x00",
    "\n",
    "--",
    "/*",
    "$$",
    "é",
    "{{",
    "%}",
    " REFERENCES authors (id)",
    " PRIMARY KEY",
    " DEFAULT 'x'",
    " NOT NULL",
    "[]",
    "null",
    ": ",
    "- ",
    "  ",
    "class_name: Page",
    "package: typing",
    "children: []",
    "list",
    "COMMENT ON ",
]


def _mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(text) + 1)
        op = rng.randrange(4)
        if op == 0:
            text = text[:i] + rng.choice(_FRAGMENTS) + text[i:]
        elif op == 1:
            text = text[:i] + text[i + rng.randint(1, 8) :]
        elif op == 2:
            j = rng.randrange(len(text) + 1)
            text = text[:i] + text[min(i, j) : max(i, j)][:40] + text[i:]
        else:
            lines = text.split("\n")
            k = rng.randrange(len(lines))
            lines.insert(rng.randrange(len(lines) + 1), lines[k])
            text = "\n".join(lines)
    return text


def _cases() -> list[tuple[str, str]]:
    rng = random.Random(SEED)
    out = []
    for n in range(MUTATIONS):
        sql, crud = SCHEMA, CRUD
        if n % 2 == 0:
            sql = _mutate(sql, rng)
        else:
            crud = _mutate(crud, rng)
        out.append((sql, crud))
    return out


def test_mutated_inputs_exit_2_or_import(tmp_path: Path) -> None:
    accepted: dict[str, dict[str, str]] = {}
    refused = 0
    for sql, crud in _cases():
        result = generate(Inputs((("schema.sql", sql),), ("crud.yaml", crud)))  # never raises
        if result.ok:
            key = hashlib.sha256(repr(sorted(result.files.items())).encode()).hexdigest()
            accepted.setdefault(key, result.files)
            continue
        refused += 1
        for d in result.diagnostics:
            if d.is_error:
                assert d.span.file in ("schema.sql", "crud.yaml"), (sql, crud, str(d))
                assert d.code != "internal-invalid-python", (sql, crud, str(d))
    assert refused > MUTATIONS // 4 and accepted  # the mutations do reach both outcomes
    # Every distinct accepted package imports (a bounded number: each is a child process).
    for n, files in enumerate(list(accepted.values())[:15]):
        out = tmp_path / f"pkg{n}"
        for rel, text in files.items():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_text(text, encoding="utf-8")
        package = next(r.split("/")[0] for r in files if r.endswith("/__init__.py"))
        proc = import_all(out, package)
        assert proc.returncode == 0, proc.stderr[-3000:]


def test_a_refused_build_never_changes_the_output(project: Path, dbgen: Callable[..., Run]) -> None:
    assert dbgen("build", "specs", "--out", "gen").code == 0
    before = snapshot(project / "gen")
    for sql, crud in _cases()[:40]:
        write_spec(project / "specs", sql, crud)
        run = dbgen("build", "specs", "--out", "gen")  # raises on a traceback
        assert run.code in (0, 2), run.stderr
        if run.code == 2:
            assert snapshot(project / "gen") == before, run.stderr
        else:
            before = snapshot(project / "gen")

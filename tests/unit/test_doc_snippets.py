"""The code the README and docs/ show is the code docs/examples/ holds (and the tests run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import REPO_ROOT
from support.snippets import refreshed, regions, taken

DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(REPO_ROOT).as_posix())
def test_snippets_equal_the_examples_regions(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    for block in taken(text):
        found = regions(REPO_ROOT / block.path)
        assert block.name in found, f"{doc.name}:{block.line}: {block.path} has no {block.name}"
        assert block.body == found[block.name], (
            f"{doc.name}:{block.line} differs from {block.path}#{block.name}; "
            f"`python tests/support/snippets.py {doc.relative_to(REPO_ROOT)}` rewrites it"
        )


def test_the_readme_takes_the_tour_from_the_example() -> None:
    blocks = taken((REPO_ROOT / "README.md").read_text(encoding="utf-8"))
    assert ("docs/examples/tour.py", "tour") in {(b.path, b.name) for b in blocks}


def test_a_changed_region_is_detected_and_rewritten(tmp_path: Path) -> None:
    example = tmp_path / "ex.py"
    example.write_text("x = 0\n    # [snippet:a]\n    y = 1\n    # [/snippet:a]\n")
    doc = "intro\n<!-- snippet: ex.py#a -->\n```python\ny = 2\n```\nafter\n"
    (block,) = taken(doc)
    assert (block.body, block.line) == ("y = 2\n", 2)
    assert regions(example) == {"a": "y = 1\n"}
    assert refreshed(doc, tmp_path) == doc.replace("y = 2", "y = 1")

"""Documentation snippets taken from runnable examples.

An example marks a region ``# [snippet:NAME]`` ... ``# [/snippet:NAME]``; a Markdown file takes
it with a marker line ``<!-- snippet: docs/examples/tour.py#NAME -->`` (path relative to the
repository) right before a fenced code block. ``python tests/support/snippets.py FILE.md...``
rewrites those blocks from the examples; tests/live/test_examples.py checks that they agree.
"""

from __future__ import annotations

import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
_REGION = re.compile(
    r"^[ \t]*# \[snippet:(?P<name>[\w-]+)\]\n(?P<body>.*?)^[ \t]*# \[/snippet:(?P=name)\]\n",
    re.M | re.S,
)
_TAKEN = re.compile(
    r"^<!-- snippet: (?P<path>[^#\s]+)#(?P<name>[\w-]+) -->\n"
    r"(?P<fence>```[\w-]*\n)(?P<body>.*?)^```\n",
    re.M | re.S,
)


@dataclass(frozen=True, slots=True)
class Taken:
    """A block of a Markdown file that shows a region of an example."""

    path: str  # the example, relative to the repository
    name: str
    body: str  # what the Markdown file shows
    line: int  # of the marker, in the Markdown file


def regions(example: Path) -> dict[str, str]:
    """NAME -> the region's text, dedented, without the marker lines and trailing blank lines."""
    found: dict[str, str] = {}
    for m in _REGION.finditer(example.read_text(encoding="utf-8")):
        if m["name"] in found:
            raise ValueError(f"{example}: region {m['name']!r} is marked twice")
        # Trailing blank lines (black puts two before a comment after a function) are dropped.
        found[m["name"]] = textwrap.dedent(m["body"]).rstrip("\n") + "\n"
    return found


def taken(markdown: str) -> list[Taken]:
    return [
        Taken(m["path"], m["name"], m["body"], markdown.count("\n", 0, m.start()) + 1)
        for m in _TAKEN.finditer(markdown)
    ]


def refreshed(markdown: str, root: Path = REPO_ROOT) -> str:
    """``markdown`` with every taken block replaced by the region it names."""

    def replace(m: re.Match[str]) -> str:
        body = regions(root / m["path"])[m["name"]]
        return f"<!-- snippet: {m['path']}#{m['name']} -->\n{m['fence']}{body}```\n"

    return _TAKEN.sub(replace, markdown)


def main(paths: list[str]) -> int:
    for raw in paths:
        path = Path(raw)
        text = path.read_text(encoding="utf-8")
        new = refreshed(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

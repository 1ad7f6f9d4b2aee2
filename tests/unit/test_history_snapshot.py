"""The schema diffs that record the state at each revision (dbgen/history/snapshot.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dbgen.history.snapshot import SnapshotError, apply_diff, lines, render_diff

# Lines chosen to look like the diff's own syntax: SQL comments (`--`), headers, hunk marks,
# separators str.splitlines would cut at, a missing final newline.
_LINE = st.sampled_from(
    [
        "CREATE TABLE t (id int);\n",
        "-- a comment\n",
        "--- a/schema.sql\n",
        "+++ b/schema.sql\n",
        "@@ -1 +1 @@\n",
        "\n",
        "x\r\n",
        "form\x0cfeed\x1cfs\n",
        "\\ No newline at end of file\n",
        "no newline",
        " leading space\n",
    ]
)
_TEXT = st.lists(_LINE, max_size=14).map("".join)
_FILES = st.dictionaries(st.sampled_from(["a.sql", "b.sql", "schema.sql"]), _TEXT, max_size=3)


@settings(max_examples=400, deadline=None)
@given(_FILES, _FILES)
def test_a_diff_applied_to_its_origin_gives_its_target(
    old: dict[str, str], new: dict[str, str]
) -> None:
    diff = render_diff(old, new, "# header\n")
    assert apply_diff(old, diff) == new


def test_identical_sources_give_an_empty_diff() -> None:
    assert render_diff({"a.sql": "x\n"}, {"a.sql": "x\n"}) == ""


def test_the_diff_reads_like_git_diff() -> None:
    diff = render_diff({"s.sql": "a\nb\nc\n"}, {"s.sql": "a\nB\nc\n", "t.sql": "new\n"})
    assert diff == (
        "--- a/s.sql\n+++ b/s.sql\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
        "--- /dev/null\n+++ b/t.sql\n@@ -0,0 +1 @@\n+new\n"
    )


def test_lines_cut_at_newlines_only() -> None:
    assert lines("a\x0cb\r\nc") == ["a\x0cb\r\n", "c"]


@pytest.mark.parametrize(
    ("diff", "message"),
    [
        ("garbage\n", "expected a `--- a/<file>`"),
        ("--- a/s.sql\n+++ b/s.sql\n@@ -1 +1 @@\n-q\n+r\n", "does not match"),
        ("--- a/s.sql\n+++ b/s.sql\n@@ -1,2 +1,2 @@\n a\n", "shorter than its header"),
        ("--- a/s.sql\n+++ b/s.sql\n@@ nonsense\n", "malformed hunk header"),
        ("--- a/other.sql\n+++ b/other.sql\n", "does not exist"),
        ("--- /dev/null\n+++ b/s.sql\n", "already exists"),
        ("--- a/s.sql\n+++ b/t.sql\n", "one file"),
        ("--- a/s.sql\n+++ /dev/null\n", "lines remain"),
    ],
)
def test_a_diff_that_does_not_apply_is_reported(diff: str, message: str) -> None:
    with pytest.raises(SnapshotError) as exc:
        apply_diff({"s.sql": "a\nb\n"}, diff)
    assert message in exc.value.message

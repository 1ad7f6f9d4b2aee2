"""The schema at a revision, kept in the committed tree as a unified diff of the spec's sources.

Each revision dbgen writes gets a sidecar ``<rev>_<slug>.schema.diff`` beside it in
``versions/``: the change to the spec's ``*.sql`` files (by file name) from the state at the
parent revision to the state at this one; the initial revision's diff starts from nothing. The
state at any revision is the chain of diffs from the root applied in order, read with the same
reader as the spec, so it needs no database and no git history.

Why the sources and not a catalog dump: the diff a reviewer reads is exactly the schema edit
(small, in SQL), a reader upgrade reads the old state the way it reads the new one (so only the
user's edit shows up as a change), and the whole history costs one copy of the schema plus the
edits (musicbrainz: 640 kB once, a few hundred bytes per revision).

The format is the one ``git diff`` and ``patch`` read (``--- a/<file>``, ``+++ b/<file>``,
``/dev/null`` for a file added or removed, ``\\ No newline at end of file``), preceded by ``#``
comment lines. Hunks are read by their line counts, so SQL comments (``--``) in removed lines
are never mistaken for file headers. Applying checks every context and removed line: a diff
that does not apply is reported, never guessed around.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

SUFFIX = ".schema.diff"
_NO_NEWLINE = "\\ No newline at end of file\n"
_BIG = 4000  # differing lines past which difflib may use its junk heuristic
_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class SnapshotError(Exception):
    """A diff that does not parse or does not apply; ``line`` is 1-based in the diff file."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def lines(text: str) -> list[str]:
    """``text`` cut after each ``\\n`` only (str.splitlines also cuts at \\r, \\f, \\x1c, ...)."""
    out = text.split("\n")
    last = out.pop()
    return [line + "\n" for line in out] + ([last] if last else [])


def _emit(prefix: str, line: str) -> str:
    return prefix + line if line.endswith("\n") else prefix + line + "\n" + _NO_NEWLINE


def render_diff(old: Mapping[str, str], new: Mapping[str, str], header: str = "") -> str:
    """The diff from sources ``old`` to ``new`` (file name -> text); ``header``: comment lines."""
    parts = [header]
    for name in sorted({*old, *new}):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        parts.append(f"--- {'a/' + name if before is not None else '/dev/null'}\n")
        parts.append(f"+++ {'b/' + name if after is not None else '/dev/null'}\n")
        a, b = lines(before or ""), lines(after or "")
        for group in _grouped(_opcodes(a, b)):
            i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
            parts.append(f"@@ -{_range(i1, i2)} +{_range(j1, j2)} @@\n")
            for tag, x1, x2, y1, y2 in group:
                if tag == "equal":
                    parts.extend(_emit(" ", line) for line in a[x1:x2])
                    continue
                parts.extend(_emit("-", line) for line in a[x1:x2])
                parts.extend(_emit("+", line) for line in b[y1:y2])
    return "".join(parts)


def _opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes from ``a`` to ``b``, matched only between the common head and tail.

    A schema edit touches a few lines of a long file: trimming what is the same at both ends
    leaves difflib a small problem (musicbrainz: 16,000 lines, seconds -> milliseconds). Past a
    few thousand differing lines difflib's junk heuristic keeps it fast; the diff may then be
    less minimal, never wrong.
    """
    head = 0
    limit = min(len(a), len(b))
    while head < limit and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < limit - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    mid_a, mid_b = a[head : len(a) - tail], b[head : len(b) - tail]
    matcher = difflib.SequenceMatcher(
        None, mid_a, mid_b, autojunk=max(len(mid_a), len(mid_b)) > _BIG
    )
    codes: list[tuple[str, int, int, int, int]] = [
        (tag, i1 + head, i2 + head, j1 + head, j2 + head)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if i1 != i2 or j1 != j2
    ]
    if head:
        codes.insert(0, ("equal", 0, head, 0, head))
    if tail:
        codes.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return codes


def _grouped(
    codes: list[tuple[str, int, int, int, int]], n: int = 3
) -> list[list[tuple[str, int, int, int, int]]]:
    """Hunks with ``n`` lines of context, as difflib.SequenceMatcher.get_grouped_opcodes."""
    if not any(tag != "equal" for tag, *_ in codes):
        return []
    codes = list(codes)
    tag, i1, i2, j1, j2 = codes[0]
    if tag == "equal":
        codes[0] = (tag, max(i1, i2 - n), i2, max(j1, j2 - n), j2)
    tag, i1, i2, j1, j2 = codes[-1]
    if tag == "equal":
        codes[-1] = (tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n))
    groups: list[list[tuple[str, int, int, int, int]]] = []
    group: list[tuple[str, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * n:
            group.append((tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)))
            groups.append(group)
            group = []
            i1, j1 = max(i1, i2 - n), max(j1, j2 - n)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        groups.append(group)
    return groups


def _range(start: int, stop: int) -> str:
    """A hunk range as unified diffs spell it (1-based start; an empty range names the line
    before it)."""
    length = stop - start
    first = start + 1 if length else start
    return f"{first}" if length == 1 else f"{first},{length}"


def apply_diff(old: Mapping[str, str], diff: str) -> dict[str, str]:
    """``old`` with ``diff`` applied; raises SnapshotError where it does not parse or apply."""
    result = dict(old)
    rows = lines(diff)
    n = 0

    def at(i: int) -> str:
        return rows[i] if i < len(rows) else ""

    while n < len(rows):
        row = rows[n]
        if row.startswith("#") or not row.strip():
            n += 1
            continue
        if not (row.startswith("--- ") and at(n + 1).startswith("+++ ")):
            raise SnapshotError(n + 1, "expected a `--- a/<file>` / `+++ b/<file>` header")
        src, dst = _name(row[4:], "a/", n + 1), _name(at(n + 1)[4:], "b/", n + 2)
        name = src or dst
        if name is None or (src and dst and src != dst):
            raise SnapshotError(n + 1, "a file header must name one file")
        if src is None and name in result:
            raise SnapshotError(n + 1, f"{name} is added but already exists")
        if src is not None and name not in result:
            raise SnapshotError(n + 1, f"{name} is changed but does not exist")
        n += 2
        before = lines(result.get(name, ""))
        after: list[str] = []
        cursor = 0  # lines of ``before`` consumed
        while n < len(rows) and rows[n].startswith("@@"):
            m = _HUNK.match(rows[n])
            if m is None:
                raise SnapshotError(n + 1, "malformed hunk header")
            start, count = int(m.group(1)), int(m.group(2) or 1)
            new_count = int(m.group(4) or 1)
            begin = start - 1 if count else start
            if begin < cursor or begin > len(before):
                raise SnapshotError(n + 1, f"hunk out of order or past the end of {name}")
            after.extend(before[cursor:begin])
            cursor = begin
            n += 1
            seen_old = seen_new = 0
            while seen_old < count or seen_new < new_count:
                row = at(n)
                if not row or row[0] not in " -+":
                    raise SnapshotError(n + 1, "hunk shorter than its header says")
                text = row[1:]
                if at(n + 1) == _NO_NEWLINE:
                    text = text.removesuffix("\n")
                    n += 1
                if (row[0] in " -" and seen_old >= count) or (
                    row[0] in " +" and seen_new >= new_count
                ):
                    raise SnapshotError(n + 1, "hunk longer than its header says")
                if row[0] in " -":
                    if cursor >= len(before) or before[cursor] != text:
                        raise SnapshotError(n + 1, f"{name} does not match the diff here")
                    cursor += 1
                    seen_old += 1
                if row[0] in " +":
                    after.append(text)
                    seen_new += 1
                n += 1
        after.extend(before[cursor:])
        if dst is None:
            if after:
                raise SnapshotError(n, f"{name} is removed but lines remain")
            del result[name]
        else:
            result[name] = "".join(after)
    return result


def _name(field: str, prefix: str, line: int) -> str | None:
    field = field.rstrip("\n").split("\t")[0]
    if field == "/dev/null":
        return None
    if not field.startswith(prefix) or len(field) == len(prefix):
        raise SnapshotError(line, f"expected {prefix}<file> or /dev/null")
    return field[len(prefix) :]


class MergeConflict(Exception):
    """Two branches changed the same lines of a schema file (``name``)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def merge_sources(
    base: Mapping[str, str], ours: Mapping[str, str], theirs: Mapping[str, str]
) -> dict[str, str]:
    """The sources with both branches' edits since ``base``, as git merges text: edits to
    different lines combine, the same edit on both sides counts once, and edits that touch
    the same lines raise MergeConflict."""
    merged: dict[str, str] = {}
    for name in sorted({*base, *ours, *theirs}):
        b, o, t = base.get(name), ours.get(name), theirs.get(name)
        if o == t:
            result = o
        elif o == b:
            result = t
        elif t == b:
            result = o
        elif o is None or t is None or b is None:
            raise MergeConflict(name)  # added on both sides, or removed on one and edited
        else:
            result = _merge_lines(lines(b), lines(o), lines(t), name)
        if result is not None:
            merged[name] = result
    return merged


def _merge_lines(base: list[str], ours: list[str], theirs: list[str], name: str) -> str:
    def edits(other: list[str]) -> list[tuple[int, int, list[str]]]:
        return [
            (i1, i2, other[j1:j2])
            for tag, i1, i2, j1, j2 in _opcodes(base, other)
            if tag != "equal"
        ]

    pending = sorted([*edits(ours), *edits(theirs)], key=lambda e: (e[0], e[1]))
    out: list[str] = []
    cursor = 0
    previous: tuple[int, int, list[str]] | None = None
    for edit in pending:
        start, stop, text = edit
        if previous is not None:
            if edit == previous:
                continue  # the same change made on both branches
            if start < previous[1] or start == previous[0]:
                raise MergeConflict(name)  # the same lines, or two edits at one place
        out.extend(base[cursor:start])
        out.extend(text)
        cursor = stop
        previous = edit
    out.extend(base[cursor:])
    return "".join(out)

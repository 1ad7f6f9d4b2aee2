"""A schema file that is obviously another dialect's: found before the reader sees it.

Each marker is something only some dialects accept (a backtick-quoted name, ``ENGINE=``,
``AUTOINCREMENT``, a ``::`` cast ...). The scan skips comments, string literals, quoted names
and dollar-quoted bodies, so a marker inside them does not count. One diagnostic per file, at
the first marker, naming the setting that chose the dialect: the reader of the wrong dialect
would report dozens of confusing errors instead.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from dbgen.diagnostics import Diagnostic, Span, error, line_col

# The dialects dbgen.toml may name (dbgen.dialects registers those it can read).
KNOWN_DIALECTS = ("postgresql", "mysql", "sqlite")
TITLES = {"postgresql": "PostgreSQL", "mysql": "MySQL/MariaDB", "sqlite": "SQLite"}


@dataclass(frozen=True, slots=True)
class Marker:
    dialect: str  # whose DDL it is
    what: str  # how the message names it
    pattern: re.Pattern[str]  # matched at a position outside comments and literals (the
    #                           group "at", when it has one, is where the marker is reported)
    accepted_by: frozenset[str]  # the dialects that read it too (its own always does)
    statement_start: bool = False  # only as a statement's first word


def _m(dialect: str, what: str, pattern: str, *also: str, start: bool = False) -> Marker:
    return Marker(
        dialect,
        what,
        re.compile(pattern, re.IGNORECASE),
        frozenset({dialect, *also}),
        start,
    )


MARKERS: tuple[Marker, ...] = (
    # MySQL / MariaDB
    _m("mysql", "a backtick-quoted name", r"`", "sqlite"),
    _m("mysql", "a version comment (/*!...*/)", r"/\*!"),
    _m("mysql", "the ENGINE= table option", r"\bENGINE\s*="),
    _m("mysql", "AUTO_INCREMENT", r"\bAUTO_INCREMENT\b"),
    _m("mysql", "a DELIMITER line", r"DELIMITER\s+\S", start=True),
    # SQLite
    _m("sqlite", "AUTOINCREMENT", r"\bAUTOINCREMENT\b"),
    _m("sqlite", "WITHOUT ROWID", r"\bWITHOUT\s+ROWID\b"),
    _m("sqlite", "a STRICT table", r"[),]\s*(?P<at>STRICT)\s*(?=[;,]|\Z)"),
    _m("sqlite", "a PRAGMA", r"PRAGMA\b", start=True),
    _m("sqlite", "CREATE VIRTUAL TABLE", r"CREATE\s+VIRTUAL\s+TABLE\b", start=True),
    _m("sqlite", "a [bracket]-quoted name", r"(?<=[\s(,.])\[[A-Za-z_][^\]\n]*\]"),
    # PostgreSQL
    _m("postgresql", "a :: cast", r"::"),
    _m("postgresql", "a dollar-quoted body", r"\$([A-Za-z_][A-Za-z0-9_]*)?\$"),
    _m("postgresql", "CREATE EXTENSION", r"CREATE\s+EXTENSION\b", start=True),
    _m("postgresql", "CREATE TYPE", r"CREATE\s+TYPE\b", start=True),
    _m("postgresql", "CREATE DOMAIN", r"CREATE\s+DOMAIN\b", start=True),
    _m("postgresql", "OWNER TO", r"\bOWNER\s+TO\b"),
    _m("postgresql", "SET search_path", r"SET\s+search_path\b", start=True),
    _m("postgresql", "a pg_catalog name", r"\bpg_catalog\s*\."),
)

# What the scan steps over: comments, literals and quoted names (a MySQL version comment is a
# marker, not a comment), as the dialect being read lexes them; a dollar-quoted body is skipped
# once its opening tag was looked at. Each body is unrolled and possessive (a run of plain characters,
# then one escape and another run, never given back): an alternation repeated per character keeps
# a backtracking frame per character, 560 MB for one 4 MB string literal.
_COMMON_SKIP = r"""--[^\n]*
  | /\*(?!!)[^*]*(?:\*(?!/)[^*]*)*+(?:\*/|\Z)
  | [Ee]'[^'\\]*(?:(?:\\.|'')[^'\\]*)*+(?:'|\Z)
  | "[^"]*(?:""[^"]*)*+(?:"|\Z)
"""
_SKIP = {
    "postgresql": re.compile(_COMMON_SKIP + r"| '[^']*(?:''[^']*)*+(?:'|\Z)", re.VERBOSE),
    "mysql": re.compile(
        _COMMON_SKIP + r"| '[^'\\]*(?:(?:\\.|'')[^'\\]*)*+(?:'|\Z) | \#[^\n]*"
        r"| (?<![^\n])DELIMITER[ \t]+(?P<delimiter>\S+)[^\n]*",
        re.VERBOSE | re.IGNORECASE,
    ),
    "sqlite": re.compile(
        _COMMON_SKIP + r"| '[^']*(?:''[^']*)*+(?:'|\Z) | \[[^\]\n]*\]", re.VERBOSE
    ),
}
# A run of characters none of the markers, skips, words or dollar quotes above starts with (each
# of those begins with a word character, whitespace, a quote, $ / - # [ : ; ) or a comma): the
# scan steps over the run at once (brackets, operators), as a character at a time would. Not
# while a DELIMITER line has set a delimiter of its own, which may be made of such characters.
_INERT = re.compile(r"[^\s\w$'\"`/\-#\[:;),\x80-\U0010ffff]+")
_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
_WORD = re.compile(r"[A-Za-z0-9_\x80-\U0010ffff][A-Za-z0-9_$\x80-\U0010ffff]*")


@functools.cache
def _foreign(dialect: str, at_start: bool) -> re.Pattern[str]:
    """The markers ``dialect`` does not accept as one alternation (group ``m<i>`` is
    ``MARKERS[i]``, tried in order): one match per position instead of one per marker, which
    kept a 10 MB line of brackets scanning for minutes."""
    alternatives = [
        f"(?P<m{i}>{marker.pattern.pattern.replace('(?P<at>', f'(?P<at{i}>')})"
        for i, marker in enumerate(MARKERS)
        if dialect not in marker.accepted_by and (at_start or not marker.statement_start)
    ]
    return re.compile("|".join(alternatives) or r"(?!)", re.IGNORECASE)


def find_marker(text: str, dialect: str) -> tuple[int, Marker] | None:
    """The first marker of another dialect in ``text`` that ``dialect`` does not accept."""
    skip = _SKIP[dialect]
    at_start = True  # at a statement's first word
    delimiter = ";"  # the mysql client's, which DELIMITER lines change
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if delimiter != ";" and text.startswith(delimiter, i):
            i, at_start = i + len(delimiter), True
            continue
        skipped = skip.match(text, i)
        if skipped:
            delimiter = skipped.groupdict().get("delimiter") or delimiter
            i = skipped.end()
            continue
        inert = _INERT.match(text, i) if delimiter == ";" else None
        if inert:
            i, at_start = inert.end(), False
            continue
        found = _foreign(dialect, at_start).match(text, i)
        if found and found.lastgroup:
            index = int(found.lastgroup[1:])
            # A pattern that needs what comes before it says where it is: its group "at".
            at = f"at{index}"
            return (found.start(at) if at in found.re.groupindex else i), MARKERS[index]
        at_start = c == ";"
        dollar = _DOLLAR.match(text, i) if c == "$" else None
        word = _WORD.match(text, i)
        if dollar:
            close = text.find(dollar.group(0), dollar.end())
            i = n if close < 0 else close + len(dollar.group(0))
        elif word:
            i = word.end()
        else:
            i += 1
    return None


def wrong_dialect(
    sources: Sequence[tuple[str, str]], dialect: str, setting: str
) -> list[Diagnostic]:
    """One error per source that is obviously not ``dialect``'s DDL. ``setting`` says where
    the dialect was chosen ('dialect = "postgresql" in specs/dbgen.toml', '--dialect sqlite')."""
    found = []
    for path, text in sources:
        hit = find_marker(text, dialect)
        if hit is None:
            continue
        offset, marker = hit
        line, col = line_col(text, offset)
        found.append(
            error(
                Span(path, line, col),
                "wrong-dialect",
                f"{marker.what}: this file looks like {TITLES[marker.dialect]} DDL, but "
                f'{setting} chooses {TITLES[dialect]}; set dialect = "{marker.dialect}" in '
                "the spec directory's dbgen.toml (dbgen scaffold: --dialect "
                f"{marker.dialect}) if it is",
            )
        )
    return found

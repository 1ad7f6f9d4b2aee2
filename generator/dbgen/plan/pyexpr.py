"""Small helpers that spell Python source for values the templates print."""

from __future__ import annotations

import re
from collections.abc import Iterable

from dbgen.layout.statement import black_str

# Colons SQLAlchemy's text() would change: a bind parameter (":name", not "::cast"), or one its
# unescaping would eat ("\\:"). Such a colon and every colon chained to it by a word ("\\:a:b")
# get a backslash, which text() removes again: the SQL comes out exactly as written (the tests
# check this against text() itself).
_TEXT_COLON = re.compile(r"(?:(?<![:\w\\]):(?=\w+(?!:))|(?<=\\):)(?:[\w$]*:)*[\w$]*")


def pystr(value: str) -> str:
    """A Python string literal that evaluates to exactly ``value``, quoted as black writes it;
    triple-quoted when the value spans lines, for readability.

    This is the one way text from the inputs (names, comments, defaults, check and index text,
    enum labels, view and function bodies) enters generated code; docstrings and comments use
    the same escaping (``docbody``, ``pycomment``). See docs/safety.md.
    """
    if "\n" not in value:
        return black_str(value)  # repr-based: every character escaped as repr escapes it
    return '"""' + _escape(value, newlines=True) + '"""'


def docbody(text: str) -> str:
    """``text`` inside a docstring (``\"\"\"...{{ x | doc }}...\"\"\"``): escaped as ``pystr``'s
    triple-quoted form, with a quote at either edge escaped too, so whatever the template puts
    around it, the text can neither close the docstring nor run. black may still re-indent it
    and strip its edges: docstrings are for reading; the exact text is kept in a literal
    (``comment=...``) where it matters."""
    return _escape(text, newlines=True)


def pycomment(text: str) -> str:
    """``text`` for a ``#`` comment: one line whatever it holds (a line break is written ``\\n``)."""
    return _escape(text, newlines=False, quotes=False)


def tomlstr(text: str) -> str:
    """A TOML basic string for ``text`` (pyproject.toml): quotes, backslashes and control
    characters escaped, so a file name cannot end the string or add a key; a lone surrogate (a
    file name that is not UTF-8) becomes U+FFFD, which TOML can hold."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch < " " or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        elif "\ud800" <= ch <= "\udfff":
            out.append("\ufffd")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _escape(text: str, *, newlines: bool, quotes: bool = True) -> str:
    """The body of a triple-quoted literal for ``text``: backslashes doubled, every character
    ``repr`` would escape (NUL, carriage returns, tabs, bidi controls, lone surrogates...)
    escaped the same way, line breaks kept when ``newlines``, and every ``"`` that could end the
    literal or join the text around it (three in a row, or one at either end) escaped."""
    if text.replace("\n", "").isprintable():  # the common case, without a loop in Python
        body = text.replace("\\", "\\\\")
        if not newlines:
            body = body.replace("\n", "\\n")
        return _escape_quotes(body) if quotes else body
    out: list[str] = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch.isprintable() or (ch == "\n" and newlines):
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1])
    body = "".join(out)
    return _escape_quotes(body) if quotes else body


def _escape_quotes(body: str) -> str:
    body = body.replace('"""', '\\"\\"\\"')
    if body.startswith('"'):
        body = '\\"' + body[1:]
    if body.endswith('"') and (len(body) - 1 - len(body[:-1].rstrip("\\"))) % 2 == 0:
        body = body[:-1] + '\\"'  # an unescaped quote: an even run of backslashes before it
    return body


def sql_text(sql: str) -> str:
    """``sa.text(...)`` for SQL kept as written; colons that look like bind parameters are escaped
    so SQLAlchemy passes them through verbatim."""
    return f"sa.text({pystr(text_escape(sql))})"


def text_escape(sql: str) -> str:
    """``sql`` as ``sa.text()`` must be given it to render exactly ``sql``."""
    return _TEXT_COLON.sub(lambda m: m.group(0).replace(":", "\\:"), sql)


def pylist(items: Iterable[str]) -> str:
    return "[" + ", ".join(items) + "]"


def strs(items: Iterable[str]) -> str:
    return pylist(pystr(i) for i in items)


def kwargs(pairs: Iterable[tuple[str, str | None]]) -> str:
    """``a=1, b=2`` from (name, python-expr) pairs, skipping None values."""
    return ", ".join(f"{k}={v}" for k, v in pairs if v is not None)


def call(func: str, *args: str | None, **kw: str | None) -> str:
    parts = [a for a in args if a is not None]
    rest = kwargs(kw.items())
    if rest:
        parts.append(rest)
    return f"{func}({', '.join(parts)})"

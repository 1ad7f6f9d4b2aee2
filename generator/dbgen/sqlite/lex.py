"""SQLite's tokens, with offsets into the file text, and statements cut at top-level semicolons.

A CREATE TRIGGER's body (BEGIN ... END, with CASE ... END inside) holds semicolons of its own:
the statement ends at the semicolon after the body's END, as sqlite3's complete_statement says.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from enum import StrEnum

from dbgen.diagnostics import Diagnostic, Span, error


class Kind(StrEnum):
    WORD = "word"  # a keyword or bare identifier; ``value`` upper-cased
    QUOTED = "quoted"  # "x", `x` or [x]; ``value`` the name
    STRING = "string"  # 'x'; ``value`` the text
    BLOB = "blob"  # X'00ff'
    NUMBER = "number"
    PARAM = "param"  # ?, ?1, :name, @name, $name
    OP = "op"
    PUNCT = "punct"  # ( ) , ; .


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    value: str
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind is Kind.WORD and self.value in words

    @property
    def name(self) -> str | None:
        """The identifier this token spells (a bare word or a quoted name), else None."""
        return self.value if self.kind is Kind.QUOTED else None


_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<comment>--[^\n]*|/\*[^*]*(?:\*(?!/)[^*]*)*+(?:\*/|\Z))
      | (?P<blob>[xX]'[^']*'?)
      | (?P<string>'[^']*(?:''[^']*)*+'?)
      | (?P<dquoted>"[^"]*(?:""[^"]*)*+"?)
      | (?P<bquoted>`[^`]*(?:``[^`]*)*+`?)
      | (?P<bracket>\[[^\]]*\]?)
      | (?P<number>0[xX][0-9A-Fa-f]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
      | (?P<word>[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_$\u0080-\U0010ffff]*)
      | (?P<param>\?\d*|[:@$][A-Za-z0-9_]+)
      | (?P<op>->>|->|\|\||<<|>>|<=|>=|==|!=|<>|[-+*/%<>=~&|!])
      | (?P<punct>[(),;.])
    """,
    re.VERBOSE,
)


def _unquote(raw: str, close: str) -> str:
    body = raw[1:-1] if raw.endswith(close) and len(raw) > 1 else raw[1:]
    return body if close == "]" else body.replace(close * 2, close)


def lex(text: str) -> tuple[list[Token], Diagnostic | None, int]:
    """The tokens of ``text`` (comments and space dropped), and the first problem with the
    offset it is at (an unterminated literal or comment, a character SQLite does not read)."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        m = _TOKEN.match(text, i)
        if m is None:
            return tokens, error(Span(""), "syntax", f"unexpected character {text[i]!r}"), i
        kind, raw = m.lastgroup, m.group(0)
        unterminated = (
            (kind == "comment" and raw.startswith("/*") and not raw.endswith("*/"))
            or (kind in ("string", "blob") and (len(raw) < 2 or not raw.endswith("'")))
            or (kind == "dquoted" and (len(raw) < 2 or not raw.endswith('"')))
            or (kind == "bquoted" and (len(raw) < 2 or not raw.endswith("`")))
            or (kind == "bracket" and not raw.endswith("]"))
        )
        if unterminated:
            return tokens, error(Span(""), "syntax", f"unterminated {kind}"), i
        if kind == "word":
            tokens.append(Token(Kind.WORD, raw.upper(), i, m.end()))
        elif kind == "string":
            tokens.append(Token(Kind.STRING, raw[1:-1].replace("''", "'"), i, m.end()))
        elif kind in ("dquoted", "bquoted", "bracket"):
            close = {"dquoted": '"', "bquoted": "`", "bracket": "]"}[kind]
            tokens.append(Token(Kind.QUOTED, _unquote(raw, close), i, m.end()))
        elif kind not in ("space", "comment"):
            tokens.append(Token(Kind(str(kind)), raw, i, m.end()))
        i = m.end()
    return tokens, None, n


@dataclass(frozen=True, slots=True)
class Statement:
    file: str
    text: str  # the whole file's text; tokens index into it
    tokens: tuple[Token, ...]  # without the closing semicolon
    line_starts: tuple[int, ...]

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end

    @property
    def sql(self) -> str:
        """The statement as written, comments inside it included, without its semicolon."""
        return self.text[self.start : self.end]

    def span_at(self, offset: int) -> Span:
        line = bisect_right(self.line_starts, offset)
        return Span(self.file, line, offset - self.line_starts[line - 1] + 1)

    @property
    def span(self) -> Span:
        return self.span_at(self.start)

    def slice(self, first: Token, last: Token) -> str:
        return self.text[first.start : last.end]


def _trigger_end(tokens: list[Token], i: int) -> int:
    """Index of the END closing the trigger body whose BEGIN is at ``i`` (or len(tokens))."""
    depth = 0
    for k in range(i + 1, len(tokens)):
        t = tokens[k]
        if t.is_word("CASE"):
            depth += 1
        elif t.is_word("END"):
            if depth == 0:
                return k
            depth -= 1
    return len(tokens)


def _is_trigger(tokens: list[Token]) -> bool:
    words = [t.value for t in tokens[:3] if t.kind is Kind.WORD]
    return words[:1] == ["CREATE"] and "TRIGGER" in words[1:3]


def split(file: str, text: str) -> tuple[list[Statement], list[Diagnostic]]:
    line_starts = (0, *(m.end() for m in re.finditer("\n", text)))
    tokens, problem, at = lex(text)
    diags: list[Diagnostic] = []
    statements: list[Statement] = []
    current: list[Token] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind is Kind.PUNCT and t.value == ";":
            if current:
                statements.append(Statement(file, text, tuple(current), line_starts))
            current = []
            i += 1
            continue
        current.append(t)
        if t.is_word("BEGIN") and _is_trigger(current):
            end = _trigger_end(tokens, i)
            current.extend(tokens[i + 1 : end + 1])
            i = end + 1
            continue
        i += 1
    if current:
        statements.append(Statement(file, text, tuple(current), line_starts))
    if problem is not None:
        probe = Statement(file, text, (Token(Kind.PUNCT, "", at, at),), line_starts)
        diags.append(error(probe.span_at(at), problem.code, problem.message))
    return statements, diags

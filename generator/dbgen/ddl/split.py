"""Lex a SQL file the way psql does and cut it into statements.

One pass produces tokens with absolute character offsets into the file text and groups them into
statements at top-level semicolons. Offsets let later stages slice the ORIGINAL text (defaults,
checks, bodies) instead of re-rendering it. psql backslash lines become statements of their own,
and COPY ... FROM stdin data is skipped up to its ``\\.`` line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from enum import StrEnum

from dbgen.ddl.names import MAX_IDENT_BYTES, truncate_identifier
from dbgen.diagnostics import Diagnostic, Span, error, line_col, warning


class Kind(StrEnum):
    WORD = "word"  # unquoted identifier or keyword; value is lower-cased (ASCII only)
    QUOTED = "quoted"  # "quoted identifier"; value is unescaped
    STRING = "string"  # '..', E'..', $$..$$, B'..', X'..', U&'..'; value is the text
    NUMBER = "number"
    OP = "op"  # operator characters (+ - * / < > = ~ ! @ # % ^ & | ` ?) and ::
    PUNCT = "punct"  # ( ) [ ] , ; . :
    PARAM = "param"  # $1
    BACKSLASH = "backslash"  # a psql meta-command line


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    value: str
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind is Kind.WORD and self.value in words


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement: its tokens (comments dropped) and where it sits in its file."""

    file: str
    text: str  # the whole file text; tokens index into it
    tokens: tuple[Token, ...]
    line_starts: tuple[int, ...] = ()  # offsets where lines begin (shared by a file's statements)

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end

    @property
    def sql(self) -> str:
        """The statement as written, without the trailing semicolon."""
        return self.text[self.start : self.end]

    def span_at(self, offset: int) -> Span:
        if not self.line_starts:
            line, col = line_col(self.text, offset)
            return Span(self.file, line, col)
        # binary search instead of counting newlines from the start: large files stay fast
        line = bisect_right(self.line_starts, offset)
        return Span(self.file, line, offset - self.line_starts[line - 1] + 1)

    @property
    def span(self) -> Span:
        return self.span_at(self.start)


_WORD_START = re.compile(r"[A-Za-z_\u0080-\U0010ffff]")
_WORD = re.compile(r"[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_$\u0080-\U0010ffff]*")
_NUMBER = re.compile(
    r"(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?|0[xXoObB][0-9A-Fa-f_]+"
)
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_\u0080-\U0010ffff]*)?\$")
_PARAM = re.compile(r"\$\d+")
_OP_CHARS = "+-*/<>=~!@#%^&|`?"
_OP = re.compile(r"[+\-*/<>=~!@#%^&|`?]+")
_SPACE = re.compile(r"\s+")


# Deepest bracket nesting read (a limit, documented in docs/safety.md): real schemas stay far
# below it, and a hostile line of "(" stops here instead of costing a token per byte.
MAX_NESTING = 1000
# Most tokens read from one file: a 4 MiB schema has about 420,000 (one per 10 bytes), a hostile
# file of "()" one per byte; every token costs microseconds in Python.
MAX_TOKENS = 500_000


class _Unterminated(Exception):
    def __init__(self, offset: int, code: str, what: str) -> None:
        super().__init__(what)
        self.offset = offset
        self.code = code
        self.what = what


def ascii_lower(s: str) -> str:
    # PostgreSQL folds only ASCII letters of unquoted identifiers (UTF-8 databases).
    return s.translate(_LOWER) if not s.isascii() else s.lower()


_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def _skip_block_comment(text: str, i: int) -> int:
    """i points at '/*'; return the offset after the matching '*/' (comments nest)."""
    depth = 0
    n = len(text)
    j = i
    while j < n:
        if text.startswith("/*", j):
            depth += 1
            j += 2
        elif text.startswith("*/", j):
            depth -= 1
            j += 2
            if depth == 0:
                return j
        else:
            j += 1
    raise _Unterminated(i, "unterminated-comment", "unterminated /* comment")


def _scan_quoted(text: str, i: int, quote: str, backslash: bool) -> int:
    """i points at the opening quote; return the offset after the closing one."""
    j = i + 1
    n = len(text)
    find = text.find
    while j < n:
        # Jump to the next quote (or backslash) instead of stepping a character at a time: a
        # 4 MB literal is one find(), not four million iterations.
        k = find(quote, j)
        if backslash:
            b = find("\\", j, k if k >= 0 else n)
            if b >= 0:
                j = b + 2
                continue
        if k < 0:
            break
        if k + 1 < n and text[k + 1] == quote:
            j = k + 2
            continue
        return k + 1
    if quote == '"':
        raise _Unterminated(i, "unterminated-identifier", 'unterminated quoted identifier (")')
    raise _Unterminated(i, "unterminated-string", "unterminated string literal")


def _unescape_string(raw: str) -> str:
    """The value of a string token (enough for labels, comments and set_config arguments)."""
    if raw.startswith("$"):
        tag_end = raw.index("$", 1) + 1
        return raw[tag_end : len(raw) - tag_end]
    prefix_len = raw.index("'")
    prefix = raw[:prefix_len].lower()
    body = raw[prefix_len + 1 : -1]
    if prefix == "e":
        return _unescape_backslashes(body)
    return body.replace("''", "'")


_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _unescape_backslashes(body: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "'" and body.startswith("''", i):
            out.append("'")
            i += 2
        elif c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
            elif nxt in "01234567":
                m = re.match(r"[0-7]{1,3}", body[i + 1 :])
                assert m is not None
                out.append(chr(int(m.group(), 8)))
                i += 1 + len(m.group())
            elif nxt == "x" and re.match(r"[0-9A-Fa-f]", body[i + 2 : i + 3]):
                m = re.match(r"[0-9A-Fa-f]{1,2}", body[i + 2 :])
                assert m is not None
                out.append(chr(int(m.group(), 16)))
                i += 2 + len(m.group())
            elif nxt in "uU":
                width = 4 if nxt == "u" else 8
                digits = body[i + 2 : i + 2 + width]
                try:
                    out.append(chr(int(digits, 16)))
                    i += 2 + width
                except ValueError:
                    out.append(nxt)
                    i += 2
            else:
                out.append(nxt)
                i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def lex(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of text[start:end]; raises _Unterminated. Comments are skipped."""
    toks: list[Token] = []
    i = start
    n = len(text) if end is None else end
    append = toks.append
    depth = 0
    while i < n:
        if len(toks) > MAX_TOKENS:
            raise _Unterminated(
                i,
                "too-many-tokens",
                f"more than {MAX_TOKENS} tokens in one file (real schemas have about one per "
                "10 bytes; split the file)",
            )
        c = text[i]
        if c in " \t\r\n\f\v":
            m = _SPACE.match(text, i)
            assert m is not None
            i = m.end()
            continue
        if c == "-" and text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c == "/" and text.startswith("/*", i):
            i = _skip_block_comment(text, i)
            continue
        if c == "'":
            j = _scan_quoted(text, i, "'", False)
            append(Token(Kind.STRING, _unescape_string(text[i:j]), i, j))
            i = j
            continue
        if c == '"':
            j = _scan_quoted(text, i, '"', False)
            append(Token(Kind.QUOTED, text[i + 1 : j - 1].replace('""', '"'), i, j))
            i = j
            continue
        if c in "eEbBxXnN" and i + 1 < n and text[i + 1] == "'":
            j = _scan_quoted(text, i + 1, "'", c in "eE")
            append(Token(Kind.STRING, _unescape_string(text[i:j]), i, j))
            i = j
            continue
        if c in "uU" and text.startswith("&'", i + 1):
            j = _scan_quoted(text, i + 2, "'", False)
            append(Token(Kind.STRING, text[i + 3 : j - 1].replace("''", "'"), i, j))
            i = j
            continue
        if c in "uU" and text.startswith('&"', i + 1):
            j = _scan_quoted(text, i + 2, '"', False)
            append(Token(Kind.QUOTED, text[i + 3 : j - 1].replace('""', '"'), i, j))
            i = j
            continue
        if c == "$":
            m = _DOLLAR_TAG.match(text, i)
            if m:
                tag = m.group()
                close = text.find(tag, m.end())
                if close < 0:
                    raise _Unterminated(
                        i, "unterminated-dollar-quote", f"unterminated dollar-quoted string {tag}"
                    )
                j = close + len(tag)
                append(Token(Kind.STRING, text[m.end() : close], i, j))
                i = j
                continue
            m = _PARAM.match(text, i)
            if m:
                append(Token(Kind.PARAM, m.group(), i, m.end()))
                i = m.end()
                continue
            append(Token(Kind.OP, "$", i, i + 1))
            i += 1
            continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = _NUMBER.match(text, i)
            assert m is not None
            append(Token(Kind.NUMBER, m.group(), i, m.end()))
            i = m.end()
            continue
        if _WORD_START.match(c):
            m = _WORD.match(text, i)
            assert m is not None
            append(Token(Kind.WORD, ascii_lower(m.group()), i, m.end()))
            i = m.end()
            continue
        if c == ":":
            if text.startswith("::", i):
                append(Token(Kind.OP, "::", i, i + 2))
                i += 2
            else:
                append(Token(Kind.PUNCT, ":", i, i + 1))
                i += 1
            continue
        if c in "()[],;.":
            if c in "([":
                depth += 1
                if depth > MAX_NESTING:
                    raise _Unterminated(
                        i,
                        "nesting-too-deep",
                        f"brackets nested more than {MAX_NESTING} deep (no schema needs that "
                        "many; PostgreSQL would run out of stack)",
                    )
            elif c in ")]":
                depth -= depth > 0
            append(Token(Kind.PUNCT, c, i, i + 1))
            i += 1
            continue
        if c in _OP_CHARS:
            m = _OP.match(text, i)
            assert m is not None
            op = m.group()
            # "--" or "/*" inside an operator run starts a comment, as in PostgreSQL's lexer.
            cut = min((k for k in (op.find("--"), op.find("/*")) if k > 0), default=len(op))
            op = op[:cut]
            append(Token(Kind.OP, op, i, i + len(op)))
            i += len(op)
            continue
        if c == "\\":
            j = text.find("\n", i)
            j = n if j < 0 else j
            append(Token(Kind.BACKSLASH, text[i:j].rstrip(), i, j))
            i = j
            continue
        append(Token(Kind.OP, c, i, i + 1))
        i += 1
    return toks


def _is_copy_from_stdin(tokens: list[Token]) -> bool:
    if not tokens or not tokens[0].is_word("copy"):
        return False
    words = [t.value for t in tokens if t.kind is Kind.WORD]
    return "from" in words and "stdin" in words


def _line_start(text: str, offset: int) -> bool:
    """True when only whitespace precedes offset on its line."""
    k = text.rfind("\n", 0, offset) + 1
    return text[k:offset].strip() == ""


def split(file: str, text: str) -> tuple[list[Statement], list[Diagnostic]]:
    """Statements of one file, in order, plus diagnostics for unterminated tokens.

    Like psql, a semicolon inside parentheses does not end a statement (CREATE RULE actions),
    nor does one inside a BEGIN ATOMIC ... END function body.
    """
    diags: list[Diagnostic] = []
    try:
        tokens = lex(text)
    except _Unterminated as exc:
        line, col = line_col(text, exc.offset)
        diags.append(error(Span(file, line, col), exc.code, exc.what))
        # Keep the statements before the bad token: they are still worth reading.
        try:
            tokens = lex(text, 0, _last_semicolon_before(text, exc.offset))
        except _Unterminated:
            tokens = []
    diags += _token_problems(file, text, tokens)
    starts = (0, *(m.end() for m in re.finditer("\n", text)))
    statements: list[Statement] = []
    current: list[Token] = []
    depth = 0
    atomic = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if tok.kind is Kind.BACKSLASH:
            if current and not _line_start(text, tok.start):
                # a meta-command after statement text on the same line ends that statement
                statements.append(Statement(file, text, tuple(current), starts))
                current = []
                depth = atomic = 0
            statements.append(Statement(file, text, (tok,), starts))
            continue
        if tok.kind is Kind.PUNCT:
            if tok.value == "(":
                depth += 1
            elif tok.value == ")":
                depth = max(0, depth - 1)
            elif tok.value == ";" and depth == 0 and atomic == 0:
                if current:
                    stmt = Statement(file, text, tuple(current), starts)
                    statements.append(stmt)
                    if _is_copy_from_stdin(current):
                        i = _skip_copy_data(text, tokens, i, tok.end)
                current = []
                continue
        elif tok.kind is Kind.WORD and current and current[0].is_word("create"):
            if (tok.value == "atomic" and current[-1].is_word("begin")) or (
                atomic and tok.value == "case"
            ):
                atomic += 1
            elif atomic and tok.value == "end":
                atomic -= 1
        current.append(tok)
    if current:
        statements.append(Statement(file, text, tuple(current), starts))
    return statements, diags


def _token_problems(file: str, text: str, tokens: list[Token]) -> list[Diagnostic]:
    """What the server would say about the text itself, before any statement runs: a NUL byte
    is rejected anywhere (raw, or written as an escape in E'' or U&'' text), and identifiers are
    cut to 63 bytes with a notice."""
    out: list[Diagnostic] = []
    nul = text.find("\0")
    if nul >= 0:
        line, col = line_col(text, nul)
        out.append(error(Span(file, line, col), "nul-byte", _NUL_MESSAGE))
    for tok in tokens:
        value = tok.value
        if (
            tok.kind in (Kind.WORD, Kind.QUOTED)
            and len(value) > MAX_IDENT_BYTES // 4
            and (len(value.encode()) > MAX_IDENT_BYTES)
        ):
            line, col = line_col(text, tok.start)
            out.append(
                warning(
                    Span(file, line, col),
                    "identifier-truncated",
                    f"identifier {value[:80]!r} is longer than {MAX_IDENT_BYTES} bytes; "
                    f"PostgreSQL truncates it to {truncate_identifier(value)!r}",
                )
            )
        elif nul < 0 and tok.kind in (Kind.STRING, Kind.QUOTED) and "\0" in value:
            line, col = line_col(text, tok.start)
            out.append(error(Span(file, line, col), "nul-byte", _NUL_MESSAGE))
    return out


_NUL_MESSAGE = (
    "PostgreSQL does not accept a NUL byte (0x00) in SQL text, nor in a string or identifier"
)


def _skip_copy_data(text: str, tokens: list[Token], i: int, after: int) -> int:
    """Skip inline COPY data up to the terminating '\\.' line; return the next token index."""
    m = re.compile(r"^\\\.[ \t]*$", re.M).search(text, after)
    stop = len(text) if m is None else m.end()
    while i < len(tokens) and tokens[i].start < stop:
        i += 1
    return i


def _last_semicolon_before(text: str, offset: int) -> int:
    """Best-effort cut point before an unterminated token so earlier statements survive."""
    k = offset
    while True:
        k = text.rfind(";", 0, k)
        if k < 0:
            return 0
        try:
            toks = lex(text, 0, k + 1)
        except _Unterminated:
            continue
        if toks and toks[-1].start == k:
            return k + 1

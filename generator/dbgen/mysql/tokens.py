"""Tokens of one MySQL statement and a cursor over them, with offsets for diagnostics."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    WORD = "word"  # keyword or unquoted identifier
    QUOTED = "quoted"  # `identifier`
    STRING = "string"  # '...' (or "..." outside ANSI_QUOTES)
    NUMBER = "number"
    PUNCT = "punct"  # ( ) , ; . = and operators
    VARIABLE = "variable"  # @x, @@x


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str  # as written
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind is Kind.WORD else ""

    @property
    def ident(self) -> str:
        """The identifier it names (backticks removed)."""
        if self.kind is Kind.QUOTED:
            return self.text[1:-1].replace("``", "`")
        return self.text

    @property
    def value(self) -> str:
        """The string it spells (quotes and escapes resolved)."""
        return unquote_string(self.text)


# What a backslash and the character after it spell; any other character spells itself. \%
# and \_ keep their backslash (they are LIKE's escapes, and the server stores them so).
_ESCAPES = {
    "0": "\0",
    "b": "\b",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "Z": "\x1a",
    "%": "\\%",
    "_": "\\_",
}

# Quoted text as one match: a run of plain characters, then an escape (a backslash and the
# character after it, or the quote doubled) and another run, never given back. Unrolled and
# possessive, so a 4 MB literal is stepped over by the regex engine, not a character at a time
# in Python (and without a backtracking frame per character). A backtick-quoted name has no
# backslash escapes.
_QUOTED = {
    "'": re.compile(r"'[^'\\]*+(?:(?:\\.|'')[^'\\]*+)*+'", re.DOTALL),
    '"': re.compile(r'"[^"\\]*+(?:(?:\\.|"")[^"\\]*+)*+"', re.DOTALL),
    "`": re.compile(r"`[^`]*+(?:``[^`]*+)*+`"),
}
# What a string's body spells differently from its text: an escape, or its quote doubled.
_ESCAPED = {
    "'": re.compile(r"(\\.|'')", re.DOTALL),
    '"': re.compile(r'(\\.|"")', re.DOTALL),
    "`": re.compile(r"(``)"),
}


def quoted_end(text: str, i: int) -> int:
    """Offset just past the quoted text starting at ``text[i]`` (a quote or a backtick), or -1
    when it does not end."""
    found = _QUOTED[text[i]].match(text, i)
    return -1 if found is None else found.end()


def unquote_string(text: str) -> str:
    """What a quoted string spells. The body is split at its escapes by one regex and each
    escape replaced from a table of the distinct escapes it holds: no Python runs per
    character or per escape, so a 4 MB COMMENT of escapes is unquoted at C speed."""
    q = text[0]
    parts = _ESCAPED[q].split(text[1:-1])  # [text, escape, text, escape, ..., text]
    if len(parts) == 1:
        return parts[0]
    spelled = {e: q if e[0] == q else _ESCAPES.get(e[1], e[1]) for e in set(parts[1::2])}
    parts[1::2] = map(spelled.__getitem__, parts[1::2])
    return "".join(parts)


class ParseError(Exception):
    def __init__(self, offset: int, code: str, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.code = code
        self.message = message


_OPERATORS = ("<=>", "<<", ">>", "<=", ">=", "<>", "!=", ":=", "&&", "||", "->>", "->")


def tokenize(text: str) -> list[Token]:
    toks: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == "#" or (text.startswith("--", i) and (i + 2 >= n or text[i + 2].isspace())):
            eol = text.find("\n", i)
            i = n if eol < 0 else eol
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ParseError(i, "mysql-unterminated", "unterminated comment")
            i = end + 2
            continue
        if c in "'\"`":
            end = quoted_end(text, i)
            if end < 0:
                raise ParseError(i, "mysql-unterminated", f"unterminated {c}-quoted text")
            kind = Kind.QUOTED if c == "`" else Kind.STRING
            toks.append(Token(kind, text[i:end], i, end))
            i = end
            continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            j = i
            while j < n and (text[j].isalnum() or text[j] == "."):
                if text[j] in "eE" and j + 1 < n and text[j + 1] in "+-":
                    j += 1
                j += 1
            # 1abc is an identifier in MySQL; treat a run with letters after digits as a word
            word = text[i:j]
            kind = Kind.NUMBER if _is_number(word) else Kind.WORD
            toks.append(Token(kind, word, i, j))
            i = j
            continue
        if c.isalpha() or c in "_$" or ord(c) > 127:
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$" or ord(text[j]) > 127):
                j += 1
            toks.append(Token(Kind.WORD, text[i:j], i, j))
            i = j
            continue
        if c == "@":
            j = i + 1
            if j < n and text[j] == "@":
                j += 1
            while j < n and (text[j].isalnum() or text[j] in "_$."):
                j += 1
            if j < n and text[j] in "'\"`" and j == i + 1:
                # @'user' style host part: keep as punct, the string follows
                toks.append(Token(Kind.PUNCT, "@", i, i + 1))
                i += 1
                continue
            toks.append(Token(Kind.VARIABLE, text[i:j], i, j))
            i = j
            continue
        for op in _OPERATORS:
            if text.startswith(op, i):
                toks.append(Token(Kind.PUNCT, op, i, i + len(op)))
                i += len(op)
                break
        else:
            toks.append(Token(Kind.PUNCT, c, i, i + 1))
            i += 1
    return toks


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return word.lower().startswith("0x") or word.lower().startswith("0b")
    return True


class Cursor:
    """Tokens of one statement; ``text`` is the statement, for slicing verbatim fragments."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    @property
    def done(self) -> bool:
        return self.i >= len(self.toks)

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def offset(self) -> int:
        t = self.peek()
        return t.start if t else len(self.text)

    def at(self, *words: str) -> bool:
        """True when the next tokens are these keywords (or punctuation)."""
        for k, w in enumerate(words):
            t = self.peek(k)
            if t is None:
                return False
            if t.kind is Kind.WORD:
                if t.upper != w:
                    return False
            elif t.kind is Kind.PUNCT:
                if t.text != w:
                    return False
            else:
                return False
        return True

    def accept(self, *words: str) -> bool:
        if self.at(*words):
            self.i += len(words)
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            raise self.error("mysql-syntax", f"expected {' '.join(words)}")

    def next(self) -> Token:
        t = self.peek()
        if t is None:
            raise ParseError(len(self.text), "mysql-syntax", "unexpected end of statement")
        self.i += 1
        return t

    def error(self, code: str, message: str) -> ParseError:
        t = self.peek()
        found = f", found {t.text!r}" if t else ", found the end of the statement"
        return ParseError(self.offset(), code, message + found)

    def ident(self) -> str:
        t = self.peek()
        if t is None or t.kind not in (Kind.WORD, Kind.QUOTED, Kind.STRING):
            raise self.error("mysql-syntax", "expected a name")
        self.i += 1
        return t.ident if t.kind is not Kind.STRING else t.value

    def qualified(self) -> tuple[str | None, str]:
        """``db.name`` or ``name``."""
        first = self.ident()
        if self.at("."):
            self.i += 1
            return first, self.ident()
        return None, first

    def balanced(self) -> tuple[int, int]:
        """Consume ``( ... )`` and return the offsets of its inside."""
        t = self.next()
        if t.text != "(":
            self.i -= 1
            raise self.error("mysql-syntax", "expected (")
        depth, start = 1, t.end
        while True:
            t = self.next()
            if t.kind is Kind.PUNCT and t.text == "(":
                depth += 1
            elif t.kind is Kind.PUNCT and t.text == ")":
                depth -= 1
                if depth == 0:
                    return start, t.start

    def until(self, *stops: str) -> tuple[int, int]:
        """Consume tokens up to (not including) one of ``stops`` at depth 0 or the end; the
        offsets of what was consumed (start == end when nothing)."""
        start = self.offset()
        end = start
        depth = 0
        while not self.done:
            t = self.peek()
            assert t is not None
            if depth == 0 and (
                (t.kind is Kind.PUNCT and t.text in stops) or (t.upper and t.upper in stops)
            ):
                break
            if t.kind is Kind.PUNCT and t.text == "(":
                depth += 1
            elif t.kind is Kind.PUNCT and t.text == ")":
                if depth == 0:
                    break
                depth -= 1
            end = t.end
            self.i += 1
        return start, end

    def rest(self) -> str:
        start = self.offset()
        self.i = len(self.toks)
        return self.text[start:].strip()

"""PostgreSQL regular expressions (``~``) that mean the same in Pydantic and in Python ``re``.

PostgreSQL's ``~`` is an advanced regular expression (ARE) searched anywhere in the value,
without the newline-sensitive mode: ``.`` and ``[^...]`` match a newline, ``^`` and ``$`` match
only at the start and the end of the whole string. Pydantic's ``pattern=`` (its default Rust
``regex`` engine) and Python's ``re.search`` also search anywhere, but ``.`` stops at a newline
(unless ``(?s)``) and Python's ``$`` also matches before a final newline (``\\Z`` does not).

Only a subset is translated, the part whose meaning is the same code point for code point in
all three: literal characters, ``.``, ``^``, ``$``, groups, alternation, the quantifiers ``*``
``+`` ``?`` ``{m}`` ``{m,}`` ``{m,n}`` (greedy or not: a yes/no match does not depend on it),
bracket expressions of characters and code-point ranges (negated or not), escaped punctuation
and ``\\n`` ``\\t`` ``\\r``. Everything else stays with the database, with the reason:
character classes (``\\d``, ``\\w``, ``[[:alpha:]]``: locale- and engine-dependent),
back-references, look-arounds, word boundaries, embedded options, collating elements.
"""

from __future__ import annotations

from dataclasses import dataclass


class Untranslatable(Exception):
    """The pattern uses something outside the safe subset; the message says what."""


@dataclass(frozen=True, slots=True)
class Translated:
    rust: str  # for Pydantic's pattern= (Rust regex syntax)
    python: str  # for re.search


_SPECIAL = set("^$.[()|*+?{\\")
# Characters escaped when emitted: the metacharacters of both engines; inside a bracket
# expression also those Rust gives a meaning there (& - ~ for set operations, a nested [).
_META = set("\\.+*?()|[]{}^$")
_CLASS_META = set("\\[]^-&~")
_ENTRY = {"n": "\n", "t": "\t", "r": "\r"}


def _lit(c: str, meta: set[str]) -> str:
    if c in meta:
        return "\\" + c
    if c in "\n\t\r":
        return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}[c]
    return c


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.rust: list[str] = []
        self.py: list[str] = []

    def emit(self, rust: str, py: str | None = None) -> None:
        self.rust.append(rust)
        self.py.append(rust if py is None else py)

    def peek(self) -> str | None:
        return self.p[self.i] if self.i < len(self.p) else None

    def regex(self, depth: int) -> None:
        self.branch(depth)
        while self.peek() == "|":
            self.i += 1
            self.emit("|")
            self.branch(depth)

    def branch(self, depth: int) -> None:
        while (c := self.peek()) is not None and c != "|" and not (c == ")" and depth):
            quantifiable = self.atom(depth)
            self.quantifier(quantifiable)

    def atom(self, depth: int) -> bool:
        c = self.p[self.i]
        self.i += 1
        if c == "(":
            if self.p.startswith("?:", self.i):
                self.i += 2
            elif self.peek() == "?":
                raise Untranslatable("look-arounds and embedded options are not translated")
            self.emit("(?:")
            self.regex(depth + 1)
            if self.peek() != ")":
                raise Untranslatable("unbalanced parenthesis")
            self.i += 1
            self.emit(")")
            return True
        if c == ")":
            raise Untranslatable("unbalanced parenthesis")
        if c == "[":
            self.bracket()
            return True
        if c == ".":
            self.emit(".")
            return True
        if c == "^":
            self.emit("^")
            return False
        if c == "$":
            self.emit("$", "\\Z")
            return False
        if c == "\\":
            self.emit(_lit(self.escape(), _META))
            return True
        if c in "*+?{":
            raise Untranslatable(f"a quantifier {c!r} without an atom before it")
        self.emit(_lit(c, _META))
        return True

    def escape(self) -> str:
        """The character an escape stands for (after the backslash)."""
        c = self.peek()
        if c is None:
            raise Untranslatable("a trailing backslash")
        self.i += 1
        if c in _ENTRY:
            return _ENTRY[c]
        if c.isascii() and c.isalnum():
            raise Untranslatable(f"the escape \\{c} is not translated")
        return c

    def quantifier(self, quantifiable: bool) -> None:
        c = self.peek()
        if c is None or c not in "*+?{":
            return
        if not quantifiable:
            raise Untranslatable(f"a quantifier {c!r} after an anchor")
        if c == "{":
            end = self.p.find("}", self.i)
            body = self.p[self.i + 1 : end] if end > 0 else ""
            lo, comma, hi = body.partition(",")
            if (
                not lo.isdigit()
                or not (hi.isdigit() or not hi)
                or not all(x.isascii() for x in body)
            ):
                raise Untranslatable(f"the bound {{{body}}} is not translated")
            if int(lo) > 255 or (hi and (int(hi) > 255 or int(hi) < int(lo))):
                raise Untranslatable(f"the bound {{{body}}} is out of range")
            self.emit(
                "{" + str(int(lo)) + (("," + (str(int(hi)) if hi else "")) if comma else "") + "}"
            )
            self.i = end + 1
        else:
            self.i += 1
            self.emit(c)
        if self.peek() == "?":
            self.i += 1
            self.emit("?")
        if (c := self.peek()) is not None and c in "*+?{":
            raise Untranslatable("a quantifier on a quantifier")

    def bracket(self) -> None:
        out = ["["]
        if self.peek() == "^":
            self.i += 1
            out.append("^")
        first = True
        while True:
            c = self.peek()
            if c is None:
                raise Untranslatable("an unterminated bracket expression")
            if c == "]" and not first:
                self.i += 1
                break
            first = False
            lo = self.bracket_char()
            if self.peek() == "-" and self.p[self.i + 1 : self.i + 2] not in ("]", ""):
                self.i += 1
                hi = self.bracket_char()
                if ord(hi) < ord(lo):
                    raise Untranslatable("a reversed range")
                out.append(_lit(lo, _CLASS_META) + "-" + _lit(hi, _CLASS_META))
            else:
                out.append(_lit(lo, _CLASS_META))
        out.append("]")
        self.emit("".join(out))

    def bracket_char(self) -> str:
        c = self.p[self.i]
        self.i += 1
        if c == "[" and self.peek() in (":", ".", "="):
            raise Untranslatable("character classes and collating elements are not translated")
        if c == "\\":
            return self.escape()
        return c


def translate(pattern: str) -> Translated:
    """The pattern for Pydantic and for ``re``, or ``Untranslatable``."""
    if pattern.startswith("***"):
        raise Untranslatable("director prefixes (***:, ***=) are not translated")
    p = _Parser(pattern)
    p.regex(0)
    if p.i != len(pattern):
        raise Untranslatable("unbalanced parenthesis")
    return Translated("(?s)" + "".join(p.rust), "(?s)" + "".join(p.py))

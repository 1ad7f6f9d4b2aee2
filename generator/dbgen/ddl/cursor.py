"""A cursor over one statement's tokens, with the small helpers the hand-written parsers share.

Parse failures raise ParseError carrying the offending token's offset; the builder turns it into a
diagnostic, so bad input never escapes as an exception.
"""

from __future__ import annotations

from collections.abc import Sequence

from dbgen.ddl.names import truncate_identifier
from dbgen.ddl.split import Kind, Statement, Token


class ParseError(Exception):
    def __init__(self, offset: int, message: str, code: str = "syntax") -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message
        self.code = code


class Cursor:
    def __init__(self, stmt: Statement, tokens: Sequence[Token] | None = None) -> None:
        self.stmt = stmt
        self.toks: Sequence[Token] = stmt.tokens if tokens is None else tokens
        self.i = 0

    # -- looking -------------------------------------------------------------------------------
    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def at_end(self) -> bool:
        return self.i >= len(self.toks)

    def at_word(self, *words: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t is not None and t.kind is Kind.WORD and t.value in words

    def at_punct(self, p: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t is not None and t.kind is Kind.PUNCT and t.value == p

    def at_op(self, op: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t is not None and t.kind is Kind.OP and t.value == op

    def at_words(self, *words: str) -> bool:
        return all(self.at_word(w, k=k) for k, w in enumerate(words))

    def offset(self) -> int:
        """Offset of the current token (end of statement when exhausted)."""
        t = self.peek()
        return t.start if t is not None else self.stmt.end

    def text(self, start: int, end: int) -> str:
        return self.stmt.text[start:end]

    # -- consuming -----------------------------------------------------------------------------
    def next(self) -> Token:
        t = self.peek()
        if t is None:
            raise ParseError(self.stmt.end, "unexpected end of statement")
        self.i += 1
        return t

    def accept_word(self, *words: str) -> Token | None:
        if self.at_word(*words):
            return self.next()
        return None

    def accept_words(self, *words: str) -> bool:
        if self.at_words(*words):
            self.i += len(words)
            return True
        return False

    def expect_word(self, *words: str) -> Token:
        t = self.accept_word(*words)
        if t is None:
            raise ParseError(
                self.offset(), f"expected {' or '.join(w.upper() for w in words)}{self._got()}"
            )
        return t

    def accept_punct(self, p: str) -> Token | None:
        if self.at_punct(p):
            return self.next()
        return None

    def expect_punct(self, p: str) -> Token:
        t = self.accept_punct(p)
        if t is None:
            raise ParseError(self.offset(), f"expected '{p}'{self._got()}")
        return t

    def _got(self) -> str:
        t = self.peek()
        if t is None:
            return " at end of statement"
        return f", found {self.stmt.text[t.start : t.end]!r}"

    def ident(self) -> str:
        """An identifier, folded: unquoted lower-cased, quoted kept; cut to 63 bytes."""
        t = self.peek()
        if t is None or t.kind not in (Kind.WORD, Kind.QUOTED):
            raise ParseError(self.offset(), f"expected a name{self._got()}")
        self.i += 1
        return truncate_identifier(t.value)

    def name_parts(self) -> list[str]:
        """A dotted name such as schema.table or table.column."""
        parts = [self.ident()]
        while self.at_punct(".") and self.peek(1) is not None:
            self.i += 1
            parts.append(self.ident())
        return parts

    def skip_group(self) -> tuple[int, int]:
        """Consume a balanced (...) or [...] group; return the offsets of its inside."""
        open_tok = self.next()
        close = {"(": ")", "[": "]"}.get(open_tok.value)
        if open_tok.kind is not Kind.PUNCT or close is None:
            raise ParseError(open_tok.start, "expected '('")
        depth = 1
        while True:
            t = self.next()
            if t.kind is Kind.PUNCT:
                if t.value in "([":
                    depth += 1
                elif t.value in ")]":
                    depth -= 1
                    if depth == 0:
                        return open_tok.end, t.start

    def paren_text(self) -> str:
        start, end = self.skip_group()
        return self.text(start, end).strip()

    def until(
        self, stop_words: Sequence[str] = (), stop_punct: Sequence[str] = (",",)
    ) -> tuple[int, int]:
        """Consume tokens up to (not including) a top-level stop; return the consumed range.

        Parentheses/brackets are skipped as units, so commas inside calls do not stop it. The
        range covers the consumed tokens exactly (no trailing whitespace).
        """
        start = self.offset()
        end = start
        while not self.at_end():
            t = self.peek()
            assert t is not None
            if t.kind is Kind.PUNCT:
                if t.value in stop_punct or t.value in ")]":
                    break
                if t.value in "([":
                    self.skip_group()
                    end = self.toks[self.i - 1].end
                    continue
            elif t.kind is Kind.WORD and t.value in stop_words:
                break
            self.i += 1
            end = t.end
        return start, end

    def split_list(self) -> list[tuple[int, int]]:
        """Consume '(' a, b, ... ')' and return each element's token index range."""
        self.expect_punct("(")
        items: list[tuple[int, int]] = []
        if self.accept_punct(")"):
            return items
        while True:
            first = self.i
            self.until()
            items.append((first, self.i))
            if self.accept_punct(")"):
                return items
            self.expect_punct(",")

    def sub(self, lo: int, hi: int) -> Cursor:
        return Cursor(self.stmt, self.toks[lo:hi])

    def slice_text(self, lo: int, hi: int) -> str:
        """Original text covering tokens lo..hi-1 (comments inside included)."""
        if lo >= hi:
            return ""
        return self.stmt.text[self.toks[lo].start : self.toks[hi - 1].end]

    def rest_text(self) -> str:
        if self.at_end():
            return ""
        return self.stmt.text[self.toks[self.i].start : self.toks[-1].end]

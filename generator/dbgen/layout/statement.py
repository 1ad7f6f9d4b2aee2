"""Lay out generated Python statements the way black would, without running black.

black is ~90% of a cold build (it parses every generated file). The generated statements use a
small part of Python (calls, keyword arguments, list/tuple/dict literals, string literals, one
assignment), so this module applies black's own line-splitting rules to that part only:

- a statement that fits within the line length stays on one line;
- otherwise it is split at its last bracket pair ("right-hand split"): the body goes on its own
  lines one level deeper; a call's arguments stay together on one line if they fit there, a
  list/tuple/dict literal is always exploded, and arguments that do not fit go one per line
  with a trailing comma ("delimiter split"); each resulting line is laid out again the same way;
- a line holding one triple-quoted string counts as fitting when its first and last physical
  lines fit and the string has no siblings (black's multiline-string rule).

Whatever falls outside that subset raises ``Unsupported``; the renderer then leaves the whole
file to black. black stays the oracle: the tests assert that black leaves every file this module
laid out unchanged (golden trees, the demo, every file of the real-world corpus).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

INDENT = "    "


class Unsupported(Exception):
    """The statement uses syntax outside what this module lays out exactly like black."""


def black_str(value: str) -> str:
    """A string literal as black normalises it: double quotes unless that needs more escapes.

    Single-line values only (multi-line text goes through ``pyexpr.pystr``'s triple quotes).
    A str subclass (an enum member such as ``Operation.GET``) is spelled by its value.
    """
    r = repr(str.__str__(value))
    if r[0] == '"':
        return r  # value holds ' and no ": black keeps double quotes as they are
    body = r[1:-1]
    quotes = value.count('"')
    if quotes == 0:
        return '"' + body.replace("\\'", "'") + '"'
    # repr escaped every ' (both quote kinds present) or none (only "). black converts to
    # double quotes unless that needs more escapes than the single-quoted form.
    escaped_single = body.count("\\'")
    if quotes > escaped_single:
        return r
    return '"' + body.replace("\\'", "'").replace('"', '\\"') + '"'


def one_line_docstring(text: str) -> str:
    """``text`` as the content of a one-line docstring that black leaves as it is: every run of
    whitespace (line breaks included) one space, none at either edge, and the space black puts
    between a closing quote and the docstring's own quotes."""
    flat = " ".join(text.split())
    return flat + " " if flat.endswith('"') else flat


def _width(text: str) -> int:
    """Columns as black counts them (east-asian wide characters count two)."""
    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


# Token kinds
_STR, _MLS, _OPEN, _CLOSE, _COMMA, _OTHER = range(6)
_TOKEN = re.compile(
    r"""(?P<ws>[ ]*)(?:
        (?P<s>(?:\"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*\"\"\"
               |'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''
               |"[^"\\\n]*(?:\\.[^"\\\n]*)*"
               |'[^'\\\n]*(?:\\.[^'\\\n]*)*'))
      | (?P<o>[(\[{])
      | (?P<c>[)\]}])
      | (?P<comma>,)
      | (?P<x>[^\s'"()\[\]{},]+)
    )""",
    re.VERBOSE | re.DOTALL,
)
# Operators and keywords black treats as split points: outside the supported subset at depth 0.
# Comparisons end in "=" like a keyword argument's name does, so they are listed apart: black
# splits a line at a comparison before it splits at a bracket.
_COMPARISON = frozenset({"==", "!=", "<=", ">="})
_OPERATOR = re.compile(r"[|&+\-*/%<>^~@]|^(?:and|or|not|in|is|if|else|lambda|for|async|await)$")


_STARRED = re.compile(r"\*{1,2}[A-Za-z_][\w.]*")


def _unpacking(t: _Tokens, i: int, lo: int) -> bool:
    """``*name`` / ``**name`` opening an element: an unpacking, not an operator."""
    return bool(_STARRED.fullmatch(t.text[i])) and (i == lo or t.kind[i - 1] in (_COMMA, _OPEN))


class _Tokens:
    __slots__ = ("flat", "kind", "match", "offset", "space", "text", "trailer")

    def __init__(self, source: str) -> None:
        # Hot path (every long statement of a 500-table migration): findall's tuples instead
        # of match objects, and the gap check done once on the total length at the end.
        text: list[str] = []
        space: list[bool] = []  # whitespace before the token
        kind: list[int] = []
        match: list[int] = []  # index of the matching bracket, -1 for non-brackets
        trailer: list[bool] = []  # opening bracket of a call/subscript, not a literal
        self.text, self.space, self.kind, self.match, self.trailer = (
            text,
            space,
            kind,
            match,
            trailer,
        )
        # The statement with one space wherever it had whitespace, and where each token starts
        # in it: render() is then one slice, not a join per call.
        offset: list[int] = []
        pieces: list[str] = []
        flat_len = 0
        stack: list[int] = []
        consumed = 0
        prev_kind = -1
        prev_tok = ""
        for i, (ws, s, o, c, comma, x) in enumerate(_TOKEN.findall(source)):
            mate = -1
            if s:
                tok, k = s, (_MLS if "\n" in s else _STR)
            elif o:
                tok, k = o, _OPEN
                stack.append(i)
            elif c:
                tok, k = c, _CLOSE
                if not stack:
                    raise Unsupported("unbalanced brackets")
                mate = stack.pop()
                match[mate] = i
            elif comma:
                tok, k = ",", _COMMA
            else:
                tok, k = x, _OTHER
            consumed += len(ws) + len(tok)
            offset.append(flat_len)
            if ws:
                pieces.append(" ")
                flat_len += 1
            pieces.append(tok)
            flat_len += len(tok)
            trailer.append(
                k == _OPEN
                and not ws
                and i > 0
                and (
                    prev_kind in (_CLOSE, _STR)
                    or (prev_kind == _OTHER and (prev_tok[-1].isalnum() or prev_tok[-1] == "_"))
                )
            )
            text.append(tok)
            space.append(bool(ws))
            kind.append(k)
            match.append(mate)
            prev_kind, prev_tok = k, tok
        if consumed != len(source) or stack:
            raise Unsupported("cannot tokenize the statement")
        offset.append(flat_len)
        self.offset = offset
        self.flat = "".join(pieces)

    def render(self, lo: int, hi: int) -> str:
        """Tokens [lo, hi) joined as written, without the whitespace before the first."""
        if lo >= hi:
            return ""
        return self.flat[self.offset[lo] + self.space[lo] : self.offset[hi]]


class _Line:
    """A logical line: tokens [lo, hi) plus a comma black appended, at an indentation depth."""

    __slots__ = ("comma", "depth", "explode", "hi", "inside", "lo")

    def __init__(
        self, lo: int, hi: int, depth: int, inside: bool, comma: bool = False, explode: bool = False
    ) -> None:
        self.lo, self.hi, self.depth, self.inside, self.comma, self.explode = (
            lo,
            hi,
            depth,
            inside,
            comma,
            explode,
        )


class _Layout:
    def __init__(self, source: str, line_length: int) -> None:
        self.t = _Tokens(source)
        self.ll = line_length
        self.out: list[str] = []

    def text(self, line: _Line) -> str:
        return self.t.render(line.lo, line.hi) + ("," if line.comma else "")

    # -- black's is_line_short_enough, for the supported subset
    def short_enough(self, line: _Line, text: str) -> bool:
        indent = len(INDENT) * line.depth
        if "\n" not in text:
            return indent + _width(text) <= self.ll
        first, *_, last = text.split("\n")
        if indent + _width(first) > self.ll or _width(last) > self.ll:
            return False
        return self._lone_multiline_string(line)

    def _lone_multiline_string(self, line: _Line) -> bool:
        """One triple-quoted string and no comma beside it at any bracket level around it."""
        t = self.t
        mls = [i for i in range(line.lo, line.hi) if t.kind[i] == _MLS]
        if len(mls) != 1:
            return False
        s = mls[0]
        if (
            s > line.lo
            and t.kind[s - 1] == _OPEN
            and not t.trailer[s - 1]
            and t.match[s - 1] == s + 1
            and s - 1 > line.lo
            and t.text[s - 2].endswith(":")
        ):
            raise Unsupported("a multiline string alone in a bracket that is a dict value")
        # Every bracket pair on this line around the string: no comma at its top level.
        for open_ in range(line.lo, s):
            if t.kind[open_] == _OPEN and t.match[open_] > s:
                if t.text[open_] == "{" and not t.text[s - 1].endswith(":"):
                    raise Unsupported("a multiline string nested in a dict value")
                if self._has_top_comma(open_ + 1, t.match[open_]):
                    return False
        # Inside brackets, commas at the line's own top level count too, except the one that
        # ends the line right after the expression holding the string.
        end = line.hi - 1 if t.kind[line.hi - 1] == _COMMA else line.hi
        return not (line.inside and self._has_top_comma(line.lo, end))

    # -- black's transform_line
    def emit(self, line: _Line) -> None:
        text = self.text(line)
        if not line.explode and self.short_enough(line, text):
            self.out.append(INDENT * line.depth + text)
            return
        if line.inside:
            parts = self.delimiter_split(line)
            if parts is not None:
                for part in parts:
                    self.emit(part)
                return
        parts = self.rhs(line)
        if parts is None:
            self.out.append(INDENT * line.depth + text)  # black leaves what it cannot split
            return
        for part in parts:
            self.emit(part)

    def delimiter_split(self, line: _Line) -> list[_Line] | None:
        t = self.t
        depth = 0
        cuts: list[int] = []
        compared = False  # commas outrank comparisons: black splits at those only without commas
        last = line.hi - 1
        for i in range(line.lo, line.hi):
            kind = t.kind[i]
            if kind == _OPEN:
                depth += 1
            elif kind == _CLOSE:
                depth -= 1
            elif depth == 0:
                if kind == _COMMA and i != last:
                    cuts.append(i)
                elif kind == _OTHER and t.text[i] in _COMPARISON:
                    compared = True
                elif kind == _OTHER and (
                    (
                        _OPERATOR.search(t.text[i])
                        and not t.text[i].endswith("=")
                        and not _unpacking(t, i, line.lo)
                    )
                    or (t.text[i].startswith(".") and i > line.lo and t.kind[i - 1] == _CLOSE)
                ):
                    raise Unsupported(f"operator {t.text[i]!r} beside commas")
                elif kind in (_STR, _MLS) and i > line.lo and t.kind[i - 1] in (_STR, _MLS):
                    raise Unsupported("implicit string concatenation")
        if not cuts:
            if compared:
                raise Unsupported("a comparison black would split at")
            return None
        parts: list[_Line] = []
        start = line.lo
        for cut in cuts:
            parts.append(_Line(start, cut + 1, line.depth, True))
            start = cut + 1
        if t.kind[last] == _COMMA and line.comma:
            raise Unsupported("two trailing commas")
        # The last element gets black's trailing comma unless it has one already.
        parts.append(_Line(start, line.hi, line.depth, True, comma=t.kind[last] != _COMMA))
        return parts

    def rhs(self, line: _Line) -> list[_Line] | None:
        t = self.t
        close = next((i for i in range(line.hi - 1, line.lo - 1, -1) if t.kind[i] == _CLOSE), -1)
        if close < 0:
            return None  # no brackets: black leaves the line as it is
        if any(t.kind[i] != _COMMA for i in range(close + 1, line.hi)):
            raise Unsupported("something follows the last bracket")
        open_ = t.match[close]
        if t.text[open_] == "[" and t.trailer[open_] and self._has_top_comma(open_ + 1, close):
            # One element (an annotation's argument, a key) splits like a call's; black's
            # trailing-comma rules for a subscript's element list are not modelled.
            raise Unsupported("split at a subscript with several elements")
        head = _Line(line.lo, open_ + 1, line.depth, line.inside)
        body = _Line(open_ + 1, close, line.depth + 1, True)
        tail = _Line(close, line.hi, line.depth, line.inside, comma=line.comma)
        if body.lo == body.hi:
            tail_len = len(self.text(tail).strip())
            if tail_len < 3:
                return None
        if not self.short_enough(head, self.text(head)):
            raise Unsupported("the head of a split does not fit")
        if not t.trailer[open_] and self._has_top_comma(body.lo, body.hi - 1):  # not a trailing one
            body.explode = True  # black always explodes a collection literal it splits
        return [head, body, tail] if body.lo != body.hi else [head, tail]

    def _has_top_comma(self, lo: int, hi: int) -> bool:
        t = self.t
        depth = 0
        for i in range(lo, hi):
            kind = t.kind[i]
            if kind == _OPEN:
                depth += 1
            elif kind == _CLOSE:
                depth -= 1
            elif kind == _COMMA and depth == 0:
                return True
        return False


def _statement(source: str, depth: int, line_length: int) -> list[str]:
    lay = _Layout(source, line_length)
    t = lay.t
    # An assignment: black puts invisible parentheses around the right-hand side.
    eq = next(
        (i for i in range(len(t.text)) if t.kind[i] == _OTHER and t.text[i] == "=" and t.space[i]),
        -1,
    )
    line = _Line(0, len(t.text), depth, False)
    if eq < 0:
        lay.emit(line)
        return lay.out
    rhs_lo = eq + 1
    text = lay.text(line)
    if lay.short_enough(line, text):
        return [INDENT * depth + text]
    ends_in_bracket = t.kind[-1] == _CLOSE and t.match[-1] >= rhs_lo
    if len(t.text) - rhs_lo == 1 and t.kind[rhs_lo] in (_STR, _OTHER):
        # A lone value: black wraps it in parentheses if it then fits, else leaves the line.
        if any(t.kind[i] == _OPEN for i in range(rhs_lo)):
            raise Unsupported("a long value assigned to a subscripted or annotated target")
        value = t.text[rhs_lo]
        if (depth + 1) * len(INDENT) + _width(value) <= line_length:
            return [
                INDENT * depth + t.render(0, rhs_lo) + " (",
                INDENT * (depth + 1) + value,
                INDENT * depth + ")",
            ]
        return [INDENT * depth + text]
    if not ends_in_bracket or any(t.kind[i] != _OTHER for i in range(rhs_lo, t.match[-1])):
        raise Unsupported("right-hand side is not one call or literal")
    head_has_brackets = any(t.kind[i] in (_OPEN, _CLOSE) for i in range(rhs_lo))
    open_ = t.match[-1]
    if (
        not head_has_brackets
        and open_ - rhs_lo <= 1
        and "." not in t.render(rhs_lo, open_)
        and open_ + 1 < len(t.text) - 1
        and _MLS not in t.kind
        and _width(INDENT * depth + t.render(0, open_ + 1)) > line_length
    ):
        # A name assigned one plain call or literal, "name = call(" too long to fit. If
        # "name = (" fits and the value fits inside, black makes the value's invisible
        # parentheses real; if not, it splits at the value's brackets all the same, leaving
        # that first line too long.
        value = t.render(rhs_lo, len(t.text))
        if (
            _width(INDENT * depth + t.render(0, rhs_lo) + " (") <= line_length
            and _width(INDENT * (depth + 1) + value) <= line_length
        ):
            return [
                INDENT * depth + t.render(0, rhs_lo) + " (",
                INDENT * (depth + 1) + value,
                INDENT * depth + ")",
            ]
        lay.out.append(INDENT * depth + t.render(0, open_ + 1))
        explode = not t.trailer[open_] and lay._has_top_comma(open_ + 1, len(t.text) - 1)
        lay.emit(_Line(open_ + 1, len(t.text) - 1, depth + 1, True, explode=explode))
        lay.out.append(INDENT * depth + t.text[-1])
        return lay.out
    if head_has_brackets:
        if t.match[-1] == len(t.text) - 2:
            raise Unsupported("an annotated assignment of an empty call or literal")
        # black's _prefer_split_rhs_oop_over_rhs: with brackets left of the "=", it keeps the
        # invisible parentheses around the value (making them visible) when "target = (" fits
        # but "target = call(" does not.
        prefix = INDENT * depth + t.render(0, rhs_lo)
        oop_head = INDENT * depth + t.render(0, t.match[-1] + 1)
        if _width(oop_head) > line_length:
            # black measures "target = " (the invisible parenthesis's space) against
            # line_length - 1: the same as "target = (" against line_length.
            if _width(prefix + " (") <= line_length:
                lay.out.append(prefix + " (")
                lay.emit(_Line(rhs_lo, len(t.text), depth + 1, True))
                lay.out.append(INDENT * depth + ")")
                return lay.out
            return _split_target(lay, depth, rhs_lo)
    lay.emit(line)
    return lay.out


def _split_target(lay: _Layout, depth: int, rhs_lo: int) -> list[str]:
    """``name: Mapped[X] = call(...)`` whose target is too long even for ``target = (``.

    black then splits the call's own brackets (``_prefer_split_rhs_oop_over_rhs``) and, the
    resulting first line still being too long, the annotation's subscript as well::

        name: Mapped[
            X
        ] = call(args)      # when "] = call(args)" fits (a trailer black may omit)

        name: Mapped[
            X
        ] = call(
            args
        )                   # otherwise

        name: (
            Mapped[X]
        ) = call(
            args
        )                   # when "name: Mapped[" does not fit either

    Only that shape is laid out here (no multiline strings, no magic trailing commas).
    """
    t = lay.t
    n = len(t.text)
    ll = lay.ll
    close = rhs_lo - 2  # the token before "="
    if close < 1 or t.kind[close] != _CLOSE or t.text[close] != "]":
        raise Unsupported("a long target that does not end in a subscript")
    open_ = t.match[close]
    if any(t.kind[i] in (_OPEN, _CLOSE) for i in range(open_)) or not t.trailer[open_]:
        raise Unsupported("brackets before the target's subscript")
    if any(k == _MLS for k in t.kind):
        raise Unsupported("a multiline string in a split target")
    if any(t.kind[i] == _COMMA and t.kind[i + 1] == _CLOSE for i in range(n - 1)):
        raise Unsupported("a magic trailing comma in a split target")
    if lay._has_top_comma(open_ + 1, close):
        raise Unsupported("commas in the target's subscript")

    def fits(text: str) -> bool:
        return _width(text) <= ll

    call = t.match[-1]
    head = INDENT * depth + t.render(0, open_ + 1)
    if not fits(head):
        # black's second opinion (FORCE_OPTIONAL_PARENTHESES) on "name: Mapped[X] = call(":
        # the annotation's invisible parentheses become real. The call stays split.
        if open_ != 2 or not t.text[0].endswith(":"):
            raise Unsupported("a long target that is not one annotated name")
        lines = [
            INDENT * depth + t.text[0] + " (",
            INDENT * (depth + 1) + t.render(1, close + 1),
            INDENT * depth + ") " + t.render(rhs_lo - 1, call + 1),
        ]
        if not all(fits(line) for line in lines):
            raise Unsupported("the parenthesized annotation does not fit")
        lay.out += lines
        lay.emit(_value_body(lay, call, depth))
        lay.out.append(INDENT * depth + t.text[-1])
        return lay.out
    body = INDENT * (depth + 1) + t.render(open_ + 1, close)
    if not fits(body):
        raise Unsupported("the split target does not fit")
    tail = t.render(close, n)
    if not tail.isascii():
        raise Unsupported("wide characters in a split target's tail")  # black counts len here
    if fits(INDENT * depth + tail):
        return [head, body, INDENT * depth + tail]
    tail_head = INDENT * depth + t.render(close, call + 1)
    if not fits(tail_head):
        raise Unsupported("the split target's tail does not fit")
    lay.out += [head, body, tail_head]
    lay.emit(_value_body(lay, call, depth))
    lay.out.append(INDENT * depth + t.text[-1])
    return lay.out


def _value_body(lay: _Layout, open_: int, depth: int) -> _Line:
    """The inside of the assigned value's last brackets (a call's arguments or a literal's
    elements, which black always explodes), one level deeper."""
    t = lay.t
    n = len(t.text)
    explode = not t.trailer[open_] and lay._has_top_comma(open_ + 1, n - 1)
    return _Line(open_ + 1, n - 1, depth + 1, True, explode=explode)


def layout(source: str, depth: int, line_length: int) -> str:
    """``source`` (one flat statement) as black lays it out at ``depth`` indentation levels.

    The first line carries no indentation (the template puts it there), the following lines
    carry their full indentation. Raises ``Unsupported`` outside the supported subset.
    """
    if "\n" not in source and len(INDENT) * depth + _width(source) <= line_length:
        return source
    lines = _statement(source, depth, line_length)
    return "\n".join([lines[0][len(INDENT) * depth :], *lines[1:]])


def import_from(module: str, names: Iterable[str], depth: int, line_length: int) -> str:
    """``from module import a, b`` as black writes it: one line, or one name per line."""
    names = list(names)
    line = f"from {module} import {', '.join(names)}"
    if len(INDENT) * depth + _width(line) <= line_length:
        return line
    inner = INDENT * (depth + 1)
    return "\n".join(
        [f"from {module} import (", *(inner + n + "," for n in names), INDENT * depth + ")"]
    )


def item(source: str, depth: int, line_length: int) -> str:
    """``source,`` as one element of a bracketed list black keeps exploded (magic trailing
    comma), laid out at ``depth``; first line unindented, like ``layout``."""
    text = source + ","
    if "\n" not in text and len(INDENT) * depth + _width(text) <= line_length:
        return text
    lay = _Layout(source, line_length)
    lay.emit(_Line(0, len(lay.t.text), depth, True, comma=True))
    return "\n".join([lay.out[0][len(INDENT) * depth :], *lay.out[1:]])

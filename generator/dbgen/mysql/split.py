"""A MySQL script split into statements, the way the `mariadb` command-line client splits it.

What the client and server do, and so what this does:
- ``/*!NNNNN ... */`` (and MariaDB's ``/*M!NNNNNN ... */``) are executable comments: their
  content is SQL when the server's version is at least NNNNN. The target is MariaDB 10.11
  (101100), which every version comment of a MySQL 5.x/8.0 dump names a lower number than, so
  every one applies. The markers are blanked to spaces, which keeps offsets, lines and columns.
- ``DELIMITER xx`` (any case, at the start of a line) is a client command: it changes the
  statement terminator until the next DELIMITER; it is not a statement.
- ``-- `` (dash dash and a space or control character), ``#`` and ``/* */`` are comments.
- Strings: ``'...'`` and ``"..."`` with backslash escapes and doubled quotes; identifiers in
  backticks with doubled backticks.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbgen.diagnostics import Diagnostic, Span, error, line_col
from dbgen.mysql.tokens import quoted_end

TARGET_VERSION = 101100  # MariaDB 10.11


@dataclass(frozen=True, slots=True)
class Statement:
    file: str
    text: str  # the statement, version-comment markers blanked, without its terminator
    offset: int  # where it starts in the file
    source: str  # the whole (blanked) file text, for spans

    def span_at(self, rel: int) -> Span:
        line, col = line_col(self.source, self.offset + rel)
        return Span(self.file, line, col)

    @property
    def span(self) -> Span:
        return self.span_at(0)


def split_script(file: str, text: str) -> tuple[list[Statement], list[Diagnostic]]:
    """Statements of one file, in order, and what could not be split."""
    chars = list(text)
    diags: list[Diagnostic] = []
    out: list[Statement] = []
    delimiter = ";"
    i, n = 0, len(text)
    start: int | None = None  # offset of the current statement's first significant char
    exec_open: list[int] = []  # offsets of open executable comments

    def blank(a: int, b: int) -> None:
        for k in range(a, b):
            if chars[k] not in "\r\n":
                chars[k] = " "

    def span(offset: int) -> Span:
        line, col = line_col(text, offset)
        return Span(file, line, col)

    def emit(end: int) -> None:
        nonlocal start
        if start is not None:
            body = "".join(chars[start:end]).rstrip()
            if body:
                out.append(Statement(file, body, start, ""))
        start = None

    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and start is None:
            # DELIMITER is recognised at the start of a line, outside any statement.
            j = i
            while j < n and text[j] in " \t":
                j += 1
            if (
                text[j : j + 10].lower() == "delimiter "
                or text[j : j + 10].lower() == "delimiter\t"
            ):
                eol = text.find("\n", j)
                eol = n if eol < 0 else eol
                new = text[j + 10 : eol].strip()
                if not new:
                    diags.append(error(span(j), "mysql-delimiter", "DELIMITER without a delimiter"))
                else:
                    delimiter = new.split()[0]
                blank(j, eol)
                i = eol
                continue
        at_line_start = False
        if c == "\n":
            at_line_start = True
            i += 1
            continue
        if c in " \t\r\f\v":
            i += 1
            continue
        if text.startswith(delimiter, i) and not exec_open:
            emit(i)
            blank(i, i + len(delimiter))
            i += len(delimiter)
            continue
        if c == "#" or (text.startswith("--", i) and (i + 2 >= n or text[i + 2] in " \t\r\n\f\v")):
            eol = text.find("\n", i)
            i = n if eol < 0 else eol
            continue
        if text.startswith("/*!", i) or text.startswith("/*M!", i):
            j = i + (3 if text[i + 2] == "!" else 4)
            k = j
            while k < n and text[k].isdigit():
                k += 1
            version = int(text[j:k]) if k > j else 0
            if version > TARGET_VERSION:
                # Not for this server: an ordinary comment.
                end = text.find("*/", k)
                if end < 0:
                    diags.append(error(span(i), "mysql-unterminated", "unterminated comment"))
                    break
                i = end + 2
                continue
            blank(i, k)
            exec_open.append(i)
            i = k
            continue
        if text.startswith("*/", i) and exec_open:
            exec_open.pop()
            blank(i, i + 2)
            i += 2
            if text.startswith(delimiter, i) and not exec_open:
                continue
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                diags.append(error(span(i), "mysql-unterminated", "unterminated comment"))
                break
            i = end + 2
            continue
        if start is None:
            start = i
        if c in "'\"`":
            end = quoted_end(text, i)
            if end < 0:
                diags.append(error(span(i), "mysql-unterminated", f"unterminated {c}-quoted text"))
                start = None
                break
            i = end
            continue
        # Delimiters longer than one char may start inside a word ("//", "$$", ";;").
        i += 1
    else:
        emit(n)
    if exec_open:
        diags.append(
            error(span(exec_open[-1]), "mysql-unterminated", "unterminated version comment")
        )
    source = "".join(chars)
    return [Statement(s.file, s.text, s.offset, source) for s in out], diags

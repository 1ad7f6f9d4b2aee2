"""Errors and warnings as values, each with a source location.

Only bugs raise. Bad input becomes a Diagnostic; the CLI prints them as
``file:line:col: severity[code]: message`` and exits 2 when any is an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A position in an input file; line and col are 1-based."""

    file: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    span: Span
    severity: Severity
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.span}: {self.severity.value}[{self.code}]: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def error(span: Span, code: str, message: str) -> Diagnostic:
    return Diagnostic(span, Severity.ERROR, code, message)


def warning(span: Span, code: str, message: str) -> Diagnostic:
    return Diagnostic(span, Severity.WARNING, code, message)


def note(span: Span, code: str, message: str) -> Diagnostic:
    return Diagnostic(span, Severity.NOTE, code, message)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.span.file, d.span.line, d.span.col, d.code)


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in text."""
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1

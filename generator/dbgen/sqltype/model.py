"""What the typer answers: the result columns and the parameters of one statement."""

from __future__ import annotations

from dataclasses import dataclass

from dbgen.diagnostics import Span
from dbgen.ir import QName, SqlType


@dataclass(frozen=True, slots=True)
class ResultColumn:
    """One column of the statement's result, in select-list order.

    ``origin`` is the table column it passes through unchanged (``(QName, column)``), when it is
    one; a view's key can be inferred from it.
    """

    name: str
    type: SqlType
    nullable: bool
    origin: tuple[QName, str] | None = None


@dataclass(frozen=True, slots=True)
class Parameter:
    """A named parameter (``:name``), typed by what it is compared with or assigned to.

    ``nullable`` is true only where NULL is a meaningful value: assigned to a nullable column
    (INSERT, UPDATE SET) or given through an explicit cast of a nullable context. ``span`` is its
    first occurrence.
    """

    name: str
    type: SqlType
    nullable: bool
    span: Span


@dataclass(frozen=True, slots=True)
class TypedStatement:
    """``kind`` is the statement's verb: ``select``, ``insert``, ``update`` or ``delete``.
    ``columns`` is empty for a statement that returns no rows (DML without RETURNING)."""

    kind: str
    columns: tuple[ResultColumn, ...]
    params: tuple[Parameter, ...]

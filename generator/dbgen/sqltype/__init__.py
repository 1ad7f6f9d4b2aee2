"""Typing SQL offline against the catalog: the result row and the parameters of a statement.

    typed, diagnostics = infer_result(catalog, text, Span(file, line, col))

``text`` holds one statement (SELECT, a set operation, or INSERT/UPDATE/DELETE, with or without
RETURNING); ``span`` is where it starts in its file, so every problem is reported at
``file:line:col``. ``typed`` is a ``TypedStatement`` (``kind``, ``columns`` of
``ResultColumn(name, type, nullable, origin)``, ``params`` of ``Parameter(name, type,
nullable, span)``), or None when a diagnostic is an error. Types are ``ir.SqlType`` values;
``plan.typemap.map_type(type, ctx)`` gives the Python annotation and the SQLAlchemy type.
``infer_view(catalog, raw_statement)`` does the same for a view of the catalog (its query as
written, problems located in the schema file, columns named by the view's column list).

sqlglot parses (PostgreSQL dialect); the resolution and the type rules are dbgen's own
(``statements``, ``expressions``, ``functions``, ``scope``), since nullability, PostgreSQL's
result types and exact error locations are what the generated code depends on.
"""

from __future__ import annotations

import re
from typing import cast

import sqlglot
from sqlglot import exp

from dbgen.diagnostics import Diagnostic, Span, error, line_col
from dbgen.ir import Catalog
from dbgen.sqltype.model import Parameter, ResultColumn, TypedStatement
from dbgen.sqltype.params import occurrences, text_for_sqlalchemy
from dbgen.sqltype.pgtypes import resolved
from dbgen.sqltype.scope import Problem
from dbgen.sqltype.statements import UNNAMED, Typer
from dbgen.sqltype.views import infer_view

__all__ = [
    "Parameter",
    "ResultColumn",
    "TypedStatement",
    "infer_result",
    "infer_view",
    "text_for_sqlalchemy",
]


def infer_result(
    catalog: Catalog, text: str, span: Span, *, search_path: tuple[str, ...] = ("public",)
) -> tuple[TypedStatement | None, tuple[Diagnostic, ...]]:
    def at(offset: int) -> Span:
        line, col = line_col(text, max(0, min(offset, len(text))))
        return Span(span.file, span.line + line - 1, col + (span.col - 1 if line == 1 else 0))

    def at_line_col(line: int, col: int) -> Span:
        return Span(span.file, span.line + line - 1, col + (span.col - 1 if line == 1 else 0))

    try:
        statements = [s for s in sqlglot.parse(text, read="postgres") if s is not None]
    except sqlglot.errors.ParseError as e:
        first = e.errors[0] if e.errors else {}
        line, col = int(first.get("line") or 1), int(first.get("col") or 1)
        message = str(first.get("description") or e).split("\n")[0]
        message = "syntax error: " + re.sub(r"<class '(?:\w+\.)*(\w+)'>", r"\1", message)
        return None, (error(at_line_col(line, col), "query-syntax", message),)
    except sqlglot.errors.TokenError as e:
        return None, (error(at(0), "query-syntax", str(e).split("\n")[0]),)
    if len(statements) != 1:
        return None, (
            error(
                at(0),
                "query-statements",
                f"a query is exactly one statement, found {len(statements)}",
            ),
        )
    found = occurrences(text)
    first_use: dict[str, int] = {}
    for occ in found:
        first_use.setdefault(occ.name, occ.start)

    def located(node: exp.Expression | None) -> Span:
        if node is None:
            return at(_first_token(text))
        if isinstance(node, exp.Placeholder):
            return at(first_use.get(str(node.this).lower(), _first_token(text)))
        best: int | None = None
        for sub in node.walk():
            if isinstance(sub, exp.Placeholder):
                start = first_use.get(str(sub.this).lower())
            else:
                meta = sub.meta if sub.meta else None
                start = meta.get("start") if meta else None
            if start is not None and (best is None or start < best):
                best = int(start)
        return at(best if best is not None else _first_token(text))

    typer = Typer(catalog, search_path)
    try:
        kind, columns = typer.statement(cast(exp.Expression, statements[0]))
    except Problem as p:
        return None, (error(located(p.node), p.code, p.message),)
    problems: list[Diagnostic] = []
    params: list[Parameter] = []
    for name, use in sorted(typer.params.items(), key=lambda kv: first_use.get(kv[0], 0)):
        if use.type is None:
            problems.append(
                error(
                    located(use.node),
                    "untyped-parameter",
                    f"cannot tell the type of parameter :{name}; cast it: :{name}::type",
                )
            )
            continue
        params.append(Parameter(name, use.type, use.nullable, located(use.node)))
    seen: set[str] = set()
    for name, node in typer.top_nodes:
        if name == UNNAMED:
            problems.append(
                error(
                    located(node),
                    "unnamed-column",
                    "name this result column: <expression> AS name",
                )
            )
        elif name in seen:
            problems.append(
                error(
                    located(node),
                    "duplicate-column",
                    f"two result columns are named {name!r}; rename one with AS",
                )
            )
        seen.add(name)
    if problems:
        return None, tuple(problems)
    result = tuple(ResultColumn(n, resolved(v.type), v.nullable, v.origin) for n, v in columns)
    return TypedStatement(kind, result, tuple(params)), ()


def _first_token(text: str) -> int:
    """The offset of the statement's first word (after comments and blank lines)."""
    from dbgen.ddl.split import lex

    tokens = lex(text)
    return tokens[0].start if tokens else 0

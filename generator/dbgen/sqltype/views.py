"""The columns of a view or materialized view of the catalog, typed from its query as written
(so problems point into the schema file)."""

from __future__ import annotations

from dataclasses import replace

from dbgen.ddl.split import Kind, Token, lex
from dbgen.diagnostics import Diagnostic, Span, error, line_col
from dbgen.ir import Catalog, RawStatement
from dbgen.sqltype.model import TypedStatement

# What may follow a view's query: (words, ...) at the statement's end.
_TAILS = (
    ("with", "data"),
    ("with", "no", "data"),
    ("with", "check", "option"),
    ("with", "cascaded", "check", "option"),
    ("with", "local", "check", "option"),
)


def infer_view(
    catalog: Catalog, view: RawStatement, *, search_path: tuple[str, ...] = ("public",)
) -> tuple[TypedStatement | None, tuple[Diagnostic, ...]]:
    """``view`` (a ``RawStatement`` of kind ``view`` or ``materialized view``) typed as
    ``infer_result`` types a query, its columns named by the view's column list if it has one."""
    from dbgen.sqltype import infer_result

    text = view.sql
    tokens = lex(text)
    names, body = _column_names(tokens), _body(tokens)
    if body is None:
        return None, (error(view.span, "view-without-query", "no AS <query> in the view"),)
    start, end = body
    line, col = line_col(text, start)
    span = Span(
        view.span.file,
        view.span.line + line - 1,
        col + (view.span.col - 1 if line == 1 else 0),
    )
    typed, diags = infer_result(catalog, text[start:end], span, search_path=search_path)
    if typed is None:
        return None, diags
    if len(names) > len(typed.columns):
        return None, (
            error(
                view.span,
                "type-mismatch",
                f"{len(names)} column names for {len(typed.columns)} columns",
            ),
        )
    columns = tuple(
        replace(c, name=names[i]) if i < len(names) else c for i, c in enumerate(typed.columns)
    )
    return replace(typed, columns=columns), diags


def _words(tokens: list[Token]) -> list[str]:
    return [t.value if t.kind is Kind.WORD else "" for t in tokens]


def _column_names(tokens: list[Token]) -> list[str]:
    """The names of ``CREATE VIEW name (a, b) ...``: the parenthesized list before AS/WITH."""
    words = _words(tokens)
    if "view" not in words:
        return []
    i = words.index("view") + 1
    while i < len(tokens) and not (tokens[i].kind is Kind.PUNCT and tokens[i].value == "("):
        if words[i] in ("as", "with"):
            return []
        i += 1
    names: list[str] = []
    for tok in tokens[i + 1 :]:
        if tok.kind is Kind.PUNCT and tok.value == ")":
            break
        if tok.kind in (Kind.WORD, Kind.QUOTED):
            names.append(tok.value)
    return names


def _body(tokens: list[Token]) -> tuple[int, int] | None:
    """(start, end) offsets of the query after AS, without a trailing WITH [NO] DATA or
    WITH ... CHECK OPTION."""
    depth = 0
    words = _words(tokens)
    for i, tok in enumerate(tokens):
        if tok.kind is Kind.PUNCT and tok.value == "(":
            depth += 1
        elif tok.kind is Kind.PUNCT and tok.value == ")":
            depth -= 1
        elif depth == 0 and words[i] == "as" and i + 1 < len(tokens):
            last = len(tokens)
            for tail in _TAILS:
                n = len(tail)
                if tuple(words[last - n : last]) == tail:
                    last -= n
                    break
            if last <= i + 1:
                return None
            return tokens[i + 1].start, tokens[last - 1].end
    return None

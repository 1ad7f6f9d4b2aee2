"""Named queries: the ``queries/*.sql`` files of the spec directory, each query typed against the
catalog (dbgen.sqltype).

A file holds one or more queries, each introduced by a header comment::

    -- name: users_with_task_counts :many
    -- Users with the number of tasks assigned to them.    (optional: the method's docstring)
    SELECT ...;

The kind says what the generated method returns: ``:one`` (a row or None), ``:many`` (a list
of rows), ``:stream`` (an iterator over a server-side cursor), ``:exec`` (nothing), ``:rows``
(the number of rows the statement changed). Parameters are written ``:name``.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from dbgen.ddl.split import Kind, lex
from dbgen.diagnostics import Diagnostic, Span, error, line_col
from dbgen.ir import Catalog
from dbgen.sqltype import TypedStatement, infer_result

KINDS = ("one", "many", "stream", "exec", "rows")
# What the generated Queries classes bind themselves: a query of that name would replace it.
RESERVED_NAMES = frozenset({"session", "mro"})

_HEADER = re.compile(r"^[ \t]*--[ \t]*name:(?P<rest>.*)$", re.MULTILINE)
_NAME_KIND = re.compile(r"^[ \t]*(?P<name>\S+)(?:[ \t]+(?P<kind>\S+))?[ \t]*$")


@dataclass(frozen=True, slots=True)
class QuerySpec:
    name: str
    kind: str  # one of KINDS
    doc: str  # the comment lines after the header, joined ("" when none)
    sql: str  # the statement as written: first token to last, without the final semicolon
    typed: TypedStatement
    span: Span  # the header


def load_queries(
    files: tuple[tuple[str, str], ...], catalog: Catalog
) -> tuple[tuple[QuerySpec, ...], tuple[Diagnostic, ...]]:
    """Every query of ``files`` ((display path, text), in file-name order), typed; problems
    are diagnostics (the build stops on any error)."""
    out: list[QuerySpec] = []
    problems: list[Diagnostic] = []
    seen: dict[str, Span] = {}
    for path, text in files:
        for q in _queries_of(path, text, catalog, problems):
            if q.name in seen:
                problems.append(
                    error(
                        q.span,
                        "duplicate-query",
                        f"query {q.name!r} is already defined at {seen[q.name]}",
                    )
                )
                continue
            seen[q.name] = q.span
            out.append(q)
    return tuple(out), tuple(problems)


def _span(path: str, text: str, offset: int) -> Span:
    line, col = line_col(text, offset)
    return Span(path, line, col)


def _queries_of(
    path: str, text: str, catalog: Catalog, problems: list[Diagnostic]
) -> list[QuerySpec]:
    headers = list(_HEADER.finditer(text))
    first = headers[0].start() if headers else len(text)
    before = lex(text[:first])
    if before:
        problems.append(
            error(
                _span(path, text, before[0].start),
                "query-without-name",
                "a query starts with a header naming it: -- name: <name> :<kind>",
            )
        )
    if not headers:
        if not before:
            problems.append(error(Span(path), "no-queries", "the file holds no query"))
        return []
    out: list[QuerySpec] = []
    for i, h in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        q = _query(path, text, h, end, catalog, problems)
        if q is not None:
            out.append(q)
    return out


def _query(
    path: str,
    text: str,
    header: re.Match[str],
    end: int,
    catalog: Catalog,
    problems: list[Diagnostic],
) -> QuerySpec | None:
    span = _span(path, text, header.start())
    rest = header.group("rest")
    m = _NAME_KIND.match(rest)
    if m is None:
        problems.append(error(span, "invalid-query-header", "expected -- name: <name> :<kind>"))
        return None
    name, kind = m.group("name"), m.group("kind")
    bad = _name_problem(name)
    if bad:
        problems.append(error(span, "invalid-query-name", bad))
        return None
    if kind is None:
        problems.append(
            error(
                span,
                "missing-query-kind",
                f"say what {name} returns: -- name: {name} :one|:many|:stream|:exec|:rows",
            )
        )
        return None
    if not kind.startswith(":") or kind[1:] not in KINDS:
        problems.append(
            error(
                span,
                "unknown-query-kind",
                f"{kind!r} is not one of {', '.join(':' + k for k in KINDS)}",
            )
        )
        return None
    kind = kind[1:]
    body_start = header.end()
    doc_lines: list[str] = []
    # The comment lines right after the header are the query's documentation.
    pos = body_start + 1 if text.startswith("\n", body_start) else body_start
    while True:
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 or line_end > end else line_end
        line = text[pos:line_end].strip()
        if not line.startswith("--") or pos >= end:
            break
        doc_lines.append(line[2:].strip())
        pos = line_end + 1
    tokens = lex(text, body_start, end)
    while tokens and tokens[-1].kind is Kind.PUNCT and tokens[-1].value == ";":
        tokens.pop()
    if not tokens:
        problems.append(error(span, "empty-query", f"query {name} has no statement"))
        return None
    semis = [t for t in tokens if t.kind is Kind.PUNCT and t.value == ";"]
    if semis:
        problems.append(
            error(
                _span(path, text, semis[0].end),
                "query-statements",
                f"query {name} is one statement; start the next with its own -- name: header",
            )
        )
        return None
    start = tokens[0].start
    sql = text[start : tokens[-1].end]
    typed, diags = infer_result(catalog, sql, _span(path, text, start))
    problems.extend(diags)
    if typed is None:
        return None
    wrong = _kind_problem(kind, typed)
    if wrong:
        problems.append(error(span, "query-kind-mismatch", wrong))
        return None
    doc = " ".join(line for line in doc_lines if line)
    return QuerySpec(name, kind, doc, sql, typed, span)


def _name_problem(name: str) -> str | None:
    if not name.isidentifier() or not name.isascii() or keyword.iskeyword(name):
        return f"{name!r} is not a Python identifier (it names the generated method)"
    if name.startswith("_") or name in RESERVED_NAMES:
        return f"{name!r} is taken by the generated Queries class; choose another name"
    if name != name.lower():
        return f"{name!r}: query names are snake_case (it names the generated method)"
    return None


def _kind_problem(kind: str, typed: TypedStatement) -> str | None:
    if kind in ("one", "many", "stream") and not typed.columns:
        return (
            f":{kind} returns rows, and this {typed.kind.upper()} returns none "
            "(add RETURNING, or use :exec or :rows)"
        )
    if kind in ("exec", "rows") and typed.kind == "select":
        return f":{kind} is for INSERT, UPDATE and DELETE; a SELECT is :one, :many or :stream"
    return None

"""Views and materialized views that crud.yaml names as entities, as read-only tables.

The schema's views are carried into the migration verbatim (``RawStatement``); nothing else
models them. A view listed under ``entities`` gets a ``Table`` here (``view`` set) whose columns
are typed from the view's query by dbgen.sqltype (type and nullability), and whose key is the
entity's ``key:`` from crud.yaml, or, for a materialized view, its first unique index of plain
NOT NULL columns without a predicate. The tables join the catalog the models and the CRUD layer
are planned from (core.generate), never the one the migration is planned from, so the migration
stays byte for byte what it was; the models mark them ``info={"is_view": True}`` and the Alembic
environment leaves them out of autogenerate (``alembic check`` stays clean).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from dbgen.ddl.cursor import ParseError
from dbgen.ddl.parse import parse_statement
from dbgen.ddl.split import Kind, lex, split
from dbgen.ddl.statements import CreateIndex
from dbgen.diagnostics import Diagnostic, Span, error, line_col
from dbgen.ir import Catalog, Column, PrimaryKey, QName, RawStatement, Table, quote_ident
from dbgen.spec.yaml_loader import YAML_LOADER

VIEW_KINDS = ("view", "materialized view")


def _qname(text: str) -> QName:
    schema, dot, name = text.partition(".")
    return QName(schema, name) if dot else QName("public", text)


def find_view(catalog: Catalog, qname: QName) -> RawStatement | None:
    """The CREATE [MATERIALIZED] VIEW statement of ``qname`` in the schema, if any."""
    for raw in catalog.raw:
        if raw.kind in VIEW_KINDS and raw.name is not None and _qname(raw.name) == qname:
            return raw
    return None


def _named_views(crud_text: str) -> dict[str, list[str] | None]:
    """Entity name -> its ``key:`` (None without one) for every entity crud.yaml lists. The
    binder reads the file again with positions and reports every problem; this only looks."""
    try:
        doc = yaml.load(crud_text, Loader=YAML_LOADER)
    except yaml.YAMLError:
        return {}
    entities = doc.get("entities") if isinstance(doc, dict) else None
    if not isinstance(entities, dict):
        return {}
    out: dict[str, list[str] | None] = {}
    for name, opts in entities.items():
        if not isinstance(name, str):
            continue
        key = opts.get("key") if isinstance(opts, dict) else None
        if isinstance(key, str):
            key = [key]
        out[name] = [k for k in key if isinstance(k, str)] if isinstance(key, list) else None
    return out


def view_tables(
    catalog: Catalog, crud: tuple[str, str] | None, *, postgresql: bool = True
) -> tuple[tuple[Table, ...], tuple[Diagnostic, ...]]:
    """A read-only table for every view crud.yaml names (problems typing its query are errors
    at the view's file:line:col). The typer's rules are PostgreSQL's: under another dialect a
    named view is an error."""
    if crud is None:
        return (), ()
    tables: list[Table] = []
    problems: list[Diagnostic] = []
    for name, key in _named_views(crud[1]).items():
        qname = _qname(name)
        if catalog.table(qname) is not None:
            continue
        raw = find_view(catalog, qname)
        if raw is None:
            continue
        if not postgresql:
            problems.append(
                error(
                    raw.span,
                    "views-unsupported-dialect",
                    f"{raw.kind} {qname} is named in crud.yaml; views as entities are typed "
                    'with PostgreSQL\'s rules and need dialect = "postgresql"',
                )
            )
            continue
        table, found = _view_table(catalog, qname, raw, key)
        problems.extend(found)
        if table is not None:
            tables.append(table)
    return tuple(tables), tuple(problems)


def _query(raw: RawStatement) -> tuple[str, int] | None:
    """The view's query text and its offset in the statement: after the first top-level AS,
    without a trailing WITH [NO] DATA / WITH [CASCADED | LOCAL] CHECK OPTION."""
    tokens = lex(raw.sql)
    depth = 0
    start = None
    for i, t in enumerate(tokens):
        if t.kind is Kind.PUNCT and t.value in "([":
            depth += 1
        elif t.kind is Kind.PUNCT and t.value in ")]":
            depth -= 1
        elif depth == 0 and t.kind is Kind.WORD and t.value == "as" and i > 2:
            start = i + 1
            break
    if start is None or start >= len(tokens):
        return None
    end = len(raw.sql)
    tail = tokens[start:]
    words = [t.value if t.kind is Kind.WORD else None for t in tail]
    for n, ending in ((2, ["with", "data"]), (3, ["with", "no", "data"])):
        if len(words) > n and words[-n:] == ending:
            end = tail[-n].start
    for n in (3, 4):
        if len(words) > n and words[-n] == "with" and words[-2:] == ["check", "option"]:
            end = tail[-n].start
    begin = tokens[start].start
    return raw.sql[begin:end].rstrip(), begin


def _aliases(raw: RawStatement) -> list[str]:
    """The view's column list, ``CREATE VIEW v (a, b) AS ...`` (empty without one)."""
    tokens = lex(raw.sql)
    i = next((n for n, t in enumerate(tokens) if t.is_word("view")), len(tokens)) + 1
    if i < len(tokens) and tokens[i].is_word("if"):
        i += 3  # IF NOT EXISTS
    while i < len(tokens) and (
        tokens[i].kind in (Kind.WORD, Kind.QUOTED)
        or (tokens[i].kind is Kind.PUNCT and tokens[i].value == ".")
    ):
        i += 1
    if i >= len(tokens) or not (tokens[i].kind is Kind.PUNCT and tokens[i].value == "("):
        return []
    out = []
    for t in tokens[i + 1 :]:
        if t.kind is Kind.PUNCT and t.value == ")":
            break
        if t.kind in (Kind.WORD, Kind.QUOTED):
            out.append(t.value)
    return out


def _view_table(
    catalog: Catalog, qname: QName, raw: RawStatement, key: list[str] | None
) -> tuple[Table | None, list[Diagnostic]]:
    from dbgen.sqltype import infer_result

    found = _query(raw)
    if found is None:
        return None, [
            error(raw.span, "view-not-typed", f"cannot find the query of {raw.kind} {qname}")
        ]
    text, offset = found
    line, col = line_col(raw.sql, offset)
    span = Span(
        raw.span.file, raw.span.line + line - 1, col + (raw.span.col - 1 if line == 1 else 0)
    )
    aliases = _aliases(raw)
    if aliases:
        # The column list names the columns (an unnamed count(*) included): type the query as
        # a derived table with those names, laid out so that positions stay the file's.
        names_sql = ", ".join(quote_ident(a) for a in aliases)
        text = f"SELECT * FROM (\n{' ' * (span.col - 1)}{text}\n) AS _view ({names_sql})"
        span = Span(span.file, span.line - 1, 1)
    typed, problems = infer_result(catalog, text, span)
    if typed is None:
        return None, list(problems)
    names = [c.name for c in typed.columns]
    columns = [
        Column(n, c.type, nullable=c.nullable, span=raw.span)
        for n, c in zip(names, typed.columns, strict=True)
    ]
    by_name = {c.name: c for c in columns}
    pk_cols: tuple[str, ...] = ()
    if key is not None:
        pk_cols = tuple(k for k in key if k in by_name) if all(k in by_name for k in key) else ()
    elif raw.kind == "materialized view":
        pk_cols = _unique_index(catalog, qname, by_name)
    if pk_cols:
        # The key identifies rows: its columns are taken as NOT NULL (the typer's nullability is
        # conservative through outer joins and aggregates).
        columns = [
            Column(c.name, c.type, nullable=False, span=c.span) if c.name in pk_cols else c
            for c in columns
        ]
    pk = PrimaryKey(f"{qname.name}_pkey", pk_cols, span=raw.span) if pk_cols else None
    return (
        Table(
            qname,
            tuple(columns),
            primary_key=pk,
            position=raw.position,
            span=raw.span,
            view=raw.kind,
        ),
        [],
    )


def _unique_index(catalog: Catalog, qname: QName, columns: Mapping[str, Column]) -> tuple[str, ...]:
    """The columns of the materialized view's first unique index on plain NOT NULL columns
    without a predicate (the one REFRESH ... CONCURRENTLY can use too)."""
    for raw in catalog.raw:
        if raw.kind != "index" or raw.table != qname:
            continue
        statements, problems = split("<index>", raw.sql + ";")
        if problems or len(statements) != 1:
            continue
        try:
            parsed: Any = parse_statement(statements[0])
        except ParseError:
            continue
        if not isinstance(parsed, CreateIndex):
            continue
        spec = parsed.spec
        cols = [e.column for e in spec.elements]
        if (
            spec.unique
            and spec.where is None
            and all(c is not None and c in columns and not columns[c].nullable for c in cols)
        ):
            return tuple(c for c in cols if c is not None)
    return ()

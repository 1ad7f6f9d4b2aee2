"""The statement splitter: psql-compatible boundaries and exact spans."""

from __future__ import annotations

import pytest

from dbgen.ddl.split import Kind, split


def _stmts(text: str) -> list[tuple[str, str]]:
    stmts, diags = split("f.sql", text)
    assert diags == []
    return [(s.sql, str(s.span)) for s in stmts]


def test_spans_point_at_first_token_after_comments() -> None:
    text = "-- header\n\n  /* c */ CREATE TABLE a (x int);\nSELECT 1;"
    assert _stmts(text) == [
        ("CREATE TABLE a (x int)", "f.sql:3:11"),
        ("SELECT 1", "f.sql:4:1"),
    ]


def test_semicolons_inside_quotes_and_comments_do_not_split() -> None:
    text = "SELECT 'a;b', E'it\\'s;', \"we;ird\" -- c;\n/* outer /* nested; */ still; */ FROM t;"
    [(sql, _)] = _stmts(text)
    assert sql.endswith("FROM t")
    assert sql.startswith("SELECT 'a;b'")


def test_dollar_quotes_with_and_without_tags() -> None:
    text = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nDO $body$ BEGIN; $x$; END $body$;"
    got = _stmts(text)
    assert [s for s, _ in got] == [
        "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
        "DO $body$ BEGIN; $x$; END $body$",
    ]
    assert got[1][1] == "f.sql:2:1"


def test_positional_parameter_is_not_a_dollar_quote() -> None:
    assert len(_stmts("SELECT $1; SELECT 2;")) == 2


def test_parenthesised_semicolons_stay_in_one_statement() -> None:
    text = "CREATE RULE r AS ON INSERT TO t DO ALSO (NOTIFY a; NOTIFY b);\nSELECT 1;"
    assert [s for s, _ in _stmts(text)] == [
        "CREATE RULE r AS ON INSERT TO t DO ALSO (NOTIFY a; NOTIFY b)",
        "SELECT 1",
    ]


def test_begin_atomic_body() -> None:
    text = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nSELECT 3;"
    got = _stmts(text)
    assert len(got) == 2
    assert got[0][0].endswith("END")


def test_backslash_lines_are_their_own_statements() -> None:
    stmts, _ = split("f.sql", "\\restrict abc\nSET x = 1;\n\\unrestrict abc\n")
    assert [s.tokens[0].kind for s in stmts] == [Kind.BACKSLASH, Kind.WORD, Kind.BACKSLASH]
    assert [str(s.span) for s in stmts] == ["f.sql:1:1", "f.sql:2:1", "f.sql:3:1"]


def test_copy_data_is_skipped() -> None:
    text = "COPY t (a) FROM stdin;\n1;2\n3;4\n\\.\nSELECT 1;"
    stmts, _ = split("f.sql", text)
    assert [s.sql for s in stmts] == ["COPY t (a) FROM stdin", "SELECT 1"]


def test_last_statement_without_semicolon() -> None:
    assert _stmts("SELECT 1;\nSELECT 2\n") == [("SELECT 1", "f.sql:1:1"), ("SELECT 2", "f.sql:2:1")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "SELECT 1;\nSELECT 'abc",
            "f.sql:2:8: error[unterminated-string]: unterminated string literal",
        ),
        (
            "SELECT 1;\n  /* a /* b */",
            "f.sql:2:3: error[unterminated-comment]: unterminated /* comment",
        ),
        (
            "SELECT $q$ x $$",
            "f.sql:1:8: error[unterminated-dollar-quote]: unterminated dollar-quoted string $q$",
        ),
        (
            'SELECT "abc',
            'f.sql:1:8: error[unterminated-identifier]: unterminated quoted identifier (")',
        ),
    ],
)
def test_unterminated_tokens_are_errors(text: str, expected: str) -> None:
    stmts, diags = split("f.sql", text)
    assert [str(d) for d in diags] == [expected]
    if text.startswith("SELECT 1;"):
        assert [s.sql for s in stmts] == ["SELECT 1"]


def test_unquoted_identifiers_fold_ascii_only() -> None:
    stmts, _ = split("f.sql", 'CREATE TABLE ÄBc ("KeepMe" int)')
    words = [t.value for t in stmts[0].tokens if t.kind in (Kind.WORD, Kind.QUOTED)]
    assert words == ["create", "table", "Äbc", "KeepMe", "int"]

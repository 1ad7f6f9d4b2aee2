"""The SQL typer (dbgen.sqltype): result columns, nullability and parameters of statements typed
against a catalog, and the errors at file:line:col."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from dbgen.ddl import read_schema
from dbgen.diagnostics import Span
from dbgen.ir import Catalog
from dbgen.sqltype import TypedStatement, infer_result, text_for_sqlalchemy
from support.paths import require_shared

SCHEMA = """
CREATE TYPE task_status AS ENUM ('todo', 'done');
CREATE DOMAIN slug AS text CHECK (VALUE ~ '^[a-z]+$');
CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text NOT NULL,
    nick varchar(20),
    created_at timestamptz NOT NULL
);
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    slug slug NOT NULL,
    owner_id uuid NOT NULL REFERENCES users (id)
);
CREATE TABLE tasks (
    id bigserial PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id),
    title text NOT NULL,
    status task_status NOT NULL,
    priority smallint NOT NULL,
    estimate numeric(6,2),
    assignee_id uuid REFERENCES users (id),
    due_date date,
    labels text[] NOT NULL
);
CREATE VIEW open_tasks AS SELECT id, title, assignee_id FROM tasks WHERE status = 'todo';
"""


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    cat, diags = read_schema([("schema.sql", SCHEMA)])
    assert not [d for d in diags if d.is_error]
    return cat


def typed(catalog: Catalog, sql: str, search_path: tuple[str, ...] = ("public",)) -> TypedStatement:
    result, diags = infer_result(catalog, sql, Span("q.sql", 1, 1), search_path=search_path)
    assert diags == (), [str(d) for d in diags]
    assert result is not None
    return result


def cols(result: TypedStatement) -> list[tuple[str, str, bool]]:
    return [(c.name, c.type.sql, c.nullable) for c in result.columns]


def params(result: TypedStatement) -> list[tuple[str, str, bool]]:
    return [(p.name, p.type.sql, p.nullable) for p in result.params]


def problem(catalog: Catalog, sql: str, span: Span | None = None) -> str:
    result, diags = infer_result(catalog, sql, span or Span("q.sql", 1, 1))
    assert result is None
    assert len(diags) == 1, [str(d) for d in diags]
    return str(diags[0])


def test_outer_join_and_aggregates(catalog: Catalog) -> None:
    r = typed(
        catalog,
        """SELECT u.id, u.email, count(t.id) AS task_count, sum(t.priority) AS total,
                  avg(t.priority) AS mean, max(t.due_date) AS latest,
                  coalesce(sum(t.estimate), 0) AS estimate
           FROM users u LEFT JOIN tasks t ON t.assignee_id = u.id
           GROUP BY u.id, u.email""",
    )
    assert cols(r) == [
        ("id", "uuid", False),
        ("email", "text", False),
        ("task_count", "bigint", False),
        ("total", "bigint", True),  # sum(smallint) is bigint; NULL for a user without tasks
        ("mean", "numeric", True),
        ("latest", "date", True),
        ("estimate", "numeric", False),
    ]


def test_grouped_aggregate_of_not_null_column_is_not_null(catalog: Catalog) -> None:
    grouped = typed(
        catalog,
        "SELECT t.project_id, sum(t.priority) AS s, min(t.title) AS m FROM tasks t "
        "GROUP BY t.project_id",
    )
    assert cols(grouped)[1:] == [("s", "bigint", False), ("m", "text", False)]
    ungrouped = typed(catalog, "SELECT sum(t.priority) AS s, count(*) AS n FROM tasks t")
    assert cols(ungrouped) == [("s", "bigint", True), ("n", "bigint", False)]
    filtered = typed(
        catalog,
        "SELECT t.project_id, sum(t.priority) FILTER (WHERE t.priority > 3) AS s FROM tasks t "
        "GROUP BY t.project_id",
    )
    assert cols(filtered)[1] == ("s", "bigint", True)


def test_right_and_full_joins(catalog: Catalog) -> None:
    right = typed(
        catalog, "SELECT u.email, p.slug FROM users u RIGHT JOIN projects p ON p.owner_id = u.id"
    )
    assert cols(right) == [("email", "text", True), ("slug", "public.slug", False)]
    full = typed(catalog, "SELECT a.id AS a, b.id AS b FROM users a FULL JOIN users b ON true")
    assert [c[2] for c in cols(full)] == [True, True]


def test_case_coalesce_cast_literals(catalog: Catalog) -> None:
    r = typed(
        catalog,
        """SELECT CASE WHEN t.priority > 3 THEN 'high' ELSE 'low' END AS band,
                  CASE WHEN t.priority > 3 THEN 1 END AS maybe,
                  coalesce(t.estimate, t.priority) AS est,
                  t.estimate::text AS est_text,
                  nullif(t.title, '') AS title,
                  t.priority + 1.5 AS bumped,
                  t.due_date - current_date AS days_left,
                  now() - interval '1 day' AS yesterday,
                  t.labels[1] AS first_label,
                  'x' AS lit
           FROM tasks t""",
    )
    assert cols(r) == [
        ("band", "text", False),
        ("maybe", "integer", True),
        ("est", "numeric", False),
        ("est_text", "text", True),
        ("title", "text", True),
        ("bumped", "numeric", False),
        ("days_left", "integer", True),
        ("yesterday", "timestamp with time zone", False),
        ("first_label", "text", True),
        ("lit", "text", False),
    ]


def test_ctes_windows_subqueries(catalog: Catalog) -> None:
    r = typed(
        catalog,
        """WITH per_project AS (
               SELECT project_id, count(*) AS n FROM tasks GROUP BY project_id
           )
           SELECT p.slug, pp.n, rank() OVER (ORDER BY pp.n DESC) AS place,
                  lag(pp.n) OVER (ORDER BY pp.n) AS previous,
                  (SELECT count(*) FROM tasks t WHERE t.project_id = p.id) AS again,
                  (SELECT max(t.title) FROM tasks t WHERE t.project_id = p.id) AS top_title,
                  EXISTS (SELECT 1 FROM tasks t WHERE t.project_id = p.id) AS busy
           FROM projects p JOIN per_project pp ON pp.project_id = p.id""",
    )
    assert cols(r) == [
        ("slug", "public.slug", False),
        ("n", "bigint", False),
        ("place", "bigint", False),
        ("previous", "bigint", True),
        ("again", "bigint", False),
        ("top_title", "text", True),
        ("busy", "boolean", False),
    ]
    recursive = typed(
        catalog,
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) "
        "SELECT n FROM r",
    )
    assert cols(recursive) == [("n", "integer", False)]


def test_union_views_and_derived_tables(catalog: Catalog) -> None:
    r = typed(
        catalog,
        "SELECT title AS label FROM tasks UNION ALL SELECT nick FROM users ORDER BY label",
    )
    assert cols(r) == [("label", "text", True)]
    view = typed(catalog, "SELECT o.title, o.assignee_id FROM open_tasks o")
    assert cols(view) == [("title", "text", False), ("assignee_id", "uuid", True)]
    derived = typed(catalog, "SELECT s.x, s.y FROM (SELECT 1 AS x, 'a' AS y) s")
    assert cols(derived) == [("x", "integer", False), ("y", "text", False)]


def test_parameters_take_their_context(catalog: Catalog) -> None:
    r = typed(
        catalog,
        """SELECT t.id FROM tasks t
           WHERE t.project_id = :project_id
             AND (:status::task_status IS NULL OR t.status = :status)
             AND t.assignee_id = ANY(:assignees)
             AND t.title ILIKE '%' || :q || '%'
             AND t.due_date BETWEEN :start AND :stop
             AND t.priority IN (:p1, 2)
           ORDER BY t.id LIMIT :limit OFFSET :offset""",
    )
    assert params(r) == [
        ("project_id", "bigint", False),
        ("status", "public.task_status", True),
        ("assignees", "uuid[]", False),
        ("q", "text", False),
        ("start", "date", False),
        ("stop", "date", False),
        ("p1", "smallint", False),
        ("limit", "bigint", False),
        ("offset", "bigint", False),
    ]
    assert str(r.params[0].span) == "q.sql:2:33"


def test_dml(catalog: Catalog) -> None:
    ins = typed(
        catalog,
        "INSERT INTO users (id, email, nick, created_at) VALUES (:id, :email, :nick, now()) "
        "ON CONFLICT (email) DO UPDATE SET nick = excluded.nick RETURNING id, nick",
    )
    assert ins.kind == "insert"
    assert cols(ins) == [("id", "uuid", False), ("nick", "character varying(20)", True)]
    assert params(ins) == [
        ("id", "uuid", False),
        ("email", "text", False),
        ("nick", "character varying", True),
    ]
    upd = typed(catalog, "UPDATE tasks SET due_date = :due WHERE id = :id")
    assert (upd.kind, upd.columns) == ("update", ())
    assert params(upd) == [("due", "date", True), ("id", "bigint", False)]
    dele = typed(
        catalog,
        "DELETE FROM tasks t USING projects p WHERE p.id = t.project_id "
        "AND p.slug = :slug RETURNING t.id",
    )
    assert cols(dele) == [("id", "bigint", False)]
    assert params(dele) == [("slug", "public.slug", False)]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT nope FROM users", "q.sql:1:8: error[unknown-column]: no column 'nope' in scope"),
        (
            "SELECT u.emial FROM users u",
            "q.sql:1:8: error[unknown-column]: users (u) has no column 'emial' (did you mean 'email'?)",
        ),
        (
            "SELECT id FROM users u JOIN tasks t ON t.assignee_id = u.id",
            "q.sql:1:8: error[ambiguous-column]: column 'id' is ambiguous (u.id, t.id); qualify it",
        ),
        (
            "SELECT x.id FROM users u",
            "q.sql:1:8: error[unknown-table]: no table or alias 'x' in scope",
        ),
        (
            "SELECT id FROM user",
            "q.sql:1:16: error[unknown-table]: no table user (did you mean 'users'?)",
        ),
        (
            "SELECT frob(email) AS f FROM users",
            "q.sql:1:8: error[untyped-expression]: cannot type frob(...); an explicit cast says what it is: (expression)::type",
        ),
        (
            "SELECT lower(email) FROM users",
            "q.sql:1:8: error[unnamed-column]: name this result column: <expression> AS name",
        ),
        (
            "SELECT :x AS x",
            "q.sql:1:8: error[untyped-parameter]: cannot tell the type of parameter :x from where it is used; cast it: :x::type",
        ),
        (
            "SELECT id FROM users WHERE email = :e OR id = :e",
            "q.sql:1:36: error[conflicting-parameter]: parameter :e is used as text and as uuid; cast one use",
        ),
        (
            "SELECT u.id, t.id FROM users u, tasks t",
            "q.sql:1:14: error[duplicate-column]: two result columns are named 'id'; rename one with AS",
        ),
        (
            "SELEC 1",
            "q.sql:1:7: error[query-syntax]: syntax error: Invalid expression / Unexpected token",
        ),
        (
            "CREATE TABLE x (a int)",
            "q.sql:1:14: error[unsupported-statement]: a query is one SELECT, INSERT, UPDATE or DELETE statement",
        ),
        (
            "SELECT title AS t FROM tasks UNION SELECT id FROM users",
            "q.sql:1:8: error[type-mismatch]: text and uuid do not mix; cast one side",
        ),
    ],
)
def test_errors(catalog: Catalog, sql: str, message: str) -> None:
    assert problem(catalog, sql) == message


def test_cast_is_the_way_out(catalog: Catalog) -> None:
    r = typed(catalog, "SELECT frob(email)::text AS f, :x::int AS x FROM users")
    assert cols(r) == [("f", "text", True), ("x", "integer", False)]
    # The columns inside a cast must still exist.
    assert "unknown-column" in problem(catalog, "SELECT frob(emale)::text AS f FROM users")


def test_positions_are_in_the_file(catalog: Catalog) -> None:
    message = problem(catalog, "SELECT u.id,\n       u.nope\nFROM users u", Span("q.sql", 10, 5))
    assert message.startswith("q.sql:11:8: error[unknown-column]")
    first_line = problem(catalog, "SELECT nope FROM users", Span("q.sql", 3, 5))
    assert first_line.startswith("q.sql:3:12:")


def test_text_for_sqlalchemy_keeps_colons_that_are_not_parameters() -> None:
    sql = "SELECT a::int, ':x' AS s, b[1:2] FROM t WHERE c = :c AND d = :d::int -- :e"
    converted = text_for_sqlalchemy(sql)
    assert converted == (
        "SELECT a::int, '\\:x' AS s, b[1:2] FROM t WHERE c = :c AND d = :d ::int -- \\:e"
    )
    compiled = sa.text(converted).compile(dialect=postgresql.dialect())
    assert list(compiled.params) == ["c", "d"]
    assert str(compiled) == (
        "SELECT a::int, ':x' AS s, b[1:2] FROM t WHERE c = %(c)s AND d = %(d)s ::int -- :e"
    )


MUSICBRAINZ_QUERY = """
SELECT a.name AS artist, rg.name AS release_group, count(DISTINCT r.id) AS releases,
       count(t.id) AS tracks, sum(t.length) AS total_length, max(m.track_count) AS most_tracks,
       min(r.barcode) AS some_barcode
FROM artist a
JOIN artist_credit_name acn ON acn.artist = a.id
JOIN release_group rg ON rg.artist_credit = acn.artist_credit
JOIN release r ON r.release_group = rg.id
LEFT JOIN medium m ON m.release = r.id
LEFT JOIN track t ON t.medium = m.id
WHERE a.gid = :artist_gid
GROUP BY a.name, rg.name
HAVING count(t.id) > :min_tracks
ORDER BY releases DESC
"""


def test_musicbrainz_five_table_join_with_aggregates() -> None:
    path = require_shared("corpus/musicbrainz/schema.sql")
    cat, diags = read_schema([("musicbrainz/schema.sql", path.read_text())])
    assert not [d for d in diags if d.is_error]
    # The schema creates its tables in the musicbrainz schema (SET search_path).
    r = typed(cat, MUSICBRAINZ_QUERY, ("musicbrainz", "public"))
    assert cols(r) == [
        ("artist", "character varying", False),
        ("release_group", "character varying", False),
        ("releases", "bigint", False),
        ("tracks", "bigint", False),
        ("total_length", "bigint", True),  # sum(integer); track.length is nullable
        ("most_tracks", "integer", True),  # medium is outer-joined
        ("some_barcode", "character varying", True),
    ]
    assert params(r) == [("artist_gid", "uuid", False), ("min_tracks", "bigint", False)]


def test_more_from_items(catalog: Catalog) -> None:
    using = typed(
        catalog,
        "SELECT id, a.title, b.title AS other FROM tasks a FULL JOIN tasks b USING (id)",
    )
    assert cols(using) == [
        ("id", "bigint", False),  # either side's, never both NULL
        ("title", "text", True),
        ("other", "text", True),
    ]
    lateral = typed(
        catalog,
        "SELECT p.slug, last.title FROM projects p LEFT JOIN LATERAL "
        "(SELECT t.title FROM tasks t WHERE t.project_id = p.id ORDER BY t.id DESC LIMIT 1) last "
        "ON true",
    )
    assert cols(lateral) == [("slug", "public.slug", False), ("title", "text", True)]
    series = typed(
        catalog,
        "SELECT d.day, l.label FROM generate_series(1, :n) AS d(day), "
        "unnest(ARRAY['a', 'b']) AS l(label)",
    )
    assert cols(series) == [("day", "integer", False), ("label", "text", True)]
    assert params(series) == [("n", "integer", False)]


def test_set_operations_and_in_subqueries(catalog: Catalog) -> None:
    both = typed(catalog, "SELECT nick AS n FROM users INTERSECT SELECT title FROM tasks")
    assert cols(both) == [("n", "text", False)]  # INTERSECT: NULL only if both sides may be
    but = typed(catalog, "SELECT title AS n FROM tasks EXCEPT SELECT nick FROM users")
    assert cols(but) == [("n", "text", False)]  # EXCEPT: the left side's rows
    inside = typed(
        catalog,
        "SELECT u.id FROM users u WHERE u.id IN (SELECT t.assignee_id FROM tasks t "
        "WHERE t.project_id = :p)",
    )
    assert params(inside) == [("p", "bigint", False)]


def test_dml_with_select_and_from(catalog: Catalog) -> None:
    copy = typed(
        catalog,
        "INSERT INTO tasks (project_id, title, status, priority, labels) "
        "SELECT p.id, :title, 'todo', 3, '{}' FROM projects p WHERE p.slug = :slug "
        "RETURNING *",
    )
    assert [c.name for c in copy.columns][:3] == ["id", "project_id", "title"]
    assert params(copy) == [("title", "text", False), ("slug", "public.slug", False)]
    moved = typed(
        catalog,
        "UPDATE tasks t SET project_id = p.id FROM projects p "
        "WHERE p.slug = :slug AND t.id = :id RETURNING t.id, p.slug",
    )
    assert cols(moved) == [("id", "bigint", False), ("slug", "public.slug", False)]


def test_tables_outside_the_search_path_are_named(catalog: Catalog) -> None:
    cat, _ = read_schema(
        [("s.sql", "CREATE SCHEMA app; CREATE TABLE app.things (id int PRIMARY KEY);")]
    )
    assert problem(cat, "SELECT id FROM things") == (
        "q.sql:1:16: error[unknown-table]: no table things on the search path (public); "
        "qualify it: app.things"
    )
    assert cols(typed(cat, "SELECT id FROM app.things")) == [("id", "integer", False)]
    assert cols(typed(cat, "SELECT id FROM things", ("app", "public"))) == [
        ("id", "integer", False)
    ]


def test_where_narrows_nullability(catalog: Catalog) -> None:
    r = typed(
        catalog,
        """SELECT t.due_date, t.estimate, t.assignee_id, u.nick, u.email
           FROM tasks t LEFT JOIN users u ON u.id = t.assignee_id
           WHERE t.due_date < :before AND t.estimate IS NOT NULL AND u.nick LIKE 'a%'""",
    )
    assert cols(r) == [
        ("due_date", "date", False),
        ("estimate", "numeric(6,2)", False),
        ("assignee_id", "uuid", True),  # only the join compared it
        ("nick", "character varying(20)", False),
        ("email", "text", False),  # u.nick LIKE proves u's row real, and email is NOT NULL
    ]
    kept = typed(
        catalog,
        """SELECT t.due_date, u.email FROM tasks t LEFT JOIN users u ON u.id = t.assignee_id
           WHERE (t.due_date < :before OR t.priority > 1) AND u.id IS NULL""",
    )
    assert cols(kept) == [("due_date", "date", True), ("email", "text", True)]


def test_join_trees_ordered_aggregates_and_composites() -> None:
    cat, diags = read_schema(
        [
            (
                "s.sql",
                """CREATE TYPE money_amount AS (amount numeric, currency text);
                CREATE TABLE a (id int PRIMARY KEY, price money_amount, tags text[] NOT NULL);
                CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL, note text NOT NULL);
                CREATE TABLE c (id int PRIMARY KEY, b_id int NOT NULL);""",
            )
        ]
    )
    assert not [d for d in diags if d.is_error]
    tree = typed(
        cat,
        "SELECT a.id, b.note, c.id AS c_id FROM (a LEFT JOIN (b JOIN c ON c.b_id = b.id) "
        "ON b.a_id = a.id)",
    )
    assert cols(tree) == [
        ("id", "integer", False),
        ("note", "text", True),
        ("c_id", "integer", True),
    ]
    agg = typed(
        cat,
        "SELECT a.id, array_agg(b.note ORDER BY b.id) AS notes, (a.price).currency AS currency, "
        "unnest(a.tags) AS tag FROM a JOIN b ON b.a_id = a.id GROUP BY a.id",
    )
    assert cols(agg) == [
        ("id", "integer", False),
        ("notes", "text[]", False),
        ("currency", "text", True),
        ("tag", "text", True),
    ]
    assert problem(cat, "SELECT public.frob(a.id) AS f FROM a") == (
        "q.sql:1:8: error[untyped-expression]: cannot type the function public.frob(); an "
        "explicit cast says what it is: (expression)::type"
    )


@pytest.mark.corpus
def test_the_corpus_views_type_or_say_why() -> None:
    """Every view of the shared corpora is typed, or refused with a located error (never an
    exception): the typer against real schemas (their views are its queries)."""
    import sqlglot
    from sqlglot import exp

    corpus = require_shared("corpus")
    typed_views: list[str] = []
    refused: dict[str, str] = {}
    for schema in sorted(corpus.glob("*/schema.sql")):
        cat, _ = read_schema([(str(schema), schema.read_text())])
        path = tuple(dict.fromkeys(t.qname.schema for t in cat.tables)) or ("public",)
        for raw in cat.raw:
            if raw.kind not in ("view", "materialized view"):
                continue
            parsed = sqlglot.parse_one(raw.sql, read="postgres", error_level=None)
            body = parsed.expression if isinstance(parsed, exp.Create) else None
            if body is None:
                continue  # sqlglot cannot parse it as a CREATE VIEW
            name = f"{schema.parent.name}:{raw.name}"
            result, diags = infer_result(cat, body.sql("postgres"), Span(name), search_path=path)
            if result is not None:
                assert result.columns, name
                typed_views.append(name)
            else:
                assert diags and all(d.is_error for d in diags), name
                refused[name] = diags[0].code
    assert len(typed_views) >= 100, (len(typed_views), refused)
    # What is refused needs a cast: user functions, xpath(), a set-returning function in FROM.
    assert set(refused.values()) <= {"untyped-expression"}, refused


def test_infer_view_types_a_view_of_the_catalog() -> None:
    from dbgen.sqltype import infer_view

    cat, diags = read_schema(
        [
            (
                "s.sql",
                "CREATE TABLE t (id int PRIMARY KEY, x text);\n"
                "CREATE MATERIALIZED VIEW mv (a, b) WITH (fillfactor=70) AS\n"
                "  SELECT id, upper(x) AS ux FROM t\nWITH NO DATA;\n"
                "CREATE VIEW v AS SELECT t.id, t.nope FROM t WITH LOCAL CHECK OPTION;\n",
            )
        ]
    )
    assert not [d for d in diags if d.is_error]
    mv, v = (r for r in cat.raw if r.kind in ("view", "materialized view"))
    typed_mv, problems = infer_view(cat, mv)
    assert problems == () and typed_mv is not None
    assert cols(typed_mv) == [("a", "integer", False), ("b", "text", True)]
    assert typed_mv.columns[0].origin is not None  # a key can be inferred from it
    none, problems = infer_view(cat, v)
    assert none is None
    assert [str(d) for d in problems] == [
        "s.sql:5:31: error[unknown-column]: t has no column 'nope'"
    ]

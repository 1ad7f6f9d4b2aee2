"""crud.yaml loading and validation: one test per diagnostic, with the exact text users see."""

from __future__ import annotations

import textwrap

import pytest

from dbgen.graph import build_graph
from dbgen.ir import (
    Catalog,
    Column,
    ForeignKey,
    Index,
    IndexElement,
    PartitionOf,
    PrimaryKey,
    QName,
    SqlType,
    Table,
    UniqueConstraint,
)
from dbgen.spec import BoundSpec, SortKey, load_spec

INT = SqlType("integer", "integer")
TEXT = SqlType("text", "text")
VARCHAR = SqlType("character varying(120)", "character varying", (120,))
TSTZ = SqlType("timestamp with time zone", "timestamp with time zone")
JSONB = SqlType("jsonb", "jsonb")
TEXT_ARR = SqlType("text[]", "text", (), 1)
BOOL = SqlType("boolean", "boolean")


def _q(name: str) -> QName:
    return QName("public", name)


def _fk(name: str, cols: tuple[str, ...], ref: str, ref_cols: tuple[str, ...]) -> ForeignKey:
    return ForeignKey(name, cols, _q(ref), ref_cols)


CATALOG = Catalog(
    tables=(
        Table(
            _q("artist"),
            (
                Column("artist_id", INT, nullable=False),
                Column("name", VARCHAR, nullable=False),
                Column("tags", TEXT_ARR),
                Column("meta", JSONB),
                Column("deleted_at", TSTZ),
                Column("version", INT, nullable=False, default="1"),
                Column("code", TEXT),
                Column("created_at", TSTZ, nullable=False, default="now()"),
            ),
            primary_key=PrimaryKey("artist_pkey", ("artist_id",)),
            uniques=(UniqueConstraint("artist_name_key", ("name",)),),
            indexes=(
                Index(
                    "artist_code_idx",
                    (IndexElement("code", "code"),),
                    unique=True,
                    where="code <> ''",
                ),
            ),
        ),
        Table(
            _q("album"),
            (
                Column("album_id", INT, nullable=False),
                Column("title", TEXT, nullable=False),
                Column("artist_id", INT, nullable=False),
            ),
            primary_key=PrimaryKey("album_pkey", ("album_id",)),
            foreign_keys=(_fk("album_artist_fkey", ("artist_id",), "artist", ("artist_id",)),),
        ),
        Table(
            _q("genre"),
            (Column("genre_id", INT, nullable=False), Column("name", TEXT)),
            primary_key=PrimaryKey("genre_pkey", ("genre_id",)),
        ),
        Table(
            _q("album_genre"),
            (Column("album_id", INT, nullable=False), Column("genre_id", INT, nullable=False)),
            primary_key=PrimaryKey("album_genre_pkey", ("album_id", "genre_id")),
            foreign_keys=(
                _fk("ag_album_fkey", ("album_id",), "album", ("album_id",)),
                _fk("ag_genre_fkey", ("genre_id",), "genre", ("genre_id",)),
            ),
        ),
        Table(_q("log"), (Column("msg", TEXT),)),
        # No primary key; a unique NOT NULL index, and unique keys that cannot order rows.
        Table(
            _q("event_json"),
            (
                Column("event_id", TEXT, nullable=False),
                Column("room", TEXT),
                Column("stream", INT, nullable=False),
                Column("json", JSONB, nullable=False),
            ),
            uniques=(UniqueConstraint("ej_room_key", ("room",)),),
            indexes=(
                Index("ej_json_idx", (IndexElement("json", "json"),), unique=True),
                Index(
                    "ej_stream_idx",
                    (IndexElement("stream", "stream"),),
                    unique=True,
                    where="stream > 0",
                ),
                Index(
                    "ej_event_room_idx",
                    (IndexElement("event_id", "event_id"), IndexElement("stream", "stream")),
                    unique=True,
                ),
                Index("ej_event_idx", (IndexElement("event_id", "event_id"),), unique=True),
            ),
        ),
        Table(
            _q("room_log"),
            (Column("room", TEXT), Column("at", TSTZ, nullable=False)),
            uniques=(UniqueConstraint("rl_room_at_key", ("room", "at")),),
        ),
        Table(
            _q("measure"),
            (Column("id", INT, nullable=False), Column("at", TSTZ, nullable=False)),
            primary_key=PrimaryKey("measure_pkey", ("id", "at")),
            partition_by="RANGE (at)",
        ),
        Table(
            _q("measure_2024"),
            (Column("id", INT, nullable=False), Column("at", TSTZ, nullable=False)),
            partition_of=PartitionOf(
                _q("measure"), "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
            ),
        ),
        Table(
            _q("invoice"),
            (Column("invoice_id", INT, nullable=False), Column("total", INT)),
            primary_key=PrimaryKey("invoice_pkey", ("invoice_id",)),
        ),
        Table(
            _q("invoice_line"),
            (
                Column("line_id", INT, nullable=False),
                Column("invoice_id", INT, nullable=False),
                Column("credit_invoice_id", INT),
            ),
            primary_key=PrimaryKey("invoice_line_pkey", ("line_id",)),
            foreign_keys=(
                _fk("il_invoice_fkey", ("invoice_id",), "invoice", ("invoice_id",)),
                _fk("il_credit_fkey", ("credit_invoice_id",), "invoice", ("invoice_id",)),
            ),
        ),
        Table(
            QName("sales", "orders"),
            (Column("id", INT, nullable=False), Column("placed", BOOL)),
            primary_key=PrimaryKey("orders_pkey", ("id",)),
        ),
    )
)
GRAPH = build_graph(CATALOG)

HEAD = "version: 1\npackage: app\n"


def load(body: str) -> tuple[BoundSpec | None, list[str]]:
    spec, diags = load_spec("crud.yaml", HEAD + textwrap.dedent(body), GRAPH)
    return spec, [str(d) for d in diags]


def errors(body: str) -> list[str]:
    spec, diags = load(body)
    assert spec is None
    return diags


def test_full_entity_binds() -> None:
    spec, diags = load(
        """\
        entities:
          artist:
            class_name: Performer
            operations: [get, list, create, upsert, update, delete]
            filters:
              name: [ilike, eq, in]
              artist_id: [between, lt]
              tags: [contains]
            sort: [name, artist_id]
            default_sort: [-name]
            search: [name]
            pagination: [cursor]
            max_page_size: 50
            finders:
              - by: [name]
              - by: [code]
              - by: [name, code]
            relations: [album]
            upsert_on: [name]
            soft_delete: deleted_at
            version_column: version
          sales.orders:
            operations: [get]
          album:
            relations: [genre, artist]
          invoice:
            operations: [create]
          invoice_line:
            operations: [create]
        transactions:
          create_invoice:
            root: invoice
            children: []
        """
    )
    assert diags == []
    assert spec is not None
    artist = spec.entities[0]
    assert artist.class_name == "Performer"
    assert spec.class_names == {_q("artist"): "Performer"}
    assert artist.operations == ("get", "list", "create", "update", "delete", "upsert")
    # Filter order follows the table, operators follow the canonical order.
    assert [(f.column, f.operators) for f in artist.filters] == [
        ("artist_id", ("lt", "between")),
        ("name", ("eq", "in", "ilike")),
        ("tags", ("contains",)),
    ]
    assert artist.default_sort == (SortKey("name", True),)
    assert artist.pagination == ("cursor",)
    assert artist.max_page_size == 50
    # code has only a partial unique index: not a unique look-up; name alone is unique.
    assert [(f.columns, f.unique) for f in artist.finders] == [
        (("name",), True),
        (("code",), False),
        (("name", "code"), True),
    ]
    assert artist.upsert_on == ("name",)
    assert artist.soft_delete == "deleted_at" and artist.version_column == "version"
    assert [p.kind for p in artist.relations[0].paths] == ["one_to_many"]
    album = spec.entities[2]
    assert [(r.target, [p.kind for p in r.paths]) for r in album.relations] == [
        (_q("genre"), ["many_to_many"]),
        (_q("artist"), ["many_to_one"]),
    ]
    assert spec.entities[1].qname == QName("sales", "orders")
    assert spec.entities[1].pagination == ("offset", "cursor")  # default with a PK
    assert spec.transactions[0].root == _q("invoice")


def test_defaults_without_pk() -> None:
    spec, diags = load("entities:\n  log:\n    operations: [list, count]\n")
    assert diags == [] and spec is not None
    assert spec.entities[0].pagination == ("offset",)
    assert spec.entities[0].max_page_size == 100


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "entities:\n  artists: {}\n",
            "crud.yaml:4:3: error[unknown-table]: unknown table 'artists' in entities "
            "(did you mean 'artist'?)",
        ),
        (
            "entities:\n  orders: {}\n",
            "crud.yaml:4:3: error[unknown-table]: unknown table 'orders' in entities "
            "(did you mean 'sales.orders'?)",
        ),
        (
            "entities:\n  artist:\n    filters:\n      nme: [eq]\n",
            "crud.yaml:6:7: error[unknown-column]: table 'artist' has no column 'nme' "
            "(in filters) (did you mean 'name'?)",
        ),
        (
            "entities:\n  artist:\n    filters:\n      name: [equals]\n",
            "crud.yaml:6:14: error[unknown-operator]: unknown operator 'equals' for column 'name'; "
            "expected one of: eq, ne, lt, lte, gt, gte, in, not_in, between, like, ilike, "
            "is_null, contains",
        ),
        (
            "entities:\n  artist:\n    filters:\n      artist_id: [ilike]\n",
            "crud.yaml:6:19: error[operator-not-applicable]: operator 'ilike' does not apply to "
            "column 'artist_id' of type integer",
        ),
        (
            "entities:\n  artist:\n    filters:\n      name: [contains]\n",
            "crud.yaml:6:14: error[operator-not-applicable]: operator 'contains' does not apply "
            "to column 'name' of type character varying(120)",
        ),
        (
            "entities:\n  artist:\n    filters:\n      meta: [lt]\n",
            "crud.yaml:6:14: error[operator-not-applicable]: operator 'lt' does not apply to "
            "column 'meta' of type jsonb",
        ),
        (
            "entities:\n  artist:\n    sort: [meta]\n",
            "crud.yaml:5:12: error[unsortable-column]: column 'meta' of table 'artist' (jsonb) "
            "cannot be sorted on",
        ),
        (
            "entities:\n  artist:\n    default_sort: [-nam]\n",
            "crud.yaml:5:20: error[unknown-column]: table 'artist' has no column 'nam' "
            "(in default_sort) (did you mean 'name'?)",
        ),
        (
            "entities:\n  artist:\n    search: [artist_id]\n",
            "crud.yaml:5:14: error[unsearchable-column]: search needs a text column; 'artist_id' "
            "of table 'artist' is integer",
        ),
        (
            "entities:\n  artist:\n    finders:\n      - {by: [name], exists: maybe}\n",
            "crud.yaml:6:30: error[invalid-value]: a finder's 'exists' must be true or false",
        ),
        (
            "entities:\n  artist:\n    finders:\n      - by: [nickname]\n",
            "crud.yaml:6:14: error[unknown-column]: table 'artist' has no column 'nickname' "
            "(in finders) (did you mean 'name'?)",
        ),
        (
            "entities:\n  artist:\n    operations: [upsert]\n    upsert_on: [created_at]\n",
            "crud.yaml:6:16: error[upsert-target-not-unique]: upsert_on [created_at] of table "
            "'artist' is not the primary key, a unique constraint or a unique index without "
            "predicate",
        ),
        (
            "entities:\n  artist:\n    operations: [upsert]\n    upsert_on: [code]\n",
            "crud.yaml:6:16: error[upsert-target-not-unique]: upsert_on [code] of table 'artist' "
            "is not the primary key, a unique constraint or a unique index without predicate",
        ),
        (
            "entities:\n  log:\n    pagination: [offset, cursor]\n",
            "crud.yaml:5:26: error[no-stable-order]: cursor pagination needs a primary key or "
            "a unique key of NOT NULL columns to order by, and table 'log' has neither",
        ),
        (
            "entities:\n  log:\n    operations: [list, get]\n",
            "crud.yaml:5:24: error[no-primary-key]: operation 'get' needs a primary key, and "
            "table 'log' has none",
        ),
        (
            "entities:\n  artist:\n    operations: [get, fetch]\n",
            "crud.yaml:5:23: error[unknown-operation]: unknown operation 'fetch' in entity "
            "'artist'; expected one of: get, list, stream, count, exists, create, update, delete, "
            "bulk_create, bulk_update, bulk_delete, upsert",
        ),
        (
            "entities:\n  artist:\n    relations: [genre]\n",
            "crud.yaml:5:17: error[unknown-relation]: table 'artist' has no relation 'genre' "
            "(no foreign key links them)",
        ),
        (
            "entities:\n  artist:\n    relations: [albumz]\n",
            "crud.yaml:5:17: error[unknown-relation]: table 'artist' has no relation 'albumz' "
            "(no such table, and no relationship attribute of that name) "
            "(did you mean 'album'?)",
        ),
        (
            "entities:\n  album:\n    relations: [album_genre]\n",
            "crud.yaml:5:17: error[unknown-relation]: table 'album' has no relation 'album_genre' "
            "(table 'album_genre' is a pure association table: it links 'album' and 'genre' "
            "many-to-many and has no relations of its own) (did you mean 'genre'?)",
        ),
        (
            "entities:\n  artist:\n    pagination: [keyset]\n",
            "crud.yaml:5:18: error[unknown-pagination]: unknown pagination 'keyset'; expected "
            "offset or cursor",
        ),
        (
            "entities:\n  artist:\n    soft_delete: name\n",
            "crud.yaml:5:18: error[invalid-soft-delete]: soft_delete column 'name' must be a "
            "timestamp, date or boolean; it is character varying(120)",
        ),
        (
            "entities:\n  artist:\n    soft_delete: created_at\n",
            "crud.yaml:5:18: error[invalid-soft-delete]: soft_delete column 'created_at' must be "
            "nullable (NULL marks a live row)",
        ),
        (
            "entities:\n  artist:\n    version_column: name\n",
            "crud.yaml:5:21: error[invalid-version-column]: version_column 'name' must be an "
            "integer column; it is character varying(120)",
        ),
        (
            "entities:\n  artist:\n    version_column: vers\n",
            "crud.yaml:5:21: error[unknown-column]: table 'artist' has no column 'vers' "
            "(in version_column) (did you mean 'version'?)",
        ),
        (
            "entities:\n  artist:\n    class_name: Album\n",
            "crud.yaml:4:3: error[class-name-collision]: class name 'Album' of table 'artist' is "
            "also the class name of table 'album'",
        ),
        (
            "entities:\n  artist:\n    class_name: not-a-name\n",
            "crud.yaml:5:17: error[invalid-class-name]: class name 'not-a-name' is not a Python "
            "identifier",
        ),
        (
            "entities:\n  artist:\n    opertions: [get]\n",
            "crud.yaml:5:5: error[unknown-key]: unknown key 'opertions' in entity 'artist' "
            "(did you mean 'operations'?)",
        ),
        (
            "entities:\n  artist: {}\n  public.artist: {}\n",
            "crud.yaml:5:3: error[duplicate-entity]: entity 'public.artist' names table 'artist' "
            "again (first as 'artist')",
        ),
        (
            "entities:\n  artist:\n    max_page_size: lots\n",
            "crud.yaml:5:20: error[invalid-value]: max_page_size must be an integer",
        ),
        (
            "entities:\n  artist:\n    max_page_size: 3000000000\n",
            "crud.yaml:5:20: error[invalid-value]: max_page_size must be at most 1,000,000 "
            "(read more rows with stream)",
        ),
        (
            "entities:\n  artist:\n    max_page_size: 0\n",
            "crud.yaml:5:20: error[invalid-value]: max_page_size must be at least 1",
        ),
        (
            "entities:\n  invoice: {}\n  invoice_line: {}\ntransactions:\n  t:\n"
            "    root: invoices\n    children: [invoice_line]\n",
            "crud.yaml:8:11: error[unknown-table]: unknown table 'invoices' in transaction 't' "
            "(did you mean 'invoice'?)",
        ),
        (
            "entities:\n  invoice: {}\ntransactions:\n  t:\n    root: invoice\n"
            "    children: [invoice_line]\n",
            "crud.yaml:8:16: error[not-an-entity]: transaction child 'invoice_line' is not "
            "listed under entities",
        ),
        (
            "entities:\n  invoice: {}\n  artist: {}\ntransactions:\n  t:\n    root: invoice\n"
            "    children: [artist]\n",
            "crud.yaml:9:16: error[no-foreign-key]: table 'artist' has no foreign key to "
            "transaction root 'invoice'",
        ),
        (
            "entities:\n  invoice: {}\n  invoice_line: {}\ntransactions:\n  t:\n"
            "    root: invoice\n    children: [invoice_line]\n",
            "crud.yaml:9:16: error[ambiguous-foreign-key]: table 'invoice_line' has 2 foreign "
            "keys to transaction root 'invoice' (il_invoice_fkey, il_credit_fkey)",
        ),
        (
            "entities:\n  invoice: {}\ntransactions:\n  invoice:\n    root: invoice\n",
            "crud.yaml:6:3: error[invalid-transaction-name]: transaction name 'invoice' clashes "
            "with a unit-of-work attribute",
        ),
    ],
)
def test_error(body: str, expected: str) -> None:
    assert errors(body) == [expected]


def test_missing_package_and_version() -> None:
    spec, diags = load_spec("specs/crud.yaml", "entities: {}\n", GRAPH)
    assert spec is None
    assert [str(d) for d in diags] == [
        "specs/crud.yaml:1:1: error[missing-key]: crud.yaml needs 'version: 1'",
        "specs/crud.yaml:1:1: error[missing-key]: crud.yaml needs 'package' "
        "(the generated Python package)",
    ]


def test_mixins_is_auto_or_none() -> None:
    for value, expected in (("auto", True), ("none", False)):
        spec, _ = load_spec("crud.yaml", f"version: 1\npackage: app\nmixins: {value}\n", GRAPH)
        assert spec is not None and spec.mixins is expected
    spec, diags = load_spec("crud.yaml", "version: 1\npackage: app\nmixins: yes\n", GRAPH)
    assert spec is None
    assert [str(d) for d in diags] == [
        "crud.yaml:3:9: error[invalid-value]: mixins must be 'auto' or 'none', not 'yes'"
    ]


def test_bad_version_and_package() -> None:
    spec, diags = load_spec("crud.yaml", "version: 2\npackage: my-app\n", GRAPH)
    assert spec is None
    assert [str(d) for d in diags] == [
        "crud.yaml:1:10: error[unsupported-version]: unsupported spec version 2; expected 1",
        "crud.yaml:2:10: error[invalid-package]: package 'my-app' is not a Python identifier",
    ]


def test_invalid_yaml_is_located() -> None:
    spec, diags = load_spec("crud.yaml", "version: 1\nentities: [\n", GRAPH)
    assert spec is None
    assert len(diags) == 1 and diags[0].code == "invalid-yaml"
    assert diags[0].span.line == 3


def test_duplicate_key() -> None:
    assert errors("entities:\n  artist:\n    sort: [name]\n    sort: [artist_id]\n") == [
        "crud.yaml:6:5: error[duplicate-key]: duplicate key 'sort' in entity 'artist'"
    ]


def test_several_errors_sorted_by_position() -> None:
    diags = errors(
        "entities:\n  artist:\n    filters:\n      nope: [eq]\n      name: [bogus]\n"
        "    relations: [track]\n"
    )
    assert [d.split(": error")[0] for d in diags] == [
        "crud.yaml:6:7",
        "crud.yaml:7:14",
        "crud.yaml:8:17",
    ]


def test_upsert_defaults_to_primary_key() -> None:
    spec, diags = load("entities:\n  artist:\n    operations: [upsert]\n")
    assert diags == [] and spec is not None
    assert spec.entities[0].upsert_on == ("artist_id",)


def test_upsert_without_target_or_pk() -> None:
    # log has no PK; upsert is not a PK operation, but it needs a conflict target.
    assert errors("entities:\n  log:\n    operations: [upsert]\n") == [
        "crud.yaml:4:3: error[missing-key]: upsert on table 'log' needs 'upsert_on' "
        "(the table has no primary key)"
    ]


def test_tables_without_primary_key_order_by_a_unique_not_null_key() -> None:
    # event_json: the narrowest usable key wins; the nullable unique (room), the jsonb one and
    # the partial index are skipped.
    spec, diags = load(
        "entities:\n  event_json:\n    operations: [list, count]\n"
        "    pagination: [offset, cursor]\n  log:\n    operations: [list]\n"
        "  artist:\n    operations: [list]\n"
    )
    assert diags == [] and spec is not None
    ej, log, artist = spec.entities
    assert ej.tie_break == ("event_id",) and ej.pagination == ("offset", "cursor")
    assert log.tie_break == () and log.pagination == ("offset",)  # the default narrows
    assert artist.tie_break == ("artist_id",)
    # room_log's only unique key has a nullable column: rows can tie, so no cursor.
    assert errors("entities:\n  room_log:\n    pagination: cursor\n") == [
        "crud.yaml:5:17: error[no-stable-order]: cursor pagination needs a primary key or a "
        "unique key of NOT NULL columns to order by, and table 'room_log' has neither"
    ]


def test_partition_is_not_an_entity() -> None:
    assert errors("entities:\n  measure_2024:\n    operations: [list]\n  measure: {}\n") == [
        "crud.yaml:4:3: error[partition-not-an-entity]: table 'measure_2024' is a partition of "
        "'measure'; list the partitioned table instead (its repository reaches every partition)"
    ]

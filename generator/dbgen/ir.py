"""The intermediate model: what the SQL schema says, independent of Python.

The DDL reader builds a Catalog; the planner turns Catalog + CRUD spec into view objects for the
templates. Everything here is frozen and made of tuples so it can be shared, hashed and compared.

Conventions:
- Names are stored as PostgreSQL folds them: unquoted identifiers lower-cased, quoted ones as
  written. ``schema`` is always explicit (``public`` when the source did not say).
- SQL fragments that PostgreSQL re-parses (defaults, check expressions, index elements and
  predicates, generated expressions, raw statements) are kept as the source wrote them, because
  sqlglot's re-rendering is not faithful (``now()`` -> ``CURRENT_TIMESTAMP``, ``::`` -> ``CAST``).
- ``position`` is the index of the source statement that created the object, counted over all
  input files in order. The migration replays objects in that order, which is known to apply
  because the source itself applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from dbgen.diagnostics import Span

_NO_SPAN = Span("<none>", 0, 0)


def quote_ident(name: str) -> str:
    """Quote an identifier the way PostgreSQL's quote_ident does."""
    if (
        name
        and ((name[0].isalpha() and name[0].isascii()) or name[0] == "_")
        and all((c.isascii() and (c.islower() or c.isdigit())) or c in "_$" for c in name)
        and name not in _RESERVED
    ):
        return name
    return '"' + name.replace('"', '""') + '"'


# Keywords that must be quoted as identifiers (PostgreSQL's reserved and type-func-name set).
_RESERVED = frozenset(
    [
        "all",
        "analyse",
        "analyze",
        "and",
        "any",
        "array",
        "as",
        "asc",
        "asymmetric",
        "authorization",
        "binary",
        "both",
        "case",
        "cast",
        "check",
        "collate",
        "collation",
        "column",
        "concurrently",
        "constraint",
        "create",
        "cross",
        "current_catalog",
        "current_date",
        "current_role",
        "current_schema",
        "current_time",
        "current_timestamp",
        "current_user",
        "default",
        "deferrable",
        "desc",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "false",
        "fetch",
        "for",
        "foreign",
        "freeze",
        "from",
        "full",
        "grant",
        "group",
        "having",
        "ilike",
        "in",
        "initially",
        "inner",
        "intersect",
        "into",
        "is",
        "isnull",
        "join",
        "lateral",
        "leading",
        "left",
        "like",
        "limit",
        "localtime",
        "localtimestamp",
        "natural",
        "not",
        "notnull",
        "null",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "outer",
        "overlaps",
        "placing",
        "primary",
        "references",
        "returning",
        "right",
        "select",
        "session_user",
        "similar",
        "some",
        "symmetric",
        "system_user",
        "table",
        "tablesample",
        "then",
        "to",
        "trailing",
        "true",
        "union",
        "unique",
        "user",
        "using",
        "variadic",
        "verbose",
        "when",
        "where",
        "window",
        "with",
    ]
)


@dataclass(frozen=True, slots=True, order=True)
class QName:
    """A schema-qualified object name."""

    schema: str
    name: str

    @property
    def sql(self) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(self.name)}"

    def __str__(self) -> str:
        return self.name if self.schema == "public" else f"{self.schema}.{self.name}"


class TypeKind(StrEnum):
    BUILTIN = (
        "builtin"  # a PostgreSQL built-in type (integer, text, jsonb, tsvector, int4range ...)
    )
    ENUM = "enum"  # a CREATE TYPE ... AS ENUM of the catalog; ``ref`` names it
    DOMAIN = "domain"  # a CREATE DOMAIN of the catalog; ``ref`` names it
    COMPOSITE = "composite"  # a CREATE TYPE ... AS (...) of the catalog; ``ref`` names it
    OTHER = (
        "other"  # anything else (extension types such as citext, unknown names): kept as written
    )


@dataclass(frozen=True, slots=True)
class SqlType:
    """A column type.

    ``sql`` is the text to put in DDL, canonical where the reader knows the type (the way
    PostgreSQL's format_type prints it: ``character varying(255)``, ``timestamp with time zone``,
    ``numeric(10,2)``, ``integer[]``), schema-qualified for catalog types (``public.mood``), and as
    written otherwise. ``base`` is the canonical name without modifiers or array brackets
    (``character varying``, ``integer``; the type name for catalog/other types).
    """

    sql: str
    base: str
    modifiers: tuple[int, ...] = ()
    array_dims: int = 0
    kind: TypeKind = TypeKind.BUILTIN
    ref: QName | None = None
    # A built-in type spelled ``pg_catalog.name`` in ``sql`` because, where it was written, the
    # search path puts a schema with a type of that name first: the DDL must keep the schema.
    qualified: bool = False
    # Attributes a dialect other than PostgreSQL writes into the type, as (name, value) pairs in
    # source order (MySQL: ("unsigned", ""), ("zerofill", ""), ("binary", ""), ("charset",
    # "utf8"), ("collate", "utf8_bin"), ("value", label) for each ENUM/SET label). Empty for
    # PostgreSQL.
    options: tuple[tuple[str, str], ...] = ()

    @property
    def element(self) -> SqlType:
        """The element type of an array type (self when not an array)."""
        if not self.array_dims:
            return self
        return SqlType(
            self.sql.removesuffix("[]" * self.array_dims),
            self.base,
            self.modifiers,
            0,
            self.kind,
            self.ref,
            self.qualified,
            self.options,
        )


@dataclass(frozen=True, slots=True)
class Identity:
    always: bool  # GENERATED ALWAYS (True) or BY DEFAULT (False)
    options: str = ""  # sequence options as written, without parentheses ("" when none)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: SqlType
    nullable: bool = True
    default: str | None = None  # SQL expression as written, e.g. "now()", "'x'::text"
    identity: Identity | None = None
    generated: str | None = None  # expression of GENERATED ALWAYS AS (expr) STORED, as written
    collation: str | None = None  # as written, e.g. '"C"'
    comment: str | None = None
    span: Span = _NO_SPAN
    compression: str | None = None  # COMPRESSION method, as written
    inherited: bool = False  # from an INHERITS parent, not declared by the table itself
    # Column attributes of another dialect, (name, value) pairs (MySQL: ("on update", expr),
    # ("storage", "VIRTUAL"/"STORED"), ("check", expr), ("invisible", ""), ...). Empty for
    # PostgreSQL.
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Deferral:
    deferrable: bool = False
    initially_deferred: bool = False


@dataclass(frozen=True, slots=True)
class PrimaryKey:
    name: str  # always set: the source's, or the one PostgreSQL would choose
    columns: tuple[str, ...]
    deferral: Deferral = Deferral()
    position: int = 0  # statement that created it (== table.position when inline)
    inline: bool = True  # declared inside CREATE TABLE
    span: Span = _NO_SPAN
    include: tuple[str, ...] = ()
    # the index parameters SQLAlchemy has no option for, as written:
    # "WITH (fillfactor=70) USING INDEX TABLESPACE x" (None when there are none)
    index_options: str | None = None
    # added by ALTER TABLE ONLY to a partitioned table: the parent's key alone, the partitions'
    # own added and attached by statements of their own (pg_dump), not made by recursion
    only: bool = False
    # MySQL's key prefixes, (column, length) for each column keyed on its first characters
    # (`PRIMARY KEY (pid(75))`), and its key options as Index.options (("using", "BTREE"))
    lengths: tuple[tuple[str, int], ...] = ()
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class UniqueConstraint:
    name: str
    columns: tuple[str, ...]
    nulls_not_distinct: bool = False
    include: tuple[str, ...] = ()
    deferral: Deferral = Deferral()
    position: int = 0
    inline: bool = True
    span: Span = _NO_SPAN
    index_options: str | None = None  # as PrimaryKey.index_options
    only: bool = False  # as PrimaryKey.only


@dataclass(frozen=True, slots=True)
class CheckConstraint:
    name: str
    expression: str  # as written, without the enclosing CHECK ( )
    not_valid: bool = False
    no_inherit: bool = False
    position: int = 0
    inline: bool = True
    span: Span = _NO_SPAN


@dataclass(frozen=True, slots=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_table: QName
    ref_columns: tuple[str, ...]  # never empty: the referenced PK is filled in when omitted
    on_delete: str | None = (
        None  # "CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT"; None = NO ACTION
    )
    on_update: str | None = None
    match_full: bool = False
    deferral: Deferral = Deferral()
    not_valid: bool = False
    position: int = 0
    inline: bool = True
    span: Span = _NO_SPAN


@dataclass(frozen=True, slots=True)
class IndexElement:
    expression: str  # as written: a column name (quoted if the source quoted it) or "(expr)"
    column: str | None = None  # set when the element is a plain column
    opclass: str | None = None
    descending: bool = False
    nulls: str | None = None  # "FIRST" / "LAST" when written
    collation: str | None = None
    length: int | None = None  # a prefix index's key length (MySQL ``name(10)``)


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    elements: tuple[IndexElement, ...]
    unique: bool = False
    method: str = "btree"
    where: str | None = None  # predicate as written
    include: tuple[str, ...] = ()
    nulls_not_distinct: bool = False
    with_options: str | None = None  # "fillfactor=70" as written, without parentheses
    comment: str | None = None
    position: int = 0
    span: Span = _NO_SPAN
    options: tuple[tuple[str, str], ...] = ()  # another dialect's index options, as written


@dataclass(frozen=True, slots=True)
class PartitionOf:
    parent: QName
    bound: str  # "FOR VALUES FROM ('2020-01-01') TO ('2020-02-01')" / "DEFAULT", as written


@dataclass(frozen=True, slots=True)
class Table:
    qname: QName
    columns: tuple[Column, ...]
    primary_key: PrimaryKey | None = None
    uniques: tuple[UniqueConstraint, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    indexes: tuple[Index, ...] = ()
    comment: str | None = None
    partition_by: str | None = None  # "RANGE (payment_date)" as written
    partition_of: PartitionOf | None = None
    inherits: tuple[QName, ...] = ()
    unlogged: bool = False
    with_options: str | None = None
    position: int = 0
    span: Span = _NO_SPAN
    # Table options of another dialect, (name, value) pairs in source order (MySQL: ("ENGINE",
    # "InnoDB"), ("DEFAULT CHARSET", "utf8mb4"), ("ROW_FORMAT", "DYNAMIC"), ...). Empty for
    # PostgreSQL.
    options: tuple[tuple[str, str], ...] = ()
    # "view" / "materialized view": a view crud.yaml names as an entity, read-only, its columns
    # typed from its query (plan/views.py). Never in the catalog the migration is planned from.
    view: str | None = None

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None


@dataclass(frozen=True, slots=True)
class EnumType:
    qname: QName
    labels: tuple[str, ...]  # final order, after every ALTER TYPE ... ADD VALUE
    comment: str | None = None
    position: int = 0
    span: Span = _NO_SPAN


@dataclass(frozen=True, slots=True)
class Domain:
    qname: QName
    base: SqlType
    definition: str  # everything after "AS", as written: "text NOT NULL CHECK (VALUE ~ '^x')"
    nullable: bool = True
    comment: str | None = None
    position: int = 0
    span: Span = _NO_SPAN
    has_default: bool = False  # DEFAULT given: a column of the domain is filled when omitted


@dataclass(frozen=True, slots=True)
class CompositeType:
    qname: QName
    attributes: tuple[tuple[str, SqlType], ...]
    definition: str  # the parenthesised attribute list as written
    comment: str | None = None
    position: int = 0
    span: Span = _NO_SPAN


@dataclass(frozen=True, slots=True)
class Sequence:
    qname: QName
    data_type: str | None = (
        None  # "integer" / "bigint" / "smallint" when AS was given (serial sets it)
    )
    options: str = ""  # START/INCREMENT/MINVALUE/... as written, "" when none
    owned_by: tuple[QName, str] | None = None  # (table, column)
    owned_position: int = 0  # statement that set OWNED BY (== position for serial columns)
    comment: str | None = None
    position: int = 0
    span: Span = _NO_SPAN
    unlogged: bool = False  # CREATE UNLOGGED SEQUENCE; a serial column's of an UNLOGGED table


@dataclass(frozen=True, slots=True)
class Extension:
    name: str
    schema: str | None = None
    sql: str = ""  # the statement as written
    position: int = 0
    span: Span = _NO_SPAN


@dataclass(frozen=True, slots=True)
class SchemaDef:
    name: str
    comment: str | None = None
    position: int = 0
    span: Span = _NO_SPAN


@dataclass(frozen=True, slots=True)
class RawStatement:
    """A statement the models do not express, carried into the migration as written."""

    kind: str  # "view", "materialized view", "function", "trigger", "comment", "grant", ...
    sql: str  # the statement as written, without the trailing semicolon
    drop: str | None = None  # statement that undoes it in the downgrade; None when dropping
    #                          what it belongs to (its table, say) undoes it already
    name: str | None = None  # the object it creates or touches, for messages
    position: int = 0
    span: Span = _NO_SPAN
    # What dropping takes it with it (the reader's DROP ... and DROP SCHEMA ... CASCADE): the
    # schema of the object it creates, and the relation it hangs off (ALTER TABLE, triggers).
    schema: str | None = None
    table: QName | None = None
    # Run just before and after ``sql`` (ddl/from_current.py): its SET ... FROM CURRENT clauses
    # store the values the source had in force, which the migration session has not.
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Catalog:
    """Everything the SQL files define, each kind in source order."""

    schemas: tuple[SchemaDef, ...] = ()
    extensions: tuple[Extension, ...] = ()
    enums: tuple[EnumType, ...] = ()
    domains: tuple[Domain, ...] = ()
    composites: tuple[CompositeType, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    tables: tuple[Table, ...] = ()
    raw: tuple[RawStatement, ...] = ()
    files: tuple[str, ...] = field(default=())  # the input files, as given (relative paths)
    # table() by dict: the planners ask once per table or relation, and a linear scan made a
    # 500-table build quadratic. Derived from ``tables`` (init=False: not data, not compared,
    # not in `dbgen inspect`); the first table of a name wins, as the scan's did.
    _tables: dict[QName, Table] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._tables.update((t.qname, t) for t in reversed(self.tables))

    def table(self, qname: QName) -> Table | None:
        return self._tables.get(qname)

    def enum(self, qname: QName) -> EnumType | None:
        for e in self.enums:
            if e.qname == qname:
                return e
        return None

    def domain(self, qname: QName) -> Domain | None:
        for d in self.domains:
            if d.qname == qname:
                return d
        return None

"""How SQLite's models spell constraints and indexes, so the metadata is what SQLAlchemy reads
back from the migrated file (what `alembic check` compares):

- a constraint the source left unnamed has no name in SQLite, nor has an inline UNIQUE or
  REFERENCES for anything that reads names back (only the CREATE TABLE text has it), so the
  models give it none, and the naming convention names no unique or foreign-key constraint
  (it would otherwise make one up: a name the database does not report);
- a partial index's WHERE is ``sqlite_where`` (``metadata.create_all()`` makes the partial
  index; reflection reads the predicate back);
- a rowid table's key column that SQLite lets hold NULL (not declared NOT NULL, not the
  rowid's alias) is ``nullable=True``, as SQLite reports it;
- a descending plain column of an index is that column (``sa.desc``): SQLAlchemy reflects it
  as the column, with its sort order;
- a column of BLOB affinity (no declared type, or one like ``BLOBBY``) is RawType as written;
  SQLAlchemy reflects it as NullType, or, when a foreign key names it, as the referenced
  column's type (Zotero's untyped ``valueID REFERENCES itemDataValues``), so env.py compares
  no type for such a column (Alembic raised IndexError on the empty RawType).
"""

from __future__ import annotations

from dbgen.ir import Column, Index, Table
from dbgen.plan.constraints import ColumnKey
from dbgen.plan.models import ModelDialect
from dbgen.plan.pyexpr import sql_text
from dbgen.sqlite.parse import NULLABLE_KEY, UNNAMED


def nameless(t: Table) -> frozenset[str]:
    return frozenset(name for key, name in t.options if key == UNNAMED)


def nullable_key(c: Column) -> bool:
    return any(key == NULLABLE_KEY for key, _ in c.options)


def index_kwargs(ix: Index, key: ColumnKey) -> dict[str, str | None]:
    return {
        "unique": "True" if ix.unique else None,
        "sqlite_where": sql_text(ix.where) if ix.where else None,
    }


SQLITE_MODELS = ModelDialect(
    index_kwargs=index_kwargs,
    column_elements=True,
    nameless=nameless,
    nullable_key=nullable_key,
    raw_unreflected=True,
    # The primary key and indexes: named as the reader names them (indexes always have their
    # own). Unique and foreign-key constraints: no convention (see above).
    naming=(
        ("pk", "%(table_name)s_pkey"),
        ("ix", "%(table_name)s_%(column_0_N_name)s_idx"),
    ),
    naming_note=(
        "SQLite keeps no name for a constraint its CREATE TABLE leaves unnamed, so unique and",
        "foreign-key constraints get none here either. Index names are always the schema's.",
    ),
)

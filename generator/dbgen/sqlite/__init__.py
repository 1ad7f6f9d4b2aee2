"""The SQLite DDL reader: ``.schema`` output and hand-written DDL -> ir.Catalog plus diagnostics.

- lex.py: SQLite's tokens (its four identifier quotings, blobs, parameters) with offsets, cut
  into statements at top-level semicolons (a trigger's BEGIN ... END body stays whole);
- parse.py: CREATE TABLE's columns and constraints, CREATE INDEX;
- reader.py: every statement modelled, carried verbatim or reported.

IR conventions for SQLite (ir.py's are PostgreSQL's): names keep the spelling the schema gave
them (SQLite compares them case-insensitively: references are resolved that way), the schema is
``public`` for SQLite's ``main``; a column's ``SqlType.sql`` is its declared type as written
(``NVARCHAR(160)``, ``BLOB SUB_TYPE TEXT``, "" for none) and ``base`` the portable type the
generator plans with (``character varying``, ``integer``, ``numeric`` ...: types.py). Every
statement the migration replays is a ``RawStatement`` (tables and indexes too, kinds
``sqlite table`` and ``sqlite index``): SQLite keeps a table's definition as its CREATE text,
so the initial revision runs that text (dialects/sqlite.py).
"""

from __future__ import annotations

from dbgen.sqlite.reader import read_schema

__all__ = ["read_schema"]

"""What the migration creates that the models leave out by design, for the Alembic environment's
``include_object``: so ``alembic check`` compares what the models express and only that.

- partitions (reached through their parent, which the models map);
- tables and indexes the reader carried verbatim (CREATE TABLE ... AS / OF, CREATE INDEX ... ON
  ONLY or with a TABLESPACE, SQLite's virtual tables): the catalog does not know their columns
  or cannot spell them, and the shadow tables SQLite makes for a virtual table.
"""

from __future__ import annotations

from dbgen.ir import Catalog
from dbgen.sqlite.shadow import shadow_tables


def unmodelled_objects(catalog: Catalog) -> list[tuple[str, str, str]]:
    """Sorted (alembic object type, schema, name) triples."""
    out = {("table", t.qname.schema, t.qname.name) for t in catalog.tables if t.partition_of}
    for r in catalog.raw:
        if r.kind in ("table as", "virtual table") and r.schema is not None and r.name is not None:
            name = r.name.rsplit(".", 1)[-1]
            out.add(("table", r.schema, name))
            if r.kind == "virtual table":
                out.update(("table", r.schema, s) for s in shadow_tables(name, r.sql))
        elif r.kind == "index" and r.table is not None and r.name is not None:
            out.add(("index", r.table.schema, r.name.rsplit(".", 1)[-1]))
    return sorted(out)

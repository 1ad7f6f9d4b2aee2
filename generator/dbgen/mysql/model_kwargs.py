"""The MySQL keyword arguments of the models: table options as ``mysql_*`` entries of
``__table_args__``, and FULLTEXT/SPATIAL, prefix lengths, USING and WITH PARSER on ``sa.Index``,
so that ``metadata.create_all()`` of the models builds what the migration builds."""

from __future__ import annotations

from dbgen.ir import Index, PrimaryKey, Table
from dbgen.mysql.tables import UNNAMED
from dbgen.plan.constraints import ColumnKey
from dbgen.plan.pyexpr import pystr


def table_kwargs(t: Table) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in t.options:
        if key == UNNAMED:
            continue
        name = "engine" if key == "TYPE" else key.lower().replace(" ", "_")
        out.append((f"mysql_{name}", pystr(value)))
    if t.partition_by:
        out.append(("mysql_partition_by", pystr(t.partition_by)))
    return out


def index_kwargs(ix: Index, key: ColumnKey) -> dict[str, str | None]:
    opts = dict(ix.options)
    lengths = {key(e.column): e.length for e in ix.elements if e.column and e.length}
    prefix = {"fulltext": "FULLTEXT", "spatial": "SPATIAL"}.get(ix.method)
    return {
        "unique": "True" if ix.unique else None,
        "mysql_prefix": pystr(prefix) if prefix else None,
        "mysql_length": (
            "{" + ", ".join(f"{pystr(c)}: {n}" for c, n in lengths.items()) + "}"
            if lengths
            else None
        ),
        "mysql_using": pystr(opts["using"].lower()) if "using" in opts else None,
        "mysql_with_parser": pystr(opts["with parser"]) if "with parser" in opts else None,
    }


def primary_key_kwargs(pk: PrimaryKey) -> dict[str, str | None]:
    """USING, lower-cased (SQLAlchemy quotes a capitalised one). A key's prefix lengths are not
    here: PrimaryKeyConstraint takes none (SQLAlchemy's MySQL dialect accepts only
    mysql_using); the models' key is the whole column, the migration's keeps the prefix."""
    using = dict(pk.options).get("using")
    return {"mysql_using": pystr(using.lower()) if using else None}

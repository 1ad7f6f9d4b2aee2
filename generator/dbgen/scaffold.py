"""`dbgen scaffold`: a starter crud.yaml for a schema, which `dbgen build` accepts as is.

What the starter contains, per table (partitions are left out: they are reached through their
parent):
- operations: everything that fits. Tables with a primary key get get/list/count/exists,
  create/delete and their bulk forms, and update/bulk_update/upsert when some column lies outside
  the key (a table that is all key has nothing to update). Tables without a primary key are
  read-only, ``[list, count]``: every other operation addresses a row by its key, and such a table
  has no way to name one row.
- filters: the key columns, single-column foreign keys and the leading column of every index or
  unique constraint (the columns a query can use an index for), each with the operators its type
  supports (see ``_operators``).
- sort: those filter columns that have an ordering.
- finders: one per unique constraint or plain unique index other than the primary key
  (``get_by_<cols>``).
- relations: every related table the schema graph gives a relationship (dbgen.graph), by its
  name; where several foreign keys lead to the same table, each relationship by its attribute.

The YAML is written by hand (not yaml.dump) so it reads like the documented examples: flow lists,
keys in the documented order, names quoted only where YAML needs it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from dbgen.graph import SchemaGraph, naming
from dbgen.graph.relationships import load_names, plan_relationships
from dbgen.ir import Catalog, Column, Table, quote_ident
from dbgen.spec.model import Operation
from dbgen.spec.types import TIMESTAMP_BASES, is_equatable, is_orderable, is_text, resolve

# Every operation but stream (a starter spec lists what most tables want).
_ALL_OPERATIONS = tuple(o for o in Operation if o is not Operation.STREAM)
_UPDATING = frozenset({Operation.UPDATE, Operation.BULK_UPDATE, Operation.UPSERT})
# A creation timestamp, by the names frameworks give it: the newest rows come first.
_CREATED = frozenset({"created_at", "created", "created_on", "inserted_at", "creation_time"})
# The column a framework stamps on every change.
_UPDATED = frozenset({"updated_at", "updated", "updated_on", "modified_at", "last_modified"})
_UPDATE_TRIGGER = re.compile(r"\bUPDATE\b", re.IGNORECASE)
_READ_ONLY = (Operation.LIST, Operation.COUNT)
# Indexed for full-text or geometric search, not for comparing whole values.
_NOT_FILTERED = frozenset(
    {"tsvector", "tsquery", "point", "box", "polygon", "circle", "line", "lseg", "path"}
)

# Plain scalars YAML 1.1 (PyYAML) would read as something other than a string.
_YAML_SPECIAL = frozenset(
    ["y", "yes", "n", "no", "on", "off", "true", "false", "null", "~", ".nan", ".inf", "-.inf"]
)
_PLAIN = re.compile(r"-?[A-Za-z_][A-Za-z0-9_.]*\Z")  # "-name": a descending sort key


def default_package(schema_paths: Sequence[Path]) -> str:
    """``<directory of the first schema file>_db``, as a Python identifier."""
    directory = schema_paths[0].resolve().parent.name
    return naming.identifier(naming.snake(directory) + "_db")


def yaml_scalar(text: str) -> str:
    if _PLAIN.match(text) and text.lower() not in _YAML_SPECIAL:
        return text
    return json.dumps(
        text, ensure_ascii=False
    )  # a JSON string is a valid YAML double-quoted scalar


def _flow(items: Iterable[str]) -> str:
    return "[" + ", ".join(yaml_scalar(i) for i in items) + "]"


def _operators(column: Column, catalog: Catalog, reference: bool = False) -> list[str]:
    """Filter operators that make sense for the column's type (not merely those that apply).

    A foreign-key column (``reference``) is matched, not ranged: its values are someone's keys.
    """
    t = resolve(column.type, catalog)
    ops: list[str] = []
    if t.base in _NOT_FILTERED:
        return ops
    if reference and is_equatable(t) and not t.array_dims:
        ops += ["eq", "in"]
    elif t.array_dims or t.base == "jsonb":
        ops.append("contains")
    elif is_text(t):
        ops += ["eq", "in", "like", "ilike"]
    elif t.base == "boolean":
        ops.append("eq")
    elif is_orderable(t) and t.base not in ("uuid", "bytea") and t.kind.value != "enum":
        ops += ["eq", "in", "lt", "lte", "gt", "gte", "between"]
    elif is_equatable(t):
        ops += ["eq", "in"]
    if column.nullable and ops:
        ops.append("is_null")
    return ops


def _filter_columns(t: Table) -> list[str]:
    wanted: set[str] = set()
    if t.primary_key is not None:
        wanted |= set(t.primary_key.columns)
    wanted |= {fk.columns[0] for fk in t.foreign_keys if len(fk.columns) == 1}
    wanted |= {u.columns[0] for u in t.uniques if u.columns}
    wanted |= {ix.elements[0].column for ix in t.indexes if ix.elements and ix.elements[0].column}
    return [c.name for c in t.columns if c.name in wanted]  # table order: stable, readable


def _unique_finders(t: Table) -> list[tuple[str, ...]]:
    pk = tuple(t.primary_key.columns) if t.primary_key else None
    keys = [u.columns for u in t.uniques]
    keys += [
        tuple(e.column for e in ix.elements if e.column is not None)
        for ix in t.indexes
        if ix.unique and ix.where is None and all(e.column is not None for e in ix.elements)
    ]
    out: list[tuple[str, ...]] = []
    for k in keys:
        if k and k != pk and set(k) != set(pk or ()) and k not in out:
            out.append(k)
    return out


def _operations(t: Table) -> tuple[str, ...]:
    if t.primary_key is None:
        return _READ_ONLY
    all_key = {c.name for c in t.columns} <= set(t.primary_key.columns)
    return tuple(o for o in _ALL_OPERATIONS if not (all_key and o in _UPDATING))


def _search_columns(t: Table, catalog: Catalog) -> list[str]:
    """Text columns outside the keys: what a person types into a search box matches them."""
    keys = {c for fk in t.foreign_keys for c in fk.columns}
    keys |= set(t.primary_key.columns) if t.primary_key else set()
    return [
        c.name
        for c in t.columns
        if c.name not in keys
        and is_text(resolved := resolve(c.type, catalog))
        and not resolved.array_dims
        and resolved.kind.value != "enum"
    ]


def _default_sort(t: Table, catalog: Catalog) -> list[str]:
    """Newest first by a creation timestamp; else the single-column key ascending."""
    for c in t.columns:
        if c.name in _CREATED and resolve(c.type, catalog).base in TIMESTAMP_BASES:
            return [f"-{c.name}"]
    if t.primary_key is not None and len(t.primary_key.columns) == 1:
        (key,) = t.primary_key.columns
        column = t.column(key)
        # A key build cannot sort on (SQLite's `k PRIMARY KEY` with no declared type) gets no
        # default_sort: the crud.yaml scaffold writes must build.
        if column is not None and is_orderable(resolve(column.type, catalog)):
            return [key]
    return []


def touch_columns(t: Table, catalog: Catalog) -> list[str]:
    """An ``updated_at``-like timestamp column, unless a trigger on UPDATE already sets it (or
    may: a trigger's body is not read)."""
    key = set(t.primary_key.columns) if t.primary_key else set()
    triggered = any(
        raw.kind == "trigger"
        and raw.drop is not None
        and raw.drop.endswith(f" ON {t.qname.sql}")
        and _UPDATE_TRIGGER.search(raw.sql)
        for raw in catalog.raw
    )
    if triggered:
        return []
    return [
        c.name
        for c in t.columns
        if c.name in _UPDATED
        and c.name not in key
        and c.generated is None
        and resolve(c.type, catalog).base in TIMESTAMP_BASES
    ]


def _index_hint(t: Table, column: str, ops: Sequence[str]) -> str:
    """The index a filter on ``column`` would use (containment needs GIN)."""
    using = " USING gin" if ops == ["contains"] else ""
    return f"CREATE INDEX ON {t.qname.sql}{using} ({quote_ident(column)})"


def entity_yaml(t: Table, catalog: Catalog, related: Sequence[str]) -> list[str]:
    lines = [f"  {yaml_scalar(str(t.qname))}:"]
    if t.primary_key is None:
        lines.append("    # no primary key: read-only (rows cannot be addressed one by one)")
    operations = _operations(t)
    lines.append(f"    operations: {_flow(operations)}")
    columns = {c.name: c for c in t.columns}
    pk = set(t.primary_key.columns) if t.primary_key else set()
    references = {c for fk in t.foreign_keys for c in fk.columns} - pk
    indexed = _filter_columns(t)
    filters = [(name, _operators(columns[name], catalog, name in references)) for name in indexed]
    filters = [(name, ops) for name, ops in filters if ops]
    # The other columns could be filtered too, but a filter without an index reads the whole
    # table: offered as comments, with the index that would make them cheap.
    unindexed = [
        (c.name, ops)
        for c in t.columns
        if c.name not in indexed and (ops := _operators(c, catalog, c.name in references))
    ]
    if filters or unindexed:
        lines.append("    filters:" if filters else "    # filters:")
        lines += [f"      {yaml_scalar(name)}: {_flow(ops)}" for name, ops in filters]
        lines += [
            f"      # {yaml_scalar(name)}: {_flow(ops)}  # needs {_index_hint(t, name, ops)}"
            for name, ops in unindexed
        ]
    sort = [name for name, _ in filters if is_orderable(resolve(columns[name].type, catalog))]
    if sort:
        lines.append(f"    sort: {_flow(sort)}")
    default_sort = _default_sort(t, catalog)
    if default_sort:
        lines.append(f"    default_sort: {_flow(default_sort)}")
    search = _search_columns(t, catalog)
    if search:
        lines.append(f"    search: {_flow(search)}")
    touch = [c for c in touch_columns(t, catalog) if Operation.UPDATE in operations]
    if touch:
        lines.append(f"    touch: {_flow(touch)}  # set to now() on every update")
    finders = _unique_finders(t)
    if finders:
        lines.append("    finders:")
        for cols in finders:
            lines.append(f"      - by: {_flow(cols)}")
            if "exists" in operations:
                lines.append("        exists: true")
    if related:
        lines.append(f"    relations: {_flow(related)}")
    return lines


def scaffold(graph: SchemaGraph, package: str, sources: Sequence[str]) -> str:
    """The starter crud.yaml text for the graph's catalog."""
    catalog = graph.catalog
    head = [
        f"# Starter CRUD spec written by `dbgen scaffold` from {', '.join(sources)}.",
        "# Trim it to what the application needs: every operation listed here is generated.",
        "version: 1",
        f"package: {yaml_scalar(package)}",
    ]
    tables = [t for t in catalog.tables if t.partition_of is None]
    if not tables:
        return "\n".join([*head, "entities: {}"]) + "\n"
    body = ["entities:"]
    planned = plan_relationships(graph, graph.class_names())
    for t in tables:
        related = load_names(planned.get(t.qname, ()), graph.related(t.qname))
        body += entity_yaml(t, catalog, related)
    return "\n".join([*head, *body]) + "\n"

"""Binding one entity of crud.yaml: operations, filters, sorting, search, pagination, finders
and the write options, each checked against the table it names."""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence

import yaml

from dbgen.graph import bindings
from dbgen.ir import Table
from dbgen.spec import types as ty
from dbgen.spec.keys import covers_unique, order_key, unique_keys
from dbgen.spec.model import (
    DEFAULT_MAX_PAGE_SIZE,
    MAX_PAGE_SIZE_LIMIT,
    OPERATIONS,
    OPERATORS,
    PAGINATIONS,
    PK_OPERATIONS,
    BoundEntity,
    BoundFilter,
    BoundFinder,
    BoundRelation,
    SortKey,
)
from dbgen.spec.nodes import BOOL_TAG, NodeReader, hint, is_null, null

_ENTITY_KEYS = (
    "class_name",
    "operations",
    "filters",
    "sort",
    "default_sort",
    "search",
    "pagination",
    "max_page_size",
    "finders",
    "relations",
    "upsert_on",
    "soft_delete",
    "version_column",
    "touch",
    "feature",
    "key",
)
_WRITE_KEYS = ("upsert_on", "soft_delete", "version_column", "touch")
# What a view entity may do: it is read, never written.
READ_OPERATIONS = frozenset({"get", "list", "stream", "count", "exists"})
_FINDER_KEYS = ("by", "exists")
# A feature is a package directory: lowercase, so that no two differ only in case (which a
# case-insensitive file system would merge), and not private (``_*`` are the runtime's).
_FEATURE_NAME = re.compile(r"[a-z][a-z0-9_]*")


class EntityBinder(NodeReader):
    """One entity: ``entity()`` binds its options; each option has its own method."""

    def entity(self, knode: yaml.ScalarNode, vnode: yaml.Node) -> BoundEntity | None:
        key = str(knode.value)
        table = self.table_by_name(key, knode, "entities")
        pairs = self.mapping(vnode, f"entity '{key}'", _ENTITY_KEYS)
        if table is None or pairs is None:
            return None
        if table.partition_of is not None:
            self.err(
                knode,
                "partition-not-an-entity",
                f"table '{table.qname}' is a partition of '{table.partition_of.parent}'; list "
                "the partitioned table instead (its repository reaches every partition)",
            )
            return None
        opts = {k.value: v for k, v in pairs}
        pk = table.primary_key.columns if table.primary_key else ()
        where = f"entity '{key}'"

        if "key" in opts:
            self.view_key(table, opts["key"])
        if table.view is not None:
            for what in _WRITE_KEYS:
                if what in opts:
                    self.err(
                        opts[what],
                        "read-only-view",
                        f"{what} is for writes, and '{table.qname}' is a {table.view}",
                    )

        class_name = self.class_name(opts["class_name"]) if "class_name" in opts else None
        feature = self.feature(opts["feature"]) if "feature" in opts else None
        ops = self.operations(table, opts.get("operations", null()), where)
        filters = self.filters(table, opts.get("filters"), where)
        sort, default_sort = self.sorting(table, opts)
        search = self.search(table, opts.get("search", null()))
        tie_break = order_key(table, self.catalog)
        pagination = self.pagination(table, opts.get("pagination"), tie_break)
        max_page_size = self.max_page_size(opts.get("max_page_size"))

        finders = self.finders(table, opts.get("finders"), where)
        # Bound once every entity's class name is known (relationship names follow from them).
        if "relations" in opts:
            self.relation_nodes[table.qname] = opts["relations"]
        relations: tuple[BoundRelation, ...] = ()
        if table.view is not None:  # reported above: a view is never written
            opts = {k: v for k, v in opts.items() if k not in _WRITE_KEYS}
        upsert_on = self.upsert_on(table, opts, "upsert" in ops, knode)

        soft_delete = self.soft_delete(table, opts.get("soft_delete"))
        version_column = self.version_column(table, opts.get("version_column"), pk)
        return BoundEntity(
            key=key,
            table=table,
            class_name=class_name,
            operations=tuple(o for o in OPERATIONS if o in ops),
            filters=filters,
            sort=tuple(sort),
            default_sort=tuple(default_sort),
            search=tuple(search),
            pagination=tuple(p for p in PAGINATIONS if p in pagination),
            max_page_size=max_page_size,
            finders=finders,
            relations=relations,
            upsert_on=upsert_on,
            soft_delete=soft_delete,
            version_column=version_column,
            touch=self.touch(table, opts.get("touch", null()), pk, soft_delete, version_column),
            feature=feature,
            tie_break=tie_break,
            span=self.span(knode),
        )

    def class_name(self, node: yaml.Node) -> str | None:
        name = self.scalar(node, "class_name")
        if name is None:
            return None
        problem = bindings.class_name_problem(name)
        if problem is not None:
            self.err(node, "invalid-class-name", problem)
            return None
        return name

    def operations(self, table: Table, node: yaml.Node, where: str) -> set[str]:
        pk = table.primary_key.columns if table.primary_key else ()
        ops: set[str] = set()
        for name, item in self.names(node, "operations"):
            if name not in OPERATIONS:
                self.err(
                    item,
                    "unknown-operation",
                    f"unknown operation '{name}' in {where}{hint(name, OPERATIONS)}; "
                    f"expected one of: {', '.join(OPERATIONS)}",
                )
            elif table.view is not None and name not in READ_OPERATIONS:
                self.err(
                    item,
                    "read-only-view",
                    f"operation '{name}' writes, and '{table.qname}' is a {table.view} "
                    f"(read-only: {', '.join(o for o in OPERATIONS if o in READ_OPERATIONS)})",
                )
            elif name in PK_OPERATIONS and not pk and table.view is not None:
                self.err(
                    item,
                    "no-primary-key",
                    f"operation '{name}' needs a key, and {table.view} '{table.qname}' has none: "
                    "declare it with key: [columns]"
                    + (" or a unique index on NOT NULL columns" if table.view != "view" else ""),
                )
            elif name in PK_OPERATIONS and not pk:
                self.err(
                    item,
                    "no-primary-key",
                    f"operation '{name}' needs a primary key, and table '{table.qname}' has none",
                )
            else:
                ops.add(name)
        return ops

    def sorting(self, table: Table, opts: dict[str, yaml.Node]) -> tuple[list[str], list[SortKey]]:
        """``sort`` (the columns a caller may order by) and ``default_sort`` (``-`` descending)."""
        sort: list[str] = []
        for name, node in self.names(opts.get("sort", null()), "sort"):
            if self.sortable(table, name, node, "sort") and name not in sort:
                sort.append(name)

        default_sort: list[SortKey] = []
        for name, node in self.names(opts.get("default_sort", null()), "default_sort"):
            desc = name.startswith("-")
            cname = name[1:] if desc else name
            if self.sortable(table, cname, node, "default_sort"):
                default_sort.append(SortKey(cname, desc))
        return sort, default_sort

    def search(self, table: Table, node: yaml.Node) -> list[str]:
        search: list[str] = []
        for name, item in self.names(node, "search"):
            col = self.column(table, name, item, "search")
            if col is None:
                continue
            if not ty.is_text(ty.resolve(col.type, self.catalog)):
                self.err(
                    item,
                    "unsearchable-column",
                    f"search needs a text column; '{name}' of table '{table.qname}' "
                    f"is {col.type.sql}",
                )
            elif name not in search:
                search.append(name)
        return search

    def pagination(
        self, table: Table, node: yaml.Node | None, tie_break: Sequence[str]
    ) -> set[str]:
        pagination: set[str] = set()
        if node is not None:
            for name, item in self.names(node, "pagination"):
                if name not in PAGINATIONS:
                    self.err(
                        item,
                        "unknown-pagination",
                        f"unknown pagination '{name}'; expected offset or cursor",
                    )
                elif name == "cursor" and not tie_break:
                    self.err(
                        item,
                        "no-stable-order",
                        f"cursor pagination needs a primary key or a unique key of NOT NULL "
                        f"columns to order by, and table '{table.qname}' has neither",
                    )
                else:
                    pagination.add(name)
        else:
            # Both kinds unless the spec narrows it; cursors need a total order (a key).
            pagination = {"offset", "cursor"} if tie_break else {"offset"}
        return pagination

    def max_page_size(self, node: yaml.Node | None) -> int:
        max_page_size = DEFAULT_MAX_PAGE_SIZE
        if node is not None:
            m = self.integer(node, "max_page_size")
            if m is not None and m < 1:
                self.err(node, "invalid-value", "max_page_size must be at least 1")
            elif m is not None and m > MAX_PAGE_SIZE_LIMIT:
                self.err(
                    node,
                    "invalid-value",
                    f"max_page_size must be at most {MAX_PAGE_SIZE_LIMIT:,} "
                    "(read more rows with stream)",
                )
            elif m is not None:
                max_page_size = m
        return max_page_size

    def soft_delete(self, table: Table, node: yaml.Node | None) -> str | None:
        soft_delete: str | None = None
        if node is not None and not is_null(node):
            name_ = self.scalar(node, "soft_delete")
            col = self.column(table, name_, node, "soft_delete") if name_ else None
            if col is not None:
                kind = ty.soft_delete_kind(ty.resolve(col.type, self.catalog))
                if kind is None:
                    self.err(
                        node,
                        "invalid-soft-delete",
                        f"soft_delete column '{col.name}' must be a timestamp, date or boolean; "
                        f"it is {col.type.sql}",
                    )
                elif kind == "timestamp" and not col.nullable:
                    self.err(
                        node,
                        "invalid-soft-delete",
                        f"soft_delete column '{col.name}' must be nullable (NULL marks a live row)",
                    )
                else:
                    soft_delete = col.name
        return soft_delete

    def version_column(self, table: Table, node: yaml.Node | None, pk: Sequence[str]) -> str | None:
        version_column: str | None = None
        if node is not None and not is_null(node):
            vnode = node
            name_ = self.scalar(vnode, "version_column")
            col = self.column(table, name_, vnode, "version_column") if name_ else None
            if col is not None:
                if not ty.is_integer(ty.resolve(col.type, self.catalog)):
                    self.err(
                        vnode,
                        "invalid-version-column",
                        f"version_column '{col.name}' must be an integer column; "
                        f"it is {col.type.sql}",
                    )
                elif col.name in pk:
                    self.err(
                        vnode,
                        "invalid-version-column",
                        f"version_column '{col.name}' is part of the primary key",
                    )
                else:
                    version_column = col.name
        return version_column

    def view_key(self, table: Table, node: yaml.Node) -> None:
        """``key:`` names the columns that identify a view's rows (plan/views.py made them the
        view table's key when they all exist)."""
        if table.view is None:
            self.err(
                node,
                "invalid-value",
                f"key is for views; the key of table '{table.qname}' is its primary key",
            )
            return
        names = self.names(node, "key")
        if not names:
            self.err(node, "invalid-value", "key must list at least one column")
        for name, item in names:
            self.column(table, name, item, "key")

    def sortable(self, table: Table, name: str, node: yaml.Node, role: str) -> bool:
        col = self.column(table, name, node, role)
        if col is None:
            return False
        if not ty.is_orderable(ty.resolve(col.type, self.catalog)):
            self.err(
                node,
                "unsortable-column",
                f"column '{name}' of table '{table.qname}' ({col.type.sql}) cannot be sorted on",
            )
            return False
        return True

    def filters(self, table: Table, node: yaml.Node | None, where: str) -> tuple[BoundFilter, ...]:
        if node is None:
            return ()
        found: dict[str, BoundFilter] = {}
        for knode, vnode in self.mapping(node, f"filters of {where}", None) or []:
            col = self.column(table, str(knode.value), knode, "filters")
            ops: set[str] = set()
            for op, onode in self.names(vnode, f"operators of filter '{knode.value}'"):
                if op not in OPERATORS:
                    self.err(
                        onode,
                        "unknown-operator",
                        f"unknown operator '{op}' for column '{knode.value}'"
                        f"{hint(op, OPERATORS)}; expected one of: {', '.join(OPERATORS)}",
                    )
                elif col is not None and not ty.supports(op, ty.resolve(col.type, self.catalog)):
                    self.err(
                        onode,
                        "operator-not-applicable",
                        f"operator '{op}' does not apply to column '{col.name}' of type "
                        f"{col.type.sql}",
                    )
                else:
                    ops.add(op)
            if col is not None:
                found[col.name] = BoundFilter(
                    col.name, tuple(o for o in OPERATORS if o in ops), self.span(knode)
                )
        # Table column order: the Filter schema's field order does not depend on YAML order.
        return tuple(found[c.name] for c in table.columns if c.name in found)

    def feature(self, node: yaml.Node) -> str | None:
        """The feature package of the feature layout (``layout = "feature"`` in dbgen.toml)
        the entity's models, schemas and repository go to; the layer layout ignores it."""
        name = self.scalar(node, "feature")
        if name is None:
            return None
        why = None
        if not _FEATURE_NAME.fullmatch(name) or keyword.iskeyword(name):
            why = "must be a lowercase Python identifier (a package name: letters, digits, _)"
        elif name in bindings.PACKAGE_MODULES:
            why = (
                "is a module of the generated package itself (reserved: "
                f"{', '.join(sorted(bindings.PACKAGE_MODULES))})"
            )
        if why is not None:
            self.err(node, "invalid-feature", f"feature '{name}' {why}")
            return None
        return name

    def touch(
        self,
        table: Table,
        node: yaml.Node,
        pk: Sequence[str],
        soft_delete: str | None,
        version_column: str | None,
    ) -> tuple[str, ...]:
        out: list[str] = []
        for name, cnode in self.names(node, "touch"):
            col = self.column(table, name, cnode, "touch")
            if col is None:
                continue
            why = None
            if ty.resolve(col.type, self.catalog).base not in ty.TIMESTAMP_BASES:
                why = f"must be a timestamp or date column; it is {col.type.sql}"
            elif col.name in pk or col.name in (soft_delete, version_column):
                why = "is part of the primary key, the soft_delete or the version column"
            elif col.generated is not None:
                why = "is a generated column"
            if why is not None:
                self.err(cnode, "invalid-touch", f"touch column '{col.name}' {why}")
            elif col.name in out:
                self.err(cnode, "duplicate-key", f"touch column '{col.name}' is listed twice")
            else:
                out.append(col.name)
        return tuple(out)

    def finders(self, table: Table, node: yaml.Node | None, where: str) -> tuple[BoundFinder, ...]:
        if node is None or is_null(node):
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.err(node, "invalid-value", f"finders of {where} must be a list of {{by: [...]}}")
            return ()
        out: list[BoundFinder] = []
        seen: set[tuple[str, ...]] = set()
        for item in node.value:
            pairs = self.mapping(item, "a finder", _FINDER_KEYS)
            if pairs is None:
                continue
            opts = {k.value: v for k, v in pairs}
            if "by" not in opts:
                self.err(item, "missing-key", "a finder needs 'by: [columns]'")
                continue
            cols: list[str] = []
            ok = True
            for name, cnode in self.names(opts["by"], "by"):
                if self.column(table, name, cnode, "finders") is None:
                    ok = False
                elif name not in cols:
                    cols.append(name)
            if not ok or not cols:
                if ok:
                    self.err(item, "invalid-value", "a finder needs at least one column")
                continue
            if tuple(cols) in seen:
                self.err(item, "duplicate-key", f"finder by {', '.join(cols)} is listed twice")
                continue
            seen.add(tuple(cols))
            exists = False
            if "exists" in opts:
                enode = opts["exists"]
                if isinstance(enode, yaml.ScalarNode) and enode.tag == BOOL_TAG:
                    exists = str(enode.value).lower() in ("true", "yes", "on", "y")
                else:
                    self.err(enode, "invalid-value", "a finder's 'exists' must be true or false")
                    continue
            unique = covers_unique(table, cols)
            out.append(BoundFinder(tuple(cols), unique, self.span(item), exists))
        return tuple(out)

    def upsert_on(
        self, table: Table, opts: dict[str, yaml.Node], wanted: bool, knode: yaml.Node
    ) -> tuple[str, ...]:
        pk = table.primary_key.columns if table.primary_key else ()
        if "upsert_on" not in opts:
            if wanted and not pk:
                self.err(
                    knode,
                    "missing-key",
                    f"upsert on table '{table.qname}' needs 'upsert_on' (the table has no "
                    "primary key)",
                )
            return pk if wanted else ()
        node = opts["upsert_on"]
        cols: list[str] = []
        ok = True
        for name, cnode in self.names(node, "upsert_on"):
            if self.column(table, name, cnode, "upsert_on") is None:
                ok = False
            elif name not in cols:
                cols.append(name)
        if not ok:
            return ()
        if not cols or frozenset(cols) not in unique_keys(table, for_conflict=True):
            self.err(
                node,
                "upsert-target-not-unique",
                f"upsert_on [{', '.join(cols)}] of table '{table.qname}' is not the primary key, "
                "a unique constraint or a unique index without predicate",
            )
            return ()
        return tuple(cols) if wanted else ()

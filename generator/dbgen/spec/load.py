"""Read crud.yaml and bind it to the schema's Catalog.

``load_spec(path_display, text, graph) -> (BoundSpec | None, diagnostics)`` is pure: it never
touches the file system. ``graph`` is the schema graph of the catalog (dbgen.graph), which says
what is mapped, which relations exist and what the classes are called. The YAML is composed (not loaded) so every node keeps its line and
column; each problem becomes a Diagnostic at ``path_display:LINE:COL``. The BoundSpec is None
exactly when some diagnostic is an error.

Diagnostic codes: invalid-yaml, invalid-spec, invalid-value, duplicate-key, unknown-key,
missing-key, unsupported-version, invalid-package, invalid-class-name, class-name-collision,
duplicate-entity, unknown-table, unknown-column, unknown-operation, unknown-operator,
operator-not-applicable, unsortable-column, unsearchable-column, unknown-pagination,
no-stable-order, no-primary-key, partition-not-an-entity, unknown-relation, upsert-target-not-unique,
invalid-soft-delete, invalid-version-column, not-an-entity, no-foreign-key,
ambiguous-foreign-key, invalid-transaction-name, invalid-touch, invalid-feature.
"""

from __future__ import annotations

import difflib
import keyword
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

import yaml

from dbgen.diagnostics import Diagnostic, Span, error, sort_key
from dbgen.graph import SchemaGraph, bindings, naming
from dbgen.graph.relationships import RelationshipPlan, link_of, plan_relationships
from dbgen.ir import Catalog, Column, QName, Table
from dbgen.spec import types as ty
from dbgen.spec.model import (
    DEFAULT_MAX_PAGE_SIZE,
    MAX_PAGE_SIZE_LIMIT,
    OPERATIONS,
    OPERATORS,
    PAGINATIONS,
    PK_OPERATIONS,
    BoundChild,
    BoundEntity,
    BoundFilter,
    BoundFinder,
    BoundRelation,
    BoundSpec,
    BoundTransaction,
    SortKey,
)

_TOP_KEYS = ("version", "package", "mixins", "entities", "transactions")
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
_TRANSACTION_KEYS = ("root", "children")

_NULL_TAG = "tag:yaml.org,2002:null"
_INT_TAG = "tag:yaml.org,2002:int"
_BOOL_TAG = "tag:yaml.org,2002:bool"


def _hint(name: str, candidates: Iterable[str]) -> str:
    found = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{found[0]}'?)" if found else ""


def parse_table_name(text: str) -> QName:
    """``album`` -> public.album; ``sales.orders`` -> sales.orders."""
    schema, dot, name = text.partition(".")
    return QName(schema, name) if dot else QName("public", text)


class _Binder:
    def __init__(self, file: str, graph: SchemaGraph) -> None:
        self.file = file
        self.graph = graph
        self.catalog = graph.catalog
        self.diags: list[Diagnostic] = []
        self.relation_nodes: dict[QName, yaml.Node] = {}

    # -- YAML helpers -------------------------------------------------------------------------

    def span(self, node: yaml.Node) -> Span:
        return Span(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def err(self, node: yaml.Node, code: str, message: str) -> None:
        self.diags.append(error(self.span(node), code, message))

    def mapping(
        self, node: yaml.Node, what: str, allowed: Sequence[str] | None
    ) -> list[tuple[yaml.ScalarNode, yaml.Node]] | None:
        """The (key, value) pairs of a mapping node; reports duplicates and unknown keys."""
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG:
            return []
        if not isinstance(node, yaml.MappingNode):
            self.err(node, "invalid-value", f"{what} must be a mapping")
            return None
        out: list[tuple[yaml.ScalarNode, yaml.Node]] = []
        seen: set[str] = set()
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                self.err(k, "invalid-value", f"keys of {what} must be plain names")
                continue
            if k.value in seen:
                self.err(k, "duplicate-key", f"duplicate key '{k.value}' in {what}")
                continue
            seen.add(k.value)
            if allowed is not None and k.value not in allowed:
                self.err(
                    k,
                    "unknown-key",
                    f"unknown key '{k.value}' in {what}{_hint(k.value, allowed)}",
                )
                continue
            out.append((k, v))
        return out

    def scalar(self, node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL_TAG or node.value == "":
            self.err(node, "invalid-value", f"{what} must be a name")
            return None
        return str(node.value)

    def names(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
        """A list of names; a single name is accepted as a one-item list."""
        if isinstance(node, yaml.ScalarNode) and node.tag != _NULL_TAG:
            return [(str(node.value), node)]
        if isinstance(node, yaml.ScalarNode):
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.err(node, "invalid-value", f"{what} must be a list of names")
            return []
        out: list[tuple[str, yaml.Node]] = []
        for item in node.value:
            name = self.scalar(item, f"each item of {what}")
            if name is not None:
                out.append((name, item))
        return out

    def integer(self, node: yaml.Node, what: str) -> int | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == _INT_TAG:
            try:
                return int(str(node.value).replace("_", ""), 0)
            except ValueError:
                pass
        self.err(node, "invalid-value", f"{what} must be an integer")
        return None

    # -- schema look-ups ----------------------------------------------------------------------

    def table_by_name(self, name: str, node: yaml.Node, role: str) -> Table | None:
        qname = parse_table_name(name)
        table = self.catalog.table(qname)
        if table is None:
            known = [str(t.qname) for t in self.catalog.tables]
            self.err(node, "unknown-table", f"unknown table '{name}' in {role}{_hint(name, known)}")
        return table

    def column(self, table: Table, name: str, node: yaml.Node, role: str) -> Column | None:
        col = table.column(name)
        if col is None:
            self.err(
                node,
                "unknown-column",
                f"table '{table.qname}' has no column '{name}' (in {role})"
                f"{_hint(name, [c.name for c in table.columns])}",
            )
        return col

    # -- top level ----------------------------------------------------------------------------

    def bind(self, text: str) -> BoundSpec | None:
        try:
            root = yaml.compose(text, Loader=_YAML_LOADER)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
            problem = exc.problem or exc.context or "invalid YAML"
            self.diags.append(error(Span(self.file, line, col), "invalid-yaml", problem))
            return None
        except yaml.YAMLError as exc:  # not located (e.g. a reader error on bad bytes)
            self.diags.append(error(Span(self.file, 1, 1), "invalid-yaml", str(exc)))
            return None
        if root is None or not isinstance(root, yaml.MappingNode):
            self.diags.append(
                error(
                    self.span(root) if root is not None else Span(self.file, 1, 1),
                    "invalid-spec",
                    "crud.yaml must be a mapping with version, package and entities",
                )
            )
            return None
        pairs = self.mapping(root, "crud.yaml", _TOP_KEYS) or []
        by_key = {k.value: (k, v) for k, v in pairs}

        version = 0
        if "version" not in by_key:
            self.err(root, "missing-key", "crud.yaml needs 'version: 1'")
        else:
            vnode = by_key["version"][1]
            v = self.integer(vnode, "version")
            if v is not None and v != 1:
                self.err(vnode, "unsupported-version", f"unsupported spec version {v}; expected 1")
            version = v or 0

        package = ""
        if "package" not in by_key:
            self.err(
                root, "missing-key", "crud.yaml needs 'package' (the generated Python package)"
            )
        else:
            pnode = by_key["package"][1]
            p = self.scalar(pnode, "package")
            if p is not None:
                problem = bindings.package_name_problem(p)
                if problem is not None:
                    self.err(pnode, "invalid-package", problem)
                package = p

        mixins = False
        if "mixins" in by_key:
            mnode = by_key["mixins"][1]
            m = self.scalar(mnode, "mixins")
            if m in ("auto", "none"):
                mixins = m == "auto"
            elif m is not None:
                self.err(mnode, "invalid-value", f"mixins must be 'auto' or 'none', not {m!r}")

        entities: list[BoundEntity] = []
        if "entities" in by_key:
            for knode, vnode in self.mapping(by_key["entities"][1], "entities", None) or []:
                ent = self.entity(knode, vnode)
                if ent is not None:
                    entities.append(ent)
        entities = self.unique_entities(entities)
        self.check_class_names(entities)
        entities = self.bind_relations(entities)

        transactions: list[BoundTransaction] = []
        if "transactions" in by_key:
            for knode, vnode in self.mapping(by_key["transactions"][1], "transactions", None) or []:
                tx = self.transaction(knode, vnode, entities)
                if tx is not None:
                    transactions.append(tx)

        if any(d.is_error for d in self.diags):
            return None
        return BoundSpec(version, package, tuple(entities), tuple(transactions), mixins)

    # -- entities -----------------------------------------------------------------------------

    def unique_entities(self, entities: list[BoundEntity]) -> list[BoundEntity]:
        seen: dict[QName, BoundEntity] = {}
        out: list[BoundEntity] = []
        for e in entities:
            if e.qname in seen:
                self.diags.append(
                    error(
                        e.span,
                        "duplicate-entity",
                        f"entity '{e.key}' names table '{e.qname}' again "
                        f"(first as '{seen[e.qname].key}')",
                    )
                )
                continue
            seen[e.qname] = e
            out.append(e)
        return out

    def check_class_names(self, entities: list[BoundEntity]) -> None:
        explicit = {e.qname: e for e in entities if e.class_name is not None}
        effective = {
            t.qname: (explicit[t.qname].class_name if t.qname in explicit else None)
            or naming.class_name(t.qname)
            for t in self.catalog.tables
        }
        for q, ent in explicit.items():
            for other, name in effective.items():
                if other != q and name == ent.class_name:
                    self.diags.append(
                        error(
                            ent.span,
                            "class-name-collision",
                            f"class name '{name}' of table '{q}' is also the class name of "
                            f"table '{other}'",
                        )
                    )
                    break

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

        class_name: str | None = None
        if "class_name" in opts:
            cn = self.scalar(opts["class_name"], "class_name")
            if cn is not None:
                problem = bindings.class_name_problem(cn)
                if problem is not None:
                    self.err(opts["class_name"], "invalid-class-name", problem)
                else:
                    class_name = cn

        feature = self.feature(opts["feature"]) if "feature" in opts else None

        ops: set[str] = set()
        for name, node in self.names(opts.get("operations", _null()), "operations"):
            if name not in OPERATIONS:
                self.err(
                    node,
                    "unknown-operation",
                    f"unknown operation '{name}' in {where}{_hint(name, OPERATIONS)}; "
                    f"expected one of: {', '.join(OPERATIONS)}",
                )
            elif table.view is not None and name not in READ_OPERATIONS:
                self.err(
                    node,
                    "read-only-view",
                    f"operation '{name}' writes, and '{table.qname}' is a {table.view} "
                    f"(read-only: {', '.join(o for o in OPERATIONS if o in READ_OPERATIONS)})",
                )
            elif name in PK_OPERATIONS and not pk and table.view is not None:
                self.err(
                    node,
                    "no-primary-key",
                    f"operation '{name}' needs a key, and {table.view} '{table.qname}' has none: "
                    "declare it with key: [columns]"
                    + (" or a unique index on NOT NULL columns" if table.view != "view" else ""),
                )
            elif name in PK_OPERATIONS and not pk:
                self.err(
                    node,
                    "no-primary-key",
                    f"operation '{name}' needs a primary key, and table '{table.qname}' has none",
                )
            else:
                ops.add(name)

        filters = self.filters(table, opts.get("filters"), where)

        sort: list[str] = []
        for name, node in self.names(opts.get("sort", _null()), "sort"):
            if self.sortable(table, name, node, "sort") and name not in sort:
                sort.append(name)

        default_sort: list[SortKey] = []
        for name, node in self.names(opts.get("default_sort", _null()), "default_sort"):
            desc = name.startswith("-")
            cname = name[1:] if desc else name
            if self.sortable(table, cname, node, "default_sort"):
                default_sort.append(SortKey(cname, desc))

        search: list[str] = []
        for name, node in self.names(opts.get("search", _null()), "search"):
            col = self.column(table, name, node, "search")
            if col is None:
                continue
            if not ty.is_text(ty.resolve(col.type, self.catalog)):
                self.err(
                    node,
                    "unsearchable-column",
                    f"search needs a text column; '{name}' of table '{table.qname}' "
                    f"is {col.type.sql}",
                )
            elif name not in search:
                search.append(name)

        tie_break = order_key(table, self.catalog)
        pagination: set[str] = set()
        if "pagination" in opts:
            for name, node in self.names(opts["pagination"], "pagination"):
                if name not in PAGINATIONS:
                    self.err(
                        node,
                        "unknown-pagination",
                        f"unknown pagination '{name}'; expected offset or cursor",
                    )
                elif name == "cursor" and not tie_break:
                    self.err(
                        node,
                        "no-stable-order",
                        f"cursor pagination needs a primary key or a unique key of NOT NULL "
                        f"columns to order by, and table '{table.qname}' has neither",
                    )
                else:
                    pagination.add(name)
        else:
            # Both kinds unless the spec narrows it; cursors need a total order (a key).
            pagination = {"offset", "cursor"} if tie_break else {"offset"}

        max_page_size = DEFAULT_MAX_PAGE_SIZE
        if "max_page_size" in opts:
            m = self.integer(opts["max_page_size"], "max_page_size")
            if m is not None and m < 1:
                self.err(opts["max_page_size"], "invalid-value", "max_page_size must be at least 1")
            elif m is not None and m > MAX_PAGE_SIZE_LIMIT:
                self.err(
                    opts["max_page_size"],
                    "invalid-value",
                    f"max_page_size must be at most {MAX_PAGE_SIZE_LIMIT:,} "
                    "(read more rows with stream)",
                )
            elif m is not None:
                max_page_size = m

        finders = self.finders(table, opts.get("finders"), where)
        # Bound once every entity's class name is known (relationship names follow from them).
        if "relations" in opts:
            self.relation_nodes[table.qname] = opts["relations"]
        relations: tuple[BoundRelation, ...] = ()
        if table.view is not None:  # reported above: a view is never written
            opts = {k: v for k, v in opts.items() if k not in _WRITE_KEYS}
        upsert_on = self.upsert_on(table, opts, "upsert" in ops, knode)

        soft_delete: str | None = None
        if "soft_delete" in opts and not _is_null(opts["soft_delete"]):
            name_ = self.scalar(opts["soft_delete"], "soft_delete")
            col = self.column(table, name_, opts["soft_delete"], "soft_delete") if name_ else None
            if col is not None:
                kind = ty.soft_delete_kind(ty.resolve(col.type, self.catalog))
                if kind is None:
                    self.err(
                        opts["soft_delete"],
                        "invalid-soft-delete",
                        f"soft_delete column '{col.name}' must be a timestamp, date or boolean; "
                        f"it is {col.type.sql}",
                    )
                elif kind == "timestamp" and not col.nullable:
                    self.err(
                        opts["soft_delete"],
                        "invalid-soft-delete",
                        f"soft_delete column '{col.name}' must be nullable (NULL marks a live row)",
                    )
                else:
                    soft_delete = col.name

        version_column: str | None = None
        if "version_column" in opts and not _is_null(opts["version_column"]):
            vnode = opts["version_column"]
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
            touch=self.touch(table, opts.get("touch", _null()), pk, soft_delete, version_column),
            feature=feature,
            tie_break=tie_break,
            span=self.span(knode),
        )

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
                        f"{_hint(op, OPERATORS)}; expected one of: {', '.join(OPERATORS)}",
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
        if node is None or _is_null(node):
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
                if isinstance(enode, yaml.ScalarNode) and enode.tag == _BOOL_TAG:
                    exists = str(enode.value).lower() in ("true", "yes", "on", "y")
                else:
                    self.err(enode, "invalid-value", "a finder's 'exists' must be true or false")
                    continue
            unique = _covers_unique(table, cols)
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
        if not cols or frozenset(cols) not in _unique_keys(table, for_conflict=True):
            self.err(
                node,
                "upsert-target-not-unique",
                f"upsert_on [{', '.join(cols)}] of table '{table.qname}' is not the primary key, "
                "a unique constraint or a unique index without predicate",
            )
            return ()
        return tuple(cols) if wanted else ()

    def bind_relations(self, entities: list[BoundEntity]) -> list[BoundEntity]:
        if not self.relation_nodes:
            return entities
        overrides = {e.qname: e.class_name for e in entities if e.class_name is not None}
        planned = plan_relationships(self.graph, self.graph.class_names(overrides))
        return [
            replace(
                e,
                relations=self.relations(
                    e.table, self.relation_nodes[e.qname], planned.get(e.qname, ())
                ),
            )
            if e.qname in self.relation_nodes
            else e
            for e in entities
        ]

    def relations(
        self, table: Table, node: yaml.Node, planned: Sequence[RelationshipPlan]
    ) -> tuple[BoundRelation, ...]:
        """Each entry names a related table (every relationship towards it, when there is one)
        or a relationship attribute of the entity's class (``assignee``)."""
        out: list[BoundRelation] = []
        for name, rnode in self.names(node, "relations"):
            target = parse_table_name(name)
            towards = [p for p in planned if p.target == target]
            named = [p for p in planned if p.attr == name]
            # One link (a foreign key, or an association table) is one meaning of the table's
            # name, both ends of a self-reference included; several links make it ambiguous.
            links = {link_of(p) for p in towards}
            if len(links) == 1 or (towards and not named):
                attrs = tuple(p.attr for p in towards)
            elif named:
                target, attrs = named[0].target, (name,)
            else:
                attrs = ()
            if len(links) > 1 and not named:
                listed = ", ".join(p.attr for p in towards)
                self.err(
                    rnode,
                    "ambiguous-relation",
                    f"table '{table.qname}' is related to '{target}' by {len(links)} foreign "
                    f"keys, as {listed}; name the relationship to load by its attribute, e.g. "
                    f"relations: [{towards[0].attr}]",
                )
                continue
            if any(r.attrs == attrs and attrs for r in out) or any(r.name == name for r in out):
                self.err(rnode, "duplicate-key", f"relation '{name}' is listed twice")
                continue
            paths = self.graph.relations_between(table.qname, target)
            if not paths or not attrs:
                reachable = sorted(
                    {*(str(q) for q in self.graph.related(table.qname)), *(p.attr for p in planned)}
                )
                related = self.catalog.table(target)
                why = (
                    "no such table, and no relationship attribute of that name"
                    if related is None
                    else self.no_relation_reason(table, related)
                )
                self.err(
                    rnode,
                    "unknown-relation",
                    f"table '{table.qname}' has no relation '{name}' ({why})"
                    f"{_hint(name, reachable)}",
                )
                continue
            out.append(BoundRelation(name, target, paths, self.span(rnode), attrs))
        return tuple(out)

    def no_relation_reason(self, table: Table, related: Table | None) -> str:
        if related is None:
            return "no such table"
        linked = any(fk.ref_table == related.qname for fk in table.foreign_keys) or any(
            fk.ref_table == table.qname for fk in related.foreign_keys
        )
        if not linked:
            return "no foreign key links them"
        for t in (table, related):
            if not self.graph.is_mapped(t.qname):
                return f"table '{t.qname}' has no primary key, so no mapped class to load"
        for t in (table, related):
            if t.qname in self.graph.associations:
                ends = " and ".join(f"'{fk.ref_table}'" for fk in t.foreign_keys)
                return (
                    f"table '{t.qname}' is a pure association table: it links {ends} "
                    "many-to-many and has no relations of its own"
                )
        # What is left: a key of a table to itself that pairs each column with itself.
        return (
            "its foreign key to itself pairs each column with itself: every row references itself"
        )

    # -- transactions -------------------------------------------------------------------------

    def transaction(
        self, knode: yaml.ScalarNode, vnode: yaml.Node, entities: list[BoundEntity]
    ) -> BoundTransaction | None:
        name = str(knode.value)
        ent_keys = {self.graph.uow_keys[e.qname] for e in entities}
        ok = True
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            self.err(
                knode,
                "invalid-transaction-name",
                f"transaction name '{name}' is not a Python identifier",
            )
            ok = False
        elif name in ent_keys or name in bindings.TRANSACTION_NAMES_RESERVED:
            self.err(
                knode,
                "invalid-transaction-name",
                f"transaction name '{name}' clashes with a unit-of-work attribute",
            )
            ok = False
        pairs = self.mapping(vnode, f"transaction '{name}'", _TRANSACTION_KEYS)
        if pairs is None:
            return None
        opts = {k.value: v for k, v in pairs}
        entity_tables = {e.qname for e in entities}
        if "root" not in opts:
            self.err(knode, "missing-key", f"transaction '{name}' needs 'root'")
            return None
        root_name = self.scalar(opts["root"], "root")
        if root_name is None:
            return None
        root = self.table_by_name(root_name, opts["root"], f"transaction '{name}'")
        if root is None:
            return None
        if root.qname not in entity_tables:
            self.err(
                opts["root"],
                "not-an-entity",
                f"transaction root '{root_name}' is not listed under entities",
            )
            ok = False
        elif root.view is not None:
            self.err(
                opts["root"],
                "read-only-view",
                f"transaction root '{root_name}' is a {root.view}, which is read-only",
            )
            ok = False
        children: list[BoundChild] = []
        for cname, cnode in self.names(opts.get("children", _null()), "children"):
            child = self.table_by_name(cname, cnode, f"transaction '{name}'")
            if child is None:
                ok = False
                continue
            if child.qname not in entity_tables:
                self.err(
                    cnode,
                    "not-an-entity",
                    f"transaction child '{cname}' is not listed under entities",
                )
                ok = False
                continue
            if child.view is not None:
                self.err(
                    cnode,
                    "read-only-view",
                    f"transaction child '{cname}' is a {child.view}, which is read-only",
                )
                ok = False
                continue
            if any(c.table == child.qname for c in children):
                self.err(cnode, "duplicate-key", f"transaction child '{cname}' is listed twice")
                ok = False
                continue
            fks = [fk for fk in child.foreign_keys if fk.ref_table == root.qname]
            if not fks:
                self.err(
                    cnode,
                    "no-foreign-key",
                    f"table '{cname}' has no foreign key to transaction root '{root_name}'",
                )
                ok = False
            elif len(fks) > 1:
                self.err(
                    cnode,
                    "ambiguous-foreign-key",
                    f"table '{cname}' has {len(fks)} foreign keys to transaction root "
                    f"'{root_name}' ({', '.join(fk.name for fk in fks)})",
                )
                ok = False
            else:
                children.append(BoundChild(child.qname, fks[0], self.span(cnode)))
        if not ok:
            return None
        return BoundTransaction(name, root.qname, tuple(children), self.span(knode))


def _null() -> yaml.ScalarNode:
    return yaml.ScalarNode(_NULL_TAG, "")


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG


def _unique_keys(table: Table, *, for_conflict: bool = False) -> set[frozenset[str]]:
    """Column sets that identify at most one row: the PK, unique constraints, unique indexes.

    ``for_conflict`` keeps only what ON CONFLICT (cols) can infer: partial and expression
    indexes need more than a column list.
    """
    keys: set[frozenset[str]] = set()
    if table.primary_key is not None:
        keys.add(frozenset(table.primary_key.columns))
    for u in table.uniques:
        keys.add(frozenset(u.columns))
    for ix in table.indexes:
        if not ix.unique or ix.where is not None:
            continue
        cols = [e.column for e in ix.elements]
        if all(c is not None for c in cols):
            keys.add(frozenset(c for c in cols if c is not None))
    return keys


def order_key(table: Table, catalog: Catalog) -> tuple[str, ...]:
    """Columns that give every row its own place in an order: the primary key, else the
    narrowest unique key (constraint, or unique index on plain columns without predicate) whose
    columns are all NOT NULL and orderable. Empty when there is none: then equal rows can exist,
    and a cursor could not say where a page ends."""
    if table.primary_key is not None:
        return table.primary_key.columns
    candidates: list[tuple[str, ...]] = [u.columns for u in table.uniques]
    for ix in table.indexes:
        cols = tuple(e.column for e in ix.elements)
        if ix.unique and ix.where is None and all(c is not None for c in cols):
            candidates.append(tuple(c for c in cols if c is not None))
    usable: list[tuple[str, ...]] = []
    for cols in candidates:
        columns = [table.column(c) for c in cols]
        if cols and all(
            c is not None and not c.nullable and ty.is_orderable(ty.resolve(c.type, catalog))
            for c in columns
        ):
            usable.append(cols)
    # Fewest columns first (cheapest to compare); ties keep declaration order (sort is stable).
    return min(usable, key=len) if usable else ()


def _covers_unique(table: Table, cols: Sequence[str]) -> bool:
    wanted = frozenset(cols)
    return any(k <= wanted for k in _unique_keys(table))


# libyaml's loader when installed: same nodes and marks, several times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_spec(
    path_display: str, text: str, graph: SchemaGraph
) -> tuple[BoundSpec | None, tuple[Diagnostic, ...]]:
    """Parse crud.yaml text and bind it to the graph's catalog; see the module docstring."""
    binder = _Binder(path_display, graph)
    spec = binder.bind(text)
    return spec, tuple(sorted(binder.diags, key=sort_key))

"""Read crud.yaml and bind it to the schema's Catalog.

``load_spec(path_display, text, graph) -> (BoundSpec | None, diagnostics)`` is pure: it never
touches the file system. ``graph`` is the schema graph of the catalog (dbgen.graph), which says
what is mapped, which relations exist and what the classes are called. Each problem becomes a
Diagnostic at ``path_display:LINE:COL`` (spec/nodes.py). The BoundSpec is None exactly when some
diagnostic is an error. One binder reads the file: nodes.py's YAML helpers, entity.py per entity,
relations.py and transactions.py for what refers to other entities.

Diagnostic codes: invalid-yaml, invalid-spec, invalid-value, duplicate-key, unknown-key,
missing-key, unsupported-version, invalid-package, invalid-class-name, class-name-collision,
duplicate-entity, unknown-table, unknown-column, unknown-operation, unknown-operator,
operator-not-applicable, unsortable-column, unsearchable-column, unknown-pagination,
no-stable-order, no-primary-key, partition-not-an-entity, unknown-relation, upsert-target-not-unique,
invalid-soft-delete, invalid-version-column, not-an-entity, no-foreign-key,
ambiguous-foreign-key, invalid-transaction-name, invalid-touch, invalid-feature.
"""

from __future__ import annotations

import yaml

from dbgen.diagnostics import Diagnostic, Span, error, sort_key
from dbgen.graph import SchemaGraph, bindings, naming
from dbgen.ir import QName
from dbgen.spec.entity import EntityBinder
from dbgen.spec.model import BoundEntity, BoundSpec, BoundTransaction
from dbgen.spec.nodes import parse_table_name
from dbgen.spec.relations import RelationBinder
from dbgen.spec.transactions import TransactionBinder
from dbgen.spec.yaml_loader import YAML_LOADER

__all__ = ["load_spec", "parse_table_name"]

_TOP_KEYS = ("version", "package", "mixins", "entities", "transactions")


class _Binder(EntityBinder, RelationBinder, TransactionBinder):
    """The whole file: the top-level keys, then each entity, relation and transaction."""

    def bind(self, text: str) -> BoundSpec | None:
        try:
            root = yaml.compose(text, Loader=YAML_LOADER)
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


def load_spec(
    path_display: str, text: str, graph: SchemaGraph
) -> tuple[BoundSpec | None, tuple[Diagnostic, ...]]:
    """Parse crud.yaml text and bind it to the graph's catalog; see the module docstring."""
    binder = _Binder(path_display, graph)
    spec = binder.bind(text)
    return spec, tuple(sorted(binder.diags, key=sort_key))

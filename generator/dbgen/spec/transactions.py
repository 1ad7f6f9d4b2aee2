"""Binding crud.yaml's ``transactions:``: a root entity and the children that reference it."""

from __future__ import annotations

import keyword

import yaml

from dbgen.graph import bindings
from dbgen.spec.model import BoundChild, BoundEntity, BoundTransaction
from dbgen.spec.nodes import NodeReader, null

_TRANSACTION_KEYS = ("root", "children")


class TransactionBinder(NodeReader):
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
        for cname, cnode in self.names(opts.get("children", null()), "children"):
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

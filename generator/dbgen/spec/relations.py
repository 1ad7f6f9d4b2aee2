"""Binding an entity's ``relations:``: each entry names a related table or a relationship
attribute, resolved against the relationships the graph plans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import yaml

from dbgen.graph.relationships import RelationshipPlan, link_of, plan_relationships
from dbgen.ir import Table
from dbgen.spec.model import BoundEntity, BoundRelation
from dbgen.spec.nodes import NodeReader, hint, parse_table_name


class RelationBinder(NodeReader):
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
                    f"{hint(name, reachable)}",
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

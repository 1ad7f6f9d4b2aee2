"""The YAML-reading half of spec binding: located nodes, one diagnostic list, schema look-ups.

crud.yaml is composed (not loaded) so every node keeps its line and column; each helper here
reports a problem as a Diagnostic at ``file:LINE:COL`` and returns what could be read.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import yaml

from dbgen.diagnostics import Diagnostic, Span, error
from dbgen.graph import SchemaGraph
from dbgen.ir import Column, QName, Table

NULL_TAG = "tag:yaml.org,2002:null"
INT_TAG = "tag:yaml.org,2002:int"
BOOL_TAG = "tag:yaml.org,2002:bool"


def hint(name: str, candidates: Iterable[str]) -> str:
    found = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{found[0]}'?)" if found else ""


def parse_table_name(text: str) -> QName:
    """``album`` -> public.album; ``sales.orders`` -> sales.orders."""
    schema, dot, name = text.partition(".")
    return QName(schema, name) if dot else QName("public", text)


def null() -> yaml.ScalarNode:
    return yaml.ScalarNode(NULL_TAG, "")


def is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG


class NodeReader:
    """Reads crud.yaml's nodes against the schema graph, collecting every problem found."""

    def __init__(self, file: str, graph: SchemaGraph) -> None:
        self.file = file
        self.graph = graph
        self.catalog = graph.catalog
        self.diags: list[Diagnostic] = []
        # Entities' ``relations:`` nodes, bound once every class name is known (relations.py).
        self.relation_nodes: dict[QName, yaml.Node] = {}

    def span(self, node: yaml.Node) -> Span:
        return Span(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def err(self, node: yaml.Node, code: str, message: str) -> None:
        self.diags.append(error(self.span(node), code, message))

    def mapping(
        self, node: yaml.Node, what: str, allowed: Sequence[str] | None
    ) -> list[tuple[yaml.ScalarNode, yaml.Node]] | None:
        """The (key, value) pairs of a mapping node; reports duplicates and unknown keys."""
        if isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG:
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
                    f"unknown key '{k.value}' in {what}{hint(k.value, allowed)}",
                )
                continue
            out.append((k, v))
        return out

    def scalar(self, node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag == NULL_TAG or node.value == "":
            self.err(node, "invalid-value", f"{what} must be a name")
            return None
        return str(node.value)

    def names(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
        """A list of names; a single name is accepted as a one-item list."""
        if isinstance(node, yaml.ScalarNode) and node.tag != NULL_TAG:
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
        if isinstance(node, yaml.ScalarNode) and node.tag == INT_TAG:
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
            self.err(node, "unknown-table", f"unknown table '{name}' in {role}{hint(name, known)}")
        return table

    def column(self, table: Table, name: str, node: yaml.Node, role: str) -> Column | None:
        col = table.column(name)
        if col is None:
            self.err(
                node,
                "unknown-column",
                f"table '{table.qname}' has no column '{name}' (in {role})"
                f"{hint(name, [c.name for c in table.columns])}",
            )
        return col

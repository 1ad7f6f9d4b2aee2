"""The schema graph: the catalog's Python-side shape (mapped tables, relationships, names).

Computed once per build by ``build_graph(catalog)`` and passed to spec binding, scaffold and
planning. It imports only the IR, so ``spec`` and ``plan`` both build on it without importing
each other's internals.
"""

from dbgen.graph.relations import Link, Relation, RelationKind
from dbgen.graph.schema_graph import SchemaGraph, build_graph

__all__ = ["Link", "Relation", "RelationKind", "SchemaGraph", "build_graph"]

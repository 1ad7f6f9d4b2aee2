"""crud.yaml: loading, validation against the schema, and the bound (typed, immutable) spec.

Public API:
- ``load_spec(path_display, text, catalog) -> (BoundSpec | None, tuple[Diagnostic, ...])``
- the model classes in ``dbgen.spec.model`` (BoundSpec, BoundEntity, BoundFilter, ...).
"""

from dbgen.spec.load import load_spec, parse_table_name, relation_paths
from dbgen.spec.model import (
    OPERATIONS,
    OPERATORS,
    PAGINATIONS,
    BoundChild,
    BoundEntity,
    BoundFilter,
    BoundFinder,
    BoundRelation,
    BoundSpec,
    BoundTransaction,
    RelationPath,
    SortKey,
)

__all__ = [
    "OPERATIONS",
    "OPERATORS",
    "PAGINATIONS",
    "BoundChild",
    "BoundEntity",
    "BoundFilter",
    "BoundFinder",
    "BoundRelation",
    "BoundSpec",
    "BoundTransaction",
    "RelationPath",
    "SortKey",
    "load_spec",
    "parse_table_name",
    "relation_paths",
]

"""crud.yaml: loading, validation against the schema, and the bound (typed, immutable) spec.

Public API:
- ``load_spec(path_display, text, graph) -> (BoundSpec | None, tuple[Diagnostic, ...])``
- the model classes in ``dbgen.spec.model`` (BoundSpec, BoundEntity, BoundFilter, ...).
"""

from dbgen.spec.load import load_spec, parse_table_name
from dbgen.spec.model import (
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
    Operation,
    Operator,
    Pagination,
    SortKey,
)

__all__ = [
    "OPERATIONS",
    "OPERATORS",
    "PAGINATIONS",
    "PK_OPERATIONS",
    "BoundChild",
    "BoundEntity",
    "BoundFilter",
    "BoundFinder",
    "BoundRelation",
    "BoundSpec",
    "BoundTransaction",
    "Operation",
    "Operator",
    "Pagination",
    "SortKey",
    "load_spec",
    "parse_table_name",
]

"""The bound CRUD spec: what crud.yaml asks for, resolved against the schema's Catalog.

Every name here has been checked: tables exist, columns belong to their table, operators apply
to their column's type, relations are reachable. The planner reads these objects and never
re-validates. Everything is frozen and made of tuples, like the IR.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from dbgen.diagnostics import Span
from dbgen.graph import Relation
from dbgen.ir import ForeignKey, QName, Table


class Operation(StrEnum):
    """An operation crud.yaml may list; members in the order the generated code defines them."""

    GET = "get"
    LIST = "list"
    STREAM = "stream"
    COUNT = "count"
    EXISTS = "exists"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    BULK_CREATE = "bulk_create"
    BULK_UPDATE = "bulk_update"
    BULK_DELETE = "bulk_delete"
    UPSERT = "upsert"


class Operator(StrEnum):
    """A filter operator; members in the order the Filter schema lists its fields."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    IN = "in"
    NOT_IN = "not_in"
    BETWEEN = "between"
    LIKE = "like"
    ILIKE = "ilike"
    IS_NULL = "is_null"
    CONTAINS = "contains"


class Pagination(StrEnum):
    OFFSET = "offset"
    CURSOR = "cursor"


# StrEnum members are their values: `"get" in OPERATIONS` and templates' `"get" in r.ops` hold.
OPERATIONS: tuple[Operation, ...] = tuple(Operation)
OPERATORS: tuple[Operator, ...] = tuple(Operator)
PAGINATIONS: tuple[Pagination, ...] = tuple(Pagination)

# Operations that address a row by its primary key.
PK_OPERATIONS = frozenset(
    {
        Operation.GET,
        Operation.EXISTS,
        Operation.UPDATE,
        Operation.DELETE,
        Operation.BULK_UPDATE,
        Operation.BULK_DELETE,
    }
)

DEFAULT_MAX_PAGE_SIZE = 100
# A page is built in memory; more rows than this belong in stream(). (It also keeps LIMIT far
# inside the 64-bit range the drivers send it as.)
MAX_PAGE_SIZE_LIMIT = 1_000_000


@dataclass(frozen=True, slots=True)
class BoundFilter:
    column: str
    operators: tuple[Operator, ...]  # in OPERATORS order, without duplicates
    span: Span


@dataclass(frozen=True, slots=True)
class SortKey:
    column: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class BoundFinder:
    columns: tuple[str, ...]  # as listed under ``by``
    unique: (
        bool  # the columns are the PK or a unique constraint/index: get_by_..., else list_by_...
    )
    span: Span
    exists: bool = False  # ``exists: true``: an exists_by_... as well


@dataclass(frozen=True, slots=True)
class BoundRelation:
    name: str  # as written in crud.yaml (the related table, "schema.table" outside public)
    target: QName
    paths: tuple[Relation, ...]  # never empty; the graph's relationship ends towards target
    span: Span
    # The relationship attributes it loads: the one it names, or every one towards a table named
    # with a single relationship (empty only where the attribute names were not known).
    attrs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BoundEntity:
    key: str  # as written in crud.yaml
    table: Table
    class_name: str | None  # explicit override, None for the default name
    operations: tuple[Operation, ...]  # in OPERATIONS order
    filters: tuple[BoundFilter, ...]  # in the table's column order
    sort: tuple[str, ...]  # as listed
    default_sort: tuple[SortKey, ...]  # as listed; empty means "primary key ascending"
    search: tuple[str, ...]
    pagination: tuple[Pagination, ...]  # in PAGINATIONS order
    max_page_size: int
    finders: tuple[BoundFinder, ...]
    relations: tuple[BoundRelation, ...]
    upsert_on: tuple[str, ...]  # empty unless "upsert" is an operation
    soft_delete: str | None
    version_column: str | None
    # Columns that make any order total (PK, else a unique NOT NULL key); empty when the table
    # has neither, and then cursor pagination is refused.
    tie_break: tuple[str, ...]
    span: Span
    # Timestamp columns every update, bulk_update and upsert's update sets to now() (unless the
    # call sets them).
    touch: tuple[str, ...] = ()
    # The feature package of the feature layout (None: the entity's module, plan/models.py).
    feature: str | None = None

    @property
    def qname(self) -> QName:
        return self.table.qname

    def has(self, operation: str) -> bool:
        return operation in self.operations


@dataclass(frozen=True, slots=True)
class BoundChild:
    table: QName
    fk: ForeignKey  # on the child, pointing at the root
    span: Span


@dataclass(frozen=True, slots=True)
class BoundTransaction:
    name: str
    root: QName
    children: tuple[BoundChild, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class BoundSpec:
    version: int
    package: str
    entities: tuple[BoundEntity, ...]  # in crud.yaml order
    transactions: tuple[BoundTransaction, ...]  # in crud.yaml order
    # ``mixins: auto``: columns several tables share become mixins of base.py (plan/mixins.py)
    mixins: bool = False
    # entity() by dict: the CRUD planner asks once per relation, and a linear scan made that
    # quadratic on a 500-entity crud.yaml. Derived (init=False, not compared); the first entity
    # of a name wins, as the scan's did.
    _by_qname: dict[QName, BoundEntity] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._by_qname.update((e.qname, e) for e in reversed(self.entities))

    def entity(self, qname: QName) -> BoundEntity | None:
        return self._by_qname.get(qname)

    @property
    def class_names(self) -> dict[QName, str]:
        """Class-name overrides that the model planner must use."""
        return {e.qname: e.class_name for e in self.entities if e.class_name is not None}

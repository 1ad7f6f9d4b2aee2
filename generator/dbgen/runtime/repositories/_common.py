"""What the async and the sync repository base classes share: their class attributes, their
view of the session's connection, and the decisions that involve no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

import sqlalchemy as sa

from ._hydrate import Joined, RowMap, joined_read, relation_loads
from ._query import EntityInfo, load_options

M = TypeVar("M")  # what a repository returns rows as


class RepositoryBase(Generic[M]):
    """Class attributes every generated repository sets, and the fast path's bookkeeping."""

    _info: ClassVar[EntityInfo]
    _select: ClassVar[sa.Select[Any]]  # what loader options apply to
    _columns: ClassVar[sa.Select[Any]]  # the table's columns, in table order
    _rowmap: ClassVar[RowMap | None] = None  # None: no mapped class (rows are validated)

    def __init__(self) -> None:
        # The driver connection under the session's current (root, nested) transaction.
        self._transaction: Any = None
        self._driver: Any = None
        self._adapter: Any = None  # SQLAlchemy's DBAPI adapter around the asyncpg connection
        self._engine: Any = None
        self._dialect: Any = None

    def _fast_loadable(self, load: Sequence[str] | None) -> bool:
        """Whether the fast path can serve a read that loads ``load`` (validated here)."""
        if self._rowmap is None:
            return False
        if not load:
            return True
        load_options(self._info, load)  # an unknown name is InvalidQueryError
        mapper = self._rowmap.mapper
        return all(relation_loads(self._info, mapper, name) is not None for name in load)

    def _joined(self, load: Sequence[str]) -> Joined:
        assert self._rowmap is not None
        return joined_read(self._info, self._rowmap.mapper, tuple(load))

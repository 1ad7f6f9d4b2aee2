"""What the async and the sync repository base classes share: their class attributes, their
view of the session's connection, and the decisions that involve no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

import sqlalchemy as sa

from .. import _compat
from ._dml import Writes
from ._hydrate import Joined, RowMap, joined_read, relation_loads
from ._query import EntityInfo, load_options

M = TypeVar("M")  # what a repository returns rows as
# ``_run``'s ``driver`` when the caller has not just asked ``_connection()`` for it.
ASK: Any = object()


class RepositoryBase(Generic[M]):
    """Class attributes every generated repository sets, and the fast path's bookkeeping."""

    _info: ClassVar[EntityInfo]
    _select: ClassVar[sa.Select[Any]]  # what loader options apply to
    _columns: ClassVar[sa.Select[Any]]  # the table's columns, in table order
    _rowmap: ClassVar[RowMap | None] = None  # None: no mapped class (rows are validated)
    _writes: ClassVar[Writes]
    # Tables without a primary key have no mapped class: rows are validated into this.
    _read_model: ClassVar[Any] = None

    def __init__(self) -> None:
        # The driver connection under the session's current (root, nested) transaction.
        self._transaction: Any = None
        self._driver: Any = None
        self._adapter: Any = None  # SQLAlchemy's DBAPI adapter around the asyncpg connection
        self._engine: Any = None
        self._dialect: Any = None
        # Someone watches what the fast path would skip: this call goes through the ORM
        # (set by _connection on every call).
        self._watching = False

    def _watched_session(self, session: Any) -> bool:
        """Whether the session (or the mapped class) has listeners the fast path would skip:
        ``do_orm_execute`` (loader criteria among them), ``load``/``refresh`` events."""
        if _compat.orm_execute_listeners(session):
            return True
        return self._rowmap is not None and _compat.load_listeners(self._rowmap.mapper)

    @property
    def _source(self) -> Any:
        """What statements target: the mapped class (ORM-enabled through the session) or the
        table."""
        return self._info.table if self._rowmap is None else self._rowmap.mapper.class_

    def _validated(self, rows: Sequence[Any]) -> list[Any]:
        """Rows of a table without a primary key, as its Read schema (validated, not
        constructed: the schema's types, enums and constrained strings, hold). A row is
        SQLAlchemy's (by its mapping) or a driver's record of ``_columns`` (by position: the
        fast path's stream hands those over)."""
        validate = self._read_model.model_validate
        keys: list[str] | None = None
        out = []
        for row in rows:
            mapping = getattr(row, "_mapping", None)
            if mapping is None:
                if keys is None:
                    keys = list(self._columns.selected_columns.keys())
                mapping = dict(zip(keys, row, strict=True))
            out.append(validate(mapping))
        return out

    def _fast_loadable(self, load: Sequence[str] | None) -> bool:
        """Whether the fast path can serve a read that loads ``load`` (validated here)."""
        if self._rowmap is None:
            return False
        if not load:
            return True
        load_options(self._info, load)  # an unknown name is InvalidQueryError
        mapper = self._rowmap.mapper
        for name in load:
            loads = relation_loads(self._info, mapper, name)
            if loads is None:
                return False
            # The related class's load events see its instances only through the ORM.
            if any(_compat.load_listeners(rl.rowmap.mapper) for rl in loads):
                return False
        return True

    def _joined(self, load: Sequence[str]) -> Joined:
        assert self._rowmap is not None
        return joined_read(self._info, self._rowmap.mapper, tuple(load))

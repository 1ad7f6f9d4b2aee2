"""Typed errors of this data layer.

Database errors are mapped to these from the SQLSTATE the server reports, so callers never need
to look at driver exceptions. Every error names the entity and, where known, the key.
"""

from __future__ import annotations

from typing import Any


class DataLayerError(Exception):
    """Base of every error this package raises on purpose."""

    def __init__(self, message: str, *, entity: str | None = None, key: Any = None) -> None:
        super().__init__(message)
        self.entity = entity
        self.key = key


class NotFoundError(DataLayerError):
    """No (live) row has this key."""

    def __init__(self, entity: str, key: Any) -> None:
        super().__init__(f"{entity} {key!r} not found", entity=entity, key=key)


class AlreadyExistsError(DataLayerError):
    """A unique constraint, the primary key or an exclusion constraint rejected the row
    (SQLSTATE 23505 / 23P01)."""

    def __init__(
        self,
        entity: str,
        key: Any = None,
        *,
        constraint: str | None = None,
        detail: str | None = None,
    ) -> None:
        what = f" {key!r}" if key is not None else ""
        why = f": {detail}" if detail else ""
        super().__init__(f"{entity}{what} already exists{why}", entity=entity, key=key)
        self.constraint = constraint
        self.detail = detail


class RelatedNotFoundError(DataLayerError):
    """A foreign key rejected the row: the referenced row is missing, or still referenced
    (SQLSTATE 23503)."""

    def __init__(
        self,
        entity: str,
        key: Any = None,
        *,
        constraint: str | None = None,
        detail: str | None = None,
    ) -> None:
        what = f" {key!r}" if key is not None else ""
        why = f": {detail}" if detail else ""
        super().__init__(
            f"{entity}{what} refers to a missing related row or is still referenced{why}",
            entity=entity,
            key=key,
        )
        self.constraint = constraint
        self.detail = detail


class ConflictError(DataLayerError):
    """The row changed since the caller read it (optimistic locking)."""

    def __init__(self, entity: str, key: Any, *, expected_version: Any = None) -> None:
        super().__init__(
            f"{entity} {key!r} was changed by someone else (expected version {expected_version!r})",
            entity=entity,
            key=key,
        )
        self.expected_version = expected_version


class ConstraintViolationError(DataLayerError):
    """A NOT NULL or CHECK constraint rejected the row (SQLSTATE 23502 / 23514), or the value
    does not fit the column (class 22)."""

    def __init__(
        self,
        entity: str,
        key: Any = None,
        *,
        constraint: str | None = None,
        detail: str | None = None,
    ) -> None:
        what = f" {key!r}" if key is not None else ""
        why = f": {detail}" if detail else ""
        super().__init__(f"{entity}{what} violates a constraint{why}", entity=entity, key=key)
        self.constraint = constraint
        self.detail = detail


class InvalidCursorError(DataLayerError):
    """A pagination cursor was tampered with, truncated, or made for another query."""

    def __init__(self, entity: str, reason: str) -> None:
        super().__init__(f"invalid cursor for {entity}: {reason}", entity=entity)


class InvalidQueryError(DataLayerError):
    """The caller asked for something the spec does not allow (an order key, a relation ...)."""

    def __init__(self, entity: str, reason: str) -> None:
        super().__init__(f"invalid query on {entity}: {reason}", entity=entity)


def _orig_attr(orig: BaseException | None, name: str) -> Any:
    # psycopg2 exposes details on .diag, asyncpg on the wrapped exception (__cause__).
    if orig is None:
        return None
    diag = getattr(orig, "diag", None)
    diag_name = {"constraint_name": "constraint_name", "detail": "message_detail"}.get(name)
    if diag is not None and diag_name is not None:
        return getattr(diag, diag_name, None)
    value = getattr(orig, name, None)
    if value is None and orig.__cause__ is not None:
        value = getattr(orig.__cause__, name, None)
    return value


def map_db_error(exc: Exception, entity: str, key: Any = None) -> Exception:
    """The typed error for a DBAPIError (or ``exc`` itself when it maps to nothing)."""
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "pgcode", None) or getattr(orig, "sqlstate", None)
    if not isinstance(state, str):
        return exc
    constraint = _orig_attr(orig, "constraint_name")
    detail = _orig_attr(orig, "detail")
    mapped: DataLayerError
    if state in ("23505", "23P01"):
        mapped = AlreadyExistsError(entity, key, constraint=constraint, detail=detail)
    elif state == "23503":
        mapped = RelatedNotFoundError(entity, key, constraint=constraint, detail=detail)
    elif state in ("23502", "23514") or state.startswith("22"):
        mapped = ConstraintViolationError(entity, key, constraint=constraint, detail=detail)
    else:
        return exc
    mapped.__cause__ = exc
    return mapped

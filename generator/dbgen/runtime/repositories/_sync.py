"""The base of every synchronous repository: the writes, on top of the reads (the twin of
``_async.py``).

The generated repository defines only the operations crud.yaml lists, each with its exact
signature, and delegates to these methods. Writes target the mapped class (``_dml.py``): on the
fast path they run on psycopg2; when someone watches they go through the session as ORM-enabled
statements, so ``do_orm_execute`` listeners see them and loader criteria keep them off the rows
they hide, as with the ORM's own UPDATE and DELETE.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from pydantic import BaseModel

from ..errors import (
    AlreadyExistsError,
    ConflictError,
    NotFoundError,
    RetryableError,
    map_error,
    sqlstate,
)
from ._common import M
from ._dml import (
    bulk_delete_statement,
    column_keys,
    conflicting_row,
    delete_statement,
    insert_batches,
    insert_new,
    insert_statement,
    reread,
    update_batches,
    update_returns_rows,
    update_statement,
    upsert_statement,
)
from ._query import chunked, key_params, pk_in, rowcount
from ._sync_reads import SyncReads
from ._values import MAX_BIND_PARAMS


class SyncRepository(SyncReads[M]):
    """What every repository of one entity shares (see the module docstring)."""

    def _insert(self, values: dict[str, Any]) -> M:
        """Insert one row (``values`` keyed by attribute) and return it as stored."""
        info, w = self._info, self._writes
        try:
            driver = self._connection()
            if self._rowmap is None:
                statement = insert_statement(info, w, False)
                row = (self.session.execute(statement, column_keys(info, values))).one()
                return cast(M, self._validated([row])[0])
            if self._watching:
                orm = insert_statement(info, w, True)
                return cast(M, (self.session.scalars(orm, [values])).one())
            keys = column_keys(info, values)
            statement = insert_statement(info, w, False)
            shape = ("insert", tuple(keys))
            return (self._fetch(shape, statement, keys, tuple(keys), driver=driver))[0]
        except Exception as exc:
            typed = map_error(exc, info.entity)
            if typed is exc:
                raise
            raise typed from typed.__cause__

    def _insert_many(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert rows (keyed by attribute): COPY on asyncpg from ``COPY_MIN_ROWS`` rows,
        executemany under the bind-parameter limit otherwise; the number of rows."""
        info, w = self._info, self._writes
        by_column = [column_keys(info, row) for row in rows]
        done = 0
        try:
            for batch in insert_batches(by_column, w.insert_chunk_columns):
                self.session.execute(sa.insert(info.table), batch)
                done += len(batch)
        except Exception as exc:
            typed = map_error(exc, info.entity)
            if typed is exc:
                raise
            raise typed from typed.__cause__
        return done

    def _update(self, key: Any, values: dict[str, Any]) -> M:
        """Write the fields in ``values`` (keyed by attribute; with a version column, its
        expected value among them) to the live row with this key."""
        info, w = self._info, self._writes
        params = key_params(info, key)
        expected = None
        if w.version_attr is not None:
            expected = values.pop(w.version_attr)
            params["version__expected"] = expected
        elif not values and not w.touch:
            found = self._one("get", w.key_where, params)
            if found is None:
                raise NotFoundError(info.entity, key)
            return found
        fields = tuple(values)
        for name, value in values.items():
            params[f"set__{name}"] = value
        driver = self._connection()
        rows: Sequence[Any]
        if not update_returns_rows(self.session):
            # No RETURNING on UPDATE: write, then read the row back (in the same transaction;
            # the server counts matched rows, so an unchanged row still counts).
            plain = update_statement(info, w, fields, True, rows=False)
            done = rowcount(self.session.execute(plain, params))
            by_key = key_params(info, key)
            rows = (self.session.scalars(reread(w), by_key)).all() if done else []
        elif self._watching:
            orm = update_statement(info, w, fields, True)
            rows = (self.session.scalars(orm, params)).all()
        else:
            statement = update_statement(info, w, fields, False)
            shape = ("update", fields)
            rows = self._fetch(shape, statement, params, overwrite=True, driver=driver)
        if not rows:
            if expected is not None and self._exists(w.key_where, key_params(info, key)):
                raise ConflictError(info.entity, key, expected_version=expected)
            raise NotFoundError(info.entity, key)
        return cast(M, rows[0])

    def _delete(self, key: Any) -> None:
        """Delete the live row with this key, or stamp it (soft delete)."""
        statement = delete_statement(self._info, self._writes)
        done = self._run("delete", statement, key_params(self._info, key), want="rowcount")
        if done == 0:
            raise NotFoundError(self._info.entity, key)

    def _bulk_update(self, items: Sequence[tuple[Any, BaseModel]]) -> int:
        """Apply each update (version-checked where the table has a version column); the
        number of rows written."""
        info, w = self._info, self._writes
        changes = [(key, data.model_dump(exclude_unset=True)) for key, data in items]
        composite = len(info.pk) > 1
        done: list[Any] = []
        if not update_returns_rows(self.session):
            # No UPDATE ... FROM (VALUES ...) nor RETURNING: one UPDATE per row, counted as the
            # batches below count: a key with no live row is not written and not an error,
            # unless the update checks a version (then, as there, NotFoundError).
            updated = 0
            for key, change in changes:
                try:
                    self._update(key, change)
                except NotFoundError:
                    if w.version_attr is not None:
                        raise
                else:
                    updated += 1
            return updated
        for statement, keys in update_batches(info, changes, w.version_attr, self._source, w.touch):
            result = self.session.execute(statement)
            written = [tuple(row) if composite else row[0] for row in result.all()]
            done += written
            if w.version_attr is not None and len(written) != len(keys):
                seen = set(written)
                missing = next(key for key in keys if key not in seen)
                if self._exists(w.key_where, key_params(info, missing)):
                    raise ConflictError(info.entity, missing)
                raise NotFoundError(info.entity, missing)
        self._refresh_held(done)
        return len(done)

    def _refresh_held(self, keys: Sequence[Any]) -> None:
        """The UPDATE went around the identity map: objects of these rows that the session
        already holds would keep their old values. Re-read just those (usually none)."""
        if self._rowmap is None:
            return
        held = self.session.identity_map
        identity = self._rowmap.mapper.identity_key_from_primary_key
        composite = len(self._info.pk) > 1
        loaded = [key for key in keys if identity(tuple(key) if composite else (key,)) in held]
        for chunk in chunked(loaded, MAX_BIND_PARAMS // len(self._info.pk)):
            refresh = self._select.where(pk_in(self._info, chunk))
            options = {"populate_existing": True}
            (self.session.scalars(refresh, execution_options=options)).all()

    def _bulk_delete(self, keys: Sequence[Any]) -> int:
        """Delete (or stamp) the live rows with these keys; the number of rows affected."""
        info, w = self._info, self._writes
        done = 0
        options = {"synchronize_session": False}
        for chunk in chunked(keys, MAX_BIND_PARAMS // len(info.pk)):
            statement = bulk_delete_statement(info, w, chunk)
            result = self.session.execute(statement, execution_options=options)
            done += rowcount(result)
        return done

    def _upsert(self, values: dict[str, Any]) -> M:
        """INSERT ... ON CONFLICT DO UPDATE (``values`` keyed by attribute); the row as stored."""
        info, w = self._info, self._writes
        upsert = upsert_statement(info, w, values, self.session.get_bind().dialect.name)
        if self._rowmap is None:
            row = (self.session.execute(upsert.returning(*info.table.c))).one()
            return cast(M, self._validated([row])[0])
        self._connection()
        if self._watching and all(name in values for name in w.upsert_on):
            return self._upsert_visible(values, upsert)
        statement = upsert.returning(w.source).execution_options(populate_existing=True)
        return cast(M, (self.session.scalars(statement)).one())

    def _upsert_visible(self, values: dict[str, Any], upsert: Any) -> M:
        """The upsert when loader criteria may hide rows: it must not update a row the session
        cannot see (as an ORM UPDATE would not). In a savepoint: lock the row the conflict
        target names; if there is one, write only if the session sees it; if there is none,
        insert, and start again should a concurrent insert win the race.

        On MySQL/MariaDB the insert is a plain INSERT (``insert_new``): its duplicate-key error
        is the race once; a second one, with still no row of this key, is another unique key
        colliding, raised as AlreadyExistsError (ON DUPLICATE KEY UPDATE would have written that
        row, which this session may not see)."""
        info, w = self._info, self._writes
        lock = conflicting_row(info, w)
        params = {f"c__{name}": values[name] for name in w.upsert_on}
        statement = upsert.returning(w.source).execution_options(populate_existing=True)
        insert = insert_new(info, w, values, self.session.get_bind().dialect.name)
        duplicate_seen = False
        for _ in range(3):
            savepoint = self.session.begin_nested()
            try:
                existing = (self.session.execute(lock, params)).first()
                if existing is None:
                    try:
                        obj = (self.session.scalars(insert)).first()
                    except sa.exc.IntegrityError as exc:
                        if duplicate_seen or sqlstate(exc) != "23505":
                            raise
                        duplicate_seen, obj = True, None
                    if obj is None:  # inserted concurrently: look again
                        savepoint.rollback()
                        continue
                else:
                    key = tuple(existing) if len(existing) > 1 else existing[0]
                    if not self._exists(w.key_where, key_params(info, key)):
                        savepoint.rollback()
                        raise AlreadyExistsError(
                            info.entity,
                            key,
                            detail="the row with this key is hidden from this session",
                        )
                    obj = (self.session.scalars(statement)).one()
                savepoint.commit()
                return cast(M, obj)
            except BaseException:
                if savepoint.is_active:
                    savepoint.rollback()
                raise
        raise RetryableError(info.entity, "concurrent inserts of the same key")

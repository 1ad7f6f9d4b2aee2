"""The runtime's statement building, cursors and hydration, without a database."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from dbgen.runtime import _compat
from dbgen.runtime.errors import InvalidCursorError, InvalidQueryError
from dbgen.runtime.pagination import decode_cursor, encode_cursor
from dbgen.runtime.repositories import _base as rt
from dbgen.runtime.repositories._driver import result_conversions
from dbgen.runtime.repositories._query import keyset


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    due: Mapped[datetime.date | None] = mapped_column(sa.Date, nullable=True)
    tags: Mapped[list[str]] = mapped_column(postgresql.ARRAY(sa.Text))


T: sa.Table = Item.__table__  # type: ignore[assignment]


def _sort(key: str, nullable: bool, kind: type) -> rt.SortColumn:
    return rt.SortColumn(key, T.c[key], nullable, kind)


INFO = rt.EntityInfo(
    entity="Item",
    scope="shop.items",
    table=T,
    pk=(_sort("id", False, int),),
    tie_break=(_sort("id", False, int),),
    filters={"name__eq": (T.c["name"], "eq"), "id__in": (T.c["id"], "in")},
    sort={"name": _sort("name", False, str), "due": _sort("due", True, datetime.date)},
    order_columns={
        "name": _sort("name", False, str),
        "due": _sort("due", True, datetime.date),
        "id": _sort("id", False, int),
    },
    default_order=(("name", False),),
    search=(T.c["name"],),
    alive=None,
    loads={},
    max_page_size=50,
    offset=True,
    cursor=True,
    columns={c.key: c for c in T.c},
)
PG = postgresql.dialect()


def _sql(statement: Any) -> str:
    return str(statement.compile(dialect=PG))


def test_resolve_order_ends_with_the_tie_breaker_in_the_first_direction() -> None:
    order = rt.resolve_order(INFO, ["-due", "name", "-due"])
    assert [(c.key, desc) for c, desc in order] == [("due", True), ("name", False), ("id", True)]
    with pytest.raises(InvalidQueryError, match="cannot order by 'tags'"):
        rt.resolve_order(INFO, ["tags"])


def test_keyset_uses_a_row_value_for_one_direction_without_nulls() -> None:
    order = rt.resolve_order(INFO, ["name"])
    clause = keyset(order, ["c_0", "c_1"])
    assert "WHERE (items.name, items.id) > (%(c_0)s" in _sql(sa.select(T).where(clause))
    mixed = rt.resolve_order(INFO, ["due"])
    sql = _sql(sa.select(T).where(keyset(mixed, [None, "c_1"])))
    assert "items.due IS NULL" in sql  # a NULL boundary: only rows of the NULL group follow


def test_statements_are_built_once_per_shape() -> None:
    first = rt.build_list(INFO, sa.select(T), limit=10, order_by=["name"])
    again = rt.build_list(INFO, sa.select(T), limit=20, order_by=["name"])
    assert first.statement is again.statement and again.params["p_limit"] == 21
    with pytest.raises(InvalidQueryError):
        rt.build_list(INFO, sa.select(T), limit=0)
    capped = rt.build_list(INFO, sa.select(T), limit=10**6)
    assert capped.limit == 50


def test_search_text_is_literal_inside_like() -> None:
    assert rt.escape_like("100%_\\") == "100\\%\\_\\\\"
    f = rt.filtered(INFO, search="a_b")
    assert f.params["q_search"] == "%a\\_b%" and f.search


def test_cursor_round_trip_and_tampering() -> None:
    values = [datetime.date(2026, 1, 2), 7]
    cursor = encode_cursor("shop.items", "due,id", values)
    assert decode_cursor("Item", "shop.items", "due,id", cursor, [datetime.date, int]) == values
    with pytest.raises(InvalidCursorError, match="another order"):
        decode_cursor("Item", "shop.items", "-due,-id", cursor, [datetime.date, int])
    with pytest.raises(InvalidCursorError, match="signature"):
        decode_cursor("Item", "shop.items", "due,id", cursor[:-2] + "AA", [datetime.date, int])
    with pytest.raises(InvalidCursorError, match="wrong type"):
        decode_cursor("Item", "shop.items", "due,id", cursor, [datetime.date, str])


def test_bind_order_follows_the_driver_and_refuses_per_call_rendering() -> None:
    import sqlalchemy.dialects.postgresql.asyncpg as pg_asyncpg

    dialect = pg_asyncpg.dialect()
    statement = sa.select(T).where(rt.matches(T.c["name"], "x_name"), T.c["id"] > 3)
    compiled = statement.compile(dialect=dialect)
    assert _compat.bind_order(compiled) == ("x_name", "id_1")
    expanding = sa.select(T).where(T.c["id"].in_(sa.bindparam("ids", expanding=True)))
    assert _compat.bind_order(expanding.compile(dialect=dialect)) is None
    stmt = rt.driver_statement(INFO, ("unit", 1), statement, dialect)
    assert stmt is not None and stmt.sql.count("$") == 2
    assert stmt.args({"x_name": "a"}) == ["a", 3]  # the literal's own value


def test_statement_listeners_are_seen_at_once() -> None:
    engine = sa.create_engine("postgresql+psycopg2://")  # never connects
    assert not rt.watched(engine)

    def listener(*args: Any) -> None:
        pass

    sa.event.listen(engine, "before_cursor_execute", listener)
    assert rt.watched(engine)
    sa.event.remove(engine, "before_cursor_execute", listener)
    assert not rt.watched(engine)


def test_plain_text_arrays_are_not_copied() -> None:
    import sqlalchemy.dialects.postgresql.psycopg2 as pg_psycopg2

    dialect = pg_psycopg2.dialect()
    conversions = result_conversions([T.c["tags"], T.c["name"]], [1009, 25], dialect)
    assert conversions == ()


def test_asyncpg_adapter_hook_is_recognised() -> None:
    class Adapter:
        _transaction = None

        async def _start_transaction(self) -> None:
            self._transaction = object()  # type: ignore[assignment]

    assert _compat.asyncpg_adapter_idle(Adapter())
    busy = Adapter()
    busy._transaction = object()  # type: ignore[assignment]
    assert not _compat.asyncpg_adapter_idle(busy)
    assert not _compat.asyncpg_adapter_idle(object())


def test_hydrate_registers_persistent_instances_like_the_loader() -> None:
    rowmap = rt.row_map(Item, T)
    with Session() as session:
        rows = [(1, "a", None, ["x"]), (2, "b", datetime.date(2026, 1, 1), [])]
        items = rt.hydrate(session, rowmap, rows)
        assert [i.name for i in items] == ["a", "b"]
        assert all(sa.inspect(i).persistent for i in items)
        assert not session.dirty
        again = rt.hydrate(session, rowmap, [(1, "changed", None, [])])
        assert again[0] is items[0] and items[0].name == "a"  # the held instance wins
        rt.hydrate(session, rowmap, [(1, "changed", None, [])], overwrite=True)
        assert items[0].name == "changed" and not session.dirty
        session.expire(items[1], ["name"])
        rt.hydrate(session, rowmap, [(2, "fresh", None, [])])
        assert items[1].name == "fresh"


def test_update_batches_stay_under_the_parameter_limit() -> None:
    changes = [(i, {"name": f"n{i}"}) for i in range(40_000)]
    batches = list(rt.update_batches(INFO, changes, None))
    assert sum(len(keys) for _, keys in batches) == 40_000
    assert all(len(keys) * 2 <= rt.MAX_BIND_PARAMS for _, keys in batches)


@pytest.mark.parametrize("seed", range(40))
def test_every_changed_character_of_a_cursor_is_refused(seed: int) -> None:
    """Whatever the key and the values, a cursor with one character changed, added or dropped
    is refused: the last character of each base64 part carries unused bits too."""
    cursor = encode_cursor("s", "id", [seed * 7919])
    kinds = [int]
    variants = {cursor[:-1], "x" + cursor, cursor + "A", cursor.replace(".", "..")}
    for i, ch in enumerate(cursor):
        for other in ("A", "B", "Q", "g", "w", "_", "-"):
            if other != ch:
                variants.add(cursor[:i] + other + cursor[i + 1 :])
    for bad in variants:
        with pytest.raises(InvalidCursorError):
            decode_cursor("E", "s", "id", bad, kinds)


def test_uuid_kind_is_checked_in_cursors() -> None:
    cursor = encode_cursor("s", "id", [uuid.uuid4()])
    assert isinstance(decode_cursor("E", "s", "id", cursor, [uuid.UUID])[0], uuid.UUID)

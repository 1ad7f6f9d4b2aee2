"""The fast path's per-row work without a database: rows into instances with their conversions,
enum labels, the collector pause, the engines' JSON decoder, and batched streams."""

from __future__ import annotations

import asyncio
import enum
import gc
import json
import logging
import random
from collections.abc import AsyncIterator, Iterable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import asyncpg as pg_asyncpg
from sqlalchemy.dialects.postgresql import psycopg2 as pg_psycopg2
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from dbgen.runtime import _compat
from dbgen.runtime.db import json_loads
from dbgen.runtime.repositories import _hydrate, _operation
from dbgen.runtime.repositories._driver import TEXT_OID, json_as_text, result_conversions
from dbgen.runtime.repositories._operation import Batches, operation


class Color(enum.Enum):
    red = "red"
    dark_blue = "dark blue"


class Base(DeclarativeBase):
    pass


class Paint(Base):
    __tablename__ = "paints"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    color: Mapped[Color | None] = mapped_column(
        sa.Enum(Color, name="color", values_callable=lambda e: [m.value for m in e])
    )
    name: Mapped[str] = mapped_column(sa.Text)


class Coded(Base):
    """A key column with a result conversion: the identity key needs the converted value."""

    __tablename__ = "coded"
    code: Mapped[Color] = mapped_column(
        sa.Enum(Color, name="code", values_callable=lambda e: [m.value for m in e]),
        primary_key=True,
    )
    note: Mapped[str] = mapped_column(sa.Text)


T: sa.Table = Paint.__table__  # type: ignore[assignment]
C: sa.Table = Coded.__table__  # type: ignore[assignment]


def _upper(value: Any) -> Any:
    return None if value is None else value.upper()


@pytest.mark.parametrize("inline", [True, False])
def test_conversions_apply_to_new_and_held_instances(
    inline: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not inline:  # the loader without the inlined ORM steps gives the same instances
        monkeypatch.setattr(_compat, "instance_parts", lambda mapper: None)
    rowmap = _hydrate.row_map(Paint, T)
    conversions = [(2, _upper)]
    with Session() as session:
        rows = [(1, None, "a"), (2, None, "b", "joined", "columns")]
        items = _hydrate.hydrate(session, rowmap, rows, conversions=conversions)
        assert [i.name for i in items] == ["A", "B"]
        assert all(sa.inspect(i).persistent for i in items) and not session.dirty
        assert session.get(Paint, 2) is items[1]
        again = _hydrate.hydrate(session, rowmap, [(1, None, "x")], conversions=conversions)
        assert again[0] is items[0] and items[0].name == "A"  # the held instance wins
        _hydrate.hydrate(session, rowmap, [(1, None, "x")], overwrite=True, conversions=conversions)
        assert items[0].name == "X" and not session.dirty
        session.expire(items[1], ["name"])
        _hydrate.hydrate(session, rowmap, [(2, None, "fresh")], conversions=conversions)
        assert items[1].name == "FRESH"
        del items, again
        gc.collect()
        assert len(session.identity_map) == 0  # the map holds instances weakly, as the ORM's


def test_a_converted_key_is_converted_before_the_identity_key() -> None:
    rowmap = _hydrate.row_map(Coded, C)
    to_color = [(0, Color)]
    with Session() as session:
        (one,) = _hydrate.hydrate(session, rowmap, [("red", "n")], conversions=to_color)
        assert one.code is Color.red
        assert session.get(Coded, Color.red) is one
        (same,) = _hydrate.hydrate(session, rowmap, [("red", "m")], conversions=to_color)
        assert same is one


@pytest.mark.parametrize("dialect", [pg_asyncpg.dialect(), pg_psycopg2.dialect()])
def test_enum_labels_convert_as_sqlalchemys_processor(dialect: sa.Dialect) -> None:
    column = T.c["color"]
    processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
    assert processor is not None
    ((position, convert),) = result_conversions([T.c["id"], column], [20, 0], dialect)
    assert position == 1
    for label in ("red", "dark blue", None):
        assert convert(label) is processor(label)
    with pytest.raises(LookupError):
        processor("green")
    with pytest.raises(LookupError):  # an unknown label fails as SQLAlchemy's would
        convert("green")


class Doc(Base):
    __tablename__ = "docs"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    body: Mapped[Any] = mapped_column(JSONB)
    raw: Mapped[Any] = mapped_column(sa.JSON)


D: sa.Table = Doc.__table__  # type: ignore[assignment]


def test_json_columns_are_selected_as_text() -> None:
    """The fast path reads json/jsonb as text (untracked strings in a held batch of records);
    every other column, the FROM, WHERE, ORDER and LIMIT stay as they were."""
    statement = sa.select(*D.c).where(D.c.id > 1).order_by(D.c.id).limit(5)
    sql = str(json_as_text(statement).compile(dialect=pg_asyncpg.dialect()))
    assert "CAST(docs.body AS TEXT)" in sql and "CAST(docs.raw AS TEXT)" in sql
    assert "docs.id > " in sql and "ORDER BY docs.id" in sql and "LIMIT" in sql
    alias = D.alias()
    joined = sa.select(T.c.id, alias.c.body).select_from(T.outerjoin(alias, alias.c.id == T.c.id))
    sql = str(json_as_text(joined).compile(dialect=pg_asyncpg.dialect()))
    assert "CAST(docs_1.body AS TEXT)" in sql and "LEFT OUTER JOIN docs AS docs_1" in sql
    plain = sa.select(T.c.id)
    assert json_as_text(plain) is plain
    returning = sa.insert(D).returning(*D.c)
    assert json_as_text(returning) is returning  # (one row: the driver's codec decodes it)


@pytest.mark.parametrize("dialect", [pg_asyncpg.dialect(), pg_psycopg2.dialect()])
def test_json_read_as_text_decodes_with_the_engines_deserializer(dialect: sa.Dialect) -> None:
    seen: list[str] = []

    def deserializer(text: str) -> Any:
        seen.append(text)
        return json.loads(text)

    dialect._json_deserializer = deserializer  # type: ignore[attr-defined]
    jsonb_oid = 3802
    found = dict(result_conversions(list(D.c), [20, TEXT_OID, jsonb_oid], dialect))
    assert set(found) == {1}  # as text: decoded here; as jsonb: the driver's codec did
    assert found[1]('{"a": [1, "\u00e9"]}') == {"a": [1, "é"]} and seen == ['{"a": [1, "\u00e9"]}']
    assert found[1](None) is None and found[1]("null") is None  # SQL NULL, JSON null


def test_the_collector_pauses_for_large_batches_only() -> None:
    assert gc.isenabled()
    with _hydrate.PausedCollector(_hydrate.PAUSE_COLLECTOR_ROWS - 1):
        assert gc.isenabled()
    with _hydrate.PausedCollector(_hydrate.PAUSE_COLLECTOR_ROWS):
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), _hydrate.PausedCollector(10_000):
        raise RuntimeError("restored on the way out of an error too")
    assert gc.isenabled()
    gc.disable()
    try:  # a collector the application switched off stays off
        with _hydrate.PausedCollector(10_000):
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def _document(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 4 else 5)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.randrange(-(10**30), 10**30)
    if kind == 2:
        return rng.uniform(-1e300, 1e300) * rng.choice([1, 1e-300, 1e-10])
    if kind == 3:
        return rng.choice(["", "é", '\n\t"\\', "日本", "\U0001f600", "a" * 70])
    if kind == 4:
        return rng.random()
    if kind == 5:
        return [_document(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {f"k{rng.randrange(9)}": _document(rng, depth + 1) for _ in range(rng.randrange(4))}


def test_json_decoder_agrees_with_json_loads() -> None:
    rng = random.Random(20261201)
    for _ in range(3000):
        text = json.dumps(_document(rng), ensure_ascii=rng.random() < 0.5)
        expected = json.loads(text)
        got = json_loads(text)
        assert got == expected and type(got) is type(expected), text
        assert json_loads(text.encode()) == expected
    for text in ("1e400", "-0", "1.0", "1E2", '{"a": 1, "a": 2}', "12345678901234567890.5"):
        assert repr(json_loads(text)) == repr(json.loads(text))


def test_json_decoder_falls_back_where_pydantic_refuses() -> None:
    deep = "[" * 500 + "]" * 500  # past pydantic-core's nesting limit, within json's
    assert json_loads(deep) == json.loads(deep)
    lone = '"\\ud800"'  # a json (not jsonb) value may hold one
    assert json_loads(lone) == json.loads(lone)
    with pytest.raises(ValueError):
        json_loads("{not json")


class _Repo:
    class _info:  # what the decorator reads: the repository's entity
        entity = "Thing"

    def __init__(self) -> None:
        self.closed = False

    async def _batches(self, n: int) -> AsyncIterator[Iterable[int]]:
        try:
            for start in range(0, n, 3):
                yield map(int, range(start, min(start + 3, n)))  # lazy, as the loader's
        finally:
            self.closed = True

    @operation
    def stream(self, n: int) -> AsyncIterator[int]:
        return Batches(self._batches(n))


def test_a_batched_stream_is_one_item_at_a_time_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> None:
        repo = _Repo()
        with caplog.at_level(logging.DEBUG, logger=_operation.logger.name):
            assert [i async for i in repo.stream(8)] == list(range(8))
        (record,) = [r for r in caplog.records if r.name == _operation.logger.name]
        assert (record.entity, record.operation, record.rows) == ("Thing", "stream", 8)  # type: ignore[attr-defined]
        assert repo.closed
        early = _Repo()
        async for i in early.stream(100):
            if i == 4:
                break
        for _ in range(3):  # the event loop closes the abandoned generator (its asyncgen hook)
            await asyncio.sleep(0)
        assert early.closed  # leaving early closes the batches (the server-side cursor)
        direct = _Repo()  # iterated without the decorator, the items are the same
        assert [i async for i in Batches(direct._batches(7))] == list(range(7))

    asyncio.run(main())

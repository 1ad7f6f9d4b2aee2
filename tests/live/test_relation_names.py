"""crud.yaml's ``relations:`` and ``load=`` name a relationship by its attribute, or a related
table by its name where one foreign key (or association) leads there; a table reached by
several is ambiguous: a spec error listing the attributes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy.exc import InvalidRequestError

from dbgen.dialects import get_dialect
from dbgen.graph import build_graph
from dbgen.scaffold import scaffold
from support import FreshDb, import_generated, psql
from support.generated import build, errors, write

SQL = """
CREATE TABLE people (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE reviews (
    id bigint PRIMARY KEY,
    author_id bigint NOT NULL REFERENCES people (id),
    reviewer_id bigint REFERENCES people (id),
    parent_id bigint REFERENCES reviews (id),
    title text NOT NULL
);
"""

CRUD = """
version: 1
package: rel_names_db
entities:
  people:
    operations: [get, create]
    relations: [author_reviews]
  reviews:
    operations: [get, list, create]
    sort: [id]
    relations: [author, reviewer, reviews]
"""


def test_an_ambiguous_table_name_lists_the_attributes() -> None:
    bad = CRUD.replace("relations: [author, reviewer, reviews]", "relations: [people]")
    assert errors(build(SQL, bad)) == [
        "crud.yaml:11:17: error[ambiguous-relation]: table 'reviews' is related to 'people' "
        "by 2 foreign keys, as author, reviewer; name the relationship to load by its "
        "attribute, e.g. relations: [author]"
    ]
    twice = CRUD.replace("[author, reviewer, reviews]", "[author, reviewer, parent, author]")
    assert errors(build(SQL, twice)) == [
        "crud.yaml:11:43: error[duplicate-key]: relation 'author' is listed twice"
    ]
    # A self-reference is one foreign key: the table's name loads both of its ends.
    assert build(SQL, CRUD).ok


def test_scaffold_names_each_relationship_of_an_ambiguous_table() -> None:
    catalog, _ = get_dialect().read_schema((("schema.sql", SQL),))
    text = scaffold(build_graph(catalog), "rel_names_db", ["schema.sql"])
    assert "    relations: [author_reviews, reviewer_reviews]\n" in text
    assert "    relations: [author, reviewer, reviews]\n" in text
    crud = "\n".join(line for line in text.splitlines() if not line.startswith("#")) + "\n"
    assert build(SQL, crud).ok, errors(build(SQL, crud))


@pytest.fixture
def pkg(tmp_path: Path) -> Iterator[ModuleType]:
    out = write(build(SQL, CRUD), tmp_path / "out")
    with import_generated(out, "rel_names_db") as module:
        yield module


def test_load_by_attribute_loads_that_relationship_only(pkg: ModuleType, fresh_db: FreshDb) -> None:
    psql(fresh_db.dsn, "-q", "-c", SQL)
    psql(
        fresh_db.dsn,
        "-q",
        "-c",
        "INSERT INTO people VALUES (1, 'Ann'), (2, 'Bob');"
        "INSERT INTO reviews VALUES (10, 1, 2, NULL, 'root'), (11, 2, NULL, 10, 'reply');",
    )
    import importlib

    uow_mod: Any = importlib.import_module("rel_names_db.uow")
    db: Any = importlib.import_module("rel_names_db.db")

    async def scenario() -> None:
        engine = db.create_async_engine_from_env(fresh_db.async_url)
        try:
            async with uow_mod.UnitOfWork(db.async_session_factory(engine)) as uow:
                review = await uow.reviews.get(10, load=["reviewer"])
                assert review.reviewer.name == "Bob"
                with pytest.raises(InvalidRequestError):
                    _ = review.author  # not asked for: lazy="raise"
                page = await uow.reviews.list(order_by=["id"], load=["author", "reviews"])
                assert [(r.author.name, r.parent and r.parent.id) for r in page.items] == [
                    ("Ann", None),
                    ("Bob", 10),
                ]
                assert [c.id for c in page.items[0].children] == [11]
                ann = await uow.people.get(1, load=["author_reviews"])
                assert [r.title for r in ann.author_reviews] == ["root"]
        finally:
            await engine.dispose()

    asyncio.run(scenario())

"""Issue 11's seven classes of failure on dumps outside the corpus, each with its neighbours:
every case goes through scaffold, build, import, pg-roundtrip (with downgrade) and
``alembic check``, live, and must come back exact."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import PgServer
from support.roundtrip import run

pytestmark = pytest.mark.live

# (3) Column names that are not Python names: camelCase, spaces, reserved words, on mapped
# classes and on Core tables (whose columns are keyed by attribute), in every constraint and
# index that names them, on both sides of a foreign key; and a column with two keys.
COLUMN_NAMES = """
CREATE TABLE "Parent" ("parentId" int, "subId" int, "Some Name" text, "select" int,
    PRIMARY KEY ("parentId", "subId"), UNIQUE ("Some Name"), UNIQUE ("select"));
CREATE TABLE keyless ("refId" int, "Ref Sub" int, "my col" text, "order" int,
    CHECK ("order" > 0), UNIQUE ("my col"), UNIQUE ("refId", "Ref Sub"));
CREATE TABLE child (id int PRIMARY KEY, "escapeId" int, "escapeSub" int, "my col" text,
    "order" int, "from" text);
ALTER TABLE ONLY child ADD CONSTRAINT "child_FK" FOREIGN KEY ("escapeId", "escapeSub")
    REFERENCES "Parent"("parentId", "subId");
ALTER TABLE ONLY child ADD CONSTRAINT child_name_fk FOREIGN KEY ("my col")
    REFERENCES "Parent"("Some Name");
ALTER TABLE ONLY child ADD CONSTRAINT child_keyless_fk FOREIGN KEY ("my col")
    REFERENCES keyless("my col");
ALTER TABLE ONLY child ADD CONSTRAINT child_keyless2_fk FOREIGN KEY ("escapeId", "order")
    REFERENCES keyless("refId", "Ref Sub");
ALTER TABLE ONLY child ADD CONSTRAINT child_uq UNIQUE ("from", "order");
ALTER TABLE ONLY keyless ADD CONSTRAINT keyless_fk FOREIGN KEY ("refId", "Ref Sub")
    REFERENCES "Parent"("parentId", "subId");
ALTER TABLE ONLY keyless ADD CONSTRAINT keyless_sel_fk FOREIGN KEY ("order")
    REFERENCES "Parent"("select");
CREATE INDEX "Idx" ON child ("escapeId", "my col");
CREATE INDEX keyless_idx ON keyless ("refId", "my col", "order");
CREATE INDEX keyless_desc ON keyless ("refId" DESC);
"""

CASES = {
    "column_names": COLUMN_NAMES,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_class(name: str, pg_server: PgServer, tmp_path: Path) -> None:
    outcome = run(CASES[name], tmp_path, pg_server)
    assert outcome.exact, outcome.explain()

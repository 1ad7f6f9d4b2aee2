"""The schemas' CHECK constraints agree with PostgreSQL's: every sample value is accepted by the
Create/Update schema exactly when the database accepts the row.

For each entity of the ``checks`` golden case and of the demo, the CHECKs the schemas translate
(plan/crud_checks.py) stay in the database and the ones they leave to it are dropped, so both
sides judge the same constraints. Samples sit on both sides of every boundary (the constants of
the checks, and around them by steps finer and coarser than a numeric's scale), plus
hypothesis-drawn values (strings matching the translated patterns and random text, random
numbers, NULL and unset fields for the row checks). The database side writes through the
generated repository with the schema object built unvalidated (``model_construct``), so what
PostgreSQL sees is what the application would have sent.
"""

from __future__ import annotations

import datetime
import decimal
import importlib
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from dbgen.core import generate, read_inputs
from dbgen.graph import build_graph
from dbgen.ir import Catalog, quote_ident
from dbgen.plan.checks import ColumnKind, column_kind
from dbgen.plan.crud_checks import schema_checks
from dbgen.plan.models import EntityPlan, plan_project
from dbgen.spec import load_spec
from support import REPO_ROOT, FreshDb, import_generated, psql
from support.generated import write

CASE = REPO_ROOT / "tests" / "golden" / "cases" / "checks"
D = decimal.Decimal

# A row each table accepts (every CHECK passes), and the columns a sample must not touch.
BASE: dict[str, dict[str, Any]] = {
    "products": {
        "code": "ABC-1234",
        "name": "Widget",
        "slug": "widget",
        "price": D("9.99"),
        "contact_email": "a@example.org",
    },
    "shipments": {"product_id": None, "quantity": 1},  # product_id: the product made first
    "tasks": {"project_id": None, "number": 1, "title": "t"},
    "projects": {"slug": "p", "name": "P", "owner_id": None},
    "tags": {"name": "t"},
}
FIXED = {"product_id", "project_id", "owner_id", "number", "id"}


def _plan(spec: Path) -> tuple[Catalog, list[EntityPlan], str]:
    inputs, problems = read_inputs(spec)
    assert inputs is not None and not problems
    result = generate(inputs)
    assert result.ok and result.catalog is not None and inputs.crud is not None
    graph = build_graph(result.catalog)
    bound, _ = load_spec(inputs.crud[0], inputs.crud[1], graph)
    assert bound is not None
    plan = plan_project(graph, bound.package, bound)
    return result.catalog, list(plan.entities), plan.package


def _constants(expressions: list[str]) -> list[D]:
    return [D(x) for e in expressions for x in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?", e)]


def _numbers(kind: ColumnKind, constants: list[D]) -> list[Any]:
    out: set[Any] = set()
    for c in constants or [D(0)]:
        if kind.kind == "int":
            out |= {int(c) + k for k in range(-2, 3)}
            continue
        for exponent in range(0, (kind.scale or 2) + 4):
            step = D(1).scaleb(-exponent)
            out |= {c + k * step for k in (-6, -5, -4, -1, 0, 1, 4, 5, 6)}
    return sorted(out)


def _texts(constants: list[D]) -> list[str]:
    lengths = {int(c) + k for c in constants for k in (-1, 0, 1) if 0 <= int(c) + k <= 90}
    out = {"", "a", "S", "s", "M ", "XL", "widget", "a-b", "a--b", "-a", "ABC-1234", "abc-1234"}
    out |= {"ABC-1234\n", "#00ff00", "#00FF0g", "é" * 3, "😀" * 2, "x\ny"}
    out |= {("é" * n) for n in lengths} | {("ab" * n)[:n] for n in lengths}
    return sorted(out)


def _pool(kind: ColumnKind, expressions: list[str]) -> list[Any]:
    constants = _constants(expressions)
    if kind.kind in ("int", "numeric"):
        return _numbers(kind, constants)
    if kind.kind == "text":
        return _texts(constants)
    if kind.kind == "enum":
        return list(kind.labels)
    if kind.kind == "date":
        return [datetime.date(2024, 1, d) for d in (1, 2, 3)]
    return []


class Case:
    """One entity's agreement harness: the schema classes and a way to ask the database."""

    def __init__(self, ent: EntityPlan, catalog: Catalog, package: str, url: str) -> None:
        self.ent = ent
        schemas = importlib.import_module(f"{package}.schemas.{ent.module}")
        self.create = getattr(schemas, f"{ent.class_name}Create")
        self.update = getattr(schemas, f"{ent.class_name}Update")
        db: Any = importlib.import_module(f"{package}.db")
        self.uow_mod: Any = importlib.import_module(f"{package}.uow")
        self.engine = db.create_sync_engine_from_env(url)
        self.factory = db.sync_session_factory(self.engine)
        self.errors: Any = importlib.import_module(f"{package}.errors")
        attrs = list(self.create.model_fields)
        sc = schema_checks(ent, catalog, attrs, True)
        self.checked = sc
        names = {c.name for c in ent.table.checks}
        self.dropped = [n for n, _, _ in sc.database_only if n in names]
        self.columns: dict[str, list[Any]] = {}
        expressions = [c.expression for c in ent.table.checks]
        for c in ent.columns:
            if c.attr not in attrs or c.attr in FIXED:
                continue
            kind = column_kind(c.attr, c.column.type, c.column.collation, catalog)
            mine = [e for e in expressions if re.search(rf"\b{re.escape(c.name)}\b", e)]
            for d in sc.enforced:
                if f"(on {c.name})" in d:
                    mine.append(d)
            if c.column.type.kind.value == "domain":
                from dbgen.plan.checks import domain_chain, domain_checks

                for dom in domain_chain(c.column.type, catalog):
                    mine.extend(e for _, e in domain_checks(dom))
            if mine:
                pool = _pool(kind, mine)
                if pool:
                    self.columns[c.attr] = pool
        self.nullable = {c.attr for c in ent.columns if c.nullable}
        self.row_attrs = set(re.findall(r'\("col", "([^"]+)"\)', " ".join(sc.rows)))
        self.defaulted = {c.attr: c.nullable for c in ent.columns if c.server_generated}

    def defaulted_unknown(self, row: dict[str, Any]) -> bool:
        """A row check reads a column with a server default that the row leaves to it."""
        return any(
            a not in row or (row[a] is None and not nullable)
            for a, nullable in self.defaulted.items()
            if a in self.row_attrs
        )

    def database_accepts(self, row: dict[str, Any], key: Any = None) -> bool:
        with self.uow_mod.SyncUnitOfWork(self.factory) as uow, warnings.catch_warnings():
            # enum labels given as text: unvalidated, they serialize with a warning
            warnings.simplefilter("ignore", UserWarning)
            repo = getattr(uow, self.ent.key)
            try:
                if key is None:
                    repo.create(self.create.model_construct(**row))
                else:
                    repo.update(key, self.update.model_construct(**row))
            except self.errors.ConstraintViolationError:
                return False  # a CHECK, or a value too long for its varchar(n)
            finally:
                uow.rollback()
        return True

    def schema_accepts(self, row: dict[str, Any], update: bool = False) -> bool:
        try:
            (self.update if update else self.create)(**row)
        except ValidationError:
            return False
        return True


@pytest.fixture(params=["checks", "demo"])
def cases(
    request: pytest.FixtureRequest, fresh_db: FreshDb, tmp_path: Path
) -> Iterator[list[Case]]:
    spec = CASE if request.param == "checks" else REPO_ROOT / "specs"
    catalog, entities, package = _plan(spec)
    inputs, _ = read_inputs(spec)
    assert inputs is not None
    out = write(generate(inputs), tmp_path / "out")
    for _, text in inputs.sql:
        psql(fresh_db.dsn, "-q", "-v", "ON_ERROR_STOP=1", "-c", text)
    with import_generated(out, package):
        found = []
        for ent in entities:
            if ent.module not in BASE:
                continue
            case = Case(ent, catalog, package, fresh_db.sync_url)
            for name in case.dropped:
                psql(
                    fresh_db.dsn,
                    "-q",
                    "-c",
                    f"ALTER TABLE {ent.qname.sql} DROP CONSTRAINT {quote_ident(name)}",
                )
            found.append(case)
        # the rows other rows refer to
        psql(
            fresh_db.dsn,
            "-q",
            "-c",
            "DO $$ BEGIN IF to_regclass('products') IS NOT NULL THEN "
            "INSERT INTO products (code, name, slug, price, contact_email) "
            "VALUES ('ZZZ-0000', 'Base', 'base', 1, 'b@x'); END IF; "
            "IF to_regclass('projects') IS NOT NULL THEN "
            "INSERT INTO users (id, email, display_name) VALUES "
            "('00000000-0000-0000-0000-000000000001', 'o@x.org', 'O'); "
            "INSERT INTO projects (slug, name, owner_id) VALUES "
            "('base', 'Base', '00000000-0000-0000-0000-000000000001'); END IF; END $$",
        )
        try:
            yield found
        finally:
            for case in found:
                case.engine.dispose()


def _base(case: Case) -> dict[str, Any]:
    row = dict(BASE[case.ent.module])
    for k in row:
        if k in ("product_id", "project_id"):
            row[k] = 1
        if k == "owner_id":
            import uuid

            row[k] = uuid.UUID(int=1)
    return row


def _agree(case: Case, row: dict[str, Any]) -> None:
    py = case.schema_accepts(row)
    pg = case.database_accepts(row)
    if py and not pg and case.defaulted_unknown(row):
        return  # a row check reads a column the database fills: left to it, by design
    assert py == pg, (
        f"{case.ent.qname}: {row!r}: schema {'accepts' if py else 'rejects'}, PostgreSQL {'accepts' if pg else 'rejects'}"
    )


def test_every_boundary_sample_is_judged_alike(cases: list[Case]) -> None:
    """Each checked column's boundary samples, one column at a time, on a row that passes."""
    judged = rejected = 0
    for case in cases:
        assert case.database_accepts(_base(case)) and case.schema_accepts(_base(case))
        for attr, pool in case.columns.items():
            for value in pool:
                row = _base(case) | {attr: value}
                _agree(case, row)
                judged += 1
                rejected += not case.schema_accepts(row)
    assert judged > 50 and 0 < rejected < judged, (judged, rejected)


def test_random_rows_are_judged_alike(cases: list[Case]) -> None:
    """Several checked columns at once, NULLs and unset fields included (the row checks)."""

    @settings(
        max_examples=150,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def run(data: st.DataObject) -> None:
        for case in cases:
            row = _base(case)
            for attr, pool in case.columns.items():
                choice = data.draw(st.integers(0, 9))
                if choice == 0 and attr in case.nullable:
                    row[attr] = None
                elif choice == 1 and attr not in _base(case):
                    row.pop(attr, None)
                elif choice <= 6:
                    row[attr] = data.draw(st.sampled_from(pool))
            _agree(case, row)

    run()


@pytest.mark.parametrize("flavour", ["update"])
def test_updates_are_judged_alike(cases: list[Case], flavour: str) -> None:
    """The Update schema on an existing row: every checked field set (a row check reading an
    unset field is left to the database, which knows the row)."""
    for case in cases:
        with case.uow_mod.SyncUnitOfWork(case.factory) as uow:
            created = getattr(uow, case.ent.key).create(case.create(**_base(case)))
            key = tuple(getattr(created, c.attr) for c in case.ent.pk_columns)
        key = key[0] if len(key) == 1 else key
        fields = [a for a in case.columns if a in case.update.model_fields]
        required = {
            a: getattr(created, a) for a, f in case.update.model_fields.items() if f.is_required()
        }
        for attr in fields:
            for value in case.columns[attr]:
                row = {a: _base(case)[a] for a in fields if a != attr and a in _base(case)}
                row = required | row | {attr: value}
                py = case.schema_accepts(row, update=True)
                pg = case.database_accepts(row, key)
                if py != pg:
                    # only a row check whose other columns were not set may differ, one way
                    assert py and not pg, (case.ent.qname, row)

"""View objects for models/<table>.py: every line of a mapped class, decided here."""

from __future__ import annotations

from dataclasses import dataclass

from dbgen.plan import constraints as cx
from dbgen.plan.imports import import_lines
from dbgen.plan.models import ColumnPlan, EntityPlan, ProjectPlan
from dbgen.plan.pyexpr import call, pystr, sql_text
from dbgen.plan.relationships import RelationshipPlan
from dbgen.plan.typemap import SA, Import

_INTEGER_TYPES = frozenset({"smallint", "integer", "bigint"})


@dataclass(frozen=True, slots=True)
class ModelView:
    entity: EntityPlan
    docstring: str
    std_imports: list[str]
    third_imports: list[str]
    first_imports: list[str]
    type_checking_imports: list[str]
    table_args: list[str]  # entries of __table_args__ (the dict of options last)
    column_lines: list[str]  # "attr: Mapped[...] = mapped_column(...)" or sa.Column(...) for Core
    relationship_lines: list[str]


def _doc(entity: EntityPlan) -> str:
    head = f"Table {entity.qname.sql}"
    if entity.table.comment:
        return f"{head}: {entity.table.comment}"
    return head + "."


def _column_args(c: ColumnPlan, entity: EntityPlan) -> tuple[list[str], dict[str, str | None]]:
    args = [c.type.sqlalchemy.expr]
    if c.foreign_key is not None:
        args.append(cx.column_foreign_key(c.foreign_key))
    col = c.column
    if col.identity is not None:
        args.append(call("sa.Identity", always="True" if col.identity.always else "False"))
    if col.generated is not None:
        args.append(call("sa.Computed", sql_text(col.generated), persisted="True"))
    is_int = col.type.base in _INTEGER_TYPES and not col.type.array_dims
    kw: dict[str, str | None] = {
        "primary_key": "True" if c.primary_key else None,
        # Without this SQLAlchemy would treat a lone integer key as SERIAL.
        "autoincrement": "False" if c.primary_key and is_int and not c.server_generated else None,
        "server_default": sql_text(col.default) if col.default is not None else None,
        "comment": cx.comment_literal(col.comment),
    }
    return args, kw


def _column_line(c: ColumnPlan, entity: EntityPlan) -> str:
    args, kw = _column_args(c, entity)
    name = repr(c.name) if c.attr != c.name else None
    py = c.type.python.expr + (" | None" if c.nullable else "")
    return f"{c.attr}: Mapped[{py}] = " + call("mapped_column", name, *args, **kw)


def _core_column(c: ColumnPlan, entity: EntityPlan) -> str:
    args, kw = _column_args(c, entity)
    kw["nullable"] = "False" if not c.nullable else None
    kw["key"] = repr(c.attr) if c.attr != c.name else None
    return call("sa.Column", repr(c.name), *args, **kw)


def _relationship_line(r: RelationshipPlan, entity: EntityPlan) -> str:
    # Quoted class names: the target may live in a module imported only for type checking.
    if r.uselist:
        annotation = f'list["{r.target_class}"]'
    elif r.kind == "many_to_one" and r.foreign_key is not None and all(
        not entity.column(col).nullable for col in r.foreign_key.columns
    ):
        annotation = f'"{r.target_class}"'
    else:
        annotation = f'"{r.target_class} | None"'
    kw: dict[str, str | None] = {
        "back_populates": repr(r.back_populates),
        "foreign_keys": repr("[" + ", ".join(r.foreign_keys) + "]") if r.foreign_keys else None,
        "remote_side": repr("[" + ", ".join(r.remote_side) + "]") if r.remote_side else None,
        "secondary": repr(r.secondary) if r.secondary else None,
        "primaryjoin": repr(r.primaryjoin) if r.primaryjoin else None,
        "secondaryjoin": repr(r.secondaryjoin) if r.secondaryjoin else None,
        "uselist": "False" if r.kind == "one_to_one" else None,
        "overlaps": repr(",".join(r.overlaps)) if r.overlaps else None,
        # No implicit IO: related rows are loaded on request (load=[...]), never one query per row.
        "lazy": repr("raise"),
    }
    return f"{r.attr}: Mapped[{annotation}] = " + call("relationship", **kw)


def _table_args(entity: EntityPlan) -> list[str]:
    t = entity.table
    args: list[str] = []
    pk = t.primary_key
    if pk is not None and (pk.name != f"{t.qname.name}_pkey" or pk.deferral.deferrable or not entity.mapped):
        args.append(cx.primary_key(pk))
    args += [cx.unique(u) for u in t.uniques]
    args += [cx.check(c) for c in t.checks]
    args += [cx.foreign_key_constraint(fk) for fk in t.foreign_keys if len(fk.columns) > 1 or not entity.mapped]
    args += [cx.index(ix) for ix in t.indexes]
    options = []
    if t.qname.schema != "public":
        options.append(f'"schema": {t.qname.schema!r}')
    if t.comment is not None:
        options.append(f'"comment": {pystr(t.comment)}')
    if options:
        args.append("{" + ", ".join(options) + "}")
    return args


def model_view(entity: EntityPlan, project: ProjectPlan) -> ModelView:
    imports: set[Import] = {SA}
    for c in entity.columns:
        # Core tables (no primary key) have no annotations, so no Python type imports.
        imports |= c.type.sqlalchemy.imports | (c.type.python.imports if entity.mapped else frozenset())
    if entity.mapped:
        imports |= {("sqlalchemy.orm", "Mapped"), ("sqlalchemy.orm", "mapped_column")}
    if entity.relationships:
        imports.add(("sqlalchemy.orm", "relationship"))
    imports.add((f"{project.package}.base", "Base"))
    if entity.mapped:
        columns = [_column_line(c, entity) for c in entity.columns]
    else:
        columns = [_core_column(c, entity) for c in entity.columns]
    targets = sorted({(r.target_module, r.target_class) for r in entity.relationships if r.target != entity.qname})
    tc = [f"from {project.package}.models.{m} import {cls}" for m, cls in targets]
    if tc:
        imports.add(("typing", "TYPE_CHECKING"))
    std, third, first = import_lines(imports, project.package)
    return ModelView(
        entity=entity,
        docstring=_doc(entity),
        std_imports=std,
        third_imports=third,
        first_imports=first,
        type_checking_imports=tc,
        table_args=_table_args(entity),
        column_lines=columns,
        relationship_lines=[_relationship_line(r, entity) for r in entity.relationships],
    )

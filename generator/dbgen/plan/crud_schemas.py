"""View objects for schemas/<module>.py: the Pydantic classes of one entity (plan/crud.py
plans the rest of the CRUD layer).

Which fields each schema has and how they are typed: the Create, Update, Read, Filter classes,
the nested Create classes of transactions, the OrderKey and Relation literals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dbgen.ir import Column
from dbgen.plan.crud_checks import FieldChecks, SchemaChecks, row_validator_args, schema_checks
from dbgen.plan.models import ColumnPlan, EntityPlan, ProjectPlan
from dbgen.plan.pyexpr import pystr
from dbgen.plan.typemap import Import
from dbgen.spec.model import BoundEntity


@dataclass(frozen=True, slots=True)
class Field:
    """One Pydantic field: ``name: annotation`` or ``name: annotation = default``."""

    name: str
    annotation: str
    default: str | None = None
    required: bool = True  # no default value (a Field(...) of constraints may still be there)

    @property
    def line(self) -> str:
        return f"{self.name}: {self.annotation}" + (
            f" = {self.default}" if self.default is not None else ""
        )


@dataclass(frozen=True, slots=True)
class SchemaClass:
    name: str
    doc: str
    fields: tuple[Field, ...]
    config: str  # ConfigDict(...) expression
    # The model validator's ``enforce(self, <checks>, ...)`` arguments (None: no row checks).
    row_checks: str | None = None


@dataclass(frozen=True, slots=True)
class SchemaModule:
    path: str
    doc: str
    table_sql: str  # the table(s), as SQL names them
    # Every import the module may use; layout/imports.py keeps those its body reads.
    imports: frozenset[Import]
    literals: tuple[tuple[str, tuple[str, ...]], ...]  # (alias, Literal members as literals)
    classes: tuple[SchemaClass, ...]
    filter_class: str | None  # rebuilt after definition (it refers to itself through or_)
    constants: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (name, RowCheck literals)


def nested_name(child: EntityPlan, root: EntityPlan, clash: bool) -> str:
    return f"{child.class_name}CreateNested" + (f"In{root.class_name}" if clash else "")


def _python(c: ColumnPlan) -> tuple[str, frozenset[Import]]:
    return c.type.python.expr, c.type.python.imports


def _optional(annotation: str) -> str:
    return annotation if annotation == "Any" else f"{annotation} | None"


def _max_length(c: ColumnPlan) -> int | None:
    t = c.column.type
    if t.base in ("character varying", "character") and t.modifiers and not t.array_dims:
        return t.modifiers[0]
    return None


def _field_default(c: ColumnPlan, required: bool, fc: FieldChecks | None = None) -> str | None:
    """``Field(...)`` carrying what Pydantic can check (varchar length, the CHECKs that fit a
    field), or a plain default."""
    kwargs = dict(fc.kwargs) if fc is not None else {}
    length = _max_length(c)
    if length is not None and ("max_length" not in kwargs or length < int(kwargs["max_length"])):
        kwargs["max_length"] = str(length)
    order = ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern")
    items = ([] if required else [("default", "None")]) + [
        (k, kwargs[k]) for k in order if k in kwargs
    ]
    if items == [("default", "None")]:
        return "None"
    if not items:
        return None
    return "Field(" + ", ".join(f"{k}={v}" for k, v in items) + ")"


def _annotation(
    py: str, optional: bool, fc: FieldChecks | None, alias: str, choices: list[Choice]
) -> str:
    if fc is not None and fc.members is not None:
        # An IN list becomes a module-level Literal alias (shared by Create and Update), which
        # the template lays out one member per line when it is long, as black would.
        if all(name != alias for name, _ in choices):
            choices.append((alias, fc.members))
        py = alias
    return _optional(py) if optional else py


def _checked_fields(
    fields: list[Field], ent: EntityPlan, sc: SchemaChecks, choices: list[Choice]
) -> list[Field]:
    """``fields`` with the CHECKs' constraints on them."""
    out = []
    for f in fields:
        fc = sc.fields.get(f.name)
        if fc is None:
            out.append(f)
            continue
        c = next(c for c in ent.columns if c.attr == f.name)
        optional = f.annotation.endswith(" | None")
        py = f.annotation.removesuffix(" | None")
        # Private, so no schema-derived name can meet it; (class, attribute) is unique.
        alias = f"_{ent.class_name}_{f.name}_values"
        annotation = _annotation(py, optional, fc, alias, choices)
        out.append(Field(f.name, annotation, _field_default(c, f.required, fc), f.required))
    return out


def _snake(name: str) -> str:
    return "".join(
        "_" + ch.lower() if ch.isupper() and i else ch.lower() for i, ch in enumerate(name)
    )


def _checked_class(
    name: str,
    doc: str,
    fields: list[Field],
    config: str,
    ent: EntityPlan,
    plan: ProjectPlan,
    create: bool,
    constants: list[tuple[str, tuple[str, ...]]],
    choices: list[Choice],
) -> SchemaClass:
    attrs = [f.name for f in fields]
    sc = schema_checks(ent, plan.catalog, attrs, create)
    row_checks = None
    if sc.rows:
        const = next((n for n, rows in constants if rows == sc.rows), None)
        if const is None:
            const = f"_{_snake(ent.class_name).upper()}_CHECKS"
            if any(n == const for n, _ in constants):
                const = f"_{_snake(name).upper()}_CHECKS"
            constants.append((const, sc.rows))
        row_checks = const + row_validator_args(ent, sc, attrs, create)
    return SchemaClass(
        name, doc + sc.doc, tuple(_checked_fields(fields, ent, sc, choices)), config, row_checks
    )


def insertable(col: Column) -> bool:
    # GENERATED ALWAYS identities and generated columns reject explicit values.
    return col.generated is None and not (col.identity is not None and col.identity.always)


def _create_fields(ent: EntityPlan, skip: frozenset[str] = frozenset()) -> list[Field]:
    out: list[Field] = []
    for c in ent.columns:
        if not insertable(c.column) or c.name in skip:
            continue
        py, _ = _python(c)
        required = not c.nullable and not c.server_generated
        ann = py if required else _optional(py)
        out.append(Field(c.attr, ann, _field_default(c, required), required))
    # Pydantic (like Python) needs fields without defaults first.
    return [f for f in out if f.required] + [f for f in out if not f.required]


def _filter_annotation(py: str, op: str, c: ColumnPlan) -> str:
    if op in ("in", "not_in"):
        return f"list[{py}] | None"
    if op == "between":
        return f"tuple[{py}, {py}] | None"
    if op in ("like", "ilike"):
        return "str | None"
    if op == "is_null":
        return "bool | None"
    if op == "contains":
        return _optional(py)
    return _optional(py)


# A module-level Literal alias: its name and its members (as Python literals).
Choice = tuple[str, tuple[str, ...]]


def _literal(values: Iterable[str]) -> tuple[str, ...]:
    """The members of a ``Literal[...]``, as string literals (the template lays them out)."""
    return tuple(pystr(v) for v in values)


def schema_module(
    plan: ProjectPlan, ent: EntityPlan, b: BoundEntity, nested: list[tuple[str, EntityPlan]]
) -> SchemaModule:
    imports: set[Import] = {("pydantic", "BaseModel"), ("pydantic", "ConfigDict")}
    for c in ent.columns:
        imports |= c.type.python.imports
    cls = ent.class_name
    # What callers send (Create, Update, Filter) builds its validator at import: FastAPI takes
    # these as request bodies, and a deferred one makes pydantic warn
    # (UnsupportedFieldAttributeWarning) on the route's first request. Read classes defer.
    config = 'ConfigDict(extra="forbid", arbitrary_types_allowed=True)'
    classes: list[SchemaClass] = []

    # The soft-delete stamp belongs to delete(), and a defaulted version to the repository.
    managed = {b.soft_delete} if b.soft_delete else set()
    if b.version_column is not None and ent.column(b.version_column).server_generated:
        managed.add(b.version_column)
    constants: list[tuple[str, tuple[str, ...]]] = []
    choices: list[Choice] = []  # the IN-list CHECKs' Literal aliases
    # A view is read-only: no Create or Update.
    if ent.table.view is None:
        create = _create_fields(ent, frozenset(managed))
        classes.append(
            _checked_class(
                f"{cls}Create",
                f"Fields to insert a row into {ent.qname.sql}.",
                create,
                config,
                ent,
                plan,
                True,
                constants,
                choices,
            )
        )

        update: list[Field] = []
        for c in ent.columns:
            if (
                c.primary_key
                or not insertable(c.column)
                or c.name in (b.version_column, b.soft_delete)
            ):
                continue
            py, _ = _python(c)
            update.append(Field(c.attr, _optional(py), _field_default(c, False), False))
        if b.version_column is not None:
            vc = ent.column(b.version_column)
            # The version the caller last read: required, so a stale write cannot slip through.
            update.insert(0, Field(vc.attr, vc.type.python.expr))
        classes.append(
            _checked_class(
                f"{cls}Update",
                "Fields to change; a field left unset is not written, an explicit None writes NULL.",
                update,
                config,
                ent,
                plan,
                False,
                constants,
                choices,
            )
        )

    read = [
        Field(c.attr, _optional(c.type.python.expr) if c.nullable else c.type.python.expr)
        for c in ent.columns
    ]
    classes.append(
        SchemaClass(
            f"{cls}Read",
            f"A row of {ent.qname.sql}, built from a model instance.",
            tuple(read),
            "ConfigDict(from_attributes=True, arbitrary_types_allowed=True, defer_build=True)",
        )
    )

    filt: list[Field] = []
    for f in b.filters:
        c = ent.column(f.column)
        for op in f.operators:
            filt.append(
                Field(f"{c.attr}__{op}", _filter_annotation(c.type.python.expr, op, c), "None")
            )
    # Quoted: the class refers to itself, and annotations are evaluated as it is defined.
    filt.append(Field("or_", f'list["{cls}Filter"] | None', "None"))
    classes.append(
        SchemaClass(
            f"{cls}Filter",
            "Conditions on the allowed (column, operator) pairs; fields combine "
            "with AND, ``or_`` lists alternatives.",
            tuple(filt),
            config,
        )
    )

    for name, root in nested:
        fk_cols = frozenset(
            col for fk in ent.table.foreign_keys if fk.ref_table == root.qname for col in fk.columns
        )
        classes.append(
            _checked_class(
                name,
                f"A {cls} created together with its {root.class_name}; the key to the "
                f"{root.class_name} is filled in.",
                _create_fields(ent, fk_cols | frozenset(managed)),
                config,
                ent,
                plan,
                True,
                constants,
                choices,
            )
        )

    literals: list[Choice] = [
        *choices,
        (
            f"{cls}OrderKey",
            _literal(k for s in b.sort for k in (column_attr(ent, s), "-" + column_attr(ent, s))),
        ),
    ]
    if not b.sort:
        literals = [*choices, (f"{cls}OrderKey", ('""',))]  # nothing sortable: no value passes
    if b.relations:
        literals.append((f"{cls}Relation", _literal(r.name for r in b.relations)))
    imports |= {("typing", "Literal"), ("pydantic", "Field"), ("typing", "Any")}
    imports |= {("decimal", None), ("pydantic", "model_validator"), ("typing", "Self")}
    imports |= {(f"{plan.package}._checks", "RowCheck"), (f"{plan.package}._checks", "enforce")}
    return SchemaModule(
        path=plan.layout.path_of("schemas", ent.module),
        doc=f"Pydantic schemas for {ent.qname.sql}.",
        table_sql=ent.qname.sql,
        imports=frozenset(imports),
        literals=tuple(literals),
        classes=tuple(classes),
        filter_class=f"{cls}Filter",
        constants=tuple(constants),
    )


def column_attr(ent: EntityPlan, column: str) -> str:
    return ent.column(column).attr

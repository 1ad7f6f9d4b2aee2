"""View objects for models/<table>.py: every line of a mapped class, decided here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dbgen.graph.relations import RelationKind
from dbgen.graph.relationships import RelationshipPlan
from dbgen.ir import ForeignKey
from dbgen.layout.printer import Printer
from dbgen.layout.statement import import_from, one_line_docstring
from dbgen.plan import constraints as cx
from dbgen.plan.mixins import Mixin
from dbgen.plan.models import ColumnPlan, EntityPlan, ProjectPlan
from dbgen.plan.pyexpr import call, pystr, sql_text
from dbgen.plan.typemap import SA, Import

_INTEGER_TYPES = frozenset({"smallint", "integer", "bigint"})


@dataclass(frozen=True, slots=True)
class ModelView:
    """Every statement already laid out (layout/): a line's first row
    is unindented (the template indents it), the rows after it carry their indentation."""

    entity: EntityPlan
    docstring: str
    imports: frozenset[Import]  # every import the module may use (layout/imports.py picks)
    type_checking_imports: list[str]
    type_checking_targets: tuple[tuple[str, str], ...]  # (dotted module, class) of those imports
    # Mapped class: the whole ``__table_args__ = ...`` statement, or None. Core table: the
    # elements of sa.Table(...) after the columns, each with its trailing comma.
    table_args: str | None
    core_args: list[str]
    column_lines: list[str]  # "attr: Mapped[...] = mapped_column(...)"; Core: "sa.Column(...),"
    relationship_lines: list[str]
    bases: str = "Base"  # the mapped class's bases: its mixins (plan/mixins.py), then Base


def _doc(entity: EntityPlan) -> str:
    # One line: the comment is for reading here (comment= keeps it exactly), and a docstring
    # black would re-indent or strip cannot be written in its layout at every depth.
    head = f"Table {entity.qname.sql}"
    if entity.table.view is not None:
        head = f"{entity.table.view.capitalize()} {entity.qname.sql} (read-only)"
    if entity.table.comment:
        return one_line_docstring(f"{head}: {entity.table.comment}")
    return one_line_docstring(head + ".")


def _column_key(entity: EntityPlan) -> cx.ColumnKey:
    """How this model's constraints name its columns: a Core table's columns are keyed by their
    attribute (``key=``); a mapped class's Column keeps its SQL name as key."""
    if entity.mapped:
        return lambda name: name
    return lambda name: entity.column(name).attr


def _links_by_name(fk: ForeignKey, project: ProjectPlan | None) -> bool:
    """True when a referenced column's key differs from its name (a Core table's attribute), so
    the reference must be resolved by SQL name."""
    if project is None:
        return False
    try:
        target = project.entity(fk.ref_table)
    except KeyError:
        return False
    return not target.mapped and any(target.column(c).attr != c for c in fk.ref_columns)


def _column_args(
    c: ColumnPlan, entity: EntityPlan, project: ProjectPlan | None
) -> tuple[list[str], dict[str, str | None]]:
    args = [c.type.sqlalchemy.expr]
    if c.foreign_key is not None:
        fk = c.foreign_key
        named = project is None or fk.name not in project.models.nameless(entity.table)
        args.append(cx.column_foreign_key(fk, _links_by_name(fk, project), named))
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
    if c.primary_key and project is not None and project.models.nullable_key(col):
        kw["nullable"] = "True"  # the database lets it hold NULL (ModelDialect.nullable_key)
    return args, kw


def column_line(
    c: ColumnPlan,
    entity: EntityPlan,
    sort_order: int | None = None,
    project: ProjectPlan | None = None,
) -> str:
    """``attr: Mapped[...] = mapped_column(...)``; ``sort_order`` for a mixin's column."""
    args, kw = _column_args(c, entity, project)
    if sort_order is not None:
        kw["sort_order"] = str(sort_order)
    name = pystr(c.name) if c.attr != c.name else None
    py = c.type.python.expr + (" | None" if c.nullable else "")
    return f"{c.attr}: Mapped[{py}] = " + call("mapped_column", name, *args, **kw)


def _core_column(c: ColumnPlan, entity: EntityPlan, project: ProjectPlan) -> str:
    args, kw = _column_args(c, entity, project)
    kw["nullable"] = "False" if not c.nullable else None
    kw["key"] = pystr(c.attr) if c.attr != c.name else None
    return call("sa.Column", pystr(c.name), *args, **kw)


def _relationship_line(r: RelationshipPlan, entity: EntityPlan) -> str:
    # Quoted class names: the target may live in a module imported only for type checking.
    if r.uselist:
        annotation = f'list["{r.target_class}"]'
    elif (
        r.kind is RelationKind.MANY_TO_ONE
        and r.foreign_key is not None
        and all(not entity.column(col).nullable for col in r.foreign_key.columns)
    ):
        annotation = f'"{r.target_class}"'
    else:
        annotation = f'"{r.target_class} | None"'
    fk = r.foreign_key
    foreign_keys: str | None = None
    remote_side: str | None = None
    if fk is not None and (r.kind is RelationKind.MANY_TO_ONE or r.target == entity.qname):
        # The key columns are attributes of this class: name them directly, so configuring the
        # mappers has no string to evaluate.
        foreign_keys = "[" + ", ".join(entity.column(c).attr for c in fk.columns) + "]"
        if r.remote_side:
            remote_side = "[" + ", ".join(entity.column(c).attr for c in fk.ref_columns) + "]"
    elif r.foreign_keys and not r.single_path:
        # On the referenced class only when several keys link the two tables.
        foreign_keys = pystr("[" + ", ".join(r.foreign_keys) + "]")
    kw: dict[str, str | None] = {
        "back_populates": pystr(r.back_populates),
        "foreign_keys": foreign_keys,
        "remote_side": remote_side,
        "secondary": pystr(r.secondary) if r.secondary else None,
        "primaryjoin": pystr(r.primaryjoin) if r.primaryjoin else None,
        "secondaryjoin": pystr(r.secondaryjoin) if r.secondaryjoin else None,
        "uselist": "False" if r.kind is RelationKind.ONE_TO_ONE else None,
        "overlaps": pystr(",".join(r.overlaps)) if r.overlaps else None,
        # No implicit IO: related rows are loaded on request (load=[...]), never one query per row.
        "lazy": pystr("raise"),
    }
    return f"{r.attr}: Mapped[{annotation}] = " + call("relationship", **kw)


def _table_args(
    entity: EntityPlan, project: ProjectPlan
) -> tuple[list[str], list[tuple[str, str]]]:
    """(constraint and index expressions, table options as (name, literal))."""
    t = entity.table
    key = _column_key(entity)
    args: list[str] = []
    pk = t.primary_key
    if pk is not None and (
        pk.name != f"{t.qname.name}_pkey" or pk.deferral.deferrable or not entity.mapped
    ):
        args.append(cx.primary_key(pk, key, project.models.primary_key_kwargs(pk)))
    models = project.models
    nameless = models.nameless(t)
    args += [cx.unique(u, key, named=u.name not in nameless) for u in t.uniques]
    args += [cx.check(c, named=c.name not in nameless) for c in t.checks]
    # Every key not already written on its column (ColumnPlan.foreign_key: one per column).
    args += [
        cx.foreign_key_constraint(
            fk, key=key, link_to_name=_links_by_name(fk, project), named=fk.name not in nameless
        )
        for fk in t.foreign_keys
        if fk is not entity.column(fk.columns[0]).foreign_key
    ]
    args += [cx.index(ix, key, models.index_kwargs, models.column_elements) for ix in t.indexes]
    options = []
    if t.qname.schema != "public":
        options.append(("schema", pystr(t.qname.schema)))
    if t.comment is not None:
        options.append(("comment", pystr(t.comment)))
    options += models.table_kwargs(t)
    if t.view is not None:
        # Not a table the migration creates: the Alembic environment skips it (env.py).
        options.append(("info", '{"is_view": True}'))
    return args, options


def type_checking_lines(
    targets: Iterable[tuple[str, str]], here: str, line_length: int
) -> list[str]:
    """The ``if TYPE_CHECKING:`` imports of the classes a module's relationships name: one
    ``from`` line per module (but ``here``, the module itself), laid out one level deep."""
    by_module: dict[str, set[str]] = {}
    for module, cls in targets:
        if module != here:
            by_module.setdefault(module, set()).add(cls)
    return [import_from(m, sorted(by_module[m]), 1, line_length) for m in sorted(by_module)]


def model_view(
    entity: EntityPlan,
    project: ProjectPlan,
    line_length: int = 100,
    mixins: tuple[Mixin, ...] = (),
) -> ModelView:
    """``mixins``: those of ``entity`` (their columns are inherited, not declared)."""
    # What the module may use; the names its body reads decide (layout/imports.py).
    imports: set[Import] = {
        SA,
        ("sqlalchemy.orm", "Mapped"),
        ("sqlalchemy.orm", "mapped_column"),
        ("sqlalchemy.orm", "relationship"),
        ("typing", "TYPE_CHECKING"),
        (f"{project.package}.base", "Base"),
    }
    for c in entity.columns:
        imports |= c.type.sqlalchemy.imports | c.type.python.imports
    imports |= {(f"{project.package}.base", m.class_name) for m in mixins}
    inherited = {m.attr for m in mixins}
    targets = sorted(
        {
            (r.target_module, r.target_class)
            for r in entity.relationships
            if r.target != entity.qname
        }
    )
    # Read only inside string annotations (Mapped["Other"]), so imported for type checkers.
    tc_targets = tuple((project.layout.module_of("models", m), cls) for m, cls in targets)
    args, options = _table_args(entity, project)
    flat_columns = [
        column_line(c, entity, project=project)
        if entity.mapped
        else _core_column(c, entity, project)
        for c in entity.columns
        if c.attr not in inherited
    ]
    flat_relationships = [_relationship_line(r, entity) for r in entity.relationships]
    docstring = _doc(entity)
    fmt = Printer(line_length)
    table_args: str | None = None
    core_args: list[str] = []
    if entity.mapped:
        columns = [fmt.lay(line, 1) for line in flat_columns]
        relationships = [fmt.lay(line, 1) for line in flat_relationships]
        entries = args + (
            ["{" + ", ".join(f'"{k}": {v}' for k, v in options) + "}"] if options else []
        )
        if len(entries) == 1:
            table_args = fmt.lay(f"__table_args__ = ({entries[0]},)", 1)
        elif entries:
            # Exploded with a trailing comma, which black keeps (a "magic trailing comma").
            table_args = "\n".join(
                ["__table_args__ = (", *("        " + fmt.item(e, 2) for e in entries), "    )"]
            )
    else:
        columns = [fmt.item(line, 1) for line in flat_columns]
        relationships = []
        core_args = [fmt.item(a, 1) for a in args] + [fmt.item(f"{k}={v}", 1) for k, v in options]
    ll = line_length
    return ModelView(
        entity=entity,
        docstring=docstring,
        imports=frozenset(imports),
        type_checking_imports=type_checking_lines(tc_targets, "", ll),
        type_checking_targets=tc_targets,
        table_args=table_args,
        core_args=core_args,
        column_lines=columns,
        relationship_lines=relationships,
        bases=", ".join([*(m.class_name for m in mixins), "Base"]),
    )

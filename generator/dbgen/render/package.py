"""Render the package skeleton, models and the initial migration (CRUD files: render/crud.py).

Every file is rendered in its final layout: layout/ lays out the long statements, the templates
follow black's blank-line rules. Nothing formats the files afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jinja2

from dbgen.dialects.base import DriverFacts
from dbgen.dialects.postgresql import POSTGRESQL
from dbgen.layout.imports import IMPORTS, with_imports
from dbgen.layout.printer import Printer
from dbgen.layout.statement import import_from
from dbgen.plan.migration import MigrationPlan, Step
from dbgen.plan.mixins import mixins_of, plan_mixins
from dbgen.plan.model_view import ModelView, column_line, model_view, type_checking_lines
from dbgen.plan.models import ProjectPlan
from dbgen.plan.pyexpr import pystr
from dbgen.plan.typemap import REFLECTED_AS_STRING, Import
from dbgen.plan.unmodelled import unmodelled_objects
from dbgen.render.env import templates_dir
from dbgen.runtime._requirements import REQUIREMENTS, TESTING_REQUIREMENTS

# The distribution's version: the package is rebuilt from the schema, not released, so it stays
# put (an editable install follows every build).
DISTRIBUTION_VERSION = "0.1.0"


# What the initial revision may use: the operations, the dialect's types and RawType's base.
_BASE_IMPORTS: frozenset[Import] = frozenset(
    {
        ("sqlalchemy", None),
        ("sqlalchemy.orm", "DeclarativeBase"),
        ("sqlalchemy.orm", "Mapped"),
        ("sqlalchemy.orm", "mapped_column"),
    }
)
MIGRATION_IMPORTS = frozenset(
    {
        ("collections.abc", "Sequence"),
        ("typing", "Any"),
        ("sqlalchemy", None),
        ("alembic", "op"),
        ("sqlalchemy.dialects", "postgresql"),
        ("sqlalchemy.dialects", "mysql"),
        ("sqlalchemy.types", "UserDefinedType"),
        ("sqlalchemy.ext.compiler", "compiles"),
    }
)


@dataclass(frozen=True, slots=True)
class Rendered:
    files: dict[str, str]
    migration_path: str | None = None  # the initial revision, when one was rendered


@dataclass(frozen=True, slots=True)
class _StepView:
    label: str
    upgrade: tuple[str, ...]
    downgrade: tuple[str, ...]


def _migration_steps(
    migration: MigrationPlan, fmt: Printer
) -> tuple[list[_StepView], list[_StepView]]:
    """(upgrade steps, downgrade steps), each statement laid out."""

    def lay(step: Step) -> _StepView:
        return _StepView(
            step.label,
            tuple(fmt.lay(s, 1) for s in step.upgrade),
            tuple(fmt.lay(s, 1) for s in step.downgrade),
        )

    return [lay(s) for s in migration.steps], [lay(s) for s in migration.downgrade_steps]


def render_package(
    plan: ProjectPlan,
    migration: MigrationPlan | None,
    sources: tuple[str, ...],
    env: jinja2.Environment,
    line_length: int = 100,
    *,
    driver: DriverFacts = POSTGRESQL.driver,
) -> Rendered:
    pkg = plan.package
    common = {
        "package": pkg,
        "sources": sources,
        "driver": driver,
        # A fixed import naming the package: as long as the package's name makes it.
        "import_from": lambda module, *names: import_from(module, names, 0, line_length),
    }

    def render(template: str, **context: object) -> str:
        return env.get_template(template).render(**common, imports=IMPORTS, **context)

    fmt = Printer(line_length)
    mixins = plan_mixins(plan, column_line)
    enum_members = [
        (e, [fmt.lay(f"{member} = {pystr(label)}", 1) for member, label in e.members])
        for e in plan.enums
    ]
    files = {
        "alembic.ini": render("alembic.ini.j2"),
        "pyproject.toml": render(
            "pyproject.toml.j2",
            distribution=pkg.replace("_", "-"),
            version=DISTRIBUTION_VERSION,
            requirements=(*REQUIREMENTS, *driver.requirements),
            testing_requirements=TESTING_REQUIREMENTS,
        ),
        f"{pkg}/__init__.py": render("package/__init__.py.j2"),
        f"{pkg}/py.typed": "",
        f"{pkg}/base.py": with_imports(
            f"{pkg}/base.py",
            render(
                "package/base.py.j2",
                mixins=[(m, fmt.lay(m.line, 1)) for m in mixins],
                naming=plan.models.naming,
                naming_note=plan.models.naming_note,
            ),
            _BASE_IMPORTS | {i for m in mixins for i in m.imports},
            pkg,
            line_length=line_length,
        ),
        f"{pkg}/types.py": render("package/types.py.j2"),
        f"{pkg}/enums.py": render("package/enums.py.j2", enums=enum_members),
        f"{pkg}/models/__init__.py": render(
            "package/models/__init__.py.j2",
            # Inside the try block that pauses the collector: laid out one level deep.
            import_lines=[
                import_from(module, sorted(names), 1, line_length)
                for module, names in sorted(_model_modules(plan).items())
            ],
            all_names=sorted(e.class_name if e.mapped else e.table_var for e in plan.entities),
        ),
        f"{pkg}/testing.py": render("package/testing.py.j2"),
        f"{pkg}/migrations/env.py": render(
            "package/migrations/env.py.j2",
            unmodelled=unmodelled_objects(plan.catalog),
            views=any(e.table.view is not None for e in plan.entities),
            reflected_as_string=any(
                c.type.element.base in REFLECTED_AS_STRING
                for e in plan.entities
                for c in e.table.columns
            ),
            unreflected_raw=plan.models.raw_unreflected
            and any(
                c.type.sqlalchemy.expr.startswith("RawType(")
                for e in plan.entities
                for c in e.columns
            ),
        ),
        f"{pkg}/migrations/script.py.mako": (
            templates_dir() / "package/migrations/script.py.mako"
        ).read_text(),
    }
    # Only a new history gets the initial revision: an existing one is kept as it is.
    migration_path = None
    if migration is not None:
        steps, downgrade_steps = _migration_steps(migration, fmt)
        migration_path = f"{pkg}/migrations/versions/{migration.revision}_initial.py"
        files[migration_path] = with_imports(
            migration_path,
            render(
                "package/migrations/initial.py.j2",
                m=migration,
                steps=steps,
                downgrade_steps=downgrade_steps,
            ),
            MIGRATION_IMPORTS,
            pkg,
        )
    # One module per entity in the layer layout; a feature's models.py holds all of its own.
    groups: dict[str, list[ModelView]] = {}
    for entity in plan.entities:
        view = model_view(entity, plan, line_length, mixins_of(mixins, entity.qname))
        groups.setdefault(plan.layout.path_of("models", entity.module), []).append(view)
    for path, views in groups.items():
        here = path.removesuffix(".py").replace("/", ".")
        text = render(
            "package/models/model.py.j2",
            models=views,
            doc=views[0].docstring
            if len(views) == 1
            else f"Tables {', '.join(v.entity.qname.sql for v in views)}.",
            type_checking_imports=type_checking_lines(
                (t for v in views for t in v.type_checking_targets), here, line_length
            ),
        )
        imports = frozenset().union(*(v.imports for v in views))
        files[path] = with_imports(path, text, imports, pkg, line_length=line_length)
    files.update(_feature_packages(plan, render))
    return Rendered(files, migration_path)


def _model_modules(plan: ProjectPlan) -> dict[str, list[str]]:
    """What models/__init__.py imports: Base, and every model class (or Core table) from the
    module that defines it."""
    out: dict[str, list[str]] = {f"{plan.package}.base": ["Base"]}
    for e in plan.entities:
        module = plan.layout.module_of("models", e.module)
        out.setdefault(module, []).append(e.class_name if e.mapped else e.table_var)
    return out


def _feature_packages(plan: ProjectPlan, render: Callable[..., str]) -> dict[str, str]:
    """The ``__init__.py`` of each feature package (feature layout): its docstring names the
    tables it holds."""
    out: dict[str, str] = {}
    by_module = {e.module: e for e in plan.entities}
    for feature, modules in plan.layout.feature_packages().items():
        tables = ", ".join(by_module[m].qname.sql for m in modules)
        out[f"{plan.package}/{feature}/__init__.py"] = render(
            "package/feature_init.py.j2", feature=feature, tables=tables
        )
    return out

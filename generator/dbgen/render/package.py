"""Render the package skeleton, models and the initial migration (CRUD files: render/crud.py).

Every file rendered here is already in black's layout (plan/pretty.py lays out the long
statements, the templates follow black's blank-line rules), so the build does not run black on
them: ``render_package`` says which files those are. A file whose content falls outside what
pretty.py lays out exactly like black is left out of that set and goes through black as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import jinja2

from dbgen.dialects.base import DriverFacts
from dbgen.dialects.postgresql import POSTGRESQL
from dbgen.plan.migration import MigrationPlan, Step
from dbgen.plan.model_view import model_view
from dbgen.plan.models import ProjectPlan
from dbgen.plan.pretty import Unsupported, import_from, layout
from dbgen.plan.pyexpr import pystr
from dbgen.render.env import templates_dir
from dbgen.runtime._requirements import REQUIREMENTS, TESTING_REQUIREMENTS

# The distribution's version: the package is rebuilt from the schema, not released, so it stays
# put (an editable install follows every build).
DISTRIBUTION_VERSION = "0.1.0"


@dataclass(frozen=True, slots=True)
class Rendered:
    files: dict[str, str]
    preformatted: frozenset[str]  # paths already in black's layout: the build skips black


@dataclass(frozen=True, slots=True)
class _StepView:
    label: str
    upgrade: tuple[str, ...]
    downgrade: tuple[str, ...]


def _migration_steps(
    migration: MigrationPlan, line_length: int
) -> tuple[list[_StepView], list[_StepView], bool]:
    """(upgrade steps, downgrade steps, laid out like black); flat statements if not."""

    def lay(step: Step) -> _StepView:
        return _StepView(
            step.label,
            tuple(layout(s, 1, line_length) for s in step.upgrade),
            tuple(layout(s, 1, line_length) for s in step.downgrade),
        )

    try:
        return [lay(s) for s in migration.steps], [lay(s) for s in migration.downgrade_steps], True
    except Unsupported:
        flat = [_StepView(s.label, s.upgrade, s.downgrade) for s in migration.steps]
        return (
            flat,
            [_StepView(s.label, s.upgrade, s.downgrade) for s in migration.downgrade_steps],
            False,
        )


def render_package(
    plan: ProjectPlan,
    migration: MigrationPlan,
    sources: tuple[str, ...],
    env: jinja2.Environment,
    line_length: int = 100,
    *,
    driver: DriverFacts = POSTGRESQL.driver,
) -> Rendered:
    pkg = plan.package
    common = {"package": pkg, "sources": sources, "driver": driver}

    def render(template: str, **context: object) -> str:
        return env.get_template(template).render(**common, **context)

    enum_members = []
    enums_plain = True
    for e in plan.enums:
        members = []
        for member, label in e.members:
            try:
                members.append(layout(f"{member} = {pystr(label)}", 1, line_length))
            except Unsupported:
                members.append(f"{member} = {pystr(label)}")
                enums_plain = False
        enum_members.append((e, members))
    entities = sorted(plan.entities, key=lambda e: e.module)
    steps, downgrade_steps, migration_plain = _migration_steps(migration, line_length)
    migration_path = f"{pkg}/migrations/versions/{migration.revision}_initial.py"
    files = {
        "alembic.ini": render("alembic.ini.j2"),
        "pyproject.toml": render(
            "pyproject.toml.j2",
            distribution=pkg.replace("_", "-"),
            version=DISTRIBUTION_VERSION,
            requirements=REQUIREMENTS,
            testing_requirements=TESTING_REQUIREMENTS,
        ),
        f"{pkg}/__init__.py": render("package/__init__.py.j2"),
        f"{pkg}/py.typed": "",
        f"{pkg}/base.py": render("package/base.py.j2"),
        f"{pkg}/types.py": render("package/types.py.j2"),
        f"{pkg}/enums.py": render("package/enums.py.j2", enums=enum_members),
        f"{pkg}/models/__init__.py": render(
            "package/models/__init__.py.j2",
            import_lines=[
                import_from(
                    f"{pkg}.models.{e.module}",
                    [e.class_name if e.mapped else e.table_var],
                    0,
                    line_length,
                )
                for e in entities
            ],
            all_names=sorted(e.class_name if e.mapped else e.table_var for e in plan.entities),
        ),
        f"{pkg}/migrations/env.py": render("package/migrations/env.py.j2"),
        f"{pkg}/migrations/script.py.mako": (
            templates_dir() / "package/migrations/script.py.mako"
        ).read_text(),
        migration_path: render(
            "package/migrations/initial.py.j2",
            m=migration,
            steps=steps,
            downgrade_steps=downgrade_steps,
        ),
    }
    # The fixed templates (base.py, types.py, ...) are written in black's layout for its default
    # line length; at another one black may split or join their lines differently.
    static = {
        f"{pkg}/{name}" for name in ("__init__.py", "base.py", "types.py", "migrations/env.py")
    }
    preformatted = {
        path
        for path in files
        if path.endswith(".py")
        and path != migration_path
        and (line_length == 100 or path not in static)
    }
    if not enums_plain:
        preformatted.discard(f"{pkg}/enums.py")
    if migration_plain:
        preformatted.add(migration_path)
    for entity in plan.entities:
        path = f"{pkg}/models/{entity.module}.py"
        view = model_view(entity, plan, line_length)
        files[path] = render("package/models/model.py.j2", m=view)
        if view.preformatted:
            preformatted.add(path)
    return Rendered(files, frozenset(preformatted))

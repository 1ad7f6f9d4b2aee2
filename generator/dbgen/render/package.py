"""Render the package skeleton, models and the initial migration (CRUD files: render/crud.py)."""

from __future__ import annotations

import jinja2

from dbgen.plan.migration import MigrationPlan
from dbgen.plan.model_view import model_view
from dbgen.plan.models import ProjectPlan
from dbgen.render.env import templates_dir


def render_package(
    plan: ProjectPlan, migration: MigrationPlan, sources: tuple[str, ...], env: jinja2.Environment
) -> dict[str, str]:
    pkg = plan.package
    common = {"package": pkg, "sources": sources}

    def render(template: str, **context: object) -> str:
        return env.get_template(template).render(**common, **context)

    files = {
        "alembic.ini": render("alembic.ini.j2"),
        f"{pkg}/__init__.py": render("package/__init__.py.j2"),
        f"{pkg}/py.typed": "",
        f"{pkg}/base.py": render("package/base.py.j2"),
        f"{pkg}/types.py": render("package/types.py.j2"),
        f"{pkg}/enums.py": render("package/enums.py.j2", enums=plan.enums),
        f"{pkg}/db.py": render("package/db.py.j2"),
        f"{pkg}/models/__init__.py": render(
            "package/models/__init__.py.j2",
            entities=sorted(plan.entities, key=lambda e: e.module),
            all_names=sorted(e.class_name if e.mapped else e.table_var for e in plan.entities),
        ),
        f"{pkg}/migrations/env.py": render("package/migrations/env.py.j2"),
        f"{pkg}/migrations/script.py.mako": (templates_dir() / "package/migrations/script.py.mako").read_text(),
        f"{pkg}/migrations/versions/{migration.revision}_initial.py": render(
            "package/migrations/initial.py.j2", m=migration
        ),
    }
    for entity in plan.entities:
        files[f"{pkg}/models/{entity.module}.py"] = render("package/models/model.py.j2", m=model_view(entity, plan))
    return files

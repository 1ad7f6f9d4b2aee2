"""Render the CRUD layer: schemas/, repositories/, uow.py, errors.py, pagination.py.

``render_crud(plan, env)`` is what the core calls. It returns {path under the output dir: source};
black runs afterwards in the emitter. All decisions live in plan/crud.py.
"""

from __future__ import annotations

import jinja2

from dbgen.plan.crud import MAX_BIND_PARAMS, plan_crud
from dbgen.plan.models import ProjectPlan


def render_crud(plan: ProjectPlan, env: jinja2.Environment) -> dict[str, str]:
    crud = plan_crud(plan)
    pkg = crud.package

    def render(template: str, **context: object) -> str:
        return env.get_template(template).render(package=pkg, **context)

    files = {
        f"{pkg}/errors.py": render("errors.py.j2"),
        f"{pkg}/pagination.py": render("pagination.py.j2", secret_env=crud.secret_env),
        f"{pkg}/uow.py": render("uow.py.j2", u=crud.uow),
        f"{pkg}/schemas/__init__.py": render("schemas/__init__.py.j2"),
        f"{pkg}/repositories/__init__.py": render("repositories/__init__.py.j2"),
        f"{pkg}/repositories/_base.py": render(
            "repositories/_base.py.j2", max_bind_params=MAX_BIND_PARAMS
        ),
    }
    for schema in crud.schemas:
        files[schema.path] = render("schemas/schema.py.j2", s=schema)
    for repo in crud.repos:
        files[repo.path] = render("repositories/repository.py.j2", r=repo)
    return files

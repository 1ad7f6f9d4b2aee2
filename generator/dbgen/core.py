"""The pure core: spec dir in, files and diagnostics out. It never writes (build/check/diff do)."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

from dbgen.diagnostics import Diagnostic, Span, error, has_errors, sort_key
from dbgen.ir import Catalog

CRUD_FILE = "crud.yaml"
# The largest input file read (each *.sql and crud.yaml), checked before reading: six times the
# largest real schema of the test corpus (musicbrainz, 640 kB), and small enough that any file
# under it is read within seconds and a few hundred MB (docs/safety.md).
MAX_INPUT_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a spec dir holds, read into memory: (display path, text) pairs."""

    sql: tuple[tuple[str, str], ...]
    crud: tuple[str, str] | None


@dataclass(frozen=True, slots=True)
class Result:
    files: dict[str, str]  # path relative to the output dir -> content, manifest included
    diagnostics: tuple[Diagnostic, ...]
    catalog: Catalog | None = None

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def display(path: Path) -> str:
    """Paths as the user would type them: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def inside(where: str, rel: str) -> str:
    """``rel`` inside the directory displayed as ``where``."""
    return rel if where in (".", "") else f"{where}/{rel}"


def read_inputs(spec_dir: Path) -> tuple[Inputs | None, tuple[Diagnostic, ...]]:
    if not spec_dir.is_dir():
        return None, (error(Span(display(spec_dir)), "no-spec-dir", "not a directory"),)
    sql_paths = sorted(p for p in spec_dir.glob("*.sql") if p.is_file())
    if not sql_paths:
        return None, (
            error(Span(display(spec_dir)), "no-sql", "no *.sql files in the spec directory"),
        )
    problems: list[Diagnostic] = []
    sql: list[tuple[str, str]] = []
    for p in sql_paths:
        text = _read(p, problems)
        if text is not None:
            sql.append((display(p), text))
    crud_path = spec_dir / CRUD_FILE
    crud = None
    if crud_path.is_file():
        text = _read(crud_path, problems)
        if text is not None:
            crud = (display(crud_path), text)
    else:
        problems.append(
            error(
                Span(display(crud_path)),
                "no-crud-spec",
                f"{CRUD_FILE} is missing; `dbgen scaffold {display(spec_dir)}/*.sql --out {display(crud_path)}` writes a starter",
            )
        )
    return Inputs(tuple(sql), crud), tuple(problems)


def _read(path: Path, problems: list[Diagnostic]) -> str | None:
    """An input file's text, or None with the reason added to ``problems``."""
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            problems.append(
                error(
                    Span(display(path)),
                    "input-too-large",
                    f"{size} bytes; dbgen reads input files of at most {MAX_INPUT_BYTES} bytes "
                    f"({MAX_INPUT_BYTES // (1024 * 1024)} MiB)",
                )
            )
            return None
        with path.open(encoding="utf-8") as f:
            # A file grown since stat() is still cut at the limit: one byte more says so.
            text = f.read(MAX_INPUT_BYTES + 1)
        if len(text.encode("utf-8")) > MAX_INPUT_BYTES:
            problems.append(
                error(
                    Span(display(path)),
                    "input-too-large",
                    "the file grew past the limit while read",
                )
            )
            return None
        return text
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(error(Span(display(path)), "unreadable", str(exc)))
        return None


def generate(inputs: Inputs, *, line_length: int = 100, dialect: str = "postgresql") -> Result:
    # A build allocates millions of objects that live until it ends (catalog, plan, the files);
    # the cyclic collector would traverse them again and again (about a sixth of a 500-table
    # build) to find little: it is paused for the build and runs once after it.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(inputs, line_length=line_length, dialect=dialect)
    finally:
        if enabled:
            gc.enable()
        gc.collect()


def _generate(inputs: Inputs, *, line_length: int, dialect: str) -> Result:
    # Imported here so `dbgen --version` and `--help` stay fast.
    from dbgen.dialects import get_dialect
    from dbgen.emit.manifest import with_manifest
    from dbgen.emit.pycheck import check_python
    from dbgen.graph import build_graph
    from dbgen.plan.models import plan_project
    from dbgen.render.crud import render_crud
    from dbgen.render.env import environment
    from dbgen.render.package import render_package
    from dbgen.spec import load_spec

    # The one place the dialect is chosen: reading, types, migration and drivers follow from it.
    db = get_dialect(dialect)
    catalog, diagnostics = db.read_schema(inputs.sql)
    all_diags = list(diagnostics)
    if has_errors(all_diags) or inputs.crud is None:
        return Result({}, _sorted(all_diags), catalog)
    graph = build_graph(catalog)  # once per build: binding and planning both read it
    spec, spec_diags = load_spec(inputs.crud[0], inputs.crud[1], graph)
    all_diags += spec_diags
    if spec is None or has_errors(all_diags):
        return Result({}, _sorted(all_diags), catalog)
    plan = plan_project(graph, spec.package, spec, map_type=db.map_type)
    migration = db.plan_initial_migration(catalog, plan.type_context)
    env = environment()
    sources = (*(Path(p).name for p, _ in inputs.sql), Path(inputs.crud[0]).name)
    package = render_package(plan, migration, sources, env, line_length, driver=db.driver)
    files = dict(package.files)
    files.update(render_crud(plan, env, line_length).files)
    # Every file is rendered in its final layout (layout/); nothing formats it afterwards.
    # Accepted means importable: nothing that does not compile leaves the core.
    all_diags += check_python(files)
    if has_errors(all_diags):
        return Result({}, _sorted(all_diags), catalog)
    return Result(with_manifest(files), _sorted(all_diags), catalog)


def _sorted(diags: list[Diagnostic]) -> tuple[Diagnostic, ...]:
    return tuple(sorted(diags, key=sort_key))

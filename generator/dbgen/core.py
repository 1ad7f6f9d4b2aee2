"""The pure core: spec dir in, files and diagnostics out. It never writes (build/check/diff do)."""

from __future__ import annotations

import dataclasses
import gc
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dbgen.diagnostics import Diagnostic, Span, error, has_errors, sort_key
from dbgen.ir import Catalog

if TYPE_CHECKING:
    from dbgen.history.plan import Options, Pending

CRUD_FILE = "crud.yaml"
QUERY_DIR = "queries"  # named queries (spec/queries.py), apart from the schema's *.sql
# The largest input file read (each *.sql and crud.yaml), checked before reading: six times the
# largest real schema of the test corpus (musicbrainz, 640 kB), and small enough that any file
# under it is read within seconds and a few hundred MB (docs/safety.md).
MAX_INPUT_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a spec dir holds, read into memory: (display path, text) pairs."""

    sql: tuple[tuple[str, str], ...]
    crud: tuple[str, str] | None
    # The output directory's migration history (history/revisions.read_history_files) and how
    # to name that directory in messages.
    history: tuple[tuple[str, str], ...] = ()
    out_display: str = "generated"
    # The named queries: queries/*.sql of the spec directory (spec/queries.py).
    queries: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Result:
    files: dict[str, str]  # path relative to the output dir -> content, manifest included
    diagnostics: tuple[Diagnostic, ...]
    catalog: Catalog | None = None
    pending: Pending | None = None  # the revision this build adds to the history, if any
    head: str | None = None  # the history's head before this build

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
        text = read_input(p, problems)
        if text is not None:
            sql.append((display(p), text))
    crud_path = spec_dir / CRUD_FILE
    crud = None
    if crud_path.is_file():
        text = read_input(crud_path, problems)
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
    queries: list[tuple[str, str]] = []
    query_dir = spec_dir / QUERY_DIR
    if query_dir.is_dir():
        for p in sorted(q for q in query_dir.glob("*.sql") if q.is_file()):
            text = read_input(p, problems)
            if text is not None:
                queries.append((display(p), text))
    return Inputs(tuple(sql), crud, queries=tuple(queries)), tuple(problems)


def read_input(path: Path, problems: list[Diagnostic]) -> str | None:
    """An input file's text, exactly as written (line ends too: PostgreSQL keeps a CR inside a
    string literal or comment, so must we), or None with the reason added to ``problems``."""
    name = path.name
    if not name.isprintable() or any("\ud800" <= c <= "\udfff" for c in name):
        # File names are text in the output (docstrings, pyproject.toml, schema diffs).
        problems.append(
            error(
                Span(display(path).encode("ascii", "backslashreplace").decode()),
                "invalid-file-name",
                f"input file name {name!a} is not UTF-8 text without control characters "
                "(it is written into the generated files); rename it",
            )
        )
        return None
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
        with path.open(encoding="utf-8", newline="") as f:
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


def generate(
    inputs: Inputs,
    *,
    line_length: int = 100,
    dialect: str = "postgresql",
    evolve: Options | None = None,
    dialect_setting: str | None = None,
    layout: str = "layer",
) -> Result:
    # A build allocates millions of objects that live until it ends (catalog, plan, the files);
    # the cyclic collector would traverse them again and again (about a sixth of a 500-table
    # build) to find little: it is paused for the build and, if the caller runs it, runs once
    # after it. A caller that keeps it off (the CLI, a process that exits after the build) is
    # not made to pay for that collection (0.1 s on a 500-table build).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(
            inputs,
            line_length=line_length,
            dialect=dialect,
            evolve=evolve,
            setting=dialect_setting,
            layout=layout,
        )
    finally:
        if enabled:
            gc.enable()
            gc.collect()


def _generate(
    inputs: Inputs,
    *,
    line_length: int,
    dialect: str,
    evolve: Options | None,
    setting: str | None,
    layout: str,
) -> Result:
    # Imported here so `dbgen --version` and `--help` stay fast.
    from dbgen.dialects import get_dialect, read_schema
    from dbgen.emit.manifest import with_manifest
    from dbgen.emit.pycheck import check_python_split, start_check_python
    from dbgen.graph import build_graph
    from dbgen.history.plan import Options, initial_files, plan_versions, source_name
    from dbgen.history.revisions import load_history
    from dbgen.plan.models import plan_project
    from dbgen.plan.views import view_tables
    from dbgen.render.crud import render_crud
    from dbgen.render.env import environment
    from dbgen.render.package import render_package
    from dbgen.spec import load_spec
    from dbgen.spec.queries import load_queries

    # The one place the dialect is chosen: reading, types, migration and drivers follow from it.
    db = get_dialect(dialect)
    catalog, diagnostics = read_schema(db, inputs.sql, setting)
    all_diags = list(diagnostics)
    if catalog is None or has_errors(all_diags) or inputs.crud is None:
        return Result({}, _sorted(all_diags), catalog)
    # Views crud.yaml names join the catalog the models and the CRUD layer are planned from (as
    # read-only tables, typed from their queries), never the migration's (plan/views.py).
    views, view_diags = view_tables(catalog, inputs.crud, postgresql=db.name == "postgresql")
    all_diags += view_diags
    if has_errors(all_diags):
        return Result({}, _sorted(all_diags), catalog)
    model_catalog = (
        dataclasses.replace(catalog, tables=catalog.tables + views) if views else catalog
    )
    graph = build_graph(model_catalog)  # once per build: binding and planning both read it
    spec, spec_diags = load_spec(inputs.crud[0], inputs.crud[1], graph)
    all_diags += spec_diags
    if spec is None or has_errors(all_diags):
        return Result({}, _sorted(all_diags), catalog)
    if inputs.queries and db.name != "postgresql":
        # The typer's resolution and type rules are PostgreSQL's.
        return Result(
            {},
            _sorted(
                [
                    *all_diags,
                    error(
                        Span(inputs.queries[0][0]),
                        "queries-unsupported-dialect",
                        f"named queries are typed with PostgreSQL's rules; the {db.name} "
                        "dialect has none yet (move queries/ out of the spec directory)",
                    ),
                ]
            ),
            catalog,
        )
    queries, query_diags = load_queries(inputs.queries, catalog)
    all_diags += query_diags
    if has_errors(all_diags):
        return Result({}, _sorted(all_diags), catalog)
    plan = plan_project(
        graph,
        spec.package,
        spec,
        map_type=db.map_type,
        layout=layout,
        models=db.models,
    )
    history, history_diags = load_history(inputs.history, spec.package, inputs.out_display)
    all_diags += history_diags
    if has_errors(all_diags):
        return Result({}, _sorted(all_diags), catalog)
    sql_sources = {source_name(p): text for p, text in inputs.sql}
    versions = plan_versions(
        history,
        package=spec.package,
        sources=sql_sources,
        source_dir=str(Path(inputs.sql[0][0]).parent),
        catalog=catalog,
        ctx=plan.type_context,
        dialect=db,
        options=evolve if evolve is not None else Options(),
        out_display=inputs.out_display,
        line_length=line_length,
    )
    all_diags += versions.diagnostics
    if has_errors(all_diags):
        return Result({}, _sorted(all_diags), catalog)
    # The initial revision is planned only when it is written (or compared, for a legacy one).
    migration = (
        db.plan_initial_migration(catalog, plan.type_context)
        if versions.render_initial or versions.legacy is not None
        else None
    )
    env = environment()
    sources = (*(Path(p).name for p, _ in inputs.sql), Path(inputs.crud[0]).name)
    package = render_package(plan, migration, sources, env, line_length, driver=db.driver)
    files = dict(package.files)
    files.update(versions.new_files)
    # Every file is rendered in its final layout (layout/); nothing formats it afterwards.
    # Accepted means importable: nothing that does not compile leaves the core. The models and
    # the migration compile on another core while the CRUD layer renders, and the CRUD files
    # are shared between two processes (emit/pycheck.py).
    rendered = start_check_python(dict(files))
    try:
        crud_files = render_crud(plan, env, line_length, driver=db.driver, queries=queries).files
    finally:
        early = rendered.result()
    # A path the CRUD layer renders again is checked as it is written, with the CRUD files.
    all_diags += [d for d in early if d.span.file not in crud_files]
    files.update(crud_files)
    all_diags += check_python_split(crud_files)
    if has_errors(all_diags):
        return Result({}, _sorted(all_diags), catalog)
    if migration is not None:
        initial = package.migration_path
        assert initial is not None
        if versions.legacy is not None and files.get(initial) != versions.legacy.text:
            return Result(
                {}, _sorted([*all_diags, _legacy_changed(inputs, versions.legacy.rel)]), catalog
            )
        # A legacy initial revision is identical to what was rendered: it stays, and gains the
        # schema diff it was written without.
        files.update(initial_files(initial, migration.revision, sql_sources))
    files.update(versions.kept)  # history goes back out as it came in
    return Result(
        with_manifest(files),
        _sorted(all_diags),
        catalog,
        pending=versions.pending,
        head=versions.head,
    )


def _legacy_changed(inputs: Inputs, rel: str) -> Diagnostic:
    return error(
        Span(inside(inputs.out_display, rel)),
        "history-no-snapshot",
        "an earlier dbgen wrote this initial revision without a schema snapshot, and the schema "
        "changed since, so dbgen cannot tell what changed. If no database was upgraded to it, "
        "delete it and build (a new initial revision); otherwise put the schema back as it was, "
        "build once (dbgen records it), then make your edit and build again",
    )


def _sorted(diags: list[Diagnostic]) -> tuple[Diagnostic, ...]:
    return tuple(sorted(diags, key=sort_key))

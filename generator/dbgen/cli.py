"""The `dbgen` command. Exit codes: 0 ok, 1 findings (stale output, differences), 2 bad input."""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from dbgen import __version__
from dbgen.core import Inputs, Result, display, generate, inside, read_input, read_inputs
from dbgen.diagnostics import Diagnostic, has_errors

if TYPE_CHECKING:
    from dbgen.config import Config
    from dbgen.emit.ownership import Survey
    from dbgen.emit.stamp import Stamp, Verdict
    from dbgen.evolve import Renames

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Generate a typed Python data layer from a PostgreSQL schema and crud.yaml.",
)

SpecDir = Annotated[
    Path, typer.Argument(help="Directory with *.sql (read in name order) and crud.yaml.")
]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Output directory (default: dbgen.toml's, else ./generated)."),
]


def _print(diags: tuple[Diagnostic, ...] | list[Diagnostic]) -> None:
    for d in diags:
        print(d, file=sys.stderr)


def _fail(diags: tuple[Diagnostic, ...] | list[Diagnostic]) -> NoReturn:
    _print(diags)
    n = sum(d.is_error for d in diags)
    print(f"dbgen: {n} error{'s' if n != 1 else ''}; nothing written", file=sys.stderr)
    raise typer.Exit(2)


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What a command read before generating: the configuration, the inputs (the output
    directory's history included), where the output goes, and the declared renames."""

    config: Config
    inputs: Inputs
    target: Path
    renames: Renames | None


def _prepare(spec_dir: Path, out: Path | None, *, recover_first: bool = False) -> _Prepared:
    import dataclasses

    from dbgen.config import load_config
    from dbgen.history.revisions import read_history_files

    config, config_diags = load_config(spec_dir, Path.cwd())
    if has_errors(config_diags):
        _fail(config_diags)
    inputs, input_diags = read_inputs(spec_dir)
    if inputs is None or has_errors(input_diags):
        _fail(input_diags)
    target = out if out is not None else config.out
    renames = None
    if config.renames:
        from dbgen.evolve import load_renames

        renames, rename_diags = load_renames(config.renames, config.source)
        if has_errors(rename_diags):
            _fail(rename_diags)
        _print(rename_diags)
    _interrupted(spec_dir, target, recover_first)
    # The revisions already in the output directory are an input: the build adds to them.
    inputs = dataclasses.replace(
        inputs, history=read_history_files(target.resolve()), out_display=display(target)
    )
    return _Prepared(config, inputs, target, renames)


def _run(
    spec_dir: Path,
    out: Path | None,
    *,
    allow_destructive: bool = False,
    message: str | None = None,
    fold: bool = False,
    recover_first: bool = False,
    prepared: _Prepared | None = None,
) -> tuple[Result, Path]:
    from dbgen.history.plan import Options

    prep = prepared or _prepare(spec_dir, out, recover_first=recover_first)
    options = Options(
        allow_destructive=allow_destructive or prep.config.allow_destructive,
        concurrent_indexes=prep.config.concurrent_indexes,
        message=message,
        fold=fold,
        renames=prep.renames,
    )
    result = generate(
        prep.inputs,
        line_length=prep.config.line_length,
        evolve=options,
        dialect=prep.config.dialect,
        dialect_setting=prep.config.dialect_setting,
        layout=prep.config.layout,
    )
    if not result.ok:
        _fail(result.diagnostics)
    _print(result.diagnostics)
    return result, prep.target


def _expected_stamp(prep: _Prepared) -> Stamp:
    """The stamp a build of ``prep`` records, but for the tree's own fields (the manifest and
    the hand-written history, known after the build)."""
    from dbgen.emit.stamp import Stamp, generator_id, inputs_digest

    return Stamp(generator_id(), inputs_digest(prep.inputs, prep.config), "", "")


def _stamped(spec_dir: Path, prep: _Prepared) -> Verdict | None:
    """The verdict on the output directory without rendering, when its stamp can give one."""
    from dbgen.emit.ownership import refusal
    from dbgen.emit.stamp import verify

    root = prep.target.resolve()
    if not root.is_dir():
        return None
    verdict = verify(root, _expected_stamp(prep), prep.inputs.history)
    if verdict is None or refusal(prep.target, spec_dir, display(prep.target)) is not None:
        return None  # rendering and the survey say what is wrong
    return verdict


def _record_stamp(prep: _Prepared, result: Result) -> None:
    """After a build left the output directory equal to ``result``: what it was built from."""
    import dataclasses

    from dbgen.emit.manifest import MANIFEST, digest
    from dbgen.emit.stamp import user_history_digest, write_stamp

    stamp = dataclasses.replace(
        _expected_stamp(prep),
        manifest=digest(result.files[MANIFEST].encode()),
        user_history=user_history_digest(prep.inputs.history, result.files),
    )
    write_stamp(prep.target.resolve(), stamp)


def _interrupted(spec_dir: Path, target: Path, recover_first: bool) -> None:
    """An interrupted build's files are put back before the history is read from them: ``build``
    restores them (``recover_first``), ``check`` and ``diff`` refuse until it has."""
    from dbgen.diagnostics import Span, note
    from dbgen.emit.ownership import interrupted, refusal
    from dbgen.emit.write import recover

    where = display(target)
    pending = interrupted(target.resolve(), where) if target.is_dir() else None
    if pending is None:
        return
    if not recover_first:
        _fail([pending])
    refused = refusal(target, spec_dir, where)
    if refused is not None:
        _fail([refused])
    if recover(target.resolve()):
        _print([note(Span(where), "recovered", "restored the files of an interrupted build")])


AdoptOption = Annotated[
    bool,
    typer.Option(
        "--adopt",
        help="Take over an output directory without a manifest: files identical to what the "
        "build writes, or beginning with dbgen's header, become dbgen's; nothing else is touched.",
    ),
]


def _survey(
    spec_dir: Path, result: Result, target: Path, adopt: bool = False
) -> tuple[Survey, str]:
    from dbgen.emit.ownership import survey

    where = display(target)
    plan, diags = survey(target, result.files, spec_dir=spec_dir, display=where, adopt=adopt)
    if plan is None:
        _fail(diags)
    _print(diags)
    return plan, where


AllowDestructiveOption = Annotated[
    bool,
    typer.Option(
        "--allow-destructive",
        help="Write a revision that drops tables, columns or enum values, narrows a type or sets "
        "NOT NULL (refused otherwise; `allow_destructive = true` in dbgen.toml does the same).",
    ),
]
MessageOption = Annotated[
    str | None,
    typer.Option(
        "--message",
        "-m",
        help="What the new revision does: its docstring's first line and its file name's slug.",
    ),
]
FoldOption = Annotated[
    bool,
    typer.Option(
        "--fold",
        help="Fold the schema edits into the newest revision (dbgen's, not yet deployed) "
        "instead of adding one: that revision is planned again from its parent and replaced.",
    ),
]


def _pending_line(result: Result, where: str) -> str | None:
    p = result.pending
    if p is None:
        return None
    verb = f"replaces {p.replaces} with" if p.replaces else "adds"
    return f"dbgen: revision {verb} {p.revision} ({inside(where, p.path)}): {p.summary}"


@app.command()
def build(
    spec_dir: SpecDir,
    out: OutOption = None,
    adopt: AdoptOption = False,
    allow_destructive: AllowDestructiveOption = False,
    message: MessageOption = None,
    fold: FoldOption = False,
) -> None:
    """Generate the package into the output directory. Only files dbgen wrote (its manifest)
    are replaced or removed, each atomically; a failed build restores the previous files. When
    the schema changed since the newest revision, one revision is added after it."""
    from dbgen.diagnostics import Span, error
    from dbgen.emit.ownership import refusal
    from dbgen.emit.write import Interrupted, apply

    prep = _prepare(spec_dir, out, recover_first=True)
    if not (adopt or fold or message):
        # A tree its stamp proves current is what this build would write: nothing to do.
        verdict = _stamped(spec_dir, prep)
        if verdict is not None and verdict.clean:
            print(f"dbgen: {display(prep.target)} is up to date ({verdict.files} files)")
            return
    result, target = _run(
        spec_dir,
        out,
        allow_destructive=allow_destructive,
        message=message,
        fold=fold,
        prepared=prep,
    )
    where = display(target)
    if result.pending is not None and result.pending.refused:
        print(
            "dbgen: the new revision makes destructive changes (above) and none were allowed; "
            "nothing written. Review them, then build with --allow-destructive "
            "(or allow_destructive = true in dbgen.toml)",
            file=sys.stderr,
        )
        raise typer.Exit(2)
    refused = refusal(target, spec_dir, where, result.files)
    if refused is not None:
        _fail([refused])
    plan, where = _survey(spec_dir, result, target, adopt)
    n = len(result.files)
    if plan.clean:
        _record_stamp(prep, result)
        print(f"dbgen: {where} is up to date ({n} files)")
        return
    try:
        apply(plan)
    except (OSError, Interrupted) as exc:
        failed = getattr(exc, "filename", None)
        span = Span(display(Path(failed)) if isinstance(failed, str) else where)
        _fail([error(span, "write-failed", f"{exc}; the previous files are restored")])
    _record_stamp(prep, result)
    changed = len(plan.writes) + len(plan.removals)
    removed = f", {len(plan.removals)} removed" if plan.removals else ""
    print(f"dbgen: wrote {where} ({n} files, {changed} changed{removed})")
    line = _pending_line(result, where)
    if line is not None:
        print(line)
        if result.pending is not None and result.pending.hazard_summary:
            print(f"dbgen: {result.pending.hazard_summary}")


def _command(name: str, spec_dir: Path, out: Path | None) -> str:
    """``dbgen NAME`` with the spec directory and --out as the user gave them."""
    import shlex

    words = ["dbgen", name, str(spec_dir), *(["--out", str(out)] if out is not None else [])]
    return shlex.join(words)


@app.command()
def check(spec_dir: SpecDir, out: OutOption = None) -> None:
    """Exit 0 when the output is up to date, 1 with the stale/missing/extra files otherwise
    (and, when the schema changed since the newest revision, which revision that is).

    While the stamp a build left (dbgen-stamp.txt) matches the generator and the inputs, the
    files are verified against the manifest's hashes instead of being rendered again."""
    prep = _prepare(spec_dir, out)
    verdict = _stamped(spec_dir, prep)
    if verdict is not None:
        where = display(prep.target)
        found: tuple[tuple[str, tuple[str, ...]], ...] = (
            ("stale", verdict.stale),
            ("missing", verdict.missing),
        )
        count = verdict.files
        pending = None
    else:
        result, target = _run(spec_dir, out, prepared=prep)
        plan, where = _survey(spec_dir, result, target)
        found = (("stale", plan.stale), ("missing", plan.missing), ("extra", plan.removals))
        count, pending = len(result.files), result.pending
    if not any(paths for _, paths in found):
        print(f"dbgen: {where} is up to date ({count} files)")
        return
    for kind, paths in found:
        for p in paths:
            print(f"{kind}: {inside(where, p)}")
    if pending is not None and pending.parent is not None:
        print(
            f"dbgen: schema changed since revision {pending.parent}: run dbgen build",
            file=sys.stderr,
        )
    print(
        f"dbgen: {where} is out of date; run `{_command('build', spec_dir, out)}`", file=sys.stderr
    )
    raise typer.Exit(1)


@app.command()
def diff(
    spec_dir: SpecDir,
    out: OutOption = None,
    message: MessageOption = None,
    fold: FoldOption = False,
) -> None:
    """Print a unified diff from the output directory to what build would write (a pending
    revision included); exit 1 if any."""
    from dbgen.emit.tree import unified_diff

    result, target = _run(spec_dir, out, message=message, fold=fold)
    plan, _ = _survey(spec_dir, result, target)
    text = unified_diff(plan)
    sys.stdout.write(text)
    if text:
        raise typer.Exit(1)


@app.command()
def inspect(spec_dir: SpecDir) -> None:
    """Print the intermediate model (the schema catalog and the bound crud spec) as JSON."""
    from dbgen.config import load_config
    from dbgen.dialects import get_dialect, read_schema
    from dbgen.graph import build_graph
    from dbgen.jsonify import to_jsonable
    from dbgen.spec import load_spec

    config, config_diags = load_config(spec_dir, Path.cwd())
    if has_errors(config_diags):
        _fail(config_diags)
    inputs, input_diags = read_inputs(spec_dir)
    if inputs is None or has_errors([d for d in input_diags if d.code != "no-crud-spec"]):
        _fail(input_diags)
    catalog, diags = read_schema(get_dialect(config.dialect), inputs.sql, config.dialect_setting)
    if catalog is None or has_errors(diags):
        _fail(diags)
    spec = None
    if inputs.crud is not None:
        spec, spec_diags = load_spec(inputs.crud[0], inputs.crud[1], build_graph(catalog))
        if has_errors(spec_diags):
            _fail(spec_diags)
    _print(diags)
    json.dump(
        {"catalog": to_jsonable(catalog), "spec": to_jsonable(spec)},
        sys.stdout,
        indent=2,
        ensure_ascii=False,
    )
    sys.stdout.write("\n")


@app.command()
def scaffold(
    schema: Annotated[
        list[Path], typer.Argument(help="SQL schema files, read in the order given.")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")
    ] = None,
    package: Annotated[
        str | None,
        typer.Option("--package", help="Package name (default: <first file's directory>_db)."),
    ] = None,
    dialect: Annotated[
        str | None,
        typer.Option(
            "--dialect",
            help="The schema's database: postgresql, mysql or sqlite (default: the dbgen.toml "
            "beside the first file, else postgresql).",
        ),
    ] = None,
) -> None:
    """Write a starter crud.yaml for every table of the schema, accepted by `build` as is."""
    from dbgen.config import load_config
    from dbgen.diagnostics import Span, error
    from dbgen.dialects import dialect_problem, get_dialect, read_schema
    from dbgen.graph import build_graph
    from dbgen.graph.bindings import package_name_problem
    from dbgen.scaffold import default_package
    from dbgen.scaffold import scaffold as render_scaffold

    sources: list[tuple[str, str]] = []
    problems: list[Diagnostic] = []
    for p in schema:
        text = read_input(p, problems)  # the same limits and line ends as build
        if text is not None:
            sources.append((display(p), text))
    if problems:
        _fail(problems)
    if dialect is not None:
        unusable = dialect_problem(dialect)
        if unusable is not None:
            _fail([error(Span("--dialect"), "invalid-dialect", unusable)])
        chosen, setting = dialect, f"--dialect {dialect}"
    else:
        # The dbgen.toml of the spec directory the schema sits in (where build looks for it).
        config, config_diags = load_config(schema[0].parent if schema else Path("."), Path.cwd())
        if has_errors(config_diags):
            _fail(config_diags)
        chosen, setting = config.dialect, config.dialect_setting
    pkg = package or default_package(schema)
    problem = package_name_problem(pkg)
    if problem is not None:
        _fail([error(Span("--package"), "invalid-package", problem)])
    catalog, diags = read_schema(get_dialect(chosen), sources, setting)
    if catalog is None or has_errors(diags):
        _fail(diags)
    _print([d for d in diags if d.is_error or d.severity.value == "warning"])
    text = render_scaffold(build_graph(catalog), pkg, [Path(p).name for p, _ in sources])
    if out is None:
        sys.stdout.write(text)
        return
    out.write_text(text, encoding="utf-8")
    n = sum(t.partition_of is None for t in catalog.tables)
    print(f"dbgen: wrote {display(out)} ({n} entities, package {pkg})", file=sys.stderr)


@app.command()
def verify(
    spec_dir: SpecDir,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            envvar=["DBGEN_VERIFY_URL", "DATABASE_URL"],
            help="A server to create two scratch databases on (postgresql://user@host:port/db, "
            "mysql://user@host:port/db for a mysql spec; SQLite needs none); default: $DBGEN_VERIFY_URL, else $DATABASE_URL (its database is not touched).",
        ),
    ] = None,
) -> None:
    """Load the SQL into one scratch database and the generated migration into another; compare
    their catalogs. Exit 1 on any difference, 2 when a step cannot run. Both databases are
    dropped afterwards."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from dbgen.config import load_config
    from dbgen.diagnostics import Span, error
    from dbgen.verify import VerifyError

    config, config_diags = load_config(spec_dir, Path.cwd())
    if has_errors(config_diags):
        _fail(config_diags)
    from dbgen.dialects import get_dialect

    dialect = get_dialect(config.dialect)
    local = dialect.verify_local
    if local is not None:  # a dialect without a server (SQLite): two scratch files
        result, _ = _run(spec_dir, None)
        sql_paths = sorted(p for p in spec_dir.glob("*.sql") if p.is_file())
        try:
            _report_verify(spec_dir, local(sql_paths, result.files))
        except VerifyError as exc:
            print(f"dbgen: verify: {exc}", file=sys.stderr)
            raise typer.Exit(2) from None
        return
    on_server = dialect.verify_server
    if on_server is None:
        _fail(
            [
                error(
                    Span(config.source or display(spec_dir)),
                    "verify-unsupported",
                    f"dbgen verify cannot verify {config.dialect_setting} yet (the corpus tests "
                    "check its migrations with the shared roundtrip tools)",
                )
            ]
        )
    schemes = dialect.driver.url_schemes
    if not database_url:
        _fail(
            [
                error(
                    Span("--database-url"),
                    "no-database-url",
                    f"verify needs a server: pass --database-url {schemes[0]}://user@host:port/db, "
                    "or set DBGEN_VERIFY_URL or DATABASE_URL",
                )
            ]
        )
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        _fail([error(Span("--database-url"), "invalid-url", str(exc))])
    if url.get_backend_name() not in schemes:
        wanted = " or ".join(f"{s}://" for s in schemes[:2])
        _fail(
            [
                error(
                    Span("--database-url"),
                    "invalid-url",
                    f"a {wanted} URL is needed ({config.dialect_setting})",
                )
            ]
        )
    result, _ = _run(spec_dir, None)
    sql_paths = sorted(p for p in spec_dir.glob("*.sql") if p.is_file())
    try:
        differences = on_server(url, sql_paths, result.files)
    except VerifyError as exc:
        print(f"dbgen: verify: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    _report_verify(spec_dir, differences)


def _report_verify(spec_dir: Path, differences: Sequence[object]) -> None:
    for d in differences:
        print(d)
    if differences:
        print(
            f"dbgen: verify: {len(differences)} difference{'s' if len(differences) != 1 else ''} "
            "between the schema and the migration",
            file=sys.stderr,
        )
        raise typer.Exit(1)
    print(f"dbgen: verify: the migration rebuilds {display(spec_dir)} exactly")


def _version(value: bool) -> None:
    if value:
        print(f"dbgen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Generate a typed Python data layer from a PostgreSQL schema and crud.yaml."""


def main() -> None:
    # Every command is a short process whose objects live until it exits (a build's catalog,
    # plan and files): the cyclic collector would only traverse them, in the build and again
    # while its files are written. Memory is what generate() already runs with (it pauses the
    # collector itself); the process's exit frees it. Restored, not run, for an in-process
    # caller (tests call main()).
    collecting = gc.isenabled()
    gc.disable()
    try:
        _main()
    finally:
        if collecting:
            gc.enable()


def _main() -> None:
    try:
        # Outside standalone mode click hands back typer.Exit's code instead of exiting.
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        # A build interrupted while writing has already put the previous files back.
        print("dbgen: interrupted", file=sys.stderr)
        sys.exit(130)
    except (typer.BadParameter, typer.Abort) as exc:
        print(f"dbgen: {exc}", file=sys.stderr)
        sys.exit(2)
    except Exception as exc:
        # A usage error (unknown command, missing argument): click's ClickException, which
        # typer either re-exports from click or, from 0.24 on, vendors as typer._click.
        if any(cls.__name__ == "ClickException" for cls in type(exc).__mro__):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(2)
        raise

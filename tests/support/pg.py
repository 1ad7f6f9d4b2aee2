"""Finding a PostgreSQL server for the live tests, and throwaway databases on it.

Discovery order (first that works wins, decided once per session):

1. ``DBGEN_TEST_DATABASE_URL``: any libpq or SQLAlchemy URL of a server where we may
   ``CREATE DATABASE``; its database part names the maintenance database (default ``postgres``).
2. ``127.0.0.1:5432`` as user ``postgres`` (the developer machine and CI service).
3. A throwaway server started with pytest-postgresql's executor from the installed binaries
   (``/usr/lib/postgresql/<version>/bin``).

When none works the live tests skip with the reasons, except under ``CI=true``, where a missing
server must not turn a red build green: they fail.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import psycopg2
import pytest
from psycopg2 import sql
from sqlalchemy.engine import URL, make_url

ENV_URL = "DBGEN_TEST_DATABASE_URL"
LOCAL_HOST = "127.0.0.1"
LOCAL_PORT = 5432
LOCAL_USER = "postgres"
CONNECT_TIMEOUT = 3  # seconds; a probe of an absent server must not stall the session


def in_ci() -> bool:
    """True when running under CI (``CI=true``), where missing prerequisites are failures."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> NoReturn:
    """Skip the current test, or fail it under CI, explaining what is missing."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class PgServer:
    """A server the tests may create databases on. ``admin_dsn`` points at its maintenance DB."""

    host: str
    port: int
    user: str
    password: str | None = None
    maintenance_db: str = "postgres"
    query: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # how it was found, for messages

    def url(self, database: str, driver: str = "postgresql") -> str:
        """A URL for ``database`` on this server; ``driver`` picks the SQLAlchemy dialect."""
        return URL.create(
            driver, self.user, self.password, self.host, self.port, database, self.query
        ).render_as_string(hide_password=False)

    @property
    def admin_dsn(self) -> str:
        return self.url(self.maintenance_db)

    def libpq_env(self) -> dict[str, str]:
        """Environment for libpq tools (psql, pg_dump, ../shared/tools/pg-roundtrip)."""
        env = {"PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


@dataclass(frozen=True)
class FreshDb:
    """One throwaway database; the ``*_url`` forms suit SQLAlchemy, ``dsn`` suits libpq/asyncpg."""

    name: str
    dsn: str  # postgresql://...
    async_url: str  # postgresql+asyncpg://...
    sync_url: str  # postgresql+psycopg2://...
    server: PgServer
    # Keyword arguments an asyncpg engine on ``async_url`` needs (what the route asks for).
    async_connect_args: dict[str, Any] = field(default_factory=dict)
    through: str = "direct"  # or "pgbouncer": how the URLs reach the server


def server_from_url(raw: str) -> PgServer:
    """Read a libpq/SQLAlchemy URL; the driver part is ignored, the database is the admin DB."""
    url = make_url(raw)
    if not url.drivername.startswith("postgresql"):
        raise ValueError(f"{ENV_URL} must be a postgresql:// URL, got {url.drivername}://")
    return PgServer(
        host=url.host or LOCAL_HOST,
        port=url.port or LOCAL_PORT,
        user=url.username or LOCAL_USER,
        password=url.password if isinstance(url.password, str) else None,
        maintenance_db=url.database or "postgres",
        query=dict(url.query),
        origin=f"{ENV_URL}",
    )


def probe(server: PgServer) -> str | None:
    """None when the server accepts us, else the reason it does not."""
    try:
        conn = psycopg2.connect(server.admin_dsn, connect_timeout=CONNECT_TIMEOUT)
    except psycopg2.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
    conn.close()
    return None


def installed_pg_ctl() -> Path | None:
    """The newest pg_ctl of the distribution's PostgreSQL packages, if any."""
    candidates = glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")

    def version(p: str) -> tuple[int, ...]:
        part = Path(p).parent.parent.name
        return tuple(int(x) for x in part.split(".") if x.isdigit())

    if candidates:
        return Path(max(candidates, key=version))
    found = shutil.which("pg_ctl")
    return Path(found) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((LOCAL_HOST, 0))
        return int(s.getsockname()[1])


def _as_postgres_user(pg_ctl: Path, workdir: Path) -> Path:
    """A pg_ctl stand-in that runs the real one as the ``postgres`` OS user.

    initdb and pg_ctl refuse to run as root, and CI containers often are root; the executor
    only ever invokes its ``executable``, so a wrapper is all it takes.
    """
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError(
            "running as root and there is no 'postgres' OS user to run pg_ctl"
        ) from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running as root and runuser is missing, so pg_ctl cannot drop root")
    os.chown(workdir, account.pw_uid, account.pw_gid)
    wrapper = workdir / "pg_ctl"
    wrapper.write_text(
        f'#!/bin/sh\nexec {shlex.quote(runuser)} -u postgres -- {shlex.quote(str(pg_ctl))} "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


def start_throwaway(workdir: Path) -> tuple[PgServer, Any]:
    """Start a private server with pytest-postgresql's executor; returns it and the executor.

    ``workdir`` must be an empty directory that the server's OS user can reach.
    """
    pg_ctl = installed_pg_ctl()
    if pg_ctl is None:
        raise RuntimeError("no pg_ctl found under /usr/lib/postgresql/*/bin or on PATH")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pg_ctl = _as_postgres_user(pg_ctl, workdir)
    # Imported here: pytest-postgresql is a test extra and only this fallback needs it.
    from pytest_postgresql.executors import PostgreSQLExecutor

    executor = PostgreSQLExecutor(
        executable=str(pg_ctl),
        host=LOCAL_HOST,
        port=_free_port(),
        datadir=str(workdir / "data"),
        unixsocketdir=str(workdir),
        logfile=str(workdir / "postgresql.log"),
        startparams="-w",
        dbname="postgres",
        user=LOCAL_USER,
        # initdb + start can take well over a minute on a loaded 2-core CI machine.
        timeout=180,
    )
    try:
        executor.start()
    except BaseException:
        # A half-started server (initdb done, postmaster up but slow) must not outlive the run.
        with contextlib.suppress(Exception):
            executor.stop()
        raise
    server = PgServer(
        LOCAL_HOST, executor.port, LOCAL_USER, origin=f"throwaway server ({installed_pg_ctl()})"
    )
    return server, executor


@contextlib.contextmanager
def discover_server() -> Iterator[PgServer]:
    """Yield a usable server (see the module docstring); stops a throwaway one on exit.

    Calls ``unavailable`` (skip, or fail under CI) when there is none.
    """
    reasons: list[str] = []
    raw = os.environ.get(ENV_URL, "").strip()
    if raw:
        # An explicit URL is a promise: if it does not answer, say so instead of quietly
        # testing against some other server.
        try:
            server = server_from_url(raw)
        except Exception as exc:  # make_url raises several kinds
            unavailable(f"{ENV_URL} is not a usable URL: {exc}")
        why = probe(server)
        if why is not None:
            unavailable(f"{ENV_URL} server does not answer: {why}")
        yield server
        return

    local = PgServer(LOCAL_HOST, LOCAL_PORT, LOCAL_USER, origin=f"{LOCAL_HOST}:{LOCAL_PORT}")
    why = probe(local)
    if why is None:
        yield local
        return
    reasons.append(f"{LOCAL_HOST}:{LOCAL_PORT} as {LOCAL_USER}: {why}")

    # Not under pytest's tmp_path: that is private to the current user (0700), and a root run
    # hands the data directory to the postgres OS user.
    workdir = Path(tempfile.mkdtemp(prefix="dbgen-pg-"))
    try:
        try:
            server, executor = start_throwaway(workdir)
        except Exception as exc:  # executor failures come as several exception types
            reasons.append(f"throwaway server: {exc}")
            unavailable(
                "no PostgreSQL server for the live tests; set "
                f"{ENV_URL}=postgresql://user:pass@host:port/postgres or start one. Tried: "
                + "; ".join(reasons)
            )
        try:
            yield server
        finally:
            executor.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _admin_execute(server: PgServer, statement: sql.Composable) -> None:
    conn = psycopg2.connect(server.admin_dsn, connect_timeout=CONNECT_TIMEOUT)
    try:
        conn.autocommit = True  # CREATE/DROP DATABASE cannot run inside a transaction
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def database_exists(server: PgServer, name: str) -> bool:
    conn = psycopg2.connect(server.admin_dsn, connect_timeout=CONNECT_TIMEOUT)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return cur.fetchone() is not None
    finally:
        conn.close()


def drop_database(server: PgServer, name: str) -> None:
    # FORCE: a test that failed mid-way may have left sessions open (an engine not disposed).
    _admin_execute(
        server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    )


@contextlib.contextmanager
def temporary_database(server: PgServer, prefix: str = "dbgen_t_") -> Iterator[FreshDb]:
    """Create a uniquely named empty database; drop it on exit, also when the body raised."""
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    _admin_execute(server, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield FreshDb(
            name=name,
            dsn=server.url(name),
            async_url=server.url(name, "postgresql+asyncpg"),
            sync_url=server.url(name, "postgresql+psycopg2"),
            server=server,
        )
    finally:
        drop_database(server, name)


def psql_executable() -> str:
    found = shutil.which("psql")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
    if candidates:
        return candidates[-1]
    raise FileNotFoundError("psql not found on PATH or under /usr/lib/postgresql/*/bin")


def psql(dsn: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run psql against ``dsn`` (stop at the first error, no ~/.psqlrc), capturing output.

    ``psql(db.dsn, "-f", "specs/schema.sql")`` or ``psql(db.dsn, "-Atc", "SELECT 1")``.
    With ``check`` a non-zero exit raises AssertionError carrying psql's stderr.
    """
    # psql takes libpq URIs only: strip a SQLAlchemy driver suffix if one was passed in.
    url = make_url(dsn)
    if url.drivername != "postgresql":
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    proc = subprocess.run(
        [psql_executable(), "-X", "-v", "ON_ERROR_STOP=1", "-d", dsn, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"psql {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}{proc.stdout}"
        )
    return proc

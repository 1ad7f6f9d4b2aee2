"""A throwaway database migrated to head, for the pytest fixtures of ``testing.py``.

Where the database is created:

1. ``DATABASE_URL`` set: on that server, as a new database beside the one the URL names (the
   URL's user needs CREATEDB); the URL's own database is never touched.
2. Otherwise a throwaway server: ``initdb`` and ``pg_ctl`` from ``PATH`` or the newest
   ``/usr/lib/postgresql/<version>/bin``, in a temporary directory, on a free local port (run as
   the ``postgres`` OS user when the tests run as root, which initdb refuses), stopped and
   removed at the end.

The new database gets the package's migrations (``alembic upgrade head``, the revisions under
``migrations/``) and is dropped at the end, also when the tests failed.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from . import _dialect, db

PACKAGE = __name__.split(".", 1)[0]
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_HOST = "127.0.0.1"


def _binaries() -> Path:
    """The directory holding initdb and pg_ctl."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(p) for p in Path(path).parents[1].name.split(".") if p.isdigit())

    candidates = glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
    if not candidates:
        raise RuntimeError(
            "no PostgreSQL for the tests: set DATABASE_URL to a server where this user may "
            "CREATE DATABASE, or install PostgreSQL's server binaries (initdb, pg_ctl)"
        )
    return Path(max(candidates, key=version)).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((_HOST, 0))
        return int(s.getsockname()[1])


def _as_server_user(workdir: Path) -> list[str]:
    """The command prefix that runs the server's tools: initdb refuses to run as root, so a
    root process runs them as the ``postgres`` OS user."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        account = None
    if runuser is None or account is None:
        raise RuntimeError(
            "running as root: a throwaway PostgreSQL server needs a 'postgres' OS user and "
            "runuser (or set DATABASE_URL)"
        )
    os.chown(workdir, account.pw_uid, account.pw_gid)
    return [runuser, "-u", "postgres", "--"]


@contextlib.contextmanager
def throwaway_server() -> Iterator[URL]:
    """Start a private PostgreSQL server; yield the URL of its ``postgres`` database."""
    bin_dir = _binaries()
    # Not under pytest's tmp_path: that is private to the current user, and a root run hands
    # the data directory to the postgres OS user.
    workdir = Path(tempfile.mkdtemp(prefix=f"{PACKAGE}-pg-"))
    data = workdir / "data"
    try:
        prefix = _as_server_user(workdir)

        def run(*args: str) -> None:
            proc = subprocess.run([*prefix, *args], capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise RuntimeError(f"{Path(args[0]).name} failed: {proc.stderr or proc.stdout}")

        run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-N")
        port = _free_port()
        options = f"-p {port} -k {workdir} -c listen_addresses={_HOST} -c fsync=off"
        pg_ctl = str(bin_dir / "pg_ctl")
        run(pg_ctl, "-D", str(data), "-o", options, "-l", str(workdir / "log"), "-w", "start")
        try:
            yield URL.create("postgresql", "postgres", None, _HOST, port, "postgres")
        finally:
            run(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def server() -> Iterator[URL]:
    """The server the test database goes on: DATABASE_URL's, else a throwaway one."""
    raw = os.environ.get("DATABASE_URL")
    if raw:
        yield make_url(raw)
        return
    with throwaway_server() as url:
        yield url


def _admin(url: URL, statement: str) -> None:
    """Run CREATE/DROP DATABASE on the server of ``url``, connected to its database or, when
    that does not exist (yet), to ``postgres``."""
    for database in dict.fromkeys((url.database, "postgres")):
        engine = sa.create_engine(
            db.sync_url(url.set(database=database)),
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
        )
        try:
            with engine.connect() as conn:
                conn.execute(sa.text(statement))
            return
        except sa.exc.OperationalError:
            if database == "postgres":
                raise
        finally:
            engine.dispose()


def upgrade(url: str | URL, revision: str = "head") -> None:
    """``alembic upgrade`` of the package's migrations on ``url``. In a thread of its own: the
    migration environment runs its own event loop, which cannot start inside a running one."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    async_url = db.async_url(url).render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", async_url.replace("%", "%%"))
    failure: list[BaseException] = []

    def work() -> None:
        try:
            command.upgrade(config, revision)
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = async_url  # migrations/env.py reads it before sqlalchemy.url
    try:
        thread = threading.Thread(target=work, name=f"{PACKAGE}-migrate")
        thread.start()
        thread.join()
    finally:
        if saved is None:
            del os.environ["DATABASE_URL"]
        else:
            os.environ["DATABASE_URL"] = saved
    if failure:
        raise failure[0]


@contextlib.contextmanager
def migrated_database() -> Iterator[URL]:
    """A new database, migrated to head; yields its (async driver's) URL and drops it at the
    end: a file in a temporary directory where the dialect needs no server (SQLite), else a
    database on ``server()``."""
    with tempfile.TemporaryDirectory(prefix=f"{PACKAGE}-db-") as directory:
        local = _dialect.scratch_url(directory)
        if local is not None:
            url = db.async_url(local)
            upgrade(url)
            yield url
            return
    with server() as where:
        name = f"{PACKAGE}_test_{uuid.uuid4().hex[:12]}"
        _admin(where, f'CREATE DATABASE "{name}"')
        try:
            url = db.async_url(where.set(database=name))
            upgrade(url)
            yield url
        finally:
            # FORCE: a failed test may have left a connection open.
            _admin(where, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

"""A real PgBouncer in transaction pooling mode in front of the test server.

Started from the installed binary (Debian's ``pgbouncer`` package; ``.ci/run`` installs it) on a
free port, with a wildcard database entry so that every throwaway database is reachable through
it. Without the binary the tests that need it skip, or fail under ``CI=true``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg2

from support.pg import LOCAL_HOST, FreshDb, PgServer, unavailable

# What the generated db.py applies with DATABASE_PGBOUNCER=1: no named prepared statements,
# which transaction pooling cannot keep on one server connection.
ASYNC_CONNECT_ARGS = {"statement_cache_size": 0, "prepared_statement_cache_size": 0}


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.path.exists(p)), None
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((LOCAL_HOST, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Bouncer:
    host: str
    port: int
    workdir: Path

    def route(self, db: FreshDb) -> FreshDb:
        """``db`` reached through this PgBouncer (same database, same user)."""
        server = PgServer(self.host, self.port, db.server.user, db.server.password)
        return replace(
            db,
            dsn=server.url(db.name),
            async_url=server.url(db.name, "postgresql+asyncpg"),
            sync_url=server.url(db.name, "postgresql+psycopg2"),
            async_connect_args=dict(ASYNC_CONNECT_ARGS),
            through="pgbouncer",
        )

    def admin(self, command: str) -> list[tuple[object, ...]]:
        """A command on PgBouncer's admin console (``SHOW POOLS``, ``SHOW SERVERS``)."""
        conn = psycopg2.connect(
            host=self.host, port=self.port, user="postgres", dbname="pgbouncer", connect_timeout=3
        )
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(command)
                return list(cur.fetchall())
        finally:
            conn.close()


def _config(server: PgServer, port: int, workdir: Path) -> str:
    password = f" password={server.password}" if server.password else ""
    return f"""[databases]
* = host={server.host} port={server.port}{password}

[pgbouncer]
listen_addr = {LOCAL_HOST}
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {workdir / "users.txt"}
admin_users = {server.user}
pool_mode = transaction
max_client_conn = 400
default_pool_size = 20
max_db_connections = 40
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = {workdir / "pgbouncer.log"}
pidfile = {workdir / "pgbouncer.pid"}
"""


@contextlib.contextmanager
def running_pgbouncer(server: PgServer) -> Iterator[Bouncer]:
    """Start PgBouncer in front of ``server``; stop it (and remove its files) on exit."""
    binary = pgbouncer_binary()
    if binary is None:
        unavailable("pgbouncer is not installed (apt-get install -y pgbouncer)")
    workdir = Path(tempfile.mkdtemp(prefix="dbgen-pgbouncer-"))
    port = _free_port()
    (workdir / "users.txt").write_text(f'"{server.user}" ""\n')
    (workdir / "pgbouncer.ini").write_text(_config(server, port, workdir))
    command = [binary, str(workdir / "pgbouncer.ini")]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # PgBouncer refuses to run as root: drop to the postgres OS user.
        account = pwd.getpwnam("postgres")
        for path in (workdir, *workdir.iterdir()):
            os.chown(path, account.pw_uid, account.pw_gid)
        command = ["runuser", "-u", "postgres", "--", *command]
    # Its output to a file: a pipe nobody reads fills up under load and PgBouncer blocks on it.
    output = open(workdir / "pgbouncer.out", "wb")  # noqa: SIM115 (closed in the finally)
    process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        bouncer = Bouncer(LOCAL_HOST, port, workdir)
        deadline = time.monotonic() + 30
        while True:
            try:
                bouncer.admin("SHOW VERSION")
                break
            except psycopg2.Error:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (workdir / "pgbouncer.log").read_text(errors="replace")[-2000:]
                    stderr = (
                        process.stderr.read().decode(errors="replace") if process.stderr else ""
                    )
                    raise RuntimeError(f"pgbouncer did not start: {stderr}{log}") from None
                time.sleep(0.1)
        yield bouncer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()
        shutil.rmtree(workdir, ignore_errors=True)

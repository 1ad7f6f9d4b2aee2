"""A primary and a streaming replica of its own, for the read-replica tests.

Both are started from the installed server binaries (``/usr/lib/postgresql/<v>/bin``): initdb
and a primary on a free port, ``pg_basebackup -R`` (which writes ``standby.signal`` and the
``primary_conninfo``) and the replica on another. As root, every binary runs as the
``postgres`` OS user (initdb and postgres refuse root). Both are stopped and their directories
removed on exit.
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
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from support.pg import LOCAL_HOST, PgServer, installed_pg_ctl, unavailable


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((LOCAL_HOST, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class ReplicaPair:
    primary: PgServer
    replica: PgServer
    workdir: Path

    def wait_replayed(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        with contextlib.closing(psycopg2.connect(self.primary.admin_dsn)) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT pg_current_wal_lsn()")
                (target,) = cur.fetchone()
        deadline = time.monotonic() + timeout
        with contextlib.closing(psycopg2.connect(self.replica.admin_dsn)) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                while True:
                    cur.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))
                    if cur.fetchone()[0]:
                        return
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"the replica did not replay up to {target}")
                    time.sleep(0.05)


class _Runner:
    """Runs the server binaries, as the postgres OS user when we are root."""

    def __init__(self, bindir: Path, workdir: Path) -> None:
        self.bindir = bindir
        self.root = hasattr(os, "geteuid") and os.geteuid() == 0
        if self.root:
            account = pwd.getpwnam("postgres")
            os.chown(workdir, account.pw_uid, account.pw_gid)

    def run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if self.root:
            command = ["runuser", "-u", "postgres", "--", *command]
        proc = subprocess.run(command, capture_output=True, text=True, check=False, timeout=180)
        if proc.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed: {proc.stderr}{proc.stdout}")


def _start(runner: _Runner, datadir: Path, port: int, log: Path) -> None:
    options = f"-p {port} -k {datadir.parent} -c listen_addresses={LOCAL_HOST} -c fsync=off"
    runner.run(
        "pg_ctl", "-D", str(datadir), "-l", str(log), "-o", options, "-w", "-t", "120", "start"
    )


def _wait_answers(server: PgServer, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg2.connect(server.admin_dsn, connect_timeout=3).close()
            return
        except psycopg2.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextlib.contextmanager
def running_replica_pair() -> Iterator[ReplicaPair]:
    pg_ctl = installed_pg_ctl()
    if pg_ctl is None:
        unavailable("no PostgreSQL server binaries (pg_ctl) to start a primary and a replica")
    bindir = pg_ctl.parent
    for tool in ("initdb", "pg_basebackup", "postgres"):
        if not (bindir / tool).exists():
            unavailable(f"{tool} is missing from {bindir}")
    workdir = Path(tempfile.mkdtemp(prefix="dbgen-replica-"))
    runner = _Runner(bindir, workdir)
    started: list[Path] = []
    try:
        primary_dir, replica_dir = workdir / "primary", workdir / "replica"
        runner.run("initdb", "-D", str(primary_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        primary = PgServer(LOCAL_HOST, _free_port(), "postgres", origin="test primary")
        _start(runner, primary_dir, primary.port, workdir / "primary.log")
        started.append(primary_dir)
        _wait_answers(primary)
        runner.run(
            "pg_basebackup",
            "-h", LOCAL_HOST, "-p", str(primary.port), "-U", "postgres",
            "-D", str(replica_dir), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        replica = PgServer(LOCAL_HOST, _free_port(), "postgres", origin="test replica")
        _start(runner, replica_dir, replica.port, workdir / "replica.log")
        started.append(replica_dir)
        _wait_answers(replica)
        with (
            contextlib.closing(psycopg2.connect(replica.admin_dsn)) as conn,
            conn.cursor() as cur,
        ):
            cur.execute("SELECT pg_is_in_recovery()")
            assert cur.fetchone()[0], "the replica is not in recovery"
        yield ReplicaPair(primary, replica, workdir)
    finally:
        for datadir in reversed(started):
            with contextlib.suppress(Exception):
                runner.run("pg_ctl", "-D", str(datadir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(workdir, ignore_errors=True)

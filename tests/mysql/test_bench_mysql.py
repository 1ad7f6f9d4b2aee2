"""bench.dialects on MariaDB at tiny sizes: the runners work (make bench runs them full size),
and the run's database is dropped afterwards."""

from __future__ import annotations

from pathlib import Path

from support.bench_smoke import check_smoke, run_smoke
from support.mariadb import require_mariadb


def _bench_databases(server) -> set[str]:  # type: ignore[no-untyped-def]
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW DATABASES LIKE 'dbgen\\_bench\\_%'")
            return {r[0] for r in cur.fetchall()}
    finally:
        conn.close()


def test_the_mysql_bench_rows_run(tmp_path: Path) -> None:
    server = require_mariadb()
    before = _bench_databases(server)
    auth = server.user + (f":{server.password}" if server.password else "")
    result = run_smoke(
        "mysql",
        tmp_path,
        {"DBGEN_BENCH_MYSQL_URL": f"mysql://{auth}@{server.host}:{server.port}/"},
    )
    check_smoke(result, "mysql", ("aiomysql", "PyMySQL"))
    assert _bench_databases(server) <= before

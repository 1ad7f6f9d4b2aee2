"""The machine and the versions a run used."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ram_gib() -> float:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "n/a"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def describe(pg_version: str) -> dict[str, str]:
    return {
        "CPU": cpu_model(),
        "cores": str(os.cpu_count() or "?"),
        "RAM": f"{ram_gib():.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "PostgreSQL": pg_version,
        "SQLAlchemy": package_version("sqlalchemy"),
        "asyncpg": package_version("asyncpg"),
        "psycopg2": package_version("psycopg2-binary"),
        "aiosqlite": package_version("aiosqlite"),
        "aiomysql": package_version("aiomysql"),
        "PyMySQL": package_version("PyMySQL"),
        "pydantic": package_version("pydantic"),
        "FastCRUD": package_version("fastcrud"),
        "sqlacodegen": package_version("sqlacodegen"),
        "dbgen": package_version("dbgen"),
    }

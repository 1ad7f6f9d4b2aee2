"""The bench's own database: created with a unique name, dropped at the end."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import asyncpg


@dataclass(frozen=True, slots=True)
class Database:
    name: str
    url: str  # postgresql://... of the bench database (asyncpg / libpq form)

    def sqlalchemy_url(self, driver: str) -> str:
        return self.url.replace("postgresql://", f"postgresql+{driver}://", 1)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def unique_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"


@asynccontextmanager
async def temporary_database(server_url: str, prefix: str) -> AsyncIterator[Database]:
    """CREATE DATABASE <prefix>_<pid>_<random>; DROP ... WITH (FORCE) afterwards, whatever happens."""
    name = unique_name(prefix)
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        # Commits do not wait for the WAL flush: this disk's fsync latency (milliseconds, and
        # noisy) would otherwise drown the differences between the layers in every write.
        await admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    finally:
        await admin.close()
    try:
        yield Database(name, with_database(server_url, name))
    finally:
        admin = await asyncpg.connect(server_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def server_version(server_url: str) -> str:
    conn = await asyncpg.connect(server_url)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()

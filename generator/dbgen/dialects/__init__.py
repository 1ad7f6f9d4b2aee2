"""The dialect seam: everything that differs between database systems, behind one interface.

``get_dialect(name)`` is the one place a dialect is chosen (core.generate and the CLI ask it);
each dialect module builds a ``base.Dialect`` and has its line in ``DIALECTS`` below. A name
dbgen.toml may give (``sniff.KNOWN_DIALECTS``) without a module yet is refused by
``dialect_problem`` with a clear message.

``read_schema(dialect, sources, setting)`` is how every command reads the schema: a file that is
obviously another dialect's DDL is reported (``sniff.py``) instead of read.
"""

from __future__ import annotations

from collections.abc import Sequence

from dbgen.diagnostics import Diagnostic
from dbgen.dialects.base import Dialect, DriverFacts
from dbgen.dialects.mysql import MYSQL
from dbgen.dialects.postgresql import POSTGRESQL
from dbgen.dialects.sniff import KNOWN_DIALECTS, TITLES, wrong_dialect
from dbgen.dialects.sqlite import SQLITE
from dbgen.ir import Catalog

__all__ = [
    "DEFAULT_DIALECT",
    "DIALECTS",
    "KNOWN_DIALECTS",
    "Dialect",
    "DriverFacts",
    "default_setting",
    "dialect_problem",
    "get_dialect",
    "read_schema",
]

DIALECTS: dict[str, Dialect] = {d.name: d for d in (POSTGRESQL, MYSQL, SQLITE)}
DEFAULT_DIALECT = POSTGRESQL.name


def get_dialect(name: str = DEFAULT_DIALECT) -> Dialect:
    """The dialect called ``name`` (KeyError for an unknown name: callers validate settings
    with ``dialect_problem`` first)."""
    return DIALECTS[name]


def dialect_problem(name: str) -> str | None:
    """Why ``name`` cannot be used as the dialect, or None when it can."""
    if name in DIALECTS:
        return None
    supported = ", ".join(f'"{d}"' for d in DIALECTS)
    if name in KNOWN_DIALECTS:
        return (
            f'{TITLES[name]} is not supported by this dbgen yet (dialect = "{name}"); '
            f"supported: {supported}"
        )
    return f"unknown dialect {name!r} (known: {', '.join(repr(d) for d in KNOWN_DIALECTS)})"


def default_setting(name: str = DEFAULT_DIALECT) -> str:
    """How messages name a dialect nothing chose: the default."""
    return f'dialect = "{name}" (the default: no dbgen.toml sets it)'


def read_schema(
    dialect: Dialect, sources: Sequence[tuple[str, str]], setting: str | None = None
) -> tuple[Catalog | None, tuple[Diagnostic, ...]]:
    """The catalog of ``sources`` read by ``dialect``, or None with an error per file that is
    obviously another dialect's (``setting`` says where the dialect was chosen)."""
    wrong = wrong_dialect(sources, dialect.name, setting or default_setting(dialect.name))
    if wrong:
        return None, tuple(wrong)
    return dialect.read_schema(sources)

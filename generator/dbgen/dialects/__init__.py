"""The dialect seam: everything that differs between database systems, behind one interface.

``get_dialect(name)`` is the one place a dialect is chosen (core.generate and the CLI ask it);
each dialect module builds a ``base.Dialect``. PostgreSQL is the only one so far.
"""

from __future__ import annotations

from dbgen.dialects.base import Dialect, DriverFacts
from dbgen.dialects.postgresql import POSTGRESQL

__all__ = ["DEFAULT_DIALECT", "DIALECTS", "Dialect", "DriverFacts", "get_dialect"]

DIALECTS: dict[str, Dialect] = {d.name: d for d in (POSTGRESQL,)}
DEFAULT_DIALECT = POSTGRESQL.name


def get_dialect(name: str = DEFAULT_DIALECT) -> Dialect:
    """The dialect called ``name`` (KeyError for an unknown name: callers validate settings)."""
    return DIALECTS[name]

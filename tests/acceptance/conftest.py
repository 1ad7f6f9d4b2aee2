"""The contract suite's marker: its PostgreSQL runs that use a database are live tests.

tests/conftest.py marks what asks for ``pg_server`` by name; here the server is asked for only
when the dialect is PostgreSQL (``db`` calls ``getfixturevalue``), so the marker is set here, and
``pytest -m "not live"`` still leaves out exactly what needs PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if (
            callspec is not None
            and item.path.resolve().is_relative_to(_HERE)
            and callspec.params.get("dialect") == "postgresql"
            and "db" in getattr(item, "fixturenames", ())
        ):
            item.add_marker(pytest.mark.live)

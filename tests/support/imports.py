"""Importing generated packages in tests without them leaking into each other."""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType


def purge_modules(package: str) -> None:
    """Forget ``package`` and all its submodules, so the next import reads the files again."""
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]


@contextlib.contextmanager
def import_generated(out_dir: Path, package: str) -> Iterator[ModuleType]:
    """Import ``package`` from ``out_dir``; on exit undo the sys.path entry and the imports.

    Golden cases and the demo all generate packages with the same names (``app_db``), so a
    module cached from one tree would silently stand in for another: purge before and after.
    """
    entry = str(Path(out_dir).resolve())
    purge_modules(package)
    sys.path.insert(0, entry)
    # The finder caches directory listings; a tree written moments ago may not be seen otherwise.
    importlib.invalidate_caches()
    try:
        yield importlib.import_module(package)
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(entry)
        purge_modules(package)

"""Where the repository and the shared material (corpus, tools, docs) are."""

from __future__ import annotations

import os
from pathlib import Path

from support.pg import unavailable

REPO_ROOT = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """``$DBGEN_SHARED_DIR``, by default the ``shared`` directory beside the repository."""
    raw = os.environ.get("DBGEN_SHARED_DIR")
    return Path(raw) if raw else REPO_ROOT.parent / "shared"


def require_shared(sub: str = "") -> Path:
    """The path ``sub`` inside the shared directory; skip the test when it is absent.

    Under ``CI=true`` an absent path fails the test instead: CI must not pass by skipping.
    """
    path = shared_dir() / sub
    if not path.exists():
        unavailable(f"shared material {path} is absent (set DBGEN_SHARED_DIR to its location)")
    return path

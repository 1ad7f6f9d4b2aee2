"""Progress lines with the time since the run started."""

from __future__ import annotations

import time

_START = time.perf_counter()


def log(msg: str) -> None:
    print(f"bench [{time.perf_counter() - _START:5.0f} s] {msg}", flush=True)

"""Print the generated package's runtime requirements (generator/dbgen/runtime/_requirements.py,
and every dialect's drivers, dbgen.dialects' ``DriverFacts.requirements``):
``newest`` as they are (pip installs the newest release each allows), ``lowest`` as pip
constraints pinning each to its lower bound."""

from __future__ import annotations

import sys
from pathlib import Path

from packaging.requirements import Requirement

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "generator"))
from dbgen.dialects import DIALECTS  # noqa: E402
from dbgen.runtime._requirements import REQUIREMENTS as COMMON  # noqa: E402

REQUIREMENTS = (
    *COMMON,
    *dict.fromkeys(r for d in DIALECTS.values() for r in d.driver.requirements),
)


def lowest() -> list[str]:
    pins = []
    for raw in REQUIREMENTS:
        req = Requirement(raw)
        floor = [s.version for s in req.specifier if s.operator == ">="]
        if len(floor) != 1:
            raise SystemExit(f"{raw}: expected exactly one lower bound (>=)")
        pins.append(f"{req.name}=={floor[0]}")
    return pins


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else ""
    if which == "newest":
        print("\n".join(REQUIREMENTS))
    elif which == "lowest":
        print("\n".join(lowest()))
    else:
        raise SystemExit("usage: python .ci/requirements.py newest|lowest")

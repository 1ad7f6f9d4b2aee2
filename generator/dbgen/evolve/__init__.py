"""Schema evolution: the revision that turns the catalog at the head revision into the current one.

``plan_revision(old, new, renames=..., allow_destructive=...)`` is the entry point (plan.py);
the differ is diff.py with its parts (tables.py, types.py, verbatim.py, renames.py), the SQL
spelled in sqlgen.py, lock and rewrite facts in hazards.py, type-change facts in casts.py.
"""

from dbgen.evolve.hazards import Hazard
from dbgen.evolve.plan import RevisionPlan, plan_revision
from dbgen.evolve.renames import Renames, load_renames

__all__ = ["Hazard", "Renames", "RevisionPlan", "load_renames", "plan_revision"]

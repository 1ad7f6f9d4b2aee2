"""The one YAML loader dbgen reads crud.yaml with.

libyaml's loader when PyYAML was built with it (same tags resolved, same nodes and marks), else
the pure-Python one. Chosen here so that no reader of crud.yaml falls back to the slow parser by
calling ``yaml.safe_load``: a scaffolded 500-entity crud.yaml took 0.57 s through it, 0.10 s
through libyaml.
"""

from __future__ import annotations

import yaml

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

"""Small helpers that spell Python source for values the templates print."""

from __future__ import annotations

import re
from collections.abc import Iterable

from dbgen.plan.pretty import black_str

# A colon that SQLAlchemy's text() would read as a bind parameter (":name", not "::cast").
_BIND_LIKE = re.compile(r"(?<![:\w\\]):(?=\w)")


def pystr(value: str) -> str:
    """A Python string literal for value, quoted as black writes it; triple-quoted when it spans
    lines, for readability."""
    if "\n" not in value:
        return black_str(value)
    body = value.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if body.endswith('"'):
        body = body[:-1] + '\\"'
    return '"""' + body + '"""'


def sql_text(sql: str) -> str:
    """``sa.text(...)`` for SQL kept as written; colons that look like bind parameters are escaped
    so SQLAlchemy passes them through verbatim."""
    return f"sa.text({pystr(_BIND_LIKE.sub(lambda m: chr(92) + ':', sql))})"


def pylist(items: Iterable[str]) -> str:
    return "[" + ", ".join(items) + "]"


def strs(items: Iterable[str]) -> str:
    return pylist(pystr(i) for i in items)


def kwargs(pairs: Iterable[tuple[str, str | None]]) -> str:
    """``a=1, b=2`` from (name, python-expr) pairs, skipping None values."""
    return ", ".join(f"{k}={v}" for k, v in pairs if v is not None)


def call(func: str, *args: str | None, **kw: str | None) -> str:
    parts = [a for a in args if a is not None]
    rest = kwargs(kw.items())
    if rest:
        parts.append(rest)
    return f"{func}({', '.join(parts)})"

"""Python names for SQL names: classes, attributes, modules. Every result is a valid identifier.

The SQL name is never lost: the planner keeps it beside the Python name (``mapped_column("SQL")``,
``key=``), so renaming here only changes what Python code sees.
"""

from __future__ import annotations

import keyword
import re
import unicodedata

from dbgen.graph.bindings import ATTRIBUTES_RESERVED
from dbgen.ir import QName

_IRREGULAR_SINGULARS = {
    "people": "person",
    "children": "child",
    "men": "man",
    "women": "woman",
    "data": "data",
    "media": "media",
    "criteria": "criterion",
    "series": "series",
    "species": "species",
    "news": "news",
    "statuses": "status",
    "aliases": "alias",
    "indices": "index",
    "matrices": "matrix",
    "vertices": "vertex",
    "analyses": "analysis",
    "bases": "base",
    "mice": "mouse",
    "geese": "goose",
    "feet": "foot",
    "teeth": "tooth",
    "quizzes": "quiz",
    "buses": "bus",
    "viruses": "virus",
    "campuses": "campus",
    "responses": "response",
    "licenses": "license",
    "courses": "course",
    "purchases": "purchase",
    "releases": "release",
    "cases": "case",
    "databases": "database",
    "phases": "phase",
    "uses": "use",
    "invoices": "invoice",
    "prices": "price",
    "services": "service",
    "devices": "device",
    "sources": "source",
    "resources": "resource",
    "places": "place",
    "pages": "page",
    "images": "image",
    "messages": "message",
    "packages": "package",
    "languages": "language",
    "stages": "stage",
    "changes": "change",
    "ranges": "range",
    "edges": "edge",
    "types": "type",
    "movies": "movie",
    "cookies": "cookie",
    "caches": "cache",
    "ties": "tie",
    "lies": "lie",
    # already singular, though they end in "s" (place_alias must not become PlaceAlia)
    "alias": "alias",
    "bias": "bias",
    "canvas": "canvas",
    "atlas": "atlas",
    "gas": "gas",
    "lens": "lens",
    "chaos": "chaos",
    "corpus": "corpus",
    "analysis": "analysis",
}

_WORD_RE = re.compile(r"[A-Za-z0-9]+|[^\x00-\x7f]+")


def singular(word: str) -> str:
    """Best-effort English singular of a lower-case word; unknown forms stay as they are."""
    lower = word.lower()
    if lower in _IRREGULAR_SINGULARS:
        return _IRREGULAR_SINGULARS[lower]
    for suffix, repl in (
        ("ies", "y"),
        ("sses", "ss"),
        ("shes", "sh"),
        ("ches", "ch"),
        ("xes", "x"),
        ("zzes", "zz"),
    ):
        if lower.endswith(suffix) and len(lower) > len(suffix) + 1:
            return lower[: -len(suffix)] + repl
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is", "os")) and len(lower) > 3:
        return lower[:-1]
    return lower


def _ascii_words(name: str) -> list[str]:
    # camelCase boundaries count as word breaks so "userId" -> ["user", "Id"]
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return _WORD_RE.findall(unicodedata.normalize("NFC", spaced))


def pascal(name: str) -> str:
    words = _ascii_words(name)
    out = "".join(w[:1].upper() + w[1:].lower() if w.isascii() else w for w in words)
    return identifier(out or "X")


def snake(name: str) -> str:
    words = _ascii_words(name)
    return "_".join(w.lower() for w in words) or "x"


def identifier(text: str) -> str:
    """Make text a valid, non-keyword Python identifier."""
    out = "".join(c if (c.isalnum() or c == "_") else "_" for c in text)
    if not out or not out.isidentifier():
        out = "_" + out
        if not out.isidentifier():
            out = "x" + "".join(
                c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in text
            )
    if keyword.iskeyword(out) or keyword.issoftkeyword(out) or out in {"None", "True", "False"}:
        out += "_"
    return out


def class_name(table: QName, *, qualify: bool = False) -> str:
    """Singular PascalCase class name: ``task_tags`` -> ``TaskTag``; schema prefix when asked."""
    words = _ascii_words(table.name)
    if words:
        words[-1] = singular(words[-1]) if words[-1].isascii() else words[-1]
    base = pascal("_".join(words)) if words else pascal(table.name)
    if qualify and table.schema != "public":
        return pascal(table.schema) + base
    return base


def attribute_name(column: str, *, taken: frozenset[str] = frozenset()) -> str:
    """Python attribute for a column: snake_case, never a keyword nor a name the generated
    class bodies use (bindings.ATTRIBUTES_RESERVED: ``list``, ``str``, ``sa``, ``metadata``...);
    the SQL name is kept beside it."""
    name = column if column.isidentifier() and column == column.lower() else snake(column)
    name = identifier(name)
    if name.startswith("__") or name in ATTRIBUTES_RESERVED:
        name = identifier(name.strip("_") + "_")
    while name in taken:
        name += "_"
    return name


def module_name(table: QName) -> str:
    """Module (file) name for a table: ``tasks``; ``sales_orders`` for ``sales.orders``."""
    base = (
        snake(table.name)
        if table.schema == "public"
        else snake(table.schema) + "_" + snake(table.name)
    )
    name = identifier(base)
    return name if not name.startswith("_") else "t" + name


def enum_member(label: str, *, taken: frozenset[str] = frozenset()) -> str:
    """Python enum member name for an enum label: ``in progress`` -> ``IN_PROGRESS``."""
    words = _ascii_words(label)
    name = "_".join(w.upper() for w in words) if words else "EMPTY"
    name = identifier(name)
    if name.startswith("_"):
        name = "V" + name
    if name in {"name", "value", "mro"}:  # enum.Enum reserves these
        name += "_"
    while name in taken:
        name += "_"
    return name

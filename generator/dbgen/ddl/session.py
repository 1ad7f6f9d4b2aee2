"""The loading session's state, apart from the catalog: what psql and the server would have in
force at this point of the script.

- ``search_path``: where unqualified names resolve and new objects land;
- ``replay_path``: the path the migration replays under at this point (the reader carries a
  change into the migration only when it changes name resolution there);
- ``client_encoding``: how the server decodes the rest of the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dbgen.ir import quote_ident

DEFAULT_PATH: tuple[str, ...] = ("public",)


@dataclass(slots=True)
class Session:
    search_path: list[str] = field(default_factory=lambda: ["public"])
    replay_path: tuple[str, ...] = DEFAULT_PATH
    # the path as the source last set it, "$user" included (the server's default until then)
    path_as_set: tuple[str, ...] = ("$user", "public")
    client_encoding: str = "utf8"


def effective_path(path: list[str]) -> tuple[str, ...]:
    """The path the migration replays: the source's, with ``public`` appended when absent."""
    items = tuple(dict.fromkeys(p for p in path if p != "$user"))
    return items if "public" in items else (*items, "public")


def path_sql(path: tuple[str, ...]) -> str:
    # DEFAULT rather than "public": the session's own default also searches "$user" first.
    return "DEFAULT" if path == DEFAULT_PATH else ", ".join(quote_ident(p) for p in path)


def path_items(value: str) -> list[str]:
    """The schemas of a search_path string value ('"$user", public')."""
    out: list[str] = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        if item.startswith('"') and item.endswith('"'):
            out.append(item[1:-1].replace('""', '"'))
        else:
            out.append(item.lower())
    return out

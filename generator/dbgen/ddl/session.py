"""The loading session's state, apart from the catalog: what psql and the server would have in
force at this point of the script.

- ``search_path``: where unqualified names resolve and new objects land;
- ``replay_path``: the path the migration replays under at this point (the reader carries a
  change into the migration only when it changes name resolution there);
- ``settings``: the run-time parameters the source set, each as the statement that sets it
  LOCAL to the same value in the migration (``SET ... FROM CURRENT`` on a routine stores the
  value in force: ddl/from_current.py);
- ``client_encoding``: how the server decodes the rest of the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dbgen.ddl.split import ascii_lower
from dbgen.ir import quote_ident

DEFAULT_PATH: tuple[str, ...] = ("public",)


@dataclass(slots=True)
class Values:
    """The parameters in force: ``search_path`` as it resolves, ``settings`` as set."""

    search_path: list[str]
    # parameter (lower-cased, as the server compares names) -> SQL that sets it LOCAL to the
    # value the source set; a parameter the source never set (or reset) has its default
    settings: dict[str, str]

    def copy(self) -> Values:
        return Values(list(self.search_path), dict(self.settings))


@dataclass(slots=True)
class Session:
    search_path: list[str] = field(default_factory=lambda: ["public"])
    replay_path: tuple[str, ...] = DEFAULT_PATH
    settings: dict[str, str] = field(default_factory=dict)  # as in ``Values``
    client_encoding: str = "utf8"
    # Inside BEGIN ... COMMIT (None outside): the values at BEGIN, which ROLLBACK puts back,
    # and the session-level ones, which COMMIT keeps (SET LOCAL changes only those in force).
    at_begin: Values | None = None
    session_level: Values | None = None

    def set(
        self, parameter: str, replay: str | None, local: bool, path: list[str] | None = None
    ) -> bool:
        """Record a SET of ``parameter`` (``replay`` None: back to its default; ``path``: the
        search path it resolves to). False when it has no effect: SET LOCAL outside a
        transaction block (psql commits each statement on its own)."""
        if local and self.session_level is None:
            return False
        levels = [self.settings]
        if self.session_level is not None and not local:
            levels.append(self.session_level.settings)
            if path is not None:
                self.session_level.search_path = list(path)
        for settings in levels:
            if replay is None:
                settings.pop(parameter, None)
            else:
                settings[parameter] = replay
        return True

    def reset_all(self) -> None:
        self.settings.clear()
        if self.session_level is not None:
            self.session_level = Values(["public"], {})

    def begin(self) -> None:
        if self.at_begin is None:
            self.at_begin = Values(list(self.search_path), dict(self.settings))
            self.session_level = self.at_begin.copy()

    def end(self, commit: bool) -> list[str] | None:
        """COMMIT or ROLLBACK: the values that stay; returns the search path then in force
        (None outside a transaction block: nothing changes)."""
        if self.at_begin is None or self.session_level is None:
            return None
        kept = self.session_level if commit else self.at_begin
        self.settings = dict(kept.settings)
        self.at_begin = self.session_level = None
        return list(kept.search_path)


def effective_path(path: list[str]) -> tuple[str, ...]:
    """The path the migration replays: the source's, with ``public`` appended when absent."""
    items = tuple(dict.fromkeys(p for p in path if p != "$user"))
    return items if "public" in items else (*items, "public")


def path_sql(path: tuple[str, ...]) -> str:
    # DEFAULT rather than "public": the session's own default also searches "$user" first.
    return "DEFAULT" if path == DEFAULT_PATH else ", ".join(quote_ident(p) for p in path)


def split_identifiers(value: str) -> list[str]:
    """The schemas of a search_path string value ('"$user", Public'), read as the server reads
    the value set_config stores (SplitIdentifierString): quoted items as written, the others
    lower-cased."""
    out: list[str] = []
    i, n = 0, len(value)
    while i < n:
        while i < n and value[i].isspace():
            i += 1
        if i < n and value[i] == '"':
            j, item = i + 1, []
            while j < n:
                if value[j] == '"':
                    if j + 1 < n and value[j + 1] == '"':
                        item.append('"')
                        j += 2
                        continue
                    break
                item.append(value[j])
                j += 1
            out.append("".join(item))
            i = j + 1
        else:
            j = i
            while j < n and value[j] != "," and not value[j].isspace():
                j += 1
            if j > i:
                out.append(ascii_lower(value[i:j]))
            i = j
        while i < n and value[i] != ",":
            i += 1
        i += 1
    return out

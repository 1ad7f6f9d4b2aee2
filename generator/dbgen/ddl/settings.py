"""Run-time parameters that dumps set and older servers do not know.

pg_dump writes the session settings of its own version (pg_dump 17: ``SET transaction_timeout =
0;``); a PostgreSQL 15 server rejects a parameter it does not have, so psql with ON_ERROR_STOP
stops there. The reader names such settings in its note; ``dbgen verify`` loads the files
without the settings the server does not know (``unknown_settings``).
"""

from __future__ import annotations

from collections.abc import Iterable

from dbgen.ddl.split import Kind, Statement

# Session parameters added after PostgreSQL 15 -> the version that added them.
NEWER = {
    "createrole_self_grant": 16,
    "icu_validation_level": 16,
    "scram_iterations": 16,
    "vacuum_buffer_usage_limit": 16,
    "debug_parallel_query": 16,
    "transaction_timeout": 17,
    "io_combine_limit": 17,
    "event_triggers": 17,
    "restrict_nonsystem_relation_kind": 17,
    "enable_group_by_reordering": 17,
    "idle_replication_slot_timeout": 18,
    "enable_distinct_reordering": 18,
    "enable_self_join_elimination": 18,
    "io_max_combine_limit": 18,
    "max_notify_queue_pages": 17,
}


def set_parameter_name(stmt: Statement) -> str | None:
    """The parameter a ``SET [SESSION | LOCAL] name ...`` statement sets (None otherwise)."""
    toks = [t for t in stmt.tokens if not (t.kind is Kind.PUNCT and t.value == ";")]
    if not toks or not toks[0].is_word("set"):
        return None
    i = 1
    if i < len(toks) and toks[i].is_word("session", "local"):
        i += 1
    if i < len(toks) and toks[i].kind in (Kind.WORD, Kind.QUOTED):
        return toks[i].value
    return None


def unknown_settings(statements: Iterable[Statement], known: set[str]) -> list[Statement]:
    """The SET statements of parameters the server does not have (custom, dotted ones are
    accepted by every server)."""
    out = []
    for stmt in statements:
        name = set_parameter_name(stmt)
        if name is not None and "." not in name and name.lower() not in known:
            out.append(stmt)
    return out

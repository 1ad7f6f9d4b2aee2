"""The dialect's part of the runtime (see ``_dialects/``): in dbgen's own tree the PostgreSQL
piece stands here, so the runtime is type-checked against it; a generated package gets its
dialect's piece in this file's place instead (dbgen/render/runtime.py)."""

from ._dialects.postgresql import (
    ASYNC_DRIVER,
    BACKENDS,
    EXAMPLE_URL,
    MAX_BIND_PARAMS,
    NAME,
    POOLER_AWARE,
    SYNC_DRIVER,
    configure_engine,
    connect_timeout_args,
    engine_options,
    error_detail,
    error_state,
    integer_bits,
    key_in,
    reset_returned,
    scratch_url,
    values_source,
)

__all__ = [
    "ASYNC_DRIVER",
    "BACKENDS",
    "EXAMPLE_URL",
    "MAX_BIND_PARAMS",
    "NAME",
    "POOLER_AWARE",
    "SYNC_DRIVER",
    "configure_engine",
    "connect_timeout_args",
    "engine_options",
    "error_detail",
    "error_state",
    "integer_bits",
    "key_in",
    "reset_returned",
    "scratch_url",
    "values_source",
]

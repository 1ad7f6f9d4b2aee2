"""Every private SQLAlchemy API the runtime uses, in one place.

The repositories' fast path runs statements on the driver and turns rows into ORM instances
itself (``repositories/_driver.py``, ``repositories/_hydrate.py``). Most of what it needs is
public SQLAlchemy API; the functions below are the exceptions. Each says what it relies on, and
each degrades to "no fast path" (the statement goes through SQLAlchemy) where the attribute it
reads is missing, so a SQLAlchemy release that renames one costs speed, not correctness.

Tested on SQLAlchemy 2.0.42 (the lowest supported release) and 2.1.x (the newest): CI runs the
live repository tests on both (``.ci/run``). asyncpg and psycopg2 are used through their public
APIs only; what their errors look like is classified in ``errors.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

# The releases CI runs the live repository tests on (see _requirements.py for the bounds).
TESTED_SQLALCHEMY = ("2.0.42", "2.1")


# -- the asyncpg adapter ------------------------------------------------------------------------
#
# SQLAlchemy's asyncpg adapter sends BEGIN lazily, before its first statement. The fast path runs
# statements on the asyncpg connection itself, so it asks the adapter to begin first (with the
# isolation level and read-only flag the session's connection carries), so that the session's
# COMMIT or ROLLBACK ends what the driver ran. ``_start_transaction`` and ``_transaction``: 2.0
# and 2.1.


def asyncpg_adapter_idle(adapter: Any) -> bool:
    """Whether the adapter has not begun its transaction yet (and knows how to)."""
    return (
        getattr(adapter, "_transaction", True) is None
        and getattr(adapter, "_start_transaction", None) is not None
    )


async def asyncpg_adapter_begin(adapter: Any) -> None:
    """Send the adapter's lazy BEGIN now (``asyncpg_adapter_idle`` said it can)."""
    await adapter._start_transaction()


# -- compiled statements ------------------------------------------------------------------------
#
# A statement compiled once runs many times on the driver: the fast path needs the bind names in
# the driver's order and whether anything must be rendered per call. ``positiontup``,
# ``post_compile_params``, ``literal_execute_params``, ``escaped_bind_names`` and a
# BindParameter's ``callable``: 2.0 and 2.1.


def bind_order(compiled: Any) -> tuple[str, ...] | None:
    """The bind parameter names in the order the driver takes them, or None when SQLAlchemy
    must render the statement per call (expanding IN lists, literal parameters, escaped
    names)."""
    if compiled.post_compile_params or compiled.literal_execute_params:
        return None
    if getattr(compiled, "escaped_bind_names", None):
        return None
    return tuple(compiled.positiontup) if compiled.positional else tuple(compiled.binds)


def bind_has_value(bind: Any) -> bool:
    """Whether a bind parameter carries its own value (not a required one, not a callable)."""
    return not bind.required and getattr(bind, "callable", None) is None


def array_copies_only(impl: Any) -> bool:
    """Whether an ARRAY type's result processor would only copy the driver's list (items need no
    conversion and it is not an array of a native enum): ``_against_native_enum``."""
    return not getattr(impl, "_against_native_enum", True)


# -- JSON values ------------------------------------------------------------------------------
#
# The fast path reads ``json``/``jsonb`` columns as text and decodes them itself
# (``repositories/_driver.py``), with the deserializer the engine was given (``json_deserializer=``,
# which SQLAlchemy's dialects keep as ``_json_deserializer``; ``json.loads`` otherwise, as they
# do): 2.0 and 2.1.


def json_deserializer(dialect: Any) -> Callable[[str], Any]:
    """What the dialect decodes JSON documents with."""
    found = getattr(dialect, "_json_deserializer", None)
    return cast("Callable[[str], Any]", found) if found is not None else json.loads


# -- the pool's reset on return -----------------------------------------------------------------
#
# A MySQL engine's pool leaves the reset of a returned connection to the dialect's listener, which
# skips the ROLLBACK when the server says no transaction is open (``_dialects/mysql.py``). The
# listener must stay out of a pool that resets by itself (a caller's ``pool_reset_on_return``):
# ``Pool._reset_on_return`` and ``pool.base.reset_none``: 2.0 and 2.1.


def pool_resets_on_return(pool: Any) -> bool:
    """Whether the pool rolls back (or commits) every returned connection itself; True when
    it cannot be told, so that a listener doing the same stays out."""
    from sqlalchemy.pool import base

    none = getattr(base, "reset_none", None)
    return none is None or getattr(pool, "_reset_on_return", None) is not none


# -- who watches -------------------------------------------------------------------------------
#
# The fast path steps aside for anyone who would miss what it skips. These are the checks
# SQLAlchemy itself makes, read from the same places, on every call: the engine's and the
# session's event collections (``.dispatch``), the class manager's instance events, and the
# engine's logger (``Engine._should_log_info``: echo, or ``sqlalchemy.engine`` at INFO or DEBUG).


def statement_listeners(engine: Any) -> bool:
    """Whether someone listens to the engine's cursor executions."""
    dispatch = engine.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)


def engine_logs_statements(engine: Any) -> bool:
    """Whether the engine logs its statements (``echo``, or its logger at INFO or DEBUG)."""
    should_log = getattr(engine, "_should_log_info", None)
    return True if should_log is None else bool(should_log())


def orm_execute_listeners(session: Any) -> bool:
    """Whether a ``do_orm_execute`` listener is attached to this session, its sessionmaker or
    its class (the instance's dispatch joins all three)."""
    return bool(session.dispatch.do_orm_execute)


def load_listeners(mapper: Any) -> bool:
    """Whether the mapped class has ``load`` or ``refresh`` instance event listeners."""
    dispatch = mapper.class_manager.dispatch
    return bool(dispatch.load or dispatch.refresh)


# -- loading instances --------------------------------------------------------------------------
#
# What the ORM's loader does for a row it has not seen: a new instance, its values as committed
# state, its identity key, registered in the session's identity map. ``InstanceState.key`` and
# ``.session_id``, ``IdentityMap._add_unpresent`` (what the ORM's loader calls; ``add`` where it
# is missing) or, inlined, the map's ``_dict`` and ``_wr`` and a state's ``_instance_dict``,
# ``Session.hash_key``, ``ClassManager.new_instance`` (or its ``_state_constructor``,
# ``_state_setter`` and ``STATE_ATTR``), ``InstanceState.obj`` (the weak reference to the
# instance) and ``InstanceState.expired_attributes``: 2.0 and 2.1.


def session_token(session: Any) -> Any:
    """What marks an instance as belonging to ``session``."""
    return session.hash_key


def instance_factory(mapper: Any) -> Callable[[], Any]:
    """Makes a new instance of the mapped class, with its state, without calling its
    ``__init__``: what ``ClassManager.new_instance`` does, inlined (``_state_constructor``,
    ``_state_setter``) since it runs once per row; ``new_instance`` itself where they are
    missing."""
    manager = mapper.class_manager
    construct = getattr(manager, "_state_constructor", None)
    setter = getattr(manager, "_state_setter", None)
    if construct is None or setter is None:
        factory: Callable[[], Any] = manager.new_instance
        return factory
    cls = manager.class_
    new = cls.__new__

    def make() -> Any:
        obj = new(cls)
        setter(obj, construct(obj, manager))
        return obj

    return make


def identity_adder(identity_map: Any) -> Callable[[Any, Any], None]:
    """``add(state, key)``: put a new persistent state (its ``key`` and ``session_id`` set) into
    the identity map, which ``get(key)`` just said does not hold it. The ORM's loader uses the
    map's inlined ``_add_unpresent``; without it, the public ``add``."""
    inlined = getattr(identity_map, "_add_unpresent", None)
    if inlined is not None:
        return cast("Callable[[Any, Any], None]", inlined)  # (a string: no alias per call)
    return lambda state, key: identity_map.add(state)


def instance_parts(mapper: Any) -> tuple[Any, Callable[[Any, Any], Any], Any, str] | None:
    """What a new instance is built from, for a loader that builds it inline (one call fewer
    per row than ``instance_factory``): the class, the state constructor, the class manager and
    the attribute that holds the state (set in the instance's ``__dict__``, which is what
    ``_state_setter`` does for a class whose instances have one). None where these are
    missing."""
    manager = mapper.class_manager
    construct = getattr(manager, "_state_constructor", None)
    attr = getattr(manager, "STATE_ATTR", None)
    cls = manager.class_
    if construct is None or not isinstance(attr, str) or not cls.__dictoffset__:
        return None  # (instances without a __dict__)
    if any(attr in vars(klass) for klass in cls.__mro__):
        return None  # (something on the class would intercept setting the state)
    return cls, construct, manager, attr


def identity_store(identity_map: Any) -> tuple[dict[Any, Any], Any] | None:
    """The identity map's own dict (key to state) and the weak reference a state it holds
    points back with: what ``_add_unpresent`` and ``fast_get_state`` use, for a loader that
    inlines them (``store[key] = state; state._instance_dict = ref``). None where missing."""
    store = getattr(identity_map, "_dict", None)
    ref = getattr(identity_map, "_wr", None)
    if not isinstance(store, dict) or ref is None:
        return None
    return store, ref


def expired_attributes(state: Any) -> set[str]:
    """The attributes of a persistent instance that must be read again."""
    expired: set[str] = state.expired_attributes
    return expired

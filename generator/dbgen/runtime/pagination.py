"""Pages and opaque cursors of this data layer.

A cursor is ``base64url(payload).base64url(mac)``: the payload (JSON) holds the entity, the
order it was made for and the sort-key values of the boundary row; the MAC is HMAC-SHA256 over
the payload. A cursor that was altered, cut short, or made for another entity or order is
rejected with InvalidCursorError before any SQL runs.

The key comes from the environment variable ``<PACKAGE>_CURSOR_SECRET`` (``SECRET_ENV``), read
on every use. Without it each process draws a random key on first use and logs a WARNING: the
key cannot be guessed (nothing derived from code anyone can read), so cursors cannot be forged,
but a cursor is then good only in the process that made it, until it exits. Several workers
behind one service need the same secret. A signature proves only who made the cursor, so the
values are checked against the sort columns as well (``_query.check_cursor``).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import enum
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .errors import InvalidCursorError

T = TypeVar("T")

# The package is the top of this module's dotted name (app_db.pagination -> app_db).
PACKAGE = __name__.split(".", 1)[0]
SECRET_ENV = f"{PACKAGE.upper()}_CURSOR_SECRET"
_MAC_BYTES = 16
logger = logging.getLogger(f"{PACKAGE}.pagination")
_process_key: list[bytes] = []  # the random key, once drawn
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results. ``total`` is set only when the caller asked for it."""

    items: list[T] = field(default_factory=list)
    next_cursor: str | None = None
    prev_cursor: str | None = None
    total: int | None = None


def _key() -> bytes:
    secret = os.environ.get(SECRET_ENV)
    if secret:
        # Hashed: a key of any length, and the environment's text never used as is.
        return hashlib.sha256(b"dbgen-cursor-key:" + secret.encode()).digest()
    if not _process_key:
        with _lock:
            if not _process_key:
                logger.warning(
                    "%s is not set: cursors are signed with a random key of this process and "
                    "are valid only here until it exits; set it (the same in every worker)",
                    SECRET_ENV,
                )
                _process_key.append(secrets.token_bytes(32))
    return _process_key[0]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    """Only the one spelling ``_b64`` writes: the decoder alone would skip characters outside
    the alphabet and ignore the unused low bits of the last one, so a changed character could
    still decode to the signed bytes."""
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:
        raise ValueError("not the canonical encoding")
    return data


def _tag(value: Any) -> Any:
    # JSON has no datetime/decimal/uuid: tag them so decoding restores the exact Python type.
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, enum.Enum):
        return _tag(value.value)
    if isinstance(value, datetime.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    if isinstance(value, datetime.time):
        return {"t": value.isoformat()}
    if isinstance(value, datetime.timedelta):
        return {"td": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, decimal.Decimal):
        return {"n": str(value)}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    if isinstance(value, bytes):
        return {"b": _b64(value)}
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def _untag(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if len(value) != 1:
        raise ValueError("bad value")
    ((tag, raw),) = value.items()
    if tag == "dt":
        return datetime.datetime.fromisoformat(raw)
    if tag == "d":
        return datetime.date.fromisoformat(raw)
    if tag == "t":
        return datetime.time.fromisoformat(raw)
    if tag == "td":
        days, seconds, micros = raw
        return datetime.timedelta(days=days, seconds=seconds, microseconds=micros)
    if tag == "n":
        return decimal.Decimal(raw)
    if tag == "u":
        return uuid.UUID(raw)
    if tag == "b":
        return _unb64(raw)
    raise ValueError("bad tag")


# One encoder, built once: json.dumps with options builds a new one on every call.
_PAYLOAD = json.JSONEncoder(separators=(",", ":"), sort_keys=True)


def encode_cursor(scope: str, order: str, values: Sequence[Any]) -> str:
    payload = _PAYLOAD.encode({"s": scope, "o": order, "v": [_tag(v) for v in values]}).encode()
    mac = hmac.digest(_key(), payload, "sha256")[:_MAC_BYTES]
    return f"{_b64(payload)}.{_b64(mac)}"


def decode_cursor(
    entity: str, scope: str, order: str, cursor: str, kinds: Sequence[type | tuple[type, ...]]
) -> list[Any]:
    """The boundary values of ``cursor``; InvalidCursorError unless it is intact and was made
    for this entity and order, with one value of the right type per sort key."""
    try:
        payload_b64, mac_b64 = cursor.split(".")
        payload, mac = _unb64(payload_b64), _unb64(mac_b64)
    except (ValueError, binascii.Error):
        raise InvalidCursorError(entity, "malformed") from None
    expected = hmac.digest(_key(), payload, "sha256")[:_MAC_BYTES]
    if not hmac.compare_digest(mac, expected):
        raise InvalidCursorError(entity, "signature mismatch (tampered or foreign)")
    try:
        data = json.loads(payload)
        if data["s"] != scope:
            raise InvalidCursorError(entity, "made for another entity")
        if data["o"] != order:
            raise InvalidCursorError(entity, "made for another order_by")
        if not isinstance(data["v"], list):
            raise InvalidCursorError(entity, "malformed")
        values = [_untag(v) for v in data["v"]]
    except (ValueError, KeyError, TypeError, ArithmeticError):  # (Overflow, decimal's)
        raise InvalidCursorError(entity, "malformed") from None
    if len(values) != len(kinds):
        raise InvalidCursorError(entity, "wrong number of values")
    for value, kind in zip(values, kinds, strict=True):
        if value is not None and not isinstance(value, kind):
            raise InvalidCursorError(entity, "value of the wrong type")
    return values


def sign(payload: bytes) -> str:
    """The MAC of a cursor payload under the current key (for tests and tools)."""
    return _b64(hmac.digest(_key(), payload, "sha256")[:_MAC_BYTES])

"""errors.http_status / http_detail: every typed error has its HTTP status, and 5xx bodies do
not carry what the server saw."""

from __future__ import annotations

import inspect

import pytest

from dbgen.runtime import errors as e

EXPECTED = {
    e.NotFoundError: 404,
    e.AlreadyExistsError: 409,
    e.ConflictError: 409,
    e.RelatedNotFoundError: 409,
    e.ConstraintViolationError: 422,
    e.InvalidQueryError: 422,
    e.InvalidValueError: 422,
    e.InvalidCursorError: 422,
    e.RetryableError: 503,
    e.PoolTimeoutError: 503,
    e.ConnectionLostError: 503,
    e.QueryTimeoutError: 504,
    e.ConfigurationError: 500,
}


def _instance(cls: type[e.DataLayerError]) -> e.DataLayerError:
    params = [
        p
        for p in inspect.signature(cls).parameters.values()
        if p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD
    ]
    return cls(*["users" if i == 0 else "secret detail" for i, _ in enumerate(params)])


def test_every_error_class_has_a_status() -> None:
    """A DataLayerError subclass added later must be given a status here and in errors.py."""
    classes = {
        obj
        for obj in vars(e).values()
        if isinstance(obj, type)
        and issubclass(obj, e.DataLayerError)
        and obj is not e.DataLayerError
    }
    assert classes == set(EXPECTED)
    for cls, status in EXPECTED.items():
        assert e.http_status(_instance(cls)) == status, cls.__name__
    assert e.http_status(e.DataLayerError("x")) == 500


def test_client_errors_say_what_and_where() -> None:
    exc = e.AlreadyExistsError("users", "a@x.org", constraint="users_email_key", detail="dup")
    assert e.http_detail(exc) == {
        "error": "AlreadyExistsError",
        "message": "users 'a@x.org' already exists: dup",
        "entity": "users",
        "constraint": "users_email_key",
    }
    value = e.InvalidValueError("tasks", "limit must be an integer", field="limit")
    assert e.http_detail(value)["field"] == "limit"


@pytest.mark.parametrize("cls", [e.ConnectionLostError, e.QueryTimeoutError, e.PoolTimeoutError])
def test_server_errors_keep_the_details_to_the_log(cls: type[e.DataLayerError]) -> None:
    exc = cls("users", "host db-7.internal refused")
    body = e.http_detail(exc)
    assert set(body) == {"error", "message"} and "db-7" not in body["message"]
    assert e.http_detail(e.DataLayerError("internal")) == {
        "error": "DataLayerError",
        "message": "a database error",
    }

"""The server's error codes are the schema's (spelled out there for the stdlib-only file
helper), and the SDK maps each code, and the shared one by its prefix, to one exception."""

from __future__ import annotations

from execwire import errors
from execwire.protocol.methods import ERROR_CODES, ERROR_MESSAGE_PREFIXES
from execwire_server import errors as server_errors


def test_server_codes_are_the_schema_table() -> None:
    assert {
        "InvalidRequest": server_errors.INVALID_REQUEST,
        "MethodNotFound": server_errors.METHOD_NOT_FOUND,
        "InvalidParams": server_errors.INVALID_PARAMS,
        "InternalError": server_errors.INTERNAL_ERROR,
        "NotFound": server_errors.NOT_FOUND,
        "SessionAlreadyAttached": server_errors.SESSION_ALREADY_ATTACHED,
        "SessionExpired": server_errors.INVALID_REQUEST,
    } == dict(ERROR_CODES)
    assert ERROR_MESSAGE_PREFIXES == {"SessionExpired": server_errors.SESSION_EXPIRED_PREFIX}


def test_every_schema_error_has_its_exception() -> None:
    expected = {
        "InvalidRequest": errors.InvalidRequestError,
        "MethodNotFound": errors.MethodNotFoundError,
        "InvalidParams": errors.InvalidParamsError,
        "InternalError": errors.ServerInternalError,
        "NotFound": errors.NotFoundError,
        "SessionAlreadyAttached": errors.SessionAlreadyAttachedError,
        "SessionExpired": errors.SessionExpiredError,
    }
    assert set(expected) == set(ERROR_CODES)
    for name, code in ERROR_CODES.items():
        message = ERROR_MESSAGE_PREFIXES.get(name, "anything") + " 1234"
        assert type(errors.rpc_error(code, message, "m")) is expected[name]
    assert type(errors.rpc_error(-32600, "not unknown session id", "m")) is errors.InvalidRequestError
    assert type(errors.rpc_error(-1, "other", "m")) is errors.RpcError

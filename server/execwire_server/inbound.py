"""Inbound JSON-RPC messages classified as the reference classifies them (codex 0.169.0).

The reference decodes every websocket message / stdio line with serde_json
(``arbitrary_precision`` + ``preserve_order``) through a seed that counts values
and rejects duplicate keys, then sorts the object into one of four shapes.  When
that fails it answers ``{"error":{"code":-32600,"message":"<label>: <text>"},"id":-1}``
and keeps the connection open.  This module reproduces ``<text>`` byte for byte.

Fast path: :func:`explain` parses with orjson, classifies, and proves (cheaply)
that serde_json would have produced the same value.  Only malformed or unusual
input (duplicate keys, > 127 nesting, > 262144 values, integers outside 64 bits,
trailing data, ...) goes through the pure-Python serde_json emulation (`serde_emulation`).

What the reference does with each outcome:

* :class:`Malformed` -> ``id: -1`` / -32600 error, connection stays open.
* :class:`Request` -> dispatched (unknown method -> -32601).
* :class:`Notification` -> connection closed without a reply (except ``initialized``).
* :class:`Response`, :class:`ErrorResponse` -> connection closed without a reply.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import AnyStr, Final, TypeAlias, TypeGuard

import orjson

from .serde_emulation import (
    RECURSION_LIMIT,
    VALUE_LIMIT,
    JsonSyntaxError,
    document_bytes,
    invalid_type,
    json_syntax_error,
    read_json_value,
    trailing_characters_error,
)

__all__ = [
    "RECURSION_LIMIT",
    "VALUE_LIMIT",
    "Classified",
    "ErrorResponse",
    "Malformed",
    "Message",
    "Notification",
    "Request",
    "Response",
    "classify",
    "explain",
    "is_blank_line",
    "json_syntax_error",
    "message_shape_error",
    "stdio_error_message",
    "websocket_error_message",
]

RequestId: TypeAlias = int | str


@dataclass(frozen=True, slots=True)
class Malformed:
    """Not a JSON-RPC message; ``message`` is the reference's text after the label."""

    message: str


@dataclass(frozen=True, slots=True)
class Request:
    """A request; ``params`` is None when absent or null (the reference cannot tell)."""

    id: RequestId
    method: str
    params: object


@dataclass(frozen=True, slots=True)
class Notification:
    """A notification; ``params`` is None when absent or null."""

    method: str
    params: object


@dataclass(frozen=True, slots=True)
class Response:
    """A client's success response."""

    id: RequestId
    result: object


@dataclass(frozen=True, slots=True)
class ErrorResponse:
    """A client's error response; ``data`` is None when absent or null."""

    id: RequestId
    code: int
    message: str
    data: object


Message: TypeAlias = Request | Notification | Response | ErrorResponse
Classified: TypeAlias = Message | Malformed


def websocket_error_message(peer: str, detail: str) -> str:
    """The -32600 text for a websocket peer (``peer`` as Rust prints a SocketAddr)."""
    return f"failed to parse websocket JSON-RPC message from exec-server websocket {peer}: {detail}"


def stdio_error_message(detail: str) -> str:
    """The -32600 text on the stdio transport."""
    return f"failed to parse JSON-RPC message from exec-server stdio: {detail}"


# Rust's str::trim() strips Unicode White_Space, which differs from str.isspace()
# (Python also strips U+001C..U+001F); the stdio reader skips lines that trim to "".
_RUST_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def is_blank_line(line: str) -> bool:
    """True if the stdio reader skips this line without answering.

    (A stdio line that is not UTF-8 is a read error there: the reference drops
    the connection without replying.)
    """
    return not line.strip(_RUST_WHITESPACE)


# ---------------------------------------------------------------------------
# Classification (the reference's JSONRPCMessage decoding from a parsed value)
# ---------------------------------------------------------------------------

_I64_MIN: Final = -(1 << 63)
_I64_MAX: Final = (1 << 63) - 1
_U64_MAX: Final = (1 << 64) - 1
_I128_MIN: Final = -(1 << 127)
_U128_MAX: Final = (1 << 128) - 1

_NOT_OBJECT: Final = "expected a JSON-RPC object"
_BAD_ID: Final = "data did not match any variant of untagged enum RequestId"
_ERROR_SEQ: Final = "struct JSONRPCErrorError with 3 elements"


def classify(value: object) -> Classified:
    """Sort a parsed JSON value the way the reference does.

    ``method`` present -> Request if ``id`` is present too, else Notification;
    otherwise ``result`` present -> Response; otherwise Error.  The chosen shape is
    then decoded strictly, fields in the object's own key order, so the first bad
    field (in document order) names the error.
    """
    if not isinstance(value, dict):
        return Malformed(_NOT_OBJECT)
    if "method" in value:
        method = value["method"]
        if "id" in value:
            rid = value["id"]
            if isinstance(method, str) and _is_request_id(rid) and value.get("trace") is None:
                return Request(rid, method, value.get("params"))
            return _decode_request(value)
        if isinstance(method, str):
            # The notification's trace is parsed leniently: anything goes.
            return Notification(method, value.get("params"))
        return Malformed(invalid_type(method, "a string"))
    if "result" in value:
        rid = value.get("id", _MISSING)
        if _is_request_id(rid):
            return Response(rid, value["result"])
        if rid is _MISSING:
            return Malformed("missing field `id`")
        return Malformed(_request_id_error(rid) or _BAD_ID)
    return _decode_error(value)


def message_shape_error(value: object) -> str | None:
    """The reference's text for a parsed value it cannot classify, else None."""
    result = classify(value)
    return result.message if isinstance(result, Malformed) else None


class _Missing:
    __slots__ = ()


_MISSING: Final = _Missing()


def _is_request_id(value: object) -> TypeGuard[RequestId]:
    if isinstance(value, str):
        return True
    return isinstance(value, int) and not isinstance(value, bool) and _I64_MIN <= value <= _I64_MAX


def _request_id_error(value: object) -> str | None:
    """Why serde's untagged ``RequestId`` (String | i64) rejects ``value``."""
    if _is_request_id(value):
        return None
    return _wide_integer_error(value) or _BAD_ID


def _wide_integer_error(value: object) -> str | None:
    """The first 65..128-bit integer in ``value``, as serde's Content buffer rejects it.

    The untagged enum first buffers the whole value (nested ones included), and
    arbitrary_precision hands such integers over as u128/i128, which the buffer
    does not support.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if _U64_MAX < value <= _U128_MAX:
            return f"invalid type: integer `{value}` as u128, expected any value"
        if _I128_MIN <= value < _I64_MIN:
            return f"invalid type: integer `{value}` as i128, expected any value"
        return None
    children: Iterable[object]
    if isinstance(value, dict):
        children = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return None
    for child in children:
        error = _wide_integer_error(child)
        if error is not None:
            return error
    return None


def _decode_request(obj: dict[str, object]) -> Classified:
    for key, field in obj.items():
        if key == "id":
            err = _request_id_error(field)
        elif key == "method":
            err = None if isinstance(field, str) else invalid_type(field, "a string")
        elif key == "trace":
            err = None if field is None else _trace_error(field)
        else:
            continue
        if err is not None:
            return Malformed(err)
    rid, method = obj["id"], obj["method"]
    assert _is_request_id(rid) and isinstance(method, str)
    return Request(rid, method, obj.get("params"))


def _trace_error(value: object) -> str | None:
    """W3cTraceContext {traceparent, tracestate: Option<String>}, strict (requests only)."""
    if isinstance(value, dict):
        for key, field in value.items():
            if key in ("traceparent", "tracestate") and not (
                field is None or isinstance(field, str)
            ):
                return invalid_type(field, "a string")
        return None
    if isinstance(value, list):
        for field in value[:2]:
            if not (field is None or isinstance(field, str)):
                return invalid_type(field, "a string")
        if len(value) > 2:
            return f"invalid length {len(value)}, expected fewer elements in array"
        return None
    return invalid_type(value, "struct W3cTraceContext")


def _decode_error(obj: dict[str, object]) -> Classified:
    for key, field in obj.items():
        if key == "error":
            err = _error_object_error(field)
        elif key == "id":
            err = _request_id_error(field)
        else:
            continue
        if err is not None:
            return Malformed(err)
    if "error" not in obj:
        return Malformed("missing field `error`")
    if "id" not in obj:
        return Malformed("missing field `id`")
    rid, error = obj["id"], obj["error"]
    if isinstance(error, dict):
        code, message, data = error["code"], error["message"], error.get("data")
    else:  # the [code, data, message] form
        assert isinstance(error, list)
        code, data, message = error[0], error[1], error[2]
    assert _is_request_id(rid) and isinstance(code, int) and isinstance(message, str)
    return ErrorResponse(rid, code, message, data)


def _error_object_error(value: object) -> str | None:
    """JSONRPCErrorError {code: i64, data: Option<Value>, message: String}."""
    if isinstance(value, dict):
        for key, field in value.items():
            if key == "code":
                err = _i64_error(field)
            elif key == "message":
                err = None if isinstance(field, str) else invalid_type(field, "a string")
            else:
                continue
            if err is not None:
                return err
        if "code" not in value:
            return "missing field `code`"
        if "message" not in value:
            return "missing field `message`"
        return None
    if isinstance(value, list):
        # serde's struct-from-array: fields by position; `data` has a default.
        if not value:
            return f"invalid length 0, expected {_ERROR_SEQ}"
        err = _i64_error(value[0])
        if err is not None:
            return err
        if len(value) < 3:
            return f"invalid length 2, expected {_ERROR_SEQ}"
        if not isinstance(value[2], str):
            return invalid_type(value[2], "a string")
        if len(value) > 3:
            return f"invalid length {len(value)}, expected fewer elements in array"
        return None
    return invalid_type(value, "struct JSONRPCErrorError")


def _i64_error(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return invalid_type(value, "i64")
    if isinstance(value, int) and _I64_MIN <= value <= _I64_MAX:
        return None
    # An arbitrary_precision number that does not parse as i64 (floats included).
    return "invalid number"


def _explain_slow(data: bytes) -> Classified:
    try:
        value, end = read_json_value(data)
    except JsonSyntaxError as error:
        return Malformed(str(error))
    result = classify(value)
    if isinstance(result, Malformed):
        return result
    # serde_json's Deserializer::end() runs only after the message was decoded.
    trailing = trailing_characters_error(data, end)
    return Malformed(trailing) if trailing is not None else result


# ---------------------------------------------------------------------------
# Fast path
# ---------------------------------------------------------------------------

# orjson turns integers outside [-2**63, 2**64) into floats; those floats are
# at least this large, and only the emulator keeps such integers exact.
_BIG_FLOAT: Final = 9.2e18


def explain(text: bytes | str) -> Classified:
    """Parse and classify one websocket message (text or binary) like the reference.

    For stdio pass the line without its ``\n`` and one trailing ``\r`` (tokio's
    ``lines()``), after skipping :func:`is_blank_line` lines.  Well-formed input
    costs orjson plus one walk over the value; malformed input is re-parsed by the
    emulator, which stops at the 262145th value, so it stays bounded (< 1 s).
    """
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _explain_slow(document_bytes(text))
    result = classify(value)
    if isinstance(result, Malformed) or not _orjson_agrees(text, value):
        return _explain_slow(document_bytes(text))
    return result


def _orjson_agrees(text: bytes | str, value: object) -> bool:
    """True if serde_json + codex's seed would build the same value without error.

    orjson keeps the last of duplicate keys, nests up to 1024 deep, has no value
    limit and rounds big integers to floats; rule each of those out in one walk.
    """
    keys = string_colons = values = containers = 0
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        values += 1
        if isinstance(item, str):
            if ":" in item:  # memchr; count() alone is ~20x slower on big strings
                string_colons += item.count(":")
        elif isinstance(item, dict):
            containers += 1
            keys += len(item)
            for key in item:
                if ":" in key:
                    string_colons += key.count(":")
            extend(item.values())
        elif isinstance(item, list):
            containers += 1
            extend(item)
        elif isinstance(item, float) and not -_BIG_FLOAT < item < _BIG_FLOAT:
            return False
    if values > VALUE_LIMIT:
        return False
    if containers >= RECURSION_LIMIT and not _shallower_than(value, RECURSION_LIMIT):
        return False
    # Every object member has exactly one colon outside strings, so more colons
    # than keys means orjson merged duplicate keys.  A \u003a escape would be a
    # colon in a string but not in the text: only possible with a backslash.
    if isinstance(text, str):
        return _occurs(text, ":", keys + string_colons) and not (
            string_colons and "\\" in text and "\\u003" in text
        )
    return _occurs(text, b":", keys + string_colons) and not (
        string_colons and b"\\" in text and b"\\u003" in text
    )


def _occurs(text: AnyStr, needle: AnyStr, expected: int) -> bool:
    """``text.count(needle) == expected``; find() is memchr-fast, count() is not."""
    if expected * 200 >= len(text):  # ~100 ns per find() vs ~0.5 ns per byte counted
        return text.count(needle) == expected
    found = 0
    at = text.find(needle)
    while at >= 0:
        found += 1
        if found > expected:
            return False
        at = text.find(needle, at + 1)
    return found == expected


def _shallower_than(value: object, limit: int) -> bool:
    """True if arrays/objects nest fewer than ``limit`` deep (bounded recursion)."""
    children: Iterable[object]
    if isinstance(value, dict):
        children = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return True
    return limit > 1 and all(_shallower_than(child, limit - 1) for child in children)

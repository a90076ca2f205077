"""The Codex JSON-RPC dialect on the client side: encode requests, classify what arrives.

I/O-free. The dialect has no `"jsonrpc"` member; a message is a request (`id` + `method`),
a notification (`method`), a response (`id` + `result`) or an error (`id` + `error`),
tried in that order, as the reference does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import orjson

from .errors import ProtocolError

__all__ = [
    "ErrorReply",
    "InboundMessage",
    "Notification",
    "Response",
    "ServerRequest",
    "decode",
    "encode_error",
    "encode_notification",
    "encode_request",
]


def encode_request(request_id: int, method: str, params: dict[str, Any] | None) -> bytes:
    """One request; `params` None leaves the member out (the server reads it as null)."""
    if params is None:
        return orjson.dumps({"id": request_id, "method": method})
    return orjson.dumps({"id": request_id, "method": method, "params": params})


def encode_notification(method: str, params: dict[str, Any] | None) -> bytes:
    """One notification."""
    if params is None:
        return orjson.dumps({"method": method})
    return orjson.dumps({"method": method, "params": params})


def encode_error(request_id: int | str, code: int, message: str) -> bytes:
    """An error reply (the client answers server-to-client requests it does not know)."""
    return orjson.dumps({"id": request_id, "error": {"code": code, "message": message}})


@dataclass(frozen=True, slots=True)
class Response:
    """A successful reply."""

    id: int | str
    result: Any


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """An error reply; `id` is -1 when the server could not parse what it answers."""

    id: int | str
    code: int
    message: str
    data: Any


@dataclass(frozen=True, slots=True)
class Notification:
    """A notification from the server."""

    method: str
    params: Any


@dataclass(frozen=True, slots=True)
class ServerRequest:
    """A request from the server (not part of the exec-server API this SDK speaks)."""

    id: int | str
    method: str
    params: Any


InboundMessage: TypeAlias = Response | ErrorReply | Notification | ServerRequest


def _is_id(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def decode(message: bytes | str) -> InboundMessage:
    """Classify one message; raises `ProtocolError` for anything that is none of the four."""
    try:
        data = orjson.loads(message)
    except orjson.JSONDecodeError as error:
        raise ProtocolError(f"server sent invalid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ProtocolError(f"server sent a JSON {type(data).__name__}, not a message object")
    method = data.get("method")
    message_id = data.get("id")
    valid_id: int | str | None = message_id if _is_id(message_id) else None
    if isinstance(method, str):
        if valid_id is not None:
            return ServerRequest(valid_id, method, data.get("params"))
        return Notification(method, data.get("params"))
    if valid_id is not None:
        if "result" in data:
            return Response(valid_id, data["result"])
        error_object = data.get("error")
        if isinstance(error_object, dict):
            code, text = error_object.get("code"), error_object.get("message")
            if isinstance(code, int) and isinstance(text, str):
                return ErrorReply(valid_id, code, text, error_object.get("data"))
    raise ProtocolError(f"server sent an unrecognised message: {message[:200]!r}")

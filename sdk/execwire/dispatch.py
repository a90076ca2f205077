"""What one inbound message means to the client: the three decode paths, without I/O.

`InboundDispatch.dispatch` takes each message the transport hands over and settles it
against the client's `RequestTable` and `EventRouter`, cheapest path first:

1. `process/output` in the exact shape servers write is decoded from the bytes
   (`jsonrpc.decode_output`): the hot path of a stream, no JSON parser, no pydantic;
2. a large `fs/readFile`-shaped answer (or one the transport already decoded, a
   `jsonrpc.FileReply`) is made into its request's result by the request's `FileResult`,
   never building its base64 as a str;
3. anything else takes the general path: JSON, then the generated notification models.

What the client must then do comes back as a value: a `ProcessRoute` whose output has a
hole to read (`process/read` after its last seq), or the bytes of an error reply to a
request the server sent (the client serves none).
"""

from __future__ import annotations

import logging
from typing import Final

from pydantic import ValidationError

from . import base64_strict, jsonrpc
from .delivery import EventRouter
from .errors import ProtocolError
from .protocol import models
from .protocol.methods import NOTIFICATIONS, ServerNotification
from .request_table import FileResult, PendingRequest, RequestTable
from .routes import ProcessRoute

__all__ = ["FILE_BYTES", "FILE_MODEL", "LARGE_RESULT_BYTES", "InboundDispatch"]

_log = logging.getLogger("execwire.client")

LARGE_RESULT_BYTES: Final = 1 << 20
"""Answers at least this large are first tried on the byte-level `fs/readFile` path."""


class InboundDispatch:
    """Settles inbound messages against the client's requests and routes (see the module)."""

    __slots__ = ("_requests", "_router", "_target")

    def __init__(self, requests: RequestTable, router: EventRouter, target: str) -> None:
        self._requests = requests
        self._router = router
        self._target = target

    def dispatch(self, message: bytes | jsonrpc.FileReply) -> ProcessRoute | bytes | None:
        """Settle one message; returns a route to catch up, a reply to send, or None."""
        if isinstance(message, jsonrpc.FileReply):
            if self._on_file_reply(message):
                return None
            message = message.to_message()
        output = jsonrpc.decode_output(message)
        if output is not None:
            return self._router.output(*output)
        if len(message) >= LARGE_RESULT_BYTES and self._on_large_reply(message):
            return None
        try:
            inbound = jsonrpc.decode(message)
        except ProtocolError as error:
            _log.warning("ignoring a message from %s: %s", self._target, error)
            return None
        if isinstance(inbound, jsonrpc.Notification):
            return self._on_notification(inbound)
        if isinstance(inbound, jsonrpc.Response | jsonrpc.ErrorReply):
            self._on_reply(inbound)
            return None
        return jsonrpc.encode_error(
            inbound.id, -32601, f"client does not implement `{inbound.method}`"
        )

    def _on_large_reply(self, message: bytes) -> bool:
        """A large answer of a request that can take it from the bytes; false: not handled."""
        span = jsonrpc.file_response_span(message)
        if span is None:
            return False
        request_id, start, end = span
        if self._unawaited(request_id):
            return True
        pending = self._file_result_pending(request_id)
        if pending is None:
            return False
        assert pending.file_result is not None
        result = pending.file_result.from_span(message, start, end)
        if result is None:
            return False
        pending.future.set_result(result)
        return True

    def _on_file_reply(self, reply: jsonrpc.FileReply) -> bool:
        """An answer the transport decoded; false: not handled (no request takes it so)."""
        if self._unawaited(reply.request_id):
            return True
        pending = self._file_result_pending(reply.request_id)
        if pending is None:
            return False
        assert pending.file_result is not None
        pending.future.set_result(pending.file_result.from_data(reply.data))
        return True

    def _unawaited(self, request_id: int) -> bool:
        """No request waits for this answer any more (it timed out or was cancelled): it is
        dropped, as `_on_reply` drops it, without being re-encoded or parsed again."""
        return self._requests.awaited(request_id) is None

    def _file_result_pending(self, request_id: int) -> PendingRequest | None:
        pending = self._requests.awaited(request_id)
        if pending is None or pending.file_result is None:
            return None
        return pending

    def _on_reply(self, reply: jsonrpc.Response | jsonrpc.ErrorReply) -> None:
        answered = self._requests.answer(reply)
        if not answered and isinstance(reply, jsonrpc.ErrorReply) and reply.id == -1:
            _log.warning("server could not parse a message: %s", reply.message)

    def _on_notification(self, notification: jsonrpc.Notification) -> ProcessRoute | None:
        spec = NOTIFICATIONS.get(notification.method)
        if spec is None or spec.direction != "server-to-client":
            _log.debug("ignoring notification %s", notification.method)
            return None
        try:
            event: ServerNotification = spec.params_type.model_validate(notification.params)
        except ValidationError as error:
            _log.warning("ignoring invalid %s notification: %s", notification.method, error)
            return None
        return self._router.notification(event)


def _file_response_bytes(message: bytes, start: int, end: int) -> bytes | None:
    """A large `fs/readFile` answer straight to the file's bytes (None: not valid base64)."""
    return base64_strict.decode_span(message, start, end)


def _file_response_model(message: bytes, start: int, end: int) -> models.FsReadFileResponse | None:
    """A large `fs/readFile` answer as its model, without orjson building the str first.

    Only valid base64 takes this way (its text is then the JSON string's value as is);
    anything else is left to the general path, which decides as it always did."""
    if base64_strict.decode_span(message, start, end) is None:
        return None
    text = str(memoryview(message)[start:end], "ascii")
    return models.FsReadFileResponse.model_construct(data_base64=text)


def _file_data_model(data: bytes) -> models.FsReadFileResponse:
    return models.FsReadFileResponse.model_construct(data_base64=base64_strict.encode(data))


def _same_bytes(data: bytes) -> bytes:
    return data


FILE_BYTES: Final = FileResult(_file_response_bytes, _same_bytes)
"""`fs/readFile` for `Executor.read_bytes`: the file's bytes."""
FILE_MODEL: Final = FileResult(_file_response_model, _file_data_model)
"""`fs/readFile` through the typed stub: its result model."""

"""The client's requests in flight: ids, answers, and what a lost link does to each.

No I/O here: the client sends what `open` and `after_resume` hand it and passes every
answer in; the table matches answers by id, decides which requests are re-sent after a
resume (the retry-safe ones, at most `MAX_RESENDS` times) and which fail, and resolves
each request's future. A request's `transport` is only compared by identity.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from pydantic import ValidationError

from . import jsonrpc
from .errors import (
    ExecWireError,
    ProtocolError,
    RequestOutcomeUnknown,
    TransportError,
    rpc_error,
)
from .wire import WireModel

__all__ = ["MAX_RESENDS", "RETRY_SAFE_METHODS", "FileResult", "PendingRequest", "RequestTable"]

# Repeating these after a lost link cannot change the outcome (process/write is deduplicated
# by its writeId). process/signal is not here: a second interrupt can kill a program that
# treats the first one gracefully.
RETRY_SAFE_METHODS: Final = frozenset(
    {
        "process/read",
        "process/write",
        "process/terminate",
        "fs/readFile",
        "fs/getMetadata",
        "fs/readDirectory",
        "environment/info",
        "environment/status",
        "execwire/resize",
        "execwire/listProcesses",
    }
)
MAX_RESENDS: Final = 2
"""A retry-safe request is re-sent after at most this many resumes, then fails: a request
whose answer the link cannot carry (e.g. a relay stream reset by an oversized answer)
would otherwise be re-sent forever."""


@dataclass(frozen=True, slots=True)
class FileResult:
    """How a request makes its result of an `fs/readFile`-shaped answer, sparing the
    general path (JSON parser, pydantic)."""

    from_span: Callable[[bytes, int, int], Any]
    """From the answer's bytes and the span of its `dataBase64` text; None: let the general
    path decode the message."""
    from_data: Callable[[bytes], Any]
    """From the data, when the transport decoded it already (`jsonrpc.FileReply`)."""


class PendingRequest:
    """One request in flight and the future its caller awaits."""

    __slots__ = (
        "direct",
        "file_result",
        "future",
        "message",
        "method",
        "resends",
        "result_type",
        "retry_safe",
        "transport",
    )

    def __init__(
        self,
        method: str,
        result_type: type[WireModel],
        future: asyncio.Future[Any],
        message: bytes,
        direct: bool,
        file_result: FileResult | None,
    ) -> None:
        self.method = method
        self.result_type = result_type
        self.future = future
        self.message = message
        self.retry_safe = method in RETRY_SAFE_METHODS
        self.direct = direct
        """Sent on a specific transport during (re)connection; never re-sent."""
        self.file_result = file_result
        self.transport: object | None = None
        """Where it was last sent; None while waiting for the connection."""
        self.resends = 0

    def sent_on(self, transport: object) -> None:
        """It went out on `transport`; a request that is never re-sent lets go of its
        message (a large request is not kept alive until its answer)."""
        self.transport = transport
        if not self.retry_safe:
            self.message = b""


class RequestTable:
    """Requests by id, from `open` until `close`."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._pending: dict[int, PendingRequest] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def __iter__(self) -> Iterator[PendingRequest]:
        return iter(list(self._pending.values()))

    def open(
        self,
        method: str,
        encode: Callable[[int], bytes],
        result_type: type[WireModel],
        future: asyncio.Future[Any],
        *,
        direct: bool,
        file_result: FileResult | None = None,
    ) -> tuple[int, PendingRequest]:
        """A new request: its id and its entry (`encode` makes the message for the id)."""
        request_id = next(self._ids)
        pending = PendingRequest(method, result_type, future, encode(request_id), direct, file_result)
        self._pending[request_id] = pending
        return request_id, pending

    def close(self, request_id: int) -> None:
        """The caller stopped waiting (answered, failed, timed out or cancelled)."""
        self._pending.pop(request_id, None)

    def awaited(self, request_id: object) -> PendingRequest | None:
        """The request still waiting for the answer with this id, if any."""
        pending = self._pending.get(request_id) if isinstance(request_id, int) else None
        if pending is None or pending.future.done():
            return None
        return pending

    def answer(self, reply: jsonrpc.Response | jsonrpc.ErrorReply) -> bool:
        """Resolve the request `reply` answers; False when nobody waits for it any more."""
        pending = self.awaited(reply.id)
        if pending is None:
            return False
        if isinstance(reply, jsonrpc.ErrorReply):
            pending.future.set_exception(
                rpc_error(reply.code, reply.message, pending.method, reply.data)
            )
            return True
        try:
            result = pending.result_type.model_validate(reply.result)
        except ValidationError as error:
            pending.future.set_exception(
                ProtocolError(f"{pending.method}: invalid result from the server: {error}")
            )
        else:
            pending.future.set_result(result)
        return True

    def transport_ended(self, transport: object, error: ExecWireError) -> None:
        """Requests sent straight on `transport` (during a handshake) fail with `error`;
        the others wait for the resume."""
        for pending in self._pending.values():
            if pending.direct and pending.transport is transport and not pending.future.done():
                pending.future.set_exception(error)

    def after_resume(self, transport: object) -> list[PendingRequest]:
        """The session is resumed on `transport`: the requests to send again there (now
        marked as sent on it). Of those sent on an earlier link, the retry-safe ones are
        re-sent at most `MAX_RESENDS` times; the others fail with `RequestOutcomeUnknown`."""
        resend: list[PendingRequest] = []
        for pending in self._pending.values():
            if pending.direct or pending.transport is None or pending.future.done():
                continue
            if pending.transport is transport:
                continue
            if pending.retry_safe and pending.resends >= MAX_RESENDS:
                pending.future.set_exception(
                    TransportError(
                        f"{pending.method}: the connection was lost {pending.resends + 1} times "
                        "while this request was in flight (is its answer too large for the "
                        "link?); giving up"
                    )
                )
            elif pending.retry_safe:
                pending.resends += 1
                pending.transport = transport
                resend.append(pending)
            else:
                pending.future.set_exception(
                    RequestOutcomeUnknown(
                        f"{pending.method}: the connection dropped while the request was in "
                        "flight; the server may or may not have executed it"
                    )
                )
        return resend

    def fail_all(self, error: ExecWireError) -> None:
        """The client ended: every waiting request fails with `error`."""
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(error)

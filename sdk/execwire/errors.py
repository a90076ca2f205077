"""The one exception tree of the SDK.

```
ExecWireError
├── RpcError                      the server answered a request with a JSON-RPC error
│   ├── InvalidRequestError       -32600
│   │   └── SessionExpiredError   resume refused: the server forgot the session (terminal)
│   ├── MethodNotFoundError       -32601
│   ├── InvalidParamsError        -32602
│   ├── ServerInternalError       -32603
│   ├── NotFoundError             -32004 (also a FileNotFoundError)
│   └── SessionAlreadyAttachedError  -32010
├── TransportError                the connection is gone (and could not be resumed)
│   ├── AuthenticationError       the server refused the bearer token (HTTP 401/403)
│   ├── RequestOutcomeUnknown     the link dropped while a non-retryable request was in flight
│   └── ClientClosedError         the client was closed
├── ExecTimeout                   an explicit timeout elapsed (also a TimeoutError)
├── OutputLost                    the server evicted output this client had not seen yet
├── ProtocolError                 the server sent something the protocol does not allow
├── MessageTooLarge               a request exceeds what the server accepts in one message
├── WriteRejected                 process/write answered something other than `accepted`
├── UnsupportedByServer           the server does not serve an execwire extension (e.g. the reference)
├── ChecksumMismatch              a transferred file's size or SHA-256 differs from the source
└── CommandFailed                 run(check=True): non-zero exit or timed out
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .protocol.methods import ERROR_CODES, ERROR_MESSAGE_PREFIXES

if TYPE_CHECKING:
    from .command import CompletedCommand

__all__ = [
    "AuthenticationError",
    "ChecksumMismatch",
    "ClientClosedError",
    "CommandFailed",
    "ExecTimeout",
    "ExecWireError",
    "InvalidParamsError",
    "InvalidRequestError",
    "MessageTooLarge",
    "MethodNotFoundError",
    "NotFoundError",
    "OutputLost",
    "ProtocolError",
    "RequestOutcomeUnknown",
    "RpcError",
    "ServerInternalError",
    "SessionAlreadyAttachedError",
    "SessionExpiredError",
    "TransportError",
    "UnsupportedByServer",
    "WriteRejected",
    "rpc_error",
]


class ExecWireError(Exception):
    """Root of every error the SDK raises."""


class RpcError(ExecWireError):
    """The server answered `method` with a JSON-RPC error object."""

    code: int
    """JSON-RPC error code (-32600, -32004, ...)."""
    message: str
    """The server's message, verbatim."""
    method: str
    """The request method that failed."""
    data: object
    """The error's `data` member (the reference never sets it)."""

    def __init__(self, code: int, message: str, method: str, data: object = None) -> None:
        super().__init__(code, message, method)
        self.code = code
        self.message = message
        self.method = method
        self.data = data

    def __str__(self) -> str:
        return f"{self.method} failed: {self.message} (code {self.code})"

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.code, self.message, self.method, self.data))


class InvalidRequestError(RpcError):
    """-32600: the request is not allowed now (lifecycle, unknown process id, ...)."""


class SessionExpiredError(InvalidRequestError):
    """Resume refused with `unknown session id`: the session and its processes are gone.

    Terminal: the client cannot recover it; start a new client.
    """


class MethodNotFoundError(RpcError):
    """-32601: the server does not implement the method."""


class InvalidParamsError(RpcError):
    """-32602: the params do not decode, or are invalid on this host."""


class ServerInternalError(RpcError):
    """-32603: the operation failed on the server (spawn failure, I/O error, ...)."""


class NotFoundError(RpcError, FileNotFoundError):
    """-32004: a path (or handle) does not exist. Also catchable as `FileNotFoundError`."""

    def __init__(self, code: int, message: str, method: str, data: object = None) -> None:
        RpcError.__init__(self, code, message, method, data)

    def __str__(self) -> str:
        return RpcError.__str__(self)


class SessionAlreadyAttachedError(RpcError):
    """-32010: the session is still attached to another (possibly dead) connection."""


_BY_NAME: Final[dict[str, type[RpcError]]] = {
    "InvalidRequest": InvalidRequestError,
    "MethodNotFound": MethodNotFoundError,
    "InvalidParams": InvalidParamsError,
    "InternalError": ServerInternalError,
    "NotFound": NotFoundError,
    "SessionAlreadyAttached": SessionAlreadyAttachedError,
    "SessionExpired": SessionExpiredError,
}
"""The exception of each error the schema names (its code and any message prefix come
from the generated table)."""

_BY_CODE: Final[dict[int, type[RpcError]]] = {
    ERROR_CODES[name]: error
    for name, error in _BY_NAME.items()
    if name not in ERROR_MESSAGE_PREFIXES
}
_BY_PREFIX: Final[tuple[tuple[int, str, type[RpcError]], ...]] = tuple(
    (ERROR_CODES[name], prefix, _BY_NAME[name]) for name, prefix in ERROR_MESSAGE_PREFIXES.items()
)


def rpc_error(code: int, message: str, method: str, data: object = None) -> RpcError:
    """The `RpcError` subclass for `code` (plain `RpcError` for codes the API does not use);
    an error that shares its code is told by its message's prefix, as the schema says."""
    for shared_code, prefix, error in _BY_PREFIX:
        if code == shared_code and message.startswith(prefix):
            return error(code, message, method, data)
    return _BY_CODE.get(code, RpcError)(code, message, method, data)


class TransportError(ExecWireError):
    """The connection to the server is lost, or could not be (re)established."""


class AuthenticationError(TransportError):
    """The server refused the connection's credentials (HTTP 401 or 403)."""


class RequestOutcomeUnknown(TransportError):
    """The link dropped while this request was in flight; the server may or may not have run it.

    Only requests that are not safe to repeat end this way (`process/start`, `fs/writeFile`
    ...); reads, `process/write` (idempotent by writeId), terminate and signal are re-sent
    after the client resumes its session.
    """


class ClientClosedError(TransportError):
    """The client was closed before the operation completed."""


class ExecTimeout(ExecWireError, TimeoutError):
    """A timeout you asked for elapsed (request_timeout, wait(timeout=...), ...)."""


class OutputLost(ExecWireError):
    """Output of a process was evicted by the server before this client could read it.

    The server keeps only the newest ~1 MiB per process; output produced while the client
    was disconnected can fall out of that window. Seqs `first_seq..last_seq` (inclusive)
    are gone. They are output chunks, except that when the process's exit also fell inside
    the window its seq may be one of them. `last_seq` is None when the server no longer knows
    the process at all. Iterating the process's output again continues after the gap.
    """

    process_id: str
    first_seq: int
    last_seq: int | None
    result: CompletedCommand | None
    """For `Executor.run`: what was collected despite the loss; None elsewhere."""

    def __init__(
        self,
        process_id: str,
        first_seq: int,
        last_seq: int | None,
        result: CompletedCommand | None = None,
    ) -> None:
        super().__init__(process_id, first_seq, last_seq)
        self.process_id = process_id
        self.first_seq = first_seq
        self.last_seq = last_seq
        self.result = result

    def __str__(self) -> str:
        span = f"seqs {self.first_seq}..{self.last_seq}" if self.last_seq is not None else (
            f"everything after seq {self.first_seq - 1} (the server no longer knows the process)"
        )
        return f"output of process {self.process_id} was lost: {span}"


class ProtocolError(ExecWireError):
    """The server sent a message the protocol does not allow (invalid JSON, bad result...)."""


class MessageTooLarge(ExecWireError):
    """A request is bigger than the server accepts in one message; it was not sent.

    The reference exec-server drops the connection on websocket messages over 64 MiB, so
    one `fs/writeFile` can carry at most ~48 MiB of data (base64 adds a third).
    """

    size: int
    limit: int

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(size, limit)
        self.size = size
        self.limit = limit

    def __str__(self) -> str:
        return (
            f"request of {self.size} bytes exceeds the server's message limit of {self.limit} "
            "bytes (file writes carry base64: at most ~3/4 of the limit in data)"
        )


class WriteRejected(ExecWireError):
    """`process/write` answered `status` instead of `accepted` (e.g. `stdinClosed`)."""

    process_id: str
    status: str

    def __init__(self, process_id: str, status: str) -> None:
        super().__init__(process_id, status)
        self.process_id = process_id
        self.status = status

    def __str__(self) -> str:
        hint = " (spawn with stdin=True to write to it)" if self.status == "stdinClosed" else ""
        return f"write to process {self.process_id} rejected: {self.status}{hint}"


class UnsupportedByServer(ExecWireError):
    """The server does not serve an execwire extension this call needs (the reference
    exec-server serves none); nothing was sent."""


class ChecksumMismatch(ExecWireError):
    """A transferred file's size or SHA-256 differs from its source's; nothing was kept."""


class CommandFailed(ExecWireError):
    """`run(..., check=True)`: the command exited non-zero or timed out; `result` has it all."""

    result: CompletedCommand

    def __init__(self, result: CompletedCommand) -> None:
        super().__init__(result)
        self.result = result

    def __str__(self) -> str:
        result = self.result
        what = "timed out" if result.timed_out else f"exited with {result.exit_code}"
        return f"command {list(result.argv)!r} {what}"

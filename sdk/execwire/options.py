"""`ClientOptions`: how a client connects and behaves, one value for every `connect_*`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from .resume import DEFAULT_RECONNECT, ReconnectPolicy
from .transports.websocket import DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_OPEN_TIMEOUT

__all__ = ["DEFAULT_CLIENT_NAME", "DEFAULT_OUTPUT_CHUNK_BYTES", "ClientOptions"]

DEFAULT_CLIENT_NAME: Final = "execwire"
DEFAULT_OUTPUT_CHUNK_BYTES: Final = 65536
"""Output chunk size asked of the server (execwire extension; other servers send 8 KiB)."""


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """Options of `ExecServerClient`, `Executor` and their blocking twins, taken by every
    `connect_*` as `options=`. Credentials are not options: `token` is passed on its own.

    `request_timeout` (seconds, default none) bounds each request from the call to its
    response, reconnection time included (`ExecTimeout`). `output_chunk_bytes` (default
    64 KiB) asks an execwire server for output chunks of up to that size and for the other
    execwire extensions (`execwire/walkTree`); other servers ignore it; None asks for no
    extension (the reference protocol only). `reconnect` is how a lost session is resumed
    (None: never; stdio never resumes). `open_timeout` bounds opening a connection;
    requests over `max_message_bytes` (default 64 MiB, the reference's limit; a file write
    carries about 3/4 of it in data) raise `MessageTooLarge` on websockets (None: no check).
    """

    client_name: str = DEFAULT_CLIENT_NAME
    request_timeout: float | None = None
    output_chunk_bytes: int | None = DEFAULT_OUTPUT_CHUNK_BYTES
    reconnect: ReconnectPolicy | None = field(default=DEFAULT_RECONNECT)
    open_timeout: float = DEFAULT_OPEN_TIMEOUT
    max_message_bytes: int | None = DEFAULT_MAX_MESSAGE_BYTES

    def __post_init__(self) -> None:
        if self.output_chunk_bytes is not None and self.output_chunk_bytes < 1:
            raise ValueError("output_chunk_bytes must be positive (or None not to ask)")


DEFAULT_OPTIONS: Final = ClientOptions()

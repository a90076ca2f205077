"""How the client reaches a server: a `Connector` opens `Transport`s that move whole messages.

A transport moves whole JSON-RPC messages (bytes of one JSON object, no framing) and knows
nothing of their meaning; the client does everything else. A connector opens transports to
one server, again after a loss. Shipped: `WebSocketConnector` (`ws://`, optional bearer
token), `StdioConnector` (spawns a server, newline-delimited JSON over its stdin/stdout) and
`InProcessConnector` (an embedded `execwire_server`, no sockets). A relay/rendezvous transport
plugs in by implementing these two protocols; nothing in the client changes.
"""

from __future__ import annotations

from typing import Protocol

from ..jsonrpc import FileReply

__all__ = ["Connector", "Transport"]


class Transport(Protocol):
    """One connection to a server, moving whole messages."""

    async def send(self, message: bytes) -> None:
        """Send one encoded message; raises `TransportError` when the connection is gone."""
        ...

    async def receive(self) -> bytes | FileReply | None:
        """The next message, or None once the connection has ended (for whatever reason).

        A transport may hand over an `fs/readFile` answer already decoded, as a `FileReply`."""
        ...

    async def close(self) -> None:
        """Close gracefully; `receive` returns None afterwards."""
        ...

    def abort(self) -> None:
        """Drop the connection at once, without a closing handshake."""
        ...


class Connector(Protocol):
    """Opens transports to one server."""

    @property
    def target(self) -> str:
        """Where it connects, for messages and logs; never contains credentials."""
        ...

    @property
    def resumable(self) -> bool:
        """A transport opened after a loss reaches the same server, so the session can be
        resumed (true for websockets and in-process; false for stdio, where the server
        lives and dies with its pipes)."""
        ...

    async def connect(self) -> Transport:
        """Open a new transport; raises `TransportError` (or `AuthenticationError`)."""
        ...

    async def aclose(self) -> None:
        """Release what the connector owns (a spawned or embedded server)."""
        ...

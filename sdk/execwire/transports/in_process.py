"""In-process transport: an embedded `execwire_server` served over in-memory queues.

No sockets and no serialization shortcuts: messages are the same bytes a websocket would
carry, so behaviour (including resume after `abort()`) matches a real connection. The
server package is imported only when an `InProcessConnector` is built.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections import deque
from collections.abc import Sequence
from typing import Final, Protocol, cast

from ..errors import TransportError

__all__ = ["EmbeddedServer", "InProcessConnector", "InProcessTransport", "ServerSideTransport"]

_LABEL: Final = "exec-server in-process"


class _MessageQueue:
    """Unbounded one-way queue of messages; closing it wakes the reader with None."""

    def __init__(self) -> None:
        self._items: deque[bytes] = deque()
        self._readable = asyncio.Event()
        self.closed = False

    def put(self, message: bytes) -> bool:
        if self.closed:
            return False
        self._items.append(message)
        self._readable.set()
        return True

    async def get(self) -> bytes | None:
        while not self._items:
            if self.closed:
                return None
            self._readable.clear()
            await self._readable.wait()
        return self._items.popleft()

    def close(self, *, discard: bool) -> None:
        self.closed = True
        if discard:
            self._items.clear()
        self._readable.set()


class ServerSideTransport(Protocol):
    """The server's end of one connection: moves whole JSON-RPC messages and knows nothing
    of their meaning. Every `execwire_server` transport (websocket, stdio, relay stream) and
    the in-process one implement it; the server is handed one per connection."""

    @property
    def label(self) -> str:
        """Peer label in malformed-message errors, e.g. `exec-server websocket 127.0.0.1:5`."""
        ...

    @property
    def parse_error_prefix(self) -> str:
        """`failed to parse websocket JSON-RPC message from ` and the like."""
        ...

    @property
    def malformed_is_fatal(self) -> bool:
        """A malformed message ends the connection (a relay stream) instead of being
        answered with an error."""
        ...

    async def receive(self) -> bytes | None:
        """The next message, or None when the peer is gone."""
        ...

    async def send(self, message: bytes) -> None:
        """Send one encoded message; raises ConnectionError when the peer is gone."""
        ...

    async def send_batch(self, messages: Sequence[bytes]) -> None:
        """Send messages in order, with as few writes as the transport can."""
        ...

    def abort(self) -> None:
        """Drop the connection at once, without a closing handshake."""
        ...


class EmbeddedServer(Protocol):
    """What the SDK needs of an embedded server: `execwire_server.server.ExecServer`."""

    async def serve_connection(self, transport: ServerSideTransport) -> None:
        """Serve one connection until it ends."""
        ...

    async def shutdown(self) -> None:
        """End every connection and kill every process."""
        ...


class _ServerSide:
    """The server's end, shaped like the server's own transports."""

    label = _LABEL
    parse_error_prefix = "failed to parse JSON-RPC message from "
    malformed_is_fatal = False

    def __init__(self, inbound: _MessageQueue, outbound: _MessageQueue) -> None:
        self._inbound = inbound
        self._outbound = outbound

    async def receive(self) -> bytes | None:
        return await self._inbound.get()

    async def send(self, message: bytes) -> None:
        if not self._outbound.put(message):
            raise ConnectionError("in-process client is gone")

    async def send_batch(self, messages: Sequence[bytes]) -> None:
        for message in messages:
            await self.send(message)

    def abort(self) -> None:
        self._inbound.close(discard=True)
        self._outbound.close(discard=False)


class InProcessTransport:
    """The client's end of an in-process connection."""

    def __init__(self, to_server: _MessageQueue, from_server: _MessageQueue) -> None:
        self._to_server = to_server
        self._from_server = from_server

    async def send(self, message: bytes) -> None:
        if not self._to_server.put(message):
            raise TransportError("in-process connection closed")

    async def receive(self) -> bytes | None:
        return await self._from_server.get()

    async def close(self) -> None:
        self._to_server.close(discard=False)
        self._from_server.close(discard=True)

    def abort(self) -> None:
        self._to_server.close(discard=True)
        self._from_server.close(discard=True)


class InProcessConnector:
    """Connects to an `ExecServer` running in this event loop.

    Without `server` an `ExecServer()` is created on first use and shut down (killing its
    processes) by `aclose()`; a given server is left running.
    """

    def __init__(self, server: EmbeddedServer | None = None) -> None:
        self._server = server
        self._owns_server = server is None
        self._tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return "InProcessConnector()"

    @property
    def target(self) -> str:
        return "in-process exec-server"

    @property
    def resumable(self) -> bool:
        return True

    async def connect(self) -> InProcessTransport:
        if self._server is None:
            # Imported here, and by name, so that the SDK never depends on the server otherwise.
            module = importlib.import_module("execwire_server.server")
            self._server = cast(EmbeddedServer, module.ExecServer())
        to_server, from_server = _MessageQueue(), _MessageQueue()
        task = asyncio.create_task(
            self._server.serve_connection(_ServerSide(to_server, from_server)),
            name="execwire in-process connection",
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        # When the server ends the connection, the client must see the end too.
        task.add_done_callback(lambda _: from_server.close(discard=False))
        return InProcessTransport(to_server, from_server)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._owns_server and self._server is not None:
            server, self._server = self._server, None
            await server.shutdown()

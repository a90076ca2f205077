"""Fault injection for code built on the SDK: cut the connection, keep it down, let it back.

    faults = FaultInjectingConnector(WebSocketConnector(url))
    client = await ExecServerClient.open(faults)
    faults.refuse_connections()   # reconnect attempts fail from now on
    faults.cut()                  # drop the live transport abruptly (no closing handshake)
    ...                           # the server detaches the session; processes keep running
    faults.accept_connections()   # the client's next attempt resumes the session

`cut()` is real: for a websocket the TCP connection is aborted, so the server sees the peer
vanish exactly as on a network failure. `cut(silently=True)` models a link that dies without
the server noticing (no FIN, e.g. a dropped NAT entry, or a relay stream without a Reset):
the client loses it, but the server keeps the session attached, so resume attempts are
refused with -32010 until `release_silent_cuts()` finally drops the old connections.
"""

from __future__ import annotations

import asyncio
import contextlib

from .errors import TransportError
from .jsonrpc import FileReply
from .transports import Connector, Transport

__all__ = ["FaultInjectingConnector"]


class _FaultyTransport:
    """A transport the fault injector can kill from the client's point of view only."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self._dead = asyncio.Event()

    def kill_for_client(self) -> None:
        self._dead.set()

    async def send(self, message: bytes) -> None:
        if self._dead.is_set():
            raise TransportError("connection cut (fault injection)")
        await self.inner.send(message)

    async def receive(self) -> bytes | FileReply | None:
        if self._dead.is_set():
            return None
        receiving = asyncio.ensure_future(self.inner.receive())
        dying = asyncio.ensure_future(self._dead.wait())
        try:
            await asyncio.wait({receiving, dying}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            dying.cancel()
            if not receiving.done():
                receiving.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await receiving
        if self._dead.is_set():
            return None
        return receiving.result()

    async def close(self) -> None:
        await self.inner.close()

    def abort(self) -> None:
        self._dead.set()
        self.inner.abort()


class FaultInjectingConnector:
    """Wraps a connector; see the module docstring."""

    def __init__(self, inner: Connector) -> None:
        self._inner = inner
        self._current: _FaultyTransport | None = None
        self._silently_cut: list[_FaultyTransport] = []
        self._refusing = False
        self.connections = 0
        """Transports opened so far (1 after the first connect, +1 per reconnect attempt
        that reached the server)."""

    def __repr__(self) -> str:
        return f"FaultInjectingConnector({self._inner!r})"

    @property
    def target(self) -> str:
        return self._inner.target

    @property
    def resumable(self) -> bool:
        return self._inner.resumable

    async def connect(self) -> Transport:
        if self._refusing:
            raise TransportError(f"{self.target}: connection refused (fault injection)")
        transport = _FaultyTransport(await self._inner.connect())
        self._current = transport
        self.connections += 1
        return transport

    async def aclose(self) -> None:
        self.release_silent_cuts()
        await self._inner.aclose()

    def cut(self, *, silently: bool = False) -> None:
        """Abort the current transport at once, as a network failure would; with
        `silently`, only the client notices (see the module docstring)."""
        transport = self._current
        if transport is None:
            return
        if silently:
            transport.kill_for_client()
            self._silently_cut.append(transport)
        else:
            transport.abort()

    def release_silent_cuts(self) -> None:
        """Let the server notice the connections cut with `silently=True`."""
        cut, self._silently_cut = self._silently_cut, []
        for transport in cut:
            transport.inner.abort()

    def refuse_connections(self) -> None:
        """Make every new connection attempt fail."""
        self._refusing = True

    def accept_connections(self) -> None:
        """Let connection attempts through again."""
        self._refusing = False

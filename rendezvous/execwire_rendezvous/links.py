"""A rendezvous socket: its endpoint and its ordered send queue, written by one task (so
a slow socket never blocks the reader that produced its frames, frames keep their order,
and injected delays are latency)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from aiohttp import web

from .credentials import Role
from .faults import Direction
from .frames import FrameInfo
from .routing import Endpoint

__all__ = ["EXECUTOR_QUEUE_HIGH", "Link", "Outbound"]

EXECUTOR_QUEUE_HIGH: Final = 512
"""Harness readers pause while the executor's send queue is longer than this (they resume
at half)."""


@dataclass(slots=True)
class Outbound:
    """A frame waiting in a link's send queue."""

    data: bytes
    info: FrameInfo
    not_before: float
    synthesized: bool


class Link:
    """A websocket, its endpoint and its ordered send queue."""

    def __init__(
        self,
        endpoint: Endpoint,
        ws: web.WebSocketResponse,
        *,
        on_sent: Callable[[Link, Outbound], None],
        track: Callable[[asyncio.Task[None]], None],
    ) -> None:
        self._on_sent = on_sent
        self._track = track
        self.endpoint = endpoint
        self.ws = ws
        # Frames written to an executor socket travel harness -> executor.
        self.direction = (
            Direction.HARNESS_TO_EXECUTOR
            if endpoint.role is Role.ENVIRONMENT
            else Direction.EXECUTOR_TO_HARNESS
        )
        self.closed = False
        self._closing: asyncio.Task[None] | None = None
        self._queue: deque[Outbound] = deque()
        self._wake = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._writer = asyncio.create_task(self._write())

    def __len__(self) -> int:
        return len(self._queue)

    def send(
        self, data: bytes, info: FrameInfo, delay: float = 0.0, synthesized: bool = False
    ) -> bool:
        """Queue a frame; False (and the frame is discarded) once the link is closed."""
        if self.closed:
            return False
        loop = asyncio.get_running_loop()
        self._queue.append(Outbound(data, info, loop.time() + delay, synthesized))
        self._wake.set()
        if len(self._queue) > EXECUTOR_QUEUE_HIGH:
            self._writable.clear()
        return True

    async def writable(self) -> None:
        """Wait until the send queue is short enough (or the link is closed)."""
        await self._writable.wait()

    async def _write(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while not self._queue:
                if self.closed:
                    return
                self._wake.clear()
                await self._wake.wait()
            item = self._queue.popleft()
            if len(self._queue) <= EXECUTOR_QUEUE_HIGH // 2:
                self._writable.set()
            wait = item.not_before - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                await self.ws.send_bytes(item.data)
            except (ConnectionError, RuntimeError):
                self.shutdown()
                return
            self._on_sent(self, item)

    def shutdown(self) -> None:
        """Stop sending: discard the queue and release waiting readers."""
        self.closed = True
        self._queue.clear()
        self._wake.set()
        self._writable.set()

    def close_soon(self, code: int, reason: str) -> asyncio.Task[None]:
        """Start closing the websocket (once); the reading handler then detaches the endpoint."""
        if self._closing is None:
            self.shutdown()
            self._closing = asyncio.create_task(self._close(code, reason))
            self._track(self._closing)
        return self._closing

    async def close(self, code: int, reason: str) -> None:
        """Close the websocket and wait for the closing handshake."""
        await self.close_soon(code, reason)

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close(code=code, message=reason.encode("utf-8"))

    async def finish(self) -> None:
        """Called by the handler once reading ended: stop the writer, finish a close."""
        self.shutdown()
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer
        if self._closing is not None:
            # A close started elsewhere ends our read loop first; returning from the handler
            # before it has sent the close frame would cut the connection (1006 at the peer).
            with contextlib.suppress(asyncio.CancelledError):
                await self._closing

"""`ExecSession`: one remote process, subprocess-like (output, write, terminate, wait)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
import weakref
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Final

from .client import ExecServerClient
from .errors import ExecTimeout, ExecWireError, OutputLost, WriteRejected
from .process_cursor import OutputChunk, OutputGap
from .protocol import models
from .routes import ProcessRoute

__all__ = ["ExecSession", "OutputChunk"]

WRITE_PIECE_BYTES: Final = 1 << 20


class ExecSession:
    """A process started by `Executor.spawn` (or found again by `Executor.attach`).

    `output()` streams its chunks, `wait()` gives its exit code. At the end of `async with` it, the
    process is terminated on exit if it is still running.
    """

    def __init__(
        self,
        client: ExecServerClient,
        route: ProcessRoute,
        *,
        argv: tuple[str, ...],
        tty: bool,
        sandbox_type: str | None,
    ) -> None:
        """Internal: made by `Executor.spawn` / `Executor.attach`."""
        self._client = client
        self._route = route
        self._argv = argv
        self._tty = tty
        self._sandbox_type = sandbox_type
        self._write_prefix = uuid.uuid4().hex[:12]
        self._write_numbers = itertools.count(1)
        # Once nobody can read this process's events any more, the client may drop them.
        weakref.finalize(self, _forget_later, asyncio.get_running_loop(), client, route)

    def __repr__(self) -> str:
        state = "running" if self._route.exit_code is None else f"exited {self._route.exit_code}"
        return f"ExecSession(process_id={self.process_id!r}, argv={list(self._argv)!r}, {state})"

    @property
    def process_id(self) -> str:
        """The process id within the server session."""
        return self._route.process_id

    @property
    def argv(self) -> tuple[str, ...]:
        """The argv it was started with (empty for an attached process)."""
        return self._argv

    @property
    def tty(self) -> bool:
        """It runs under a PTY (its output is the single stream `pty`)."""
        return self._tty

    @property
    def sandbox_type(self) -> str | None:
        """Which sandbox wrapper the server used (`none` when unsandboxed)."""
        return self._sandbox_type

    @property
    def sandbox_denied(self) -> bool:
        """The exit was classified as a sandbox denial."""
        return self._route.sandbox_denied

    async def output(self) -> AsyncIterator[OutputChunk]:
        """Output chunks in seq order, each once, until the process has closed its streams.

        Raises `OutputLost` where the server evicted output before this client saw it
        (calling `output()` again continues after the gap). One consumer at a time.
        """
        route = self._route
        events = route.events
        while True:
            # The route queues chunks as they will be yielded; await only when it is empty.
            event = events.popleft() if events else await route.next_event()
            if type(event) is OutputChunk:
                yield event
            elif event is None:
                self._client.internal.release_route(route)
                return
            elif isinstance(event, OutputGap):
                raise OutputLost(event.process_id, event.first_seq, event.last_seq)

    async def write(self, data: bytes | str) -> None:
        """Write to the process's stdin (str is UTF-8 encoded).

        Needs `spawn(stdin=True)` or `tty=True`; raises `WriteRejected` otherwise. Each write
        carries a unique writeId, so a write repeated after a reconnect is applied once.
        The protocol has no way to close stdin: end interactive input in-band (e.g. Ctrl-D
        on a PTY).
        """
        payload = data.encode() if isinstance(data, str) else bytes(data)
        # One request per piece keeps every message far below server message limits.
        for start in range(0, max(len(payload), 1), WRITE_PIECE_BYTES):
            piece = payload[start : start + WRITE_PIECE_BYTES]
            write_id = f"{self._write_prefix}-{next(self._write_numbers)}"
            params = models.WriteParams(process_id=self.process_id, chunk=piece, write_id=write_id)
            response = await self._client.process_write(params)
            if response.status != "accepted":
                raise WriteRejected(self.process_id, response.status)

    async def terminate(self) -> bool:
        """Kill the process and its process group; true if it was still running."""
        params = models.TerminateParams(process_id=self.process_id)
        response = await self._client.process_terminate(params)
        return response.running

    async def interrupt(self) -> None:
        """Send an interrupt (SIGINT to its process group; Ctrl-C on a PTY)."""
        params = models.SignalParams(process_id=self.process_id, signal="interrupt")
        await self._client.process_signal(params)

    async def wait(self, timeout: float | None = None) -> int:
        """The exit code, once the process has exited.

        `timeout` (seconds) bounds the wait only: on expiry `ExecTimeout` is raised and the
        process keeps running. Output may still arrive after the exit, until it closes.
        """
        if timeout is None:
            return await self._route.wait_exit()
        try:
            async with asyncio.timeout(timeout):
                return await self._route.wait_exit()
        except TimeoutError:
            raise ExecTimeout(
                f"process {self.process_id} did not exit within {timeout} s"
            ) from None

    def try_exit_status(self) -> int | None:
        """The exit code if the process has exited, else None (does not block)."""
        return self._route.exit_code

    async def wait_closed(self) -> None:
        """Until the process has exited and all its output has been received."""
        await self._route.wait_closed()

    async def close(self) -> None:
        """Terminate the process if it still runs, and stop tracking it."""
        try:
            if self._route.exit_code is None and not self._route.closed:
                await self.terminate()
        except ExecWireError:
            pass  # the session is gone: the server will reap it
        finally:
            self._client.internal.release_route(self._route)

    async def __aenter__(self) -> ExecSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def _forget_later(
    loop: asyncio.AbstractEventLoop, client: ExecServerClient, route: ProcessRoute
) -> None:
    """Drop a route on its loop (the collector may run in another thread)."""
    with contextlib.suppress(RuntimeError):  # the loop is closed: the client is gone anyway
        # The callback holds the client itself: `client.internal` refers to it only weakly,
        # and this finalizer's reference ends before the callback runs.
        loop.call_soon_threadsafe(_release, client, route)


def _release(client: ExecServerClient, route: ProcessRoute) -> None:
    client.internal.release_route(route)

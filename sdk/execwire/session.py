"""`ExecSession`: one remote process, subprocess-like (output, write, terminate, wait).

Beyond the reference protocol (execwire extensions; `UnsupportedByServer` from servers
without them): `close_stdin()`, `resize()`, `signal()` with more than an interrupt, and
`write_from()` closing stdin at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
import weakref
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from types import TracebackType
from typing import Final, Literal, Protocol, TypeAlias

from .client import ExecServerClient
from .errors import ExecTimeout, ExecWireError, OutputLost, ServerInternalError, WriteRejected
from .process_cursor import OutputChunk, OutputGap
from .protocol import models
from .routes import ProcessRoute

__all__ = ["BinaryReader", "ExecSession", "OutputChunk", "SignalName"]

WRITE_PIECE_BYTES: Final = 1 << 20
WRITE_FROM_CHUNK_BYTES: Final = 64 * 1024
"""How much `write_from` reads and sends at a time (one request each, awaited in turn)."""
BACKLOG_RETRY_SECONDS: Final = (0.002, 0.2)
"""First and longest pause of `write_from` while the server's stdin backlog is full."""
STDIN_BACKLOG_FULL: Final = "failed to write to process stdin"

SignalName: TypeAlias = Literal["interrupt", "terminate", "kill", "hangup", "quit", "user1", "user2"]
"""What `ExecSession.signal` sends: SIGINT, SIGTERM, SIGKILL, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2."""


class BinaryReader(Protocol):
    """A binary file object, as far as `ExecSession.write_from` uses it."""

    def read(self, size: int, /) -> bytes:
        """Up to `size` bytes; empty at end of file."""
        ...


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
        """The argv it was started with (for an attached process: as the server lists it,
        empty when it cannot)."""
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

        Needs `spawn(stdin=True)` or `tty=True`; raises `WriteRejected` otherwise (also
        after `close_stdin()`). Each write carries a unique writeId, so a write repeated
        after a reconnect is applied once. The reference protocol cannot close stdin: use
        `close_stdin()` (an execwire extension) or, on a PTY, write its EOF (Ctrl-D, \\x04).
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

    async def write_from(
        self,
        source: AsyncIterable[bytes] | Iterable[bytes] | BinaryReader,
        *,
        close: bool = False,
        chunk_bytes: int = WRITE_FROM_CHUNK_BYTES,
    ) -> int:
        """Write everything `source` yields to stdin, in order; returns the bytes written.

        `source` is an async iterable of bytes, an iterable of bytes, or a binary file
        object (read `chunk_bytes` at a time). Blocking sources are read in a worker thread,
        never on the event loop. At most one chunk is held at a time and each write is
        awaited before the next read, so memory stays bounded whatever the source's size;
        while the server's stdin backlog for a slow reader is full the write is retried
        after a pause. With `close=True`, `close_stdin()` follows the last byte.
        """
        if isinstance(source, bytes | bytearray | memoryview | str):
            raise TypeError("write_from takes an iterable or a file object; use write() for bytes")
        if chunk_bytes < 1:
            raise ValueError("chunk_bytes must be at least 1")
        written = 0
        step = min(chunk_bytes, WRITE_PIECE_BYTES)  # one request a piece: retried whole
        async for data in _chunks(source, chunk_bytes):
            for start in range(0, len(data), step):
                piece = bytes(data[start : start + step])
                await self._write_when_room(piece)
                written += len(piece)
        if close:
            await self.close_stdin()
        return written

    async def _write_when_room(self, piece: bytes) -> None:
        delay, longest = BACKLOG_RETRY_SECONDS
        while True:
            try:
                await self.write(piece)
                return
            except ServerInternalError as error:
                # The server refuses a write that would overflow its stdin backlog (and
                # does not record its id); after a kill or an exit the refusal is final.
                if error.message != STDIN_BACKLOG_FULL or self._route.exit_code is not None:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, longest)

    async def close_stdin(self) -> None:
        """Close the process's stdin once the writes sent before are delivered, so it
        reads end of file (`execwire/closeStdin`). Later writes raise `WriteRejected`.

        Raises `InvalidRequestError` for a PTY process (write Ctrl-D instead) or when
        stdin is already closed or was never piped, `UnsupportedByServer` when the
        server does not serve the extension.
        """
        self._client.internal.require_extension("execwire/closeStdin")
        await self._client.execwire_close_stdin(models.CloseStdinParams(process_id=self.process_id))

    async def resize(self, rows: int, cols: int) -> None:
        """Set the terminal size of a PTY process (`execwire/resize`); the process gets
        SIGWINCH. Raises `InvalidRequestError` for a process without a terminal."""
        self._client.internal.require_extension("execwire/resize")
        params = models.ResizeParams(process_id=self.process_id, rows=rows, cols=cols)
        await self._client.execwire_resize(params)

    async def signal(self, name: SignalName) -> None:
        """Send a signal to the process's whole process group (`execwire/signal`); not
        sent once the process has exited. `interrupt` also works with servers without the
        extension (as `process/signal`)."""
        if name == "interrupt" and not self._client.internal.has_extension("execwire/signal"):
            await self.interrupt()
            return
        self._client.internal.require_extension("execwire/signal")
        params = models.ExecwireSignalParams(process_id=self.process_id, signal=name)
        await self._client.execwire_signal(params)

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


async def _chunks(
    source: AsyncIterable[bytes] | Iterable[bytes] | BinaryReader, chunk_bytes: int
) -> AsyncIterator[bytes]:
    """The non-empty chunks of a `write_from` source; blocking reads run in a thread."""
    if hasattr(source, "read"):
        reader: BinaryReader = source  # type: ignore[assignment]
        while data := await asyncio.to_thread(reader.read, chunk_bytes):
            yield data
    elif isinstance(source, AsyncIterable):
        async for data in source:
            if data:
                yield data
    else:
        iterator: Iterator[bytes] = iter(source)
        while (item := await asyncio.to_thread(_next_or_none, iterator)) is not None:
            if item:
                yield item


def _next_or_none(iterator: Iterator[bytes]) -> bytes | None:
    return next(iterator, None)


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

"""The local side of a remote terminal (`execwire shell`, `execwire run -t`) and of stdin
forwarding (`execwire run` with piped stdin).

* `raw_mode(fd)`: the local terminal in raw mode (no echo, no line editing, no signals
  from keys: Ctrl-C, Ctrl-Z and Ctrl-D are bytes for the remote side), restored when the
  block ends however it ends.
* `read_chunks(fd)`: what arrives on a descriptor, as it arrives, in bounded chunks. Only
  one read is outstanding and the next one waits for the consumer, so a fast source is
  held back by the kernel (backpressure) and keystrokes typed during a write go out
  together in the next one.
* `forward_input(session, fd, ...)`: `read_chunks` into the process's stdin, then the
  end of input (`process/closeStdin` for a pipe, the EOF character for a PTY).
* `interactive(session, ...)`: raw mode, keystrokes forwarded, SIGWINCH followed with
  `execwire/resize`, remote output to stdout; returns the remote exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import sys
import termios
import tty
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, BinaryIO, Final, Literal

from ..errors import ExecWireError, UnsupportedByServer
from ..session import ExecSession

__all__ = [
    "EOF_CHARACTER",
    "INPUT_CHUNK_BYTES",
    "forward_input",
    "interactive",
    "is_terminal",
    "raw_mode",
    "read_chunks",
    "signal_handlers",
    "window_size",
]

INPUT_CHUNK_BYTES: Final = 64 * 1024
EOF_CHARACTER: Final = b"\x04"
"""Ctrl-D: what ends the input of a program reading a PTY in canonical mode."""
INTERRUPT_CHARACTER: Final = b"\x03"
"""Ctrl-C: the PTY's line discipline makes it SIGINT for the foreground job."""


def is_terminal(fd: int) -> bool:
    """`fd` is open and a terminal."""
    try:
        return os.isatty(fd)
    except OSError:
        return False


@contextlib.contextmanager
def raw_mode(fd: int) -> Iterator[None]:
    """The terminal `fd` in raw mode for the block; its settings are restored on every way
    out (return, exception, cancellation)."""
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd, termios.TCSANOW)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def window_size(fd: int) -> tuple[int, int] | None:
    """(rows, columns) of the terminal `fd`, None when it is not one or reports 0."""
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return None
    if size.lines < 1 or size.columns < 1:
        return None
    return size.lines, size.columns


@contextlib.contextmanager
def signal_handlers(handlers: dict[signal.Signals, Callable[[], None]]) -> Iterator[None]:
    """Run `handlers` on the running loop when their signals arrive, for the block."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    try:
        for signum, handler in handlers.items():
            loop.add_signal_handler(signum, handler)
            installed.append(signum)
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


async def read_chunks(fd: int, chunk_bytes: int = INPUT_CHUNK_BYTES) -> AsyncIterator[bytes]:
    """Chunks of at most `chunk_bytes` from `fd` until end of file (or a terminal hangup).

    Pipes, sockets and terminals are read when the event loop sees them readable (no
    thread, no added latency); regular files and devices the loop cannot watch are read
    in a worker thread.
    """
    loop = asyncio.get_running_loop()
    watchable = True
    while True:
        if watchable:
            ready: asyncio.Future[None] = loop.create_future()
            try:
                loop.add_reader(fd, _resolve, ready)
            except PermissionError:  # epoll refuses regular files and /dev/null
                watchable = False
            else:
                try:
                    await ready
                finally:
                    loop.remove_reader(fd)
        try:
            if watchable:
                data = os.read(fd, chunk_bytes)
            else:
                data = await asyncio.to_thread(os.read, fd, chunk_bytes)
        except BlockingIOError:
            continue
        except OSError as error:
            if error.errno != errno.EIO:  # EIO: the terminal hung up
                raise
            data = b""
        if not data:
            return
        yield data


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def forward_input(
    session: ExecSession, fd: int, *, end: Literal["close", "eof-character", "none"]
) -> None:
    """Write what `fd` delivers to the process's stdin until end of file, then end its
    input: `close` closes a pipe (`close_stdin()`), `eof-character` writes Ctrl-D (a
    PTY), `none` does nothing (a terminal that hung up).

    The process may stop taking input at any time (it exited, it was killed, it closed
    its stdin): forwarding then stops quietly, the exit status tells the story.
    """
    try:
        await session.write_from(read_chunks(fd))
        if end == "close":
            await session.close_stdin()
        elif end == "eof-character":
            await session.write(EOF_CHARACTER)
    except (ExecWireError, OSError):
        return


class _Resizer:
    """Follows the local window size: one `execwire/resize` in flight, the latest size
    sent after it (a burst of SIGWINCH while dragging a window makes two requests)."""

    def __init__(self, session: ExecSession, fd: int) -> None:
        self._session = session
        self._fd = fd
        self._sent: tuple[int, int] | None = None
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self.supported = True

    def changed(self) -> None:
        if not self.supported:
            return
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.get_running_loop().create_task(self._send())

    async def _send(self) -> None:
        self._again = True
        while self._again:
            self._again = False
            size = window_size(self._fd)
            if size is None or size == self._sent:
                continue
            try:
                await self._session.resize(*size)
            except UnsupportedByServer:
                self.supported = False  # the reference: the remote keeps its 24x80
                return
            except ExecWireError:
                return  # the process is gone
            self._sent = size

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def interactive(
    session: ExecSession,
    *,
    stdin_fd: int = 0,
    stdout: BinaryIO | None = None,
    timeout: float | None = None,
) -> int:
    """Connect the local terminal to a PTY process until it closes; its exit code.

    When `stdin_fd` is a terminal it is put in raw mode, so every key (Ctrl-C included)
    goes to the remote side; otherwise stdin is forwarded and ends with Ctrl-D. The
    window size is sent at once and after every SIGWINCH (servers without
    `execwire/resize` keep 24x80). A SIGINT the client gets from elsewhere is sent on as
    Ctrl-C; SIGTERM and SIGHUP end the session (128 + the signal; the executor then
    terminates the process). `timeout` limits the wait for the process, in seconds
    (then `TimeoutError`).
    """
    out = stdout if stdout is not None else sys.stdout.buffer
    keyboard = is_terminal(stdin_fd)
    size_fd = stdin_fd if keyboard else out.fileno() if is_terminal(out.fileno()) else None
    loop = asyncio.get_running_loop()
    resizer = _Resizer(session, size_fd) if size_fd is not None else None
    stopped: asyncio.Future[signal.Signals] = loop.create_future()

    def stop(signum: signal.Signals) -> Callable[[], None]:
        def handler() -> None:
            if not stopped.done():
                stopped.set_result(signum)

        return handler

    handlers: dict[signal.Signals, Callable[[], None]] = {
        signal.SIGINT: lambda: _spawn_quietly(loop, session.write(INTERRUPT_CHARACTER)),
        signal.SIGTERM: stop(signal.SIGTERM),
        signal.SIGHUP: stop(signal.SIGHUP),
    }
    if resizer is not None:
        handlers[signal.SIGWINCH] = resizer.changed
        resizer.changed()
    with contextlib.ExitStack() as stack:
        if keyboard:
            stack.enter_context(raw_mode(stdin_fd))
        stack.enter_context(signal_handlers(handlers))
        end: Literal["none", "eof-character"] = "none" if keyboard else "eof-character"
        forwarder = loop.create_task(forward_input(session, stdin_fd, end=end))
        streamer = loop.create_task(_copy_output(session, out))
        try:
            async with asyncio.timeout(timeout):
                either: set[asyncio.Future[Any]] = {streamer, stopped}
                await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
            code = 128 + stopped.result() if stopped.done() else streamer.result()
        finally:
            for task in (streamer, forwarder):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if resizer is not None:
                await resizer.close()
    return code


async def _copy_output(session: ExecSession, out: BinaryIO) -> int:
    """The process's output to `out` as it comes; its exit code once it has closed."""
    async for chunk in session.output():
        out.write(chunk.data)
        out.flush()
    return await session.wait()


_background: set[asyncio.Task[None]] = set()


def _spawn_quietly(loop: asyncio.AbstractEventLoop, action: Awaitable[None]) -> None:
    """Run `action` without waiting for it; errors (the process is gone) are ignored."""

    async def run() -> None:
        with contextlib.suppress(ExecWireError):
            await action

    task = loop.create_task(run())
    _background.add(task)
    task.add_done_callback(_background.discard)

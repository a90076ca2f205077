"""Child processes of a session: spawning (pipes or PTY), output pumps, exit, stdin, kill.

Exit is detected through a pidfd registered with the event loop, so there is no polling
delay and no watcher thread, and every child is reaped (no zombies). Each child runs in its
own process group; terminate and session teardown kill the whole group.

Notifications are encoded here as bytes (the hot path of output streaming), in the exact
shape of the generated models; a unit test checks the two agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import signal
import struct
import subprocess
import termios
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

import orjson
import pybase64

from .containment import Cage
from .errors import INTERNAL_ERROR, RpcError, io_error_message
from .metrics import ServerStats
from .output_buffer import OutputBuffer, Stream
from .sandbox.denial import DenialScanner, is_denial

if TYPE_CHECKING:
    from .sandbox.runtime import WrappedCommand

__all__ = ["ManagedProcess", "NotificationSink", "SpawnRequest"]

READ_CHUNK_BYTES: Final = 8192
"""Largest output chunk (one seq, one notification) by default: 8 KiB, as in the reference.
A client may ask for larger chunks with the execwire `outputChunkBytes` extension."""
MAX_CHUNK_BYTES: Final = 1 << 20
READ_BATCH_BYTES: Final = 64 * 1024
"""One read takes up to this much, then is cut into chunks: fewer syscalls per byte."""
PIPE_BUFFER_BYTES: Final = 1 << 20
"""What a pipe grows to once its producer fills a read batch: a streaming producer then
stalls less. Only then: growing a pipe costs ~30 µs, and most commands print little."""
PTY_ROWS: Final = 24
PTY_COLUMNS: Final = 80
RETAINED_WRITE_IDS: Final = 4096
EXIT_DRAIN_SECONDS: Final = 0.05
"""How long the exit waits for output already in the pipes, so output seqs precede it."""
KILLED_STREAM_GRACE_SECONDS: Final = 0.1
"""After a kill, how long streams held open by escaped descendants may delay `closed`."""
STDIN_BACKLOG_BYTES: Final = 8 << 20

_F_SETPIPE_SZ: Final = getattr(fcntl, "F_SETPIPE_SZ", 1031)


class NotificationSink(Protocol):
    """Where a process's notifications go: the session forwards them to its connection."""

    @property
    def output_chunk_bytes(self) -> int:
        """Largest output chunk the attached client wants (8 KiB unless it asked for more)."""

    async def publish(self, message: bytes) -> None:
        """Deliver one encoded notification, or drop it when no connection is attached."""

    @property
    def stats(self) -> ServerStats:
        """The server's counters (output bytes streamed)."""


@dataclass(frozen=True, slots=True)
class SpawnRequest:
    """What `process/start` asks for, with paths and env already resolved."""

    argv: list[str]
    cwd: bytes
    env: dict[str, str]
    tty: bool
    pipe_stdin: bool
    arg0: str | None
    sandbox: WrappedCommand | None = None
    """The sandbox to run `argv` in (its launcher applies `arg0`); None: unsandboxed."""
    cage: Cage | None = None
    """The cgroup the process is born in (see `containment`); None: process group only."""


def _acquire_controlling_terminal() -> None:  # pragma: no cover - runs in the child
    # start_new_session made the child a session leader; its stdin is the PTY slave.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class ManagedProcess:
    """One child process: its output buffer, stdin, exit status and lifecycle events."""

    def __init__(
        self,
        process_id: str,
        request: SpawnRequest,
        sink: NotificationSink,
        on_closed: Callable[[ManagedProcess], None],
    ) -> None:
        """Spawn the child; raises `RpcError` (-32603) with the OS error text on failure."""
        self.process_id = process_id
        self.argv = list(request.argv)
        self.tty = request.tty
        self.buffer = OutputBuffer()
        self._sink = sink
        self._on_closed = on_closed
        self._loop = asyncio.get_running_loop()
        self._id_json = orjson.dumps(process_id)
        self._waiters: set[asyncio.Future[None]] = set()
        self._write_ids: OrderedDict[str, None] = OrderedDict()
        self._stdin_fd: int | None = None
        self._stdin_backlog: deque[bytes] = deque()
        self._stdin_backlog_bytes = 0
        self._stdin_writer: asyncio.Task[None] | None = None
        self._stdin_broken = False
        self._has_stdin = request.tty or request.pipe_stdin
        self._stdin_eof = False
        """`execwire/closeStdin` asked: close the pipe once the backlog is written."""
        self._exit_observed = False
        self._exit_event = asyncio.Event()
        self._killed = False
        self._pumps: dict[Stream, asyncio.Task[None]] = {}
        self._quiet: set[Stream] = set()
        self._streams_quiet = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._sandbox = request.sandbox
        self.cage = request.cage
        self.sandbox_denied = False
        """Set at exit for a sandboxed process whose failure looks like a denial."""
        self._denials = DenialScanner() if request.sandbox is not None else None
        try:
            self.pid = self._spawn(request)
        except BaseException:
            if self._sandbox is not None:
                self._sandbox.release()
            if self.cage is not None:
                self.cage.remove()
            raise
        if self._sandbox is not None:
            self._sandbox.spawned()
        self._pidfd = os.pidfd_open(self.pid)
        self._loop.add_reader(self._pidfd, self._on_pidfd_readable)

    # -- spawning -----------------------------------------------------------------------

    def _spawn(self, request: SpawnRequest) -> int:
        if not request.argv[0]:
            kind = "pty" if request.tty else "pipe"
            raise RpcError(INTERNAL_ERROR, f"missing program for {kind} spawn")
        args = list(request.argv)
        if request.arg0 is not None and request.sandbox is None:
            args[0] = request.arg0
        if request.tty:
            return self._spawn_pty(request, args)
        return self._spawn_pipes(request, args)

    def _popen(
        self,
        request: SpawnRequest,
        args: list[str] | list[bytes],
        *,
        stdin: int,
        stdout: int,
        stderr: int,
        process_group: int | None = None,
        start_new_session: bool = False,
        preexec_fn: Callable[[], None] | None = None,
    ) -> subprocess.Popen[bytes]:
        executable: str | bytes | None = request.argv[0]
        pass_fds: tuple[int, ...] = ()
        if request.sandbox is not None:
            args, executable, pass_fds = request.sandbox.argv, None, request.sandbox.pass_fds
        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                args,
                executable=executable,
                cwd=request.cwd,
                env=request.env,
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                close_fds=True,
                pass_fds=pass_fds,
                process_group=process_group,
                start_new_session=start_new_session,
                preexec_fn=preexec_fn,
            )

        try:
            return request.cage.spawn(start) if request.cage is not None else start()
        except OSError as error:
            raise RpcError(INTERNAL_ERROR, io_error_message(error)) from None
        except ValueError:
            # NUL bytes in argv, env or cwd: what Rust's Command reports for them.
            raise RpcError(INTERNAL_ERROR, "nul byte found in provided data") from None

    def _spawn_pipes(self, request: SpawnRequest, args: list[str]) -> int:
        out_read, out_write = os.pipe2(os.O_CLOEXEC)
        err_read, err_write = os.pipe2(os.O_CLOEXEC)
        stdin_read: int | None = None
        stdin_write: int | None = None
        if request.pipe_stdin:
            stdin_read, stdin_write = os.pipe2(os.O_CLOEXEC)
        try:
            child = self._popen(
                request,
                args,
                stdin=stdin_read if stdin_read is not None else subprocess.DEVNULL,
                stdout=out_write,
                stderr=err_write,
                process_group=0,
            )
        except BaseException:
            for fd in (out_read, err_read, stdin_write):
                if fd is not None:
                    os.close(fd)
            raise
        finally:
            for fd in (out_write, err_write, stdin_read):
                if fd is not None:
                    os.close(fd)
        if stdin_write is not None:
            os.set_blocking(stdin_write, False)
            self._stdin_fd = stdin_write
        child.returncode = 0  # reaped through the pidfd below, never by Popen
        self._start_pump("stdout", out_read)
        self._start_pump("stderr", err_read)
        return child.pid

    def _spawn_pty(self, request: SpawnRequest, args: list[str]) -> int:
        master, slave = os.openpty()
        try:
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", PTY_ROWS, PTY_COLUMNS, 0, 0))
            child = self._popen(
                request,
                args,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                start_new_session=True,
                preexec_fn=_acquire_controlling_terminal,
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        child.returncode = 0
        os.set_blocking(master, False)
        self._stdin_fd = master
        self._start_pump("pty", master, close_fd=False)
        return child.pid

    # -- output -------------------------------------------------------------------------

    def _start_pump(self, stream: Stream, fd: int, *, close_fd: bool = True) -> None:
        os.set_blocking(fd, False)
        self._pumps[stream] = self._loop.create_task(self._pump(stream, fd, close_fd))

    async def _pump(self, stream: Stream, fd: int, close_fd: bool) -> None:
        grow_pipe = stream != "pty"
        try:
            while True:
                chunk_bytes = self._sink.output_chunk_bytes
                try:
                    data = os.read(fd, max(READ_BATCH_BYTES, chunk_bytes))
                except BlockingIOError:
                    self._mark_quiet(stream)
                    await self._readable(fd)
                    continue
                except OSError as error:
                    if error.errno != errno.EIO:  # EIO: the PTY slave side is gone
                        raise
                    data = b""
                if not data:
                    break
                if grow_pipe and len(data) >= READ_BATCH_BYTES:
                    grow_pipe = False
                    with contextlib.suppress(OSError):
                        fcntl.fcntl(fd, _F_SETPIPE_SZ, PIPE_BUFFER_BYTES)
                if self._denials is not None:
                    self._denials.feed(data)
                self._sink.stats.output_bytes += len(data)
                for start in range(0, len(data), chunk_bytes):
                    piece = data[start : start + chunk_bytes] if len(data) > chunk_bytes else data
                    chunk = self.buffer.append(stream, piece)
                    self._wake_waiters()
                    await self._sink.publish(output_message(self._id_json, chunk.seq, stream, piece))
        except BaseException:
            closed = self._end_pump(stream, fd, close_fd)
            if closed is not None:
                self._spawn_task(self._sink.publish(closed))
            raise
        closed = self._end_pump(stream, fd, close_fd)
        if closed is not None:
            await self._sink.publish(closed)

    def _end_pump(self, stream: Stream, fd: int, close_fd: bool) -> bytes | None:
        self._mark_quiet(stream)
        if close_fd:
            os.close(fd)
        self._pumps.pop(stream, None)
        return self._maybe_close()

    async def _readable(self, fd: int) -> None:
        future: asyncio.Future[None] = self._loop.create_future()
        self._loop.add_reader(fd, _resolve, future)
        try:
            await future
        finally:
            self._loop.remove_reader(fd)

    def _mark_quiet(self, stream: Stream) -> None:
        if self._exit_observed and stream not in self._quiet:
            self._quiet.add(stream)
            if self._quiet >= set(self._pumps):
                self._streams_quiet.set()

    # -- exit ---------------------------------------------------------------------------

    def _on_pidfd_readable(self) -> None:
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, 0
        if pid == 0:
            return
        self._loop.remove_reader(self._pidfd)
        os.close(self._pidfd)
        self._exit_observed = True
        self._exit_event.set()
        if os.WIFSIGNALED(status):
            # The reference reports 128+signal for pipes, and 1 for PTY children it kills.
            code = 1 if self.tty else 128 + os.WTERMSIG(status)
        else:
            code = os.WEXITSTATUS(status)
        self._spawn_task(self._record_exit(code))

    async def _record_exit(self, code: int) -> None:
        if self._pumps and not self._quiet >= set(self._pumps):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._streams_quiet.wait(), EXIT_DRAIN_SECONDS)
        if self._sandbox is not None and self._denials is not None:
            self.sandbox_denied = is_denial(code, self._denials.seen)
            self._sandbox.release()
        seq = self.buffer.record_exit(code)
        self._wake_waiters()
        await self._sink.publish(exited_message(self._id_json, seq, code, self.sandbox_denied))
        if self._killed and self._pumps:
            await asyncio.sleep(KILLED_STREAM_GRACE_SECONDS)
            for pump in list(self._pumps.values()):
                pump.cancel()
        closed = self._maybe_close()
        if closed is not None:
            # Queued right behind `exited` (no await between them): one write carries both.
            await self._sink.publish(closed)

    def _maybe_close(self) -> bytes | None:
        """Record `closed` once the exit is known and every stream has ended; returns the
        notification for the caller to publish."""
        if not (self.buffer.exited and not self._pumps and not self.buffer.closed):
            return None
        seq = self.buffer.record_closed()
        self._wake_waiters()
        self._close_stdin()
        self._on_closed(self)
        return closed_message(self._id_json, seq)

    # -- long poll ----------------------------------------------------------------------

    async def wait_for_news(self, after_seq: int, timeout: float) -> None:
        """Return when a read with this cursor would return at once, or after `timeout`."""
        loop = self._loop
        deadline = loop.time() + timeout
        while not self.buffer.has_news(after_seq):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            future: asyncio.Future[None] = loop.create_future()
            self._waiters.add(future)
            try:
                await asyncio.wait_for(future, remaining)
            except TimeoutError:
                return
            finally:
                self._waiters.discard(future)

    def _wake_waiters(self) -> None:
        for future in self._waiters:
            if not future.done():
                future.set_result(None)
        self._waiters.clear()

    # -- stdin --------------------------------------------------------------------------

    def write(self, data: bytes, write_id: str) -> str:
        """Queue bytes for stdin; returns the `process/write` status.

        As in the reference: without a writable stdin the status is `stdinClosed`; after a
        natural exit writes are still `accepted` (the bytes go nowhere); after a kill the
        stdin writer is gone and writing is an error. A repeated write id is accepted once.
        """
        if not self._has_stdin:
            return "stdinClosed"
        if write_id in self._write_ids:
            return "accepted"
        if self._killed:
            raise RpcError(INTERNAL_ERROR, "failed to write to process stdin")
        queue = bool(data) and self._stdin_fd is not None and not self._stdin_broken
        if queue and self._stdin_backlog_bytes + len(data) > STDIN_BACKLOG_BYTES:
            # Refused before its id is recorded: the same write may be sent again later.
            raise RpcError(INTERNAL_ERROR, "failed to write to process stdin")
        self._write_ids[write_id] = None
        if len(self._write_ids) > RETAINED_WRITE_IDS:
            self._write_ids.popitem(last=False)
        if queue:
            self._stdin_backlog.append(data)
            self._stdin_backlog_bytes += len(data)
            if self._stdin_writer is None:
                self._stdin_writer = self._loop.create_task(self._drain_stdin())
        return "accepted"

    async def _drain_stdin(self) -> None:
        try:
            while self._stdin_backlog and self._stdin_fd is not None:
                data = self._stdin_backlog[0]
                try:
                    written = os.write(self._stdin_fd, data)
                except BlockingIOError:
                    await self._writable(self._stdin_fd)
                    continue
                except OSError:
                    # The child closed its stdin (EPIPE) or the PTY is gone: bytes go nowhere.
                    self._stdin_broken = True
                    self._stdin_backlog.clear()
                    self._stdin_backlog_bytes = 0
                    break
                self._stdin_backlog_bytes -= written
                if written == len(data):
                    self._stdin_backlog.popleft()
                else:
                    self._stdin_backlog[0] = data[written:]
        finally:
            self._stdin_writer = None
            if self._stdin_eof:
                self._close_stdin()

    async def _writable(self, fd: int) -> None:
        future: asyncio.Future[None] = self._loop.create_future()
        self._loop.add_writer(fd, _resolve, future)
        try:
            await future
        finally:
            self._loop.remove_writer(fd)

    @property
    def stdin_open(self) -> bool:
        """Writes still reach stdin (a PTY, or a pipe not closed by `close_stdin`)."""
        return self._has_stdin

    def close_stdin(self) -> None:
        """Stop accepting writes (`stdinClosed`) and close the stdin pipe once the bytes
        already queued are written, so the child reads end of file after them."""
        self._has_stdin = False
        self._stdin_eof = True
        if self._stdin_writer is None:
            self._close_stdin()

    def resize(self, rows: int, columns: int) -> None:
        """Set the PTY's window size (the kernel sends SIGWINCH to its foreground group);
        nothing once the terminal is gone."""
        if self.tty and self._stdin_fd is not None:
            winsize = struct.pack("HHHH", rows, columns, 0, 0)
            fcntl.ioctl(self._stdin_fd, termios.TIOCSWINSZ, winsize)

    def _close_stdin(self) -> None:
        fd, self._stdin_fd = self._stdin_fd, None
        if fd is None:
            return
        if self._stdin_writer is not None:
            self._stdin_writer.cancel()
        # The PTY master doubles as the output fd: its pump has ended by now (closed).
        os.close(fd)

    # -- signals ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """The child has not exited yet."""
        return not self._exit_observed

    def interrupt(self) -> None:
        """Send SIGINT to the process group (the `interrupt` of `process/signal`)."""
        self.send_signal(signal.SIGINT)

    def send_signal(self, signum: int) -> None:
        """Send `signum` to the process group, unless the process has exited."""
        if self.running:
            self._signal_group(signum)

    def terminate(self) -> bool:
        """Kill the process and all it forked; True when the process was still running."""
        running = self.running
        self.kill()
        return running

    def kill(self) -> None:
        """SIGKILL the whole process group, and its cgroup (descendants that left the group
        too), and stop accepting stdin."""
        self._killed = True
        self._stdin_backlog.clear()
        self._stdin_backlog_bytes = 0
        if self.running:
            self._signal_group(signal.SIGKILL)
        if self.cage is not None:
            self.cage.kill()

    def drop_empty_cage(self) -> None:
        """The process has closed: remove its cgroup now if nothing is left in it (a busy
        server would otherwise hold one per retained process)."""
        if self.cage is not None and self.cage.empty() and self.cage.remove():
            self.cage = None

    def release_cage(self) -> Cage | None:
        """The process is being forgotten: remove its cgroup if nothing is left in it, else
        hand it over (a daemon it left lives until its session ends)."""
        cage, self.cage = self.cage, None
        if cage is None or (cage.empty() and cage.remove()):
            return None
        return cage

    async def wait_exit(self) -> None:
        """Return once the child has exited and been reaped."""
        await self._exit_event.wait()

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signum)

    def _spawn_task(self, coroutine: Awaitable[None]) -> None:
        task = self._loop.create_task(_as_coroutine(coroutine))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def _as_coroutine(awaitable: Awaitable[None]) -> None:
    await awaitable


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def output_message(process_id_json: bytes, seq: int, stream: str, data: bytes) -> bytes:
    """`process/output` as the reference writes it (process_id_json: the JSON-encoded id)."""
    return b'{"method":"process/output","params":{"processId":%b,"seq":%d,"stream":"%b","chunk":"%b"}}' % (
        process_id_json,
        seq,
        stream.encode(),
        pybase64.b64encode(data),
    )


def exited_message(
    process_id_json: bytes, seq: int, exit_code: int, sandbox_denied: bool = False
) -> bytes:
    """`process/exited` as the reference writes it."""
    return (
        b'{"method":"process/exited","params":{"processId":%b,"seq":%d,"exitCode":%d,'
        b'"sandboxDenied":%b}}'
        % (process_id_json, seq, exit_code, b"true" if sandbox_denied else b"false")
    )


def closed_message(process_id_json: bytes, seq: int) -> bytes:
    """`process/closed` as the reference writes it."""
    return b'{"method":"process/closed","params":{"processId":%b,"seq":%d}}' % (process_id_json, seq)

"""Child servers in their own process group, and the memory of a process tree."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

__all__ = [
    "PeakMemory",
    "ServerFailed",
    "ServerProcess",
    "peak_rss",
    "start_server",
    "tree_pss",
    "wait_for_port",
]

STARTUP_TIMEOUT = 30.0
STOP_GRACE = 5.0


class ServerFailed(RuntimeError):
    """A server did not come up; the message carries the end of its log."""


@dataclass
class ServerProcess:
    """A running child server (leader of its own process group)."""

    name: str
    proc: asyncio.subprocess.Process
    log_path: Path
    url: str = ""

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, limit: int = 1500) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-limit:].strip()
        except OSError:
            return ""

    async def stop(self) -> None:
        """SIGTERM the process group, SIGKILL it after a grace period; always reaped."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.proc.returncode is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), STOP_GRACE)
        # Children that outlived the leader (the group survives it) go too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        await self.proc.wait()


@contextlib.asynccontextmanager
async def start_server(
    name: str,
    argv: Sequence[str],
    *,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    url_prefix: str | None = "ws://",
) -> AsyncIterator[ServerProcess]:
    """Start `argv` in a new session and stop its group on exit.

    With `url_prefix`, wait for the first stdout line and expect it to start with it (the
    bound URL, as `execwire-server`, `codex exec-server` and `execwire-rendezvous` print);
    later stdout lines go to the log. `stdin` is written, then stdin is closed.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE if url_prefix is not None else log,
            stderr=log,
            start_new_session=True,
        )
    server = ServerProcess(name, proc, log_path)
    drain: asyncio.Task[None] | None = None
    try:
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            await proc.stdin.drain()
            proc.stdin.close()
        if url_prefix is not None:
            assert proc.stdout is not None
            try:
                line = await asyncio.wait_for(proc.stdout.readline(), STARTUP_TIMEOUT)
            except TimeoutError:
                line = b""
            server.url = line.decode(errors="replace").strip()
            if not server.url.startswith(url_prefix):
                await server.stop()
                raise ServerFailed(
                    f"{name} printed {server.url!r} instead of its URL "
                    f"(exit code {proc.returncode}); log: {server.log_tail()!r}"
                )
            drain = asyncio.create_task(_drain(proc.stdout, log_path))
        yield server
    finally:
        await server.stop()
        if drain is not None:
            drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drain


async def _drain(stream: asyncio.StreamReader, log_path: Path) -> None:
    """Keep reading stdout so the server never blocks on a full pipe."""
    with open(log_path, "ab") as log:
        while chunk := await stream.read(1 << 16):
            log.write(chunk)


async def wait_for_port(server: ServerProcess, host: str, port: int) -> None:
    """Until `host:port` accepts a TCP connection; `ServerFailed` if the server exits."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT
    while True:
        if server.proc.returncode is not None:
            raise ServerFailed(
                f"{server.name} exited with {server.proc.returncode}: {server.log_tail()!r}"
            )
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError:
            if loop.time() > deadline:
                raise ServerFailed(f"{server.name} did not listen on {host}:{port}") from None
            await asyncio.sleep(0.02)
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return


def tree_pss(pid: int) -> int:
    """Proportional set size of `pid` and all its descendants, in bytes (0 once gone).

    PSS, not RSS: a child forked but not yet exec'd shares all of its parent's pages, and
    per-connection server processes (sshd) share their binary and libraries, so summed
    RSS counts the same memory many times over; summed PSS counts it once.
    """
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):  # a child may exit between the two calls
            total += process.memory_full_info().pss
    return total


def peak_rss(pid: int) -> int:
    """The kernel's high-water mark of `pid`'s own resident set (VmHWM), in bytes."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


class PeakMemory:
    """Samples `tree_pss` on a background thread; `peak` is the largest sample (bytes).

    Sampling costs the sampling process CPU time: use it around untimed runs.
    """

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self._pid = pid
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench memory", daemon=True)
        self.peak = 0

    def _run(self) -> None:
        while True:
            self.peak = max(self.peak, tree_pss(self._pid))
            if self._stop.wait(self._interval):
                return

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

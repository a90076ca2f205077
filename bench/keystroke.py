"""The `keystroke` group: keystroke echo round trip through `execwire shell`.

The CLI runs as a user runs it: on a pseudo-terminal of its own (its controlling terminal,
put in raw mode by the client), connected to the server under test, with a remote PTY
running `cat` in raw mode (no line discipline echo: the remote program itself echoes, as
readline does). One sample: write one byte on the local terminal's master side, wait until
it comes back. Everything a keystroke crosses is in the path: the local terminal, the
client's key forwarding (`process/write`), the websocket, the server, the remote PTY and
program, `process/output` back, the client's terminal output.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from typing import TYPE_CHECKING

from .backends.execserver import SdkServer
from .metrics import Measurement
from .stats import Budget, Summary, percentile, repeat

if TYPE_CHECKING:
    from .workloads import WorkloadContext

__all__ = ["KEYSTROKE_BUDGET", "keystroke_echo"]

KEYSTROKE_BUDGET = Budget(warmup=30, min_reps=300, max_reps=3000, max_seconds=6.0)
READY_TIMEOUT = 30.0
ECHO_TIMEOUT = 5.0
STOP_TIMEOUT = 10.0
CLI = [sys.executable, "-c", "import sys; from execwire.cli import main; sys.exit(main())"]
"""The `execwire` command, run by this interpreter."""
REMOTE = "stty raw -echo; printf READY; exec cat"


def _controlling_terminal() -> None:  # pragma: no cover - runs in the child
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    deadline = time.perf_counter() + timeout
    seen = b""
    while needle not in seen:
        remaining = deadline - time.perf_counter()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise RuntimeError(f"{needle!r} did not come back; the terminal shows {seen[-500:]!r}")
        seen += os.read(fd, 4096)
    return seen


async def keystroke_echo(ctx: WorkloadContext) -> list[Measurement]:
    """Keystroke echo round trip (ms) through `execwire shell` against `ctx.server`."""
    server = ctx.server
    if not isinstance(server, SdkServer) or not server.process.url.startswith("ws://"):
        raise RuntimeError("keystroke runs against a websocket exec-server only")
    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    cli = [*CLI, "shell", "--url", server.process.url]
    client = subprocess.Popen(
        [*cli, "--", "sh", "-c", REMOTE],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "TERM": "xterm"},
        start_new_session=True,
        preexec_fn=_controlling_terminal,
    )
    keys = b"abcdefghijklmnopqrstuvwxyz"
    sent = 0
    try:
        _read_until(master, b"READY", READY_TIMEOUT)

        async def once() -> float:
            nonlocal sent
            key = keys[sent % len(keys) : sent % len(keys) + 1]
            sent += 1
            started = time.perf_counter()
            os.write(master, key)
            _read_until(master, key, ECHO_TIMEOUT)
            return (time.perf_counter() - started) * 1e3

        samples = await repeat(ctx.budget(KEYSTROKE_BUDGET), once)
    finally:
        client.send_signal(signal.SIGTERM)  # the client ends the session, killing `cat`
        try:
            client.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            client.kill()
            client.wait()
        os.close(master)
        os.close(slave)
    summary = Summary.of(samples)
    details = {
        "n": summary.n,
        "median": summary.median,
        "p90": summary.p90,
        "p95": percentile(samples, 95),
        "p99": summary.p99,
        "min": summary.min,
        "max": summary.max,
    }
    return [
        ctx.measurement("keystroke.p50", summary.median, samples, **details),
        ctx.measurement("keystroke.p95", details["p95"], samples, **details),
    ]

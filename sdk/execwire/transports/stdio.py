"""Stdio transport: spawn a server and speak newline-delimited JSON over its stdin/stdout."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from typing import Final

from ..errors import TransportError

__all__ = ["StdioConnector", "StdioTransport"]

# A whole fs/readFile answer is one line; the reference allows 512 MiB files (base64: 683 MiB).
LINE_LIMIT: Final = 1 << 30
# How long a server may take to exit after its stdin closes before it is signalled (the
# reference client waits 2 s too).
TERMINATION_GRACE: Final = 2.0


class StdioTransport:
    """The pipes of one spawned server process; closing it stops the server."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdin is not None and process.stdout is not None
        self._process = process
        self._stdin = process.stdin
        self._stdout = process.stdout
        self._send_lock = asyncio.Lock()

    async def send(self, message: bytes) -> None:
        async with self._send_lock:
            if self._stdin.is_closing():
                raise TransportError("the stdio server's stdin is closed")
            try:
                self._stdin.write(message + b"\n")
                await self._stdin.drain()
            except (ConnectionError, RuntimeError) as error:
                raise TransportError(f"the stdio server is gone: {error}") from None

    async def receive(self) -> bytes | None:
        while True:
            try:
                line = await self._stdout.readuntil(b"\n")
            except asyncio.IncompleteReadError as partial:
                line = partial.partial
                if not line.strip():
                    return None
            except (ConnectionError, asyncio.LimitOverrunError, ValueError):
                return None
            if line.strip():
                return line

    async def close(self) -> None:
        """Close stdin (the server then shuts down), wait a little, then signal its group."""
        with contextlib.suppress(ConnectionError, RuntimeError):
            self._stdin.close()
        try:
            await asyncio.wait_for(self._process.wait(), TERMINATION_GRACE)
        except TimeoutError:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                _signal_group(self._process, sig)
                try:
                    await asyncio.wait_for(self._process.wait(), TERMINATION_GRACE)
                    break
                except TimeoutError:
                    continue

    def abort(self) -> None:
        _signal_group(self._process, signal.SIGKILL)


def _signal_group(process: asyncio.subprocess.Process, sig: signal.Signals) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)


class StdioConnector:
    """Spawns `argv` (e.g. `["execwire-server", "--listen", "stdio"]`) in its own process group.

    Not resumable: the server's sessions live as long as its stdin, so a lost pipe is final.
    The server's stderr goes to ours unless `stderr` is given (e.g. `subprocess.DEVNULL`).
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        stderr: int | None = None,
    ) -> None:
        if not argv:
            raise ValueError("argv must not be empty")
        self._argv = list(argv)
        self._env = dict(env) if env is not None else None
        self._cwd = cwd
        self._stderr = stderr
        self._transports: list[StdioTransport] = []

    def __repr__(self) -> str:
        return f"StdioConnector(argv={self._argv!r})"

    @property
    def target(self) -> str:
        return f"stdio server {self._argv[0]}"

    @property
    def resumable(self) -> bool:
        return False

    async def connect(self) -> StdioTransport:
        try:
            process = await asyncio.create_subprocess_exec(
                *self._argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=self._env,
                cwd=self._cwd,
                limit=LINE_LIMIT,
                start_new_session=True,  # so that stopping it reaches its whole group
            )
        except OSError as error:
            raise TransportError(f"cannot start {self._argv[0]}: {error}") from None
        transport = StdioTransport(process)
        self._transports.append(transport)
        return transport

    async def aclose(self) -> None:
        transports, self._transports = self._transports, []
        for transport in transports:
            await transport.close()

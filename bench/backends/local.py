"""The floor: the same process workloads with `asyncio.create_subprocess_exec` in this
process (no server, no protocol), plus the loopback websocket echo (`wsecho` group)."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import AsyncIterator, Sequence
from importlib import metadata
from pathlib import Path

from .base import Backend, Client, RunContext, Server

__all__ = ["LocalBackend"]

READ_BYTES = 1 << 16


class LocalClient:
    async def run(self, argv: Sequence[str]) -> bytes:
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        stdout, _ = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"{list(argv)} exited with {process.returncode}")
        return stdout

    async def stream(self, argv: Sequence[str]) -> int:
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE
        )
        assert process.stdout is not None
        received = 0
        while chunk := await process.stdout.read(READ_BYTES):
            received += len(chunk)
        if await process.wait() != 0:
            raise RuntimeError(f"{list(argv)} exited with {process.returncode}")
        return received

    async def read_file(self, path: str) -> bytes:
        return await asyncio.to_thread(Path(path).read_bytes)

    async def write_file(self, path: str, data: bytes) -> None:
        await asyncio.to_thread(Path(path).write_bytes, data)

    async def close(self) -> None:
        return None


class LocalServer:
    @property
    def pid(self) -> int | None:
        return None

    @property
    def message_limit(self) -> int | None:
        return None

    async def connect(self) -> Client:
        return LocalClient()


class LocalBackend(Backend):
    name = "local"
    label = "floor: local asyncio subprocess / websockets loopback echo"
    groups = frozenset({"exec", "streaming", "concurrency", "fanout", "wsecho"})

    @contextlib.asynccontextmanager
    async def serving(self, context: RunContext, group: str) -> AsyncIterator[Server]:
        yield LocalServer()

    def versions(self) -> dict[str, str]:
        return {"websockets": metadata.version("websockets")}

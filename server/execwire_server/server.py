"""The state one exec-server process shares across its connections."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from execwire.protocol import models

from .allocator import IdleTrim
from .connection import Connection, Transport
from .containment import Cage, choose_containment
from .environment import describe_host, tool_directory
from .filesystem import FileSystem
from .metrics import ServerStats
from .sandbox.runtime import SandboxRuntime
from .sessions import (
    DETACHED_SESSION_TTL_SECONDS,
    EXITED_PROCESS_RETENTION_SECONDS,
    SessionRegistry,
)

__all__ = ["ExecServer"]

logger = logging.getLogger(__name__)

FILESYSTEM_THREADS: Final = 8


class ExecServer:
    """Sessions, filesystem, host description and the live connections of one server."""

    def __init__(
        self,
        *,
        concurrent_requests: int = 1,
        detached_session_ttl: float = DETACHED_SESSION_TTL_SECONDS,
        process_retention: float = EXITED_PROCESS_RETENTION_SECONDS,
    ) -> None:
        self.concurrent_requests = concurrent_requests
        self.sessions = SessionRegistry(detached_session_ttl, process_retention)
        self.stats = ServerStats()
        """Counters since start (requests, output bytes, processes), for `/metrics`."""
        self.sessions.stats = self.stats
        self._pool = ThreadPoolExecutor(FILESYSTEM_THREADS, thread_name_prefix="execwire-fs")
        self.filesystem_executor = self._pool
        """Threads for blocking file-system calls."""
        self.sandbox = SandboxRuntime()
        self.filesystem = FileSystem(self._pool, sandbox=self.sandbox)
        self._tool_directory = tool_directory()
        self.prepend_path_dirs = [self._tool_directory] if self._tool_directory else []
        """Put in front of an inherited PATH: where `rg` is."""
        self.environment_info = describe_host(prepend_path_dirs=self.prepend_path_dirs)
        self.executor_environment = dict(os.environ)
        self.installed_capabilities: models.CapabilitiesDiscoverV2Response | None = None
        """`capabilities/discoverV2`'s answer, found at its first call and kept."""
        self._connections: set[asyncio.Task[None]] = set()
        self.containment = choose_containment()
        """Each process's cgroup, when the host allows (None: process groups only)."""
        logger.info(
            "process containment: %s",
            self.containment.describe()
            if self.containment is not None
            else "process groups (no usable cgroup v2: a detached descendant can outlive its process)",
        )
        self.idle_trim = IdleTrim()
        """Marked busy by traffic; gives freed memory back when the server goes quiet."""
        self._idle_trim_task: asyncio.Task[None] | None = None

    async def serve_connection(self, transport: Transport) -> None:
        """Serve one connection until it ends."""
        task = asyncio.current_task()
        assert task is not None
        if self._idle_trim_task is None:
            self._idle_trim_task = asyncio.create_task(self.idle_trim.run(), name="execwire idle trim")
        self._connections.add(task)
        try:
            await Connection(self, transport).run()
        finally:
            self._connections.discard(task)

    @property
    def connection_count(self) -> int:
        """Connections being served."""
        return len(self._connections)

    def new_cage(self) -> Cage | None:
        """A cgroup for the next process (None without containment, or when the host
        refuses one more: the process then lives in a process group only)."""
        if self.containment is None:
            return None
        try:
            return self.containment.cage()
        except OSError as error:
            logger.warning("no cgroup for a process: %s", error)
            return None

    async def shutdown(self) -> None:
        """End every connection and kill every session's processes."""
        if self._idle_trim_task is not None:
            self._idle_trim_task.cancel()
        for task in list(self._connections):
            task.cancel()
        for task in list(self._connections):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.sessions.shutdown()
        if self.containment is not None:
            self.containment.close()
        self.sandbox.close()
        if self._tool_directory is not None:
            shutil.rmtree(self._tool_directory, ignore_errors=True)
        self._pool.shutdown(wait=False, cancel_futures=True)

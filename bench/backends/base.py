"""The back-end abstraction: what every workload needs from a system under test.

A `Backend` is set up once per run (installing what it needs), then serves each workload
group from a fresh `Server`. A `Server` hands out `Client`s, one per session/connection;
workloads only ever use the `Client` operations, so every back end runs the same workload
code, and every exec-server back end the same SDK code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

__all__ = ["Backend", "BackendUnavailable", "Client", "ExecServerSession", "RunContext", "Server"]


class BackendUnavailable(RuntimeError):
    """The back end cannot run on this machine (the message says why)."""


@dataclass(frozen=True)
class RunContext:
    """Where a run keeps its files."""

    repo: Path
    work_dir: Path
    """Scratch space (not under /tmp: CODEX_HOME must not live there); data files too."""
    log_dir: Path
    """Server logs, kept after the run for failure analysis."""


class Client(Protocol):
    """One session on a back end."""

    async def run(self, argv: Sequence[str]) -> bytes:
        """Run a command to completion (every stream closed); its stdout. Raises
        `RuntimeError` on a non-zero exit."""
        ...

    async def stream(self, argv: Sequence[str]) -> int:
        """Run a command, consuming its stdout as it comes; the number of bytes read."""
        ...

    async def read_file(self, path: str) -> bytes:
        """The content of a file on the server host."""
        ...

    async def write_file(self, path: str, data: bytes) -> None:
        """Create or truncate a file on the server host."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class ExecServerSession(Protocol):
    """What exec-server back ends offer beyond `Client`: sandboxed commands, tree walks."""

    async def run_sandboxed(self, argv: Sequence[str], writable_root: str) -> bytes:
        """Like `Client.run`, under the Codex agent's workspace-write intent for
        `writable_root` (no network)."""
        ...

    async def walk(self, path: str) -> int:
        """Walk the tree below `path` (`fs/walk`, the largest limits); the entry count."""
        ...

    async def read_blocks(self, path: str) -> int:
        """Read a file through `fs/open` and 1 MiB `fs/readBlock`s; the byte count."""
        ...

    async def write_blocks(self, path: str, data: bytes) -> None:
        """Replace a file through `fs/open` and 1 MiB `fs/writeBlock`s."""
        ...


class Server(Protocol):
    """A running system under test."""

    @property
    def pid(self) -> int | None:
        """The server process whose process tree's memory is reported (None: no server)."""
        ...

    @property
    def message_limit(self) -> int | None:
        """The largest message the server can send a client (None: no limit). File reads
        whose answer would be larger are split into several files."""
        ...

    async def connect(self) -> Client:
        """A new session (a new connection for every back end but `local`)."""
        ...


class Backend(ABC):
    """A system under test, with everything needed to start it."""

    name: str
    """Short name: a table column, `--backends` value and JSON key."""
    label: str
    """What it is, for the report."""
    groups: frozenset[str]
    """The workload groups it takes part in."""

    async def setup(self, context: RunContext) -> None:  # noqa: B027 (optional hook)
        """Once per run: install and prepare (raise `BackendUnavailable` with a reason)."""

    @abstractmethod
    def serving(self, context: RunContext, group: str) -> AbstractAsyncContextManager[Server]:
        """A fresh server for one workload group, stopped on exit."""

    def versions(self) -> dict[str, str]:
        """Versions worth recording in the results."""
        return {}

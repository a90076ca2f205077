"""execwire's process-control extensions: `execwire/resize`, `execwire/closeStdin`,
`execwire/signal` and `execwire/listProcesses`.

A mixin of `Connection` (which implements the generated `RequestHandler`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from execwire.protocol import models

from .errors import INTERNAL_ERROR, RpcError

if TYPE_CHECKING:
    from .server import ExecServer

__all__ = ["ProcessControlHandlers"]


class ProcessControlHandlers:
    """Terminal size, stdin end of file, signals and the process list of a session."""

    _server: ExecServer

    async def execwire_resize(self, params: models.ResizeParams) -> models.EmptyResponse:
        """Resize a PTY process's terminal."""
        raise RpcError(INTERNAL_ERROR, "execwire/resize is not implemented yet")

    async def execwire_close_stdin(self, params: models.CloseStdinParams) -> models.EmptyResponse:
        """Close a pipe process's stdin after the writes queued before it."""
        raise RpcError(INTERNAL_ERROR, "execwire/closeStdin is not implemented yet")

    async def execwire_signal(self, params: models.ExecwireSignalParams) -> models.EmptyResponse:
        """Signal a process's whole process group."""
        raise RpcError(INTERNAL_ERROR, "execwire/signal is not implemented yet")

    async def execwire_list_processes(
        self, params: models.ListProcessesParams
    ) -> models.ListProcessesResponse:
        """The session's processes, in process id order."""
        raise RpcError(INTERNAL_ERROR, "execwire/listProcesses is not implemented yet")

"""execwire's process-control extensions: `execwire/resize`, `execwire/closeStdin`,
`execwire/signal` and `execwire/listProcesses`.

A mixin of `Connection` (which implements the generated `RequestHandler`). The errors are
the schema's: an unknown process id is -32600 `unknown process id <id>` (as `process/read`
says it), a request that does not fit the process (resizing a pipe process, closing a
PTY's or an already closed stdin) is -32600 naming why, a zero terminal size is -32602.
A signal for a process that has exited is not sent (success), as for `process/signal`.
"""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING, Final

from execwire.protocol import models

from .errors import INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, RpcError, io_error_message

if TYPE_CHECKING:
    from .processes import ManagedProcess
    from .sessions import Session

__all__ = ["SIGNALS", "ProcessControlHandlers"]

SIGNALS: Final[dict[str, signal.Signals]] = {
    "interrupt": signal.SIGINT,
    "terminate": signal.SIGTERM,
    "kill": signal.SIGKILL,
    "hangup": signal.SIGHUP,
    "quit": signal.SIGQUIT,
    "user1": signal.SIGUSR1,
    "user2": signal.SIGUSR2,
}
"""The `ExecwireSignal` names and what they send."""


class ProcessControlHandlers:
    """Terminal size, stdin end of file, signals and the process list of a session."""

    def _check_attached(self) -> Session:
        raise NotImplementedError  # Connection's

    def _controlled_process(self, process_id: str) -> ManagedProcess:
        process = self._check_attached().processes.get(process_id)
        if process is None:
            raise RpcError(INVALID_REQUEST, f"unknown process id {process_id}")
        return process

    async def execwire_resize(self, params: models.ResizeParams) -> models.EmptyResponse:
        """Resize a PTY process's terminal."""
        if params.rows == 0 or params.cols == 0:
            raise RpcError(
                INVALID_PARAMS,
                f"invalid terminal size {params.rows}x{params.cols}: rows and cols must be at least 1",
            )
        process = self._controlled_process(params.process_id)
        if not process.tty:
            raise RpcError(INVALID_REQUEST, f"process {params.process_id} has no terminal")
        try:
            process.resize(params.rows, params.cols)
        except OSError as error:
            raise RpcError(INTERNAL_ERROR, io_error_message(error)) from None
        return models.EmptyResponse()

    async def execwire_close_stdin(self, params: models.CloseStdinParams) -> models.EmptyResponse:
        """Close a pipe process's stdin after the writes queued before it."""
        process = self._controlled_process(params.process_id)
        if process.tty:
            raise RpcError(
                INVALID_REQUEST,
                f"process {params.process_id} has a terminal: write its EOF character (Ctrl-D) instead",
            )
        if not process.stdin_open:
            raise RpcError(INVALID_REQUEST, f"stdin of process {params.process_id} is already closed")
        process.close_stdin()
        return models.EmptyResponse()

    async def execwire_signal(self, params: models.ExecwireSignalParams) -> models.EmptyResponse:
        """Signal a process's whole process group."""
        self._controlled_process(params.process_id).send_signal(SIGNALS[params.signal])
        return models.EmptyResponse()

    async def execwire_list_processes(
        self, params: models.ListProcessesParams
    ) -> models.ListProcessesResponse:
        """The session's processes, in process id order."""
        processes = self._check_attached().processes
        return models.ListProcessesResponse(
            processes=[_describe(processes[process_id]) for process_id in sorted(processes)]
        )


def _describe(process: ManagedProcess) -> models.ProcessInfo:
    buffer = process.buffer
    first_seq = buffer.first_retained_seq
    return models.ProcessInfo(
        process_id=process.process_id,
        argv=process.argv,
        pid=process.pid if process.running else None,
        tty=process.tty,
        running=process.running,
        exit_code=buffer.exit_code,
        first_seq=first_seq if first_seq is not None else buffer.next_seq,
        next_seq=buffer.next_seq,
    )

"""`execwire ps` and `execwire attach`: the processes of a server session (see
`execwire.cli`).

Processes belong to a session, and a new connection starts a new one: both commands take
`--session ID` (default `$EXECWIRE_SESSION`) to resume a detached session, e.g. the one
`execwire run --detach` printed.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from typing import Final

import orjson

from ..errors import OutputLost
from ..executor import Executor
from ..protocol import models
from .common import EXIT_CLIENT_ERROR

__all__ = [
    "SESSION_ENV",
    "add_process_commands",
    "attach_command",
    "format_table",
    "ps_command",
    "session_option",
]

SESSION_ENV: Final = "EXECWIRE_SESSION"


def session_option() -> argparse.ArgumentParser:
    """The parent parser of the commands that work in an existing session: --session."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--session",
        default=os.environ.get(SESSION_ENV) or None,
        metavar="ID",
        help=f"resume this detached session (default: ${SESSION_ENV}; "
        "without it a new, empty session)",
    )
    return parent


def add_process_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    connection: argparse.ArgumentParser,
) -> None:
    """Register `ps` and `attach`."""
    session = session_option()
    ps = commands.add_parser(
        "ps", parents=[connection, session], help="list the processes of a session"
    )
    ps.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    ps.set_defaults(handler=ps_command)
    attach = commands.add_parser(
        "attach",
        parents=[connection, session],
        help="stream a process's output until it exits (Ctrl-C detaches)",
    )
    attach.add_argument("process_id", metavar="ID")
    attach.add_argument(
        "--after-seq",
        type=int,
        default=0,
        metavar="N",
        help="resume after this seq (default 0: all the output the server still retains)",
    )
    attach.set_defaults(handler=attach_command)


def _state(process: models.ProcessInfo) -> str:
    if process.running:
        return "running"
    return "exited" if process.exit_code is None else f"exited {process.exit_code}"


def format_table(processes: Sequence[models.ProcessInfo]) -> str:
    """The `execwire ps` table: ID, PID, TTY, STATE, ARGV (one line per process)."""
    rows = [("ID", "PID", "TTY", "STATE", "ARGV")]
    rows += [
        (
            p.process_id,
            "-" if p.pid is None else str(p.pid),
            "yes" if p.tty else "no",
            _state(p),
            shlex.join(p.argv),
        )
        for p in processes
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + "  "
        + row[4]
        for row in rows
    )


async def ps_command(executor: Executor, options: argparse.Namespace) -> int:
    """`execwire ps`: the session's processes, as a table or (--json) a JSON list."""
    processes = await executor.processes()
    if options.json:
        listed = [process.to_wire() for process in processes]
        sys.stdout.buffer.write(orjson.dumps(listed, option=orjson.OPT_INDENT_2) + b"\n")
        sys.stdout.buffer.flush()
    else:
        print(format_table(processes), flush=True)
    return 0


async def attach_command(executor: Executor, options: argparse.Namespace) -> int:
    """`execwire attach`: the process's output after --after-seq (stdout and stderr
    split, as `run` does) until it closes; its exit status. Output the server no longer
    retains is reported on stderr and skipped."""
    if executor.client.internal.has_extension("execwire/listProcesses"):
        known = {process.process_id for process in await executor.processes()}
        if options.process_id not in known:
            where = f"session {options.session}" if options.session else "a new session (give --session)"
            print(f"execwire: no process {options.process_id} in {where}", file=sys.stderr)
            return EXIT_CLIENT_ERROR
    session = await executor.attach(options.process_id, after_seq=options.after_seq)
    stdout, stderr = sys.stdout.buffer, sys.stderr.buffer
    while True:
        try:
            async for chunk in session.output():
                target = stderr if chunk.stream == "stderr" else stdout
                target.write(chunk.data)
                target.flush()
            break
        except OutputLost as lost:
            print(f"execwire: {lost}", file=sys.stderr, flush=True)
            if lost.last_seq is None:  # the server has forgotten the process
                return EXIT_CLIENT_ERROR
    code = await session.wait()
    return code & 0xFF

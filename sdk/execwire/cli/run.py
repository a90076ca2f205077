"""`execwire run` and `execwire shell`: run a command on the server, streaming its output
and forwarding stdin; a terminal session (see `execwire.cli`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from pathlib import PurePosixPath
from typing import Final

from ..executor import Executor, make_env_policy
from ..protocol import models
from ..sandbox import Sandbox, is_glob
from ..session import ExecSession
from .common import EXIT_TIMED_OUT
from .processes import SESSION_ENV
from .terminal import forward_input, interactive, is_terminal

__all__ = [
    "LOGIN_SHELLS",
    "SANDBOX_DENIED_HINT",
    "SANDBOX_MODES",
    "add_run_command",
    "add_shell_command",
    "build_sandbox",
    "run_command",
    "sandbox_mode",
    "shell_command",
]

SANDBOX_MODES: Final = ("read-only", "workspace-write", "full-access")
SANDBOX_DENIED_HINT: Final = "execwire: the sandbox denied this command"
LOGIN_SHELLS: Final = frozenset({"bash", "zsh", "sh", "dash", "ksh", "mksh", "fish"})
"""Shells `execwire shell` starts with `-l -i` (a login shell, interactive)."""
DEFAULT_SHELL: Final = "/bin/bash"


def add_run_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    connection: argparse.ArgumentParser,
) -> None:
    """Register `run`."""
    run = commands.add_parser(
        "run", parents=[connection], help="run a command, streaming its output"
    )
    _add_process_options(run)
    run.add_argument(
        "-t",
        "--tty",
        action="store_true",
        help="run under a pseudo-terminal; from a terminal, an interactive session (raw "
        "keys, window size followed, Ctrl-C goes to the remote side)",
    )
    run.add_argument(
        "-n",
        "--no-stdin",
        action="store_true",
        help="do not forward stdin (by default it is forwarded when it is not a terminal)",
    )
    run.add_argument(
        "--detach",
        action="store_true",
        help=f"start the command and exit at once, printing {SESSION_ENV}=... and "
        "EXECWIRE_PROCESS=... for `execwire ps` / `execwire attach` (the server keeps a "
        "detached session for its --detached-session-ttl, 80 s by default)",
    )
    run.add_argument(
        "--timeout", type=float, help="kill the command after this many seconds (exit 124)"
    )
    run.add_argument(
        "--sandbox",
        choices=SANDBOX_MODES,
        help="run inside the server's sandbox (default: unsandboxed)",
    )
    run.add_argument(
        "--writable-root",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory the command may write (repeatable; implies --sandbox "
        "workspace-write; default: the cwd)",
    )
    run.add_argument(
        "--network",
        action="store_true",
        help="allow network access inside a read-only or workspace-write sandbox",
    )
    run.add_argument(
        "--deny",
        action="append",
        default=[],
        metavar="PATH_OR_GLOB",
        help="take all access away from a path, or a glob if it contains *, ? or [ "
        "(repeatable; relative ones are taken from the cwd)",
    )
    run.add_argument("argv", nargs=argparse.REMAINDER, help="-- program [arguments...]")
    run.set_defaults(handler=run_command)


def sandbox_mode(options: argparse.Namespace) -> str | None:
    """The sandbox mode the `run` options ask for (None: unsandboxed); raises ValueError
    for combinations that cannot be honoured, rather than ignoring a flag."""
    mode: str | None = options.sandbox
    if options.writable_root:
        if mode not in (None, "workspace-write"):
            raise ValueError(f"--writable-root needs --sandbox workspace-write, not {mode}")
        mode = "workspace-write"
    restricted = mode in ("read-only", "workspace-write")
    if options.deny and not restricted:
        raise ValueError("--deny needs --sandbox read-only or workspace-write")
    if options.network and not restricted:
        # Without a restricting sandbox the network is already open: the flag would do nothing.
        raise ValueError("--network needs --sandbox read-only or workspace-write")
    return mode


def build_sandbox(
    options: argparse.Namespace, server_cwd: PurePosixPath | None
) -> models.FileSystemSandboxContext | None:
    """The sandbox context of the `run` options. A relative `--cwd` is taken from the
    server's cwd, as for the command itself; relative `--writable-root` and non-glob
    `--deny` paths are taken from that cwd."""
    mode = sandbox_mode(options)
    if mode is None:
        return None
    if mode == "full-access":
        return Sandbox.full_access()
    if options.cwd is None:
        cwd = server_cwd
    elif server_cwd is not None:
        cwd = server_cwd / options.cwd  # an absolute --cwd replaces the base
    else:
        cwd = PurePosixPath(options.cwd)
    if cwd is None or not cwd.is_absolute():
        raise ValueError(
            "the server did not report its cwd: give an absolute --cwd for the sandbox"
        )
    # Relative globs stay relative: the server matches them from the sandbox cwd, which is `cwd`.
    deny = [item if is_glob(item) else cwd / item for item in options.deny]
    if mode == "read-only":
        return Sandbox.read_only(cwd, network=options.network, deny=deny)
    roots = [cwd / root for root in options.writable_root] or [cwd]
    return Sandbox.workspace_write(roots, cwd=cwd, network=options.network, deny=deny)


def _environment(
    options: argparse.Namespace, *, terminal: bool
) -> tuple[models.ExecEnvPolicy | None, dict[str, str] | None]:
    """(env_policy, env) of `--env` items; a terminal also gets the local TERM, as ssh
    passes it. Nothing to add: the server's environment (the SDK's default)."""
    env = dict(item.split("=", 1) if "=" in item else (item, "") for item in options.env)
    term = os.environ.get("TERM")
    if terminal and term and "TERM" not in env:
        env["TERM"] = term
    if not env:
        return None, None
    return make_env_policy("all"), env


def _argv(options: argparse.Namespace) -> list[str]:
    argv: list[str] = list(options.argv)
    return argv[1:] if argv[:1] == ["--"] else argv


async def run_command(executor: Executor, options: argparse.Namespace) -> int:
    """`execwire run`: the remote exit status (124 on --timeout).

    Stdin is forwarded when it is not a terminal (unless `--no-stdin`), then closed, so
    `cat`, `wc` and `tar x` end; servers without `execwire/closeStdin` (the reference)
    get no stdin at all, since it could never end. With `--tty` from a terminal the
    session is interactive (see `terminal.interactive`).
    """
    argv = _argv(options)
    if not argv:
        raise SystemExit("execwire run: give the command after --, e.g. execwire run -- ls -l")
    if options.detach and options.timeout is not None:
        raise SystemExit("execwire run: --timeout cannot be combined with --detach")
    env_policy, env = _environment(options, terminal=options.tty)
    try:
        sandbox = build_sandbox(options, executor.cwd)
    except ValueError as error:
        raise SystemExit(f"execwire run: {error}") from None
    forward = (
        not options.no_stdin
        and not options.detach
        and not is_terminal(0)
        and _readable(0)
        and (options.tty or executor.client.internal.has_extension("execwire/closeStdin"))
    )
    session = await executor.spawn(
        argv,
        cwd=options.cwd,
        env=env,
        env_policy=env_policy,
        tty=options.tty,
        stdin=forward and not options.tty,
        sandbox=sandbox,
    )
    if options.detach:
        return await _detach(executor, session)
    if options.tty and (forward or is_terminal(0)):
        try:
            code = await interactive(session, timeout=options.timeout)
        except TimeoutError:
            await session.terminate()
            return EXIT_TIMED_OUT
        return code & 0xFF
    return await _stream(session, options, forward)


def _readable(fd: int) -> bool:
    """`fd` is open (a closed stdin is no input at all)."""
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


async def _detach(executor: Executor, session: ExecSession) -> int:
    print(f"{SESSION_ENV}={executor.client.session_id}")
    print(f"EXECWIRE_PROCESS={session.process_id}", flush=True)
    await executor.close(terminate_processes=False)
    return 0


async def _stream(session: ExecSession, options: argparse.Namespace, forward: bool) -> int:
    """Remote stdout to stdout and stderr to stderr until the process closes; local stdin
    to the process meanwhile. Ctrl-C interrupts the remote process, a second one kills it."""
    loop = asyncio.get_running_loop()
    forwarder = loop.create_task(forward_input(session, 0, end="close")) if forward else None
    forwarded: list[asyncio.Task[object]] = []

    def on_interrupt() -> None:
        action = session.interrupt() if not forwarded else session.terminate()
        forwarded.append(loop.create_task(action))

    loop.add_signal_handler(signal.SIGINT, on_interrupt)
    stdout, stderr = sys.stdout.buffer, sys.stderr.buffer
    timed_out = False
    try:
        try:
            async with asyncio.timeout(options.timeout):
                async for chunk in session.output():
                    target = stderr if chunk.stream == "stderr" else stdout
                    target.write(chunk.data)
                    target.flush()
        except TimeoutError:
            timed_out = True
            await session.terminate()
        code = await session.wait()
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        if forwarder is not None:
            forwarder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await forwarder
    if session.sandbox_denied:
        print(SANDBOX_DENIED_HINT, file=sys.stderr, flush=True)
    if timed_out:
        return EXIT_TIMED_OUT
    return code & 0xFF  # -1 (status unknown) becomes 255, like a failed ssh


def _add_process_options(parser: argparse.ArgumentParser) -> None:
    """`--cwd` and `--env`, which `run` and `shell` share (read by `_environment`)."""
    parser.add_argument("--cwd", help="remote working directory (default: the server's)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a variable on top of the inherited environment (repeatable)",
    )


def add_shell_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    connection: argparse.ArgumentParser,
) -> None:
    """Register `shell`."""
    shell = commands.add_parser(
        "shell",
        parents=[connection],
        help="an interactive shell (or program) on the server, under a pseudo-terminal",
    )
    _add_process_options(shell)
    shell.add_argument(
        "argv",
        nargs=argparse.REMAINDER,
        help="-- program [arguments...] (default: the server's shell, as a login shell)",
    )
    shell.set_defaults(handler=shell_command)


def default_shell(executor: Executor) -> list[str]:
    """The server's shell (`environment.shell` of `initialize`, else /bin/bash), started
    as a login, interactive shell when it is a POSIX-style one."""
    environment = executor.client.environment
    shell = environment.shell if environment is not None else None
    if shell is None or not shell.path:
        return [DEFAULT_SHELL, "-l", "-i"]
    name = shell.name or PurePosixPath(shell.path).name
    return [shell.path, "-l", "-i"] if name in LOGIN_SHELLS else [shell.path]


async def shell_command(executor: Executor, options: argparse.Namespace) -> int:
    """`execwire shell`: the remote program's exit status."""
    argv = _argv(options) or default_shell(executor)
    env_policy, env = _environment(options, terminal=True)
    session = await executor.spawn(
        argv, cwd=options.cwd, env=env, env_policy=env_policy, tty=True
    )
    return await interactive(session) & 0xFF

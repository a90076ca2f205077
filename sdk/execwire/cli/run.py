"""`execwire run`: run a command on the server, streaming its output (see `execwire.cli`)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import PurePosixPath
from typing import Final

from ..executor import Executor, make_env_policy
from ..protocol import models
from ..sandbox import Sandbox, is_glob
from .common import EXIT_TIMED_OUT

__all__ = [
    "SANDBOX_DENIED_HINT",
    "SANDBOX_MODES",
    "add_run_command",
    "build_sandbox",
    "run_command",
    "sandbox_mode",
]

SANDBOX_MODES: Final = ("read-only", "workspace-write", "full-access")
SANDBOX_DENIED_HINT: Final = "execwire: the sandbox denied this command"


def add_run_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    connection: argparse.ArgumentParser,
) -> None:
    """Register `run`."""
    run = commands.add_parser(
        "run", parents=[connection], help="run a command, streaming its output"
    )
    run.add_argument("--cwd", help="remote working directory (default: the server's)")
    run.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a variable on top of the inherited environment (repeatable)",
    )
    run.add_argument("--tty", action="store_true", help="run under a pseudo-terminal")
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


async def run_command(executor: Executor, options: argparse.Namespace) -> int:
    """`execwire run`: the remote exit status (124 on --timeout)."""
    argv: list[str] = list(options.argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        raise SystemExit("execwire run: give the command after --, e.g. execwire run -- ls -l")
    env_policy = None
    env: dict[str, str] | None = None
    if options.env:
        env_policy = make_env_policy("all")
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in options.env)
    try:
        sandbox = build_sandbox(options, executor.cwd)
    except ValueError as error:
        raise SystemExit(f"execwire run: {error}") from None
    session = await executor.spawn(
        argv, cwd=options.cwd, env=env, env_policy=env_policy, tty=options.tty, sandbox=sandbox
    )
    loop = asyncio.get_running_loop()
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
    if session.sandbox_denied:
        print(SANDBOX_DENIED_HINT, file=sys.stderr, flush=True)
    if timed_out:
        return EXIT_TIMED_OUT
    return code & 0xFF  # -1 (status unknown) becomes 255, like a failed ssh

"""`execwire`: run commands and move files on an exec-server from the shell.

    execwire run --url ws://127.0.0.1:8765 -- make -j8 test
    execwire fs cat  --url ws://... /etc/os-release
    execwire fs put  --url ws://... ./local.txt /srv/remote.txt     (`-` reads stdin)
    execwire fs ls   --url ws://... /srv
    execwire fs stat --url ws://... /srv/remote.txt
    execwire run --url http://registry:8700 --environment dev -- uname -a    (through a relay)
    execwire run --url ws://... --sandbox workspace-write --deny '**/.env' -- make

`run` streams output live (remote stdout to stdout, stderr to stderr, a PTY to stdout) and
exits with the remote exit code; Ctrl-C interrupts the remote process, a second Ctrl-C
kills it. The URL may come from `EXECWIRE_URL`. A bearer token is read from `--token-file`
or the environment variable `EXECWIRE_TOKEN`; there is deliberately no option to pass it on
the command line, where other users could read it in the process list. With `--environment`
(or `EXECWIRE_ENVIRONMENT`) the URL names a relay registry and the connection goes through
its rendezvous, end-to-end encrypted; the token is then the registry's bearer token.

`run --sandbox` runs the command under the server's sandbox: `read-only` (read
everything, write nothing), `workspace-write` (also write under each `--writable-root`,
by default the command's cwd; giving `--writable-root` implies this mode) or `full-access`.
`--network` allows network access in the first two, `--deny PATH_OR_GLOB` hides a path (an
argument containing `*`, `?` or `[` is a glob; relative ones are taken from the cwd). When
the server reports that the sandbox denied the command, `run` says so on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Final

from .errors import ExecWireError
from .executor import Executor
from .protocol import models
from .sandbox import Sandbox, is_glob

__all__ = ["main"]

TOKEN_ENV: Final = "EXECWIRE_TOKEN"
URL_ENV: Final = "EXECWIRE_URL"
ENVIRONMENT_ENV: Final = "EXECWIRE_ENVIRONMENT"
# Exit statuses of the client itself (the remote command's status is passed through).
EXIT_CLIENT_ERROR: Final = 255
EXIT_TIMED_OUT: Final = 124  # as timeout(1)
EXIT_USAGE: Final = 2
SANDBOX_MODES: Final = ("read-only", "workspace-write", "full-access")
SANDBOX_DENIED_HINT: Final = "execwire: the sandbox denied this command"


def _parser() -> argparse.ArgumentParser:
    connection = argparse.ArgumentParser(add_help=False)
    connection.add_argument(
        "--url", default=os.environ.get(URL_ENV), help=f"ws://host:port (default: ${URL_ENV})"
    )
    connection.add_argument(
        "--token-file", type=Path, help=f"file holding the bearer token (default: ${TOKEN_ENV})"
    )
    connection.add_argument(
        "--environment",
        default=os.environ.get(ENVIRONMENT_ENV),
        help=f"reach this environment through the relay registry at --url (default: ${ENVIRONMENT_ENV})",
    )
    parser = argparse.ArgumentParser(
        prog="execwire", description="Run commands and move files on an exec-server."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run", parents=[connection], help="run a command, streaming its output"
    )
    run.add_argument("--cwd", help="remote working directory (default: the server's)")
    run.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE",
        help="set a variable on top of the inherited environment (repeatable)",
    )
    run.add_argument("--tty", action="store_true", help="run under a pseudo-terminal")
    run.add_argument(
        "--timeout", type=float, help="kill the command after this many seconds (exit 124)"
    )
    run.add_argument(
        "--sandbox", choices=SANDBOX_MODES,
        help="run inside the server's sandbox (default: unsandboxed)",
    )
    run.add_argument(
        "--writable-root", action="append", default=[], metavar="DIR",
        help="a directory the command may write (repeatable; implies --sandbox "
        "workspace-write; default: the cwd)",
    )
    run.add_argument(
        "--network", action="store_true",
        help="allow network access inside a read-only or workspace-write sandbox",
    )
    run.add_argument(
        "--deny", action="append", default=[], metavar="PATH_OR_GLOB",
        help="take all access away from a path, or a glob if it contains *, ? or [ "
        "(repeatable; relative ones are taken from the cwd)",
    )
    run.add_argument("argv", nargs=argparse.REMAINDER, help="-- program [arguments...]")

    fs = commands.add_parser("fs", help="remote files")
    fs_commands = fs.add_subparsers(dest="fs_command", required=True)
    cat = fs_commands.add_parser("cat", parents=[connection], help="print a remote file")
    cat.add_argument("path")
    put = fs_commands.add_parser("put", parents=[connection], help="upload a file")
    put.add_argument("local", help="local file, or - for stdin")
    put.add_argument("remote")
    ls = fs_commands.add_parser("ls", parents=[connection], help="list a remote directory")
    ls.add_argument("path")
    stat = fs_commands.add_parser("stat", parents=[connection], help="describe a remote path")
    stat.add_argument("path")
    return parser


def _sandbox_mode(options: argparse.Namespace) -> str | None:
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


def _build_sandbox(
    options: argparse.Namespace, server_cwd: PurePosixPath | None
) -> models.FileSystemSandboxContext | None:
    """The sandbox context of the `run` options. A relative `--cwd` is taken from the
    server's cwd, as for the command itself; relative `--writable-root` and non-glob
    `--deny` paths are taken from that cwd."""
    mode = _sandbox_mode(options)
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
        raise ValueError("the server did not report its cwd: give an absolute --cwd for the sandbox")
    # Relative globs stay relative: the server matches them from the sandbox cwd, which is `cwd`.
    deny = [item if is_glob(item) else cwd / item for item in options.deny]
    if mode == "read-only":
        return Sandbox.read_only(cwd, network=options.network, deny=deny)
    roots = [cwd / root for root in options.writable_root] or [cwd]
    return Sandbox.workspace_write(roots, cwd=cwd, network=options.network, deny=deny)


def _token(token_file: Path | None) -> str | None:
    if token_file is not None:
        return token_file.read_text().strip()
    return os.environ.get(TOKEN_ENV) or None


async def _run(executor: Executor, options: argparse.Namespace) -> int:
    argv: list[str] = list(options.argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        raise SystemExit("execwire run: give the command after --, e.g. execwire run -- ls -l")
    env_policy = None
    env: dict[str, str] | None = None
    if options.env:
        from .executor import make_env_policy

        env_policy = make_env_policy("all")
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in options.env)
    try:
        sandbox = _build_sandbox(options, executor.cwd)
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


async def _fs(executor: Executor, options: argparse.Namespace) -> int:
    command = options.fs_command
    if command == "cat":
        sys.stdout.buffer.write(await executor.read_bytes(options.path))
        sys.stdout.buffer.flush()
    elif command == "put":
        data = sys.stdin.buffer.read() if options.local == "-" else Path(options.local).read_bytes()
        await executor.write_bytes(options.remote, data)
    elif command == "ls":
        for entry in await executor.listdir(options.path):
            print(entry.name + ("/" if entry.is_dir else ""))
    else:
        stat = await executor.stat(options.path)
        kind = "directory" if stat.is_dir else "file" if stat.is_file else "other"
        print(f"path: {stat.path}")
        print(f"type: {kind}{' (symlink)' if stat.is_symlink else ''}")
        print(f"size: {stat.size}")
        print(f"modified: {stat.modified_at.isoformat()}")
        if stat.created_at is not None:
            print(f"created: {stat.created_at.isoformat()}")
    return 0


async def _main(options: argparse.Namespace) -> int:
    token = _token(options.token_file)
    if options.environment:
        if token is None:
            print(f"execwire: a relay needs the registry token (--token-file or ${TOKEN_ENV})", file=sys.stderr)
            return EXIT_USAGE
        connecting = Executor.connect_relay(options.url, options.environment, token=token)
    else:
        connecting = Executor.connect_websocket(options.url, token=token)
    async with await connecting as executor:
        if options.command == "run":
            return await _run(executor, options)
        return await _fs(executor, options)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `execwire` console script."""
    parser = _parser()
    options = parser.parse_args(argv)
    if options.command == "run":
        try:
            _sandbox_mode(options)
        except ValueError as error:
            parser.error(str(error))  # exits with status 2, like other usage errors
    if not options.url:
        print(f"execwire: give --url or set {URL_ENV}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return asyncio.run(_main(options))
    except BrokenPipeError:
        # The reader went away (`execwire fs ls ... | head`): stop quietly, like cat does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except (ExecWireError, OSError) as error:
        print(f"execwire: {error}", file=sys.stderr)
        return EXIT_CLIENT_ERROR
    except KeyboardInterrupt:
        return 128 + signal.SIGINT

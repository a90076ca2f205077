"""`execwire`: run commands and move files on an exec-server from the shell.

    execwire run --url ws://127.0.0.1:8765 -- make -j8 test
    execwire fs cat  --url ws://... /etc/os-release
    execwire fs put  --url ws://... ./local.txt /srv/remote.txt     (`-` reads stdin)
    execwire fs ls   --url ws://... /srv
    execwire fs stat --url ws://... /srv/remote.txt
    execwire fs watch --url ws://... /srv          (changes as they happen; --json for scripts)
    execwire run --url http://registry:8700 --environment dev -- uname -a    (through a relay)
    execwire run --url ws://... --sandbox workspace-write --deny '**/.env' -- make
    tar c src | execwire run --url ws://... -- tar x -C /srv       (stdin is forwarded)
    execwire shell --url ws://...                                  (an interactive shell)
    execwire run -t --url ws://... -- htop                         (a program under a PTY)
    export $(execwire run --detach --url ws://... -- make)         (start, do not wait)
    execwire ps --url ws://...                   (the session of $EXECWIRE_SESSION)
    execwire attach --url ws://... --after-seq 0 PROCESS_ID

`run` streams output live (remote stdout to stdout, stderr to stderr, a PTY to stdout) and
exits with the remote exit code; Ctrl-C interrupts the remote process, a second Ctrl-C
kills it. Its stdin, when not a terminal, is forwarded to the command in bounded chunks,
then closed, so `cat`, `wc` or `tar x` end (`-n` forwards nothing; a server without the
execwire extensions, such as the reference, gets no stdin).

`shell` (and `run -t` from a terminal) is an interactive session under a remote PTY, as
ssh gives one: the local terminal is in raw mode (every key, Ctrl-C included, goes to the
remote side), its window size is followed, the terminal is restored however the session
ends, and the exit status is the remote one. `shell` runs the server's shell as a login
shell unless a program is given after `--`.

`run --detach` starts a command and exits, printing `EXECWIRE_SESSION=...` and
`EXECWIRE_PROCESS=...`. `ps` lists the processes of a session (`--json` for a JSON list),
`attach` streams one's output from a seq until it exits, with its exit status (Ctrl-C
detaches). Both resume the session of `--session` or `$EXECWIRE_SESSION`; the server keeps
a detached session for a while (80 s by default), then kills its processes.

The URL may come from `EXECWIRE_URL`. A bearer token is read from `--token-file` or the
environment variable `EXECWIRE_TOKEN`; there is deliberately no option to pass it on
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

from ..errors import ExecWireError
from ..executor import Executor
from .common import (
    EXIT_CLIENT_ERROR,
    EXIT_USAGE,
    TOKEN_ENV,
    URL_ENV,
    connection_options,
    read_token,
)
from .files import add_fs_commands
from .processes import add_process_commands
from .run import SANDBOX_DENIED_HINT, add_run_command, add_shell_command, sandbox_mode
from .watch import add_watch_command

__all__ = ["SANDBOX_DENIED_HINT", "main"]


def _parser() -> argparse.ArgumentParser:
    connection = connection_options()
    parser = argparse.ArgumentParser(
        prog="execwire", description="Run commands and move files on an exec-server."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add_run_command(commands, connection)
    add_shell_command(commands, connection)
    add_process_commands(commands, connection)
    fs_commands = add_fs_commands(commands, connection)
    add_watch_command(fs_commands, connection)
    return parser


async def _main(options: argparse.Namespace) -> int:
    token = read_token(options.token_file)
    resume = getattr(options, "session", None)  # `--session` of ps and attach
    if options.environment:
        if token is None:
            print(
                f"execwire: a relay needs the registry token (--token-file or ${TOKEN_ENV})",
                file=sys.stderr,
            )
            return EXIT_USAGE
        connecting = Executor.connect_relay(
            options.url, options.environment, token=token, resume_session_id=resume
        )
    else:
        connecting = Executor.connect_websocket(options.url, token=token, resume_session_id=resume)
    async with await connecting as executor:
        code: int = await options.handler(executor, options)
        return code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `execwire` console script."""
    parser = _parser()
    options = parser.parse_args(argv)
    if options.command == "run":
        try:
            sandbox_mode(options)
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

"""`execwire fs watch PATH`: print changes below a remote path as they happen."""

from __future__ import annotations

import argparse
import json
import sys

from ..executor import Executor

__all__ = ["add_watch_command", "watch_command"]


def add_watch_command(
    fs_commands: argparse._SubParsersAction[argparse.ArgumentParser],
    connection: argparse.ArgumentParser,
) -> None:
    """Register `fs watch`."""
    watch = fs_commands.add_parser(
        "watch", parents=[connection], help="print changes below a remote path until interrupted"
    )
    watch.add_argument("path")
    watch.add_argument(
        "--no-recursive",
        dest="recursive",
        action="store_false",
        help="only the direct entries of a directory",
    )
    watch.add_argument(
        "--debounce-ms",
        type=int,
        default=None,
        help="quiet time before a batch of changes is printed (default: the server's, 50)",
    )
    watch.add_argument("--json", action="store_true", help="one JSON object per line")
    watch.set_defaults(handler=watch_command)


async def watch_command(executor: Executor, options: argparse.Namespace) -> int:
    """`execwire fs watch`: runs until interrupted (or the connection is lost)."""
    changes = executor.watch(
        options.path, recursive=options.recursive, debounce_ms=options.debounce_ms
    )
    async for change in changes:
        if options.json:
            line = json.dumps({"kind": change.kind, "path": str(change.path), "uri": change.uri})
        else:
            line = f"{change.kind}\t{change.path}"
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    return 0

"""`execwire fs ...`: remote files (see `execwire.cli`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..executor import Executor

__all__ = ["add_fs_commands", "fs_command"]


def add_fs_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    connection: argparse.ArgumentParser,
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Register `fs` and its subcommands; returns them, for more to join."""
    fs = commands.add_parser("fs", help="remote files")
    fs_commands = fs.add_subparsers(dest="fs_command", required=True)
    fs.set_defaults(handler=fs_command)
    cat = fs_commands.add_parser("cat", parents=[connection], help="print a remote file")
    cat.add_argument("path")
    put = fs_commands.add_parser("put", parents=[connection], help="upload a file")
    put.add_argument("local", help="local file, or - for stdin")
    put.add_argument("remote")
    ls = fs_commands.add_parser("ls", parents=[connection], help="list a remote directory")
    ls.add_argument("path")
    stat = fs_commands.add_parser("stat", parents=[connection], help="describe a remote path")
    stat.add_argument("path")
    return fs_commands


async def fs_command(executor: Executor, options: argparse.Namespace) -> int:
    """`execwire fs cat|put|ls|stat`."""
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

"""`execwire fs ...`: remote files (see `execwire.cli`).

    execwire fs get  REMOTE LOCAL          copy a remote file here (`-`: to stdout)
    execwire fs put  LOCAL REMOTE          copy a file there (`-`: from stdin)
    execwire fs cat  PATH                  print a remote file
    execwire fs ls   [--json] PATH         list a remote directory
    execwire fs stat [--json] PATH         describe a remote path
    execwire fs rm   [-r] [-f] PATH        remove a file, or a tree with -r
    execwire fs mkdir [-p] PATH            create a directory (-p: with its parents)
    execwire fs cp   [-r] SRC DST          copy on the server (-r: a directory tree)

`get` and `put` stream files of any size in bounded memory, checked end to end with
SHA-256 where the server offers it (see `Executor.download`/`upload`): a failed transfer
leaves no partial file, and the target keeps its old content. When stderr is a terminal
they show a progress bar with the rate and the time left (`-q` hides it). When LOCAL (for
`get`) or REMOTE (for `put`) is an existing directory, the file goes into it under its own
name. `--json` prints one JSON document, for scripts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import posixpath
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..executor import Executor
from ..filesystem import DirEntry, FileStat
from ..transfer import Progress

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
    get = fs_commands.add_parser("get", parents=[connection], help="download a file")
    get.add_argument("remote")
    get.add_argument("local", help="local file or directory, or - for stdout")
    get.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    put = fs_commands.add_parser("put", parents=[connection], help="upload a file")
    put.add_argument("local", help="local file, or - for stdin")
    put.add_argument("remote", help="remote file or directory")
    put.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    ls = fs_commands.add_parser("ls", parents=[connection], help="list a remote directory")
    ls.add_argument("path")
    ls.add_argument("--json", action="store_true", help="print the entries as JSON")
    stat = fs_commands.add_parser("stat", parents=[connection], help="describe a remote path")
    stat.add_argument("path")
    stat.add_argument("--json", action="store_true", help="print the metadata as JSON")
    rm = fs_commands.add_parser("rm", parents=[connection], help="remove a remote path")
    rm.add_argument("path")
    rm.add_argument("-r", "--recursive", action="store_true", help="a directory and its tree")
    rm.add_argument("-f", "--force", action="store_true", help="a missing path is fine")
    mkdir = fs_commands.add_parser("mkdir", parents=[connection], help="create a directory")
    mkdir.add_argument("path")
    mkdir.add_argument(
        "-p", "--parents", action="store_true", help="with its parents; existing is fine"
    )
    cp = fs_commands.add_parser("cp", parents=[connection], help="copy on the server")
    cp.add_argument("source")
    cp.add_argument("destination")
    cp.add_argument("-r", "--recursive", action="store_true", help="a directory tree")
    return fs_commands


async def fs_command(executor: Executor, options: argparse.Namespace) -> int:
    """`execwire fs cat|get|put|ls|stat|rm|mkdir|cp`."""
    command = options.fs_command
    if command == "cat":
        sys.stdout.buffer.write(await executor.read_bytes(options.path))
        sys.stdout.buffer.flush()
    elif command == "get":
        await _get(executor, options.remote, options.local, quiet=options.quiet)
    elif command == "put":
        await _put(executor, options.local, options.remote, quiet=options.quiet)
    elif command == "ls":
        entries = await executor.listdir(options.path)
        if options.json:
            _print_json([_entry_json(entry) for entry in entries])
        else:
            for entry in entries:
                print(entry.name + ("/" if entry.is_dir else ""))
    elif command == "stat":
        _print_stat(await executor.stat(options.path), as_json=options.json)
    elif command == "rm":
        await executor.remove(options.path, recursive=options.recursive, missing_ok=options.force)
    elif command == "mkdir":
        await executor.mkdir(options.path, parents=options.parents)
    else:
        await executor.copy(options.source, options.destination, recursive=options.recursive)
    return 0


# -- get / put -----------------------------------------------------------------------------


async def _get(executor: Executor, remote: str, local: str, *, quiet: bool) -> None:
    with _progress_bar(f"get {posixpath.basename(remote)}", quiet) as progress:
        if local == "-":
            await executor.download(remote, sys.stdout.buffer, progress=progress)
            sys.stdout.buffer.flush()
            return
        target = Path(local)
        if target.is_dir():
            target = target / posixpath.basename(remote.rstrip("/"))
        await executor.download(remote, target, progress=progress)


async def _put(executor: Executor, local: str, remote: str, *, quiet: bool) -> None:
    name = "stdin" if local == "-" else os.path.basename(local)
    if await _is_remote_directory(executor, remote):
        if local == "-":
            raise IsADirectoryError(21, "Is a directory (name the remote file for stdin)", remote)
        remote = posixpath.join(remote, name)
    with _progress_bar(f"put {name}", quiet) as progress:
        source = sys.stdin.buffer if local == "-" else local
        await executor.upload(source, remote, progress=progress)


async def _is_remote_directory(executor: Executor, path: str) -> bool:
    try:
        return (await executor.stat(path)).is_dir
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def _progress_bar(label: str, quiet: bool) -> Iterator[Progress | None]:
    """A `progress` callback drawing a bar with rate and ETA on stderr, when it is a
    terminal (None otherwise: nothing is drawn)."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    # Imported here: rich takes a while to import, and only a terminal needs it.
    from rich import progress as rich
    from rich.console import Console

    bar = rich.Progress(
        rich.TextColumn("{task.description}"),
        rich.BarColumn(),
        rich.DownloadColumn(),
        rich.TransferSpeedColumn(),
        rich.TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    task = bar.add_task(label, total=None)

    def update(done: int, total: int | None) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update


# -- ls / stat -----------------------------------------------------------------------------


def _kind(is_file: bool, is_dir: bool) -> str:
    return "directory" if is_dir else "file" if is_file else "other"


def _entry_json(entry: DirEntry) -> dict[str, Any]:
    return {
        "name": entry.name,
        "path": str(entry.path),
        "type": _kind(entry.is_file, entry.is_dir),
        "is_file": entry.is_file,
        "is_dir": entry.is_dir,
    }


def _print_stat(stat: FileStat, *, as_json: bool) -> None:
    kind = _kind(stat.is_file, stat.is_dir)
    created = stat.created_at.isoformat() if stat.created_at is not None else None
    if as_json:
        _print_json(
            {
                "path": str(stat.path),
                "type": kind,
                "is_file": stat.is_file,
                "is_dir": stat.is_dir,
                "is_symlink": stat.is_symlink,
                "size": stat.size,
                "modified_at": stat.modified_at.isoformat(),
                "created_at": created,
            }
        )
        return
    print(f"path: {stat.path}")
    print(f"type: {kind}{' (symlink)' if stat.is_symlink else ''}")
    print(f"size: {stat.size}")
    print(f"modified: {stat.modified_at.isoformat()}")
    if created is not None:
        print(f"created: {created}")


def _print_json(value: object) -> None:
    print(json.dumps(value))

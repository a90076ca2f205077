"""Tests for execwire_server.filesystem: the fs/* methods against real files under tmp_path.

The expected results and (code, message) pairs in the tables were observed on the
reference, codex exec-server 0.169.0 (linux-x64 musl build, run as root), by sending the
same requests over its websocket against an identical tree.
"""

from __future__ import annotations

import errno
import os
import random
import stat
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import BaseModel

from execwire import base64_strict
from execwire.pathuri import from_native_path
from execwire.protocol import models
from execwire_server.errors import RpcError, io_error
from execwire_server.filesystem import FileSystem

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

# mtime of `old`: 1960-01-01 00:00:00.5 UTC, before the epoch.
OLD_MTIME_NS = -315_619_199_500_000_000


class Nul:
    """A path under the tree with "@" replaced by a NUL byte (only the fallback URI names it)."""

    def __init__(self, relative: str) -> None:
        self.relative = relative


def build_tree(base: Path) -> Path:
    """The tree every case runs against (the same one the reference was probed with)."""
    root = base / "t"
    outside = base / "outside"
    outside.mkdir()
    (outside / "keep").write_bytes(b"")
    root.mkdir()
    (root / "f.txt").write_bytes(b"hello")
    (root / "f.txt").chmod(0o600)
    (root / "empty").write_bytes(b"")
    (root / "dir" / "sub").mkdir(parents=True)
    (root / "dir" / "a").write_bytes(b"x")
    os.symlink("f.txt", root / "link")
    os.symlink("dir", root / "linkdir")
    os.symlink("nothing", root / "dangling")
    os.symlink("loop1", root / "loop2")
    os.symlink("loop2", root / "loop1")
    os.mkfifo(root / "fifo")
    (root / "a b%c.txt").write_bytes(b"sp")
    with open(os.path.join(bytes(root), b"bad\xff\xfename"), "wb"):
        pass
    (root / "tree" / "inner").mkdir(parents=True)
    (root / "tree" / "emptysub").mkdir()
    (root / "tree" / "one").write_bytes(b"one")
    (root / "tree" / "inner" / "two").write_bytes(b"two")
    os.symlink("one", root / "tree" / "lone")
    os.symlink(outside, root / "tree" / "lout")
    os.symlink("missing", root / "tree" / "ldang")
    os.mkfifo(root / "tree" / "pipe")
    (root / "existing" / "inner").mkdir(parents=True)
    (root / "existing" / "keepme").write_bytes(b"keep")
    (root / "existing" / "one").write_bytes(b"old")
    (root / "full" / "x").mkdir(parents=True)
    (root / "full" / "x" / "y").write_bytes(b"")
    os.symlink(outside, root / "full" / "out")
    for name in ("e1", "e2", "e3"):
        (root / name).mkdir()
    (root / "rm1").write_bytes(b"hello")
    (root / "rm2").write_bytes(b"hello")
    os.symlink("dir", root / "rmld")
    os.symlink("dir", root / "rmld2")
    (root / "old").write_bytes(b"")
    os.utime(root / "old", ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    return root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    # Resolved: followSymlinks:false refuses a symlink anywhere in the path.
    return build_tree(tmp_path.resolve())


@pytest.fixture
def fs() -> FileSystem:
    return FileSystem()


_METHODS: dict[str, tuple[type[BaseModel], str]] = {
    "fs/readFile": (models.FsReadFileParams, "read_file"),
    "fs/writeFile": (models.FsWriteFileParams, "write_file"),
    "fs/createDirectory": (models.FsCreateDirectoryParams, "create_directory"),
    "fs/getMetadata": (models.FsGetMetadataParams, "get_metadata"),
    "fs/readDirectory": (models.FsReadDirectoryParams, "read_directory"),
    "fs/remove": (models.FsRemoveParams, "remove"),
    "fs/copy": (models.FsCopyParams, "copy"),
}


def _resolve(value: Any, root: Path) -> Any:
    if isinstance(value, Nul):
        return from_native_path(bytes(root) + b"/" + value.relative.encode().replace(b"@", b"\0"))
    if isinstance(value, str):
        return value.replace("$U", from_native_path(root)).replace("$P", str(root))
    return value


async def call(fs: FileSystem, root: Path, method: str, params: dict[str, Any]) -> Any:
    """Run one request; the result as wire JSON, or (code, message) for an error."""
    model, name = _METHODS[method]
    parsed = model.model_validate({key: _resolve(value, root) for key, value in params.items()})
    try:
        if name == "read_file":  # the server writes the base64 straight into its reply
            return orjson.loads(await fs.read_file_message(parsed, b'{"dataBase64":"', b'"}'))
        result = await getattr(fs, name)(parsed)
    except RpcError as error:
        return (error.code, error.message)
    return result.model_dump(mode="json", by_alias=True, exclude_none=True)


def expected(value: Any, root: Path) -> Any:
    if isinstance(value, tuple):
        return (value[0], _resolve(value[1], root))
    return value


NOFOLLOW = {"followSymlinks": False}
ENOENT = (-32004, "No such file or directory (os error 2)")
ENOTDIR = (-32603, "Not a directory (os error 20)")
ELOOP = (-32603, "Symbolic link loop (os error 40)")
EISDIR = (-32603, "Is a directory (os error 21)")
EEXIST = (-32603, "File exists (os error 17)")
EINVAL = (-32600, "Invalid argument (os error 22)")
NUL_BYTE = (-32600, "file name contained an unexpected NUL byte")
NOT_REGULAR = (-32600, "path is not a regular file")
NO_ENTRY = (-32600, "path must name an entry")
SYMLINK = (-32600, "path contains a symbolic link")
FOREIGN_DRIVE = (-32600, "'file:///C:/x' is invalid on 'linux'")
OK: dict[str, Any] = {}

# Observed on codex exec-server 0.169.0: (method, params, result or (code, message)).
# "$U" is the tree's URI, "$P" its native path.
OBSERVED: list[tuple[str, dict[str, Any], Any]] = [
    # -- fs/readFile
    ("fs/readFile", {"path": "$U/f.txt"}, {"dataBase64": "aGVsbG8="}),
    ("fs/readFile", {"path": "$U/empty"}, {"dataBase64": ""}),
    ("fs/readFile", {"path": "$U/dir"}, (-32600, "path `$P/dir` is not a file")),
    ("fs/readFile", {"path": "$U/fifo"}, (-32600, "path `$P/fifo` is not a file")),
    ("fs/readFile", {"path": "$U/"}, (-32600, "path `$P` is not a file")),
    ("fs/readFile", {"path": "file:///"}, (-32600, "path `/` is not a file")),
    ("fs/readFile", {"path": "file:///dev/null"}, (-32600, "path `/dev/null` is not a file")),
    ("fs/readFile", {"path": "$U/missing"}, ENOENT),
    ("fs/readFile", {"path": "$U/missing/x"}, ENOENT),
    ("fs/readFile", {"path": "$U/f.txt/x"}, ENOTDIR),
    ("fs/readFile", {"path": "$U/link"}, {"dataBase64": "aGVsbG8="}),
    ("fs/readFile", {"path": "$U/dangling"}, ENOENT),
    ("fs/readFile", {"path": "$U/loop1"}, ELOOP),
    ("fs/readFile", {"path": "$U/a%20b%25c.txt"}, {"dataBase64": "c3A="}),
    ("fs/readFile", {"path": "$U/f.txt", "followSymlinks": True}, {"dataBase64": "aGVsbG8="}),
    ("fs/readFile", {"path": "file:///C:/x"}, FOREIGN_DRIVE),
    ("fs/readFile", {"path": "file://host/x"}, (-32600, "'file://host/x' is invalid on 'linux'")),
    ("fs/readFile", {"path": Nul("a@b")}, NUL_BYTE),
    ("fs/readFile", {"path": "$U/f.txt", **NOFOLLOW}, {"dataBase64": "aGVsbG8="}),
    ("fs/readFile", {"path": "$U/a%20b%25c.txt", **NOFOLLOW}, {"dataBase64": "c3A="}),
    ("fs/readFile", {"path": "$U/link", **NOFOLLOW}, ELOOP),
    ("fs/readFile", {"path": "$U/dangling", **NOFOLLOW}, ELOOP),
    ("fs/readFile", {"path": "$U/loop1", **NOFOLLOW}, ELOOP),
    ("fs/readFile", {"path": "$U/linkdir", **NOFOLLOW}, ELOOP),
    ("fs/readFile", {"path": "$U/linkdir/a", **NOFOLLOW}, ENOTDIR),
    ("fs/readFile", {"path": "$U/dir", **NOFOLLOW}, NOT_REGULAR),
    ("fs/readFile", {"path": "$U/fifo", **NOFOLLOW}, NOT_REGULAR),
    ("fs/readFile", {"path": "file:///dev/null", **NOFOLLOW}, NOT_REGULAR),
    ("fs/readFile", {"path": "file:///", **NOFOLLOW}, NO_ENTRY),
    ("fs/readFile", {"path": "$U/missing", **NOFOLLOW}, ENOENT),
    ("fs/readFile", {"path": "$U/missing/x", **NOFOLLOW}, ENOENT),
    ("fs/readFile", {"path": "$U/f.txt/x", **NOFOLLOW}, ENOTDIR),
    ("fs/readFile", {"path": Nul("a@b"), **NOFOLLOW}, EINVAL),
    ("fs/readFile", {"path": Nul("a@b/c"), **NOFOLLOW}, EINVAL),
    ("fs/readFile", {"path": Nul("missing/a@b"), **NOFOLLOW}, ENOENT),
    ("fs/readFile", {"path": Nul("f.txt/a@b"), **NOFOLLOW}, ENOTDIR),
    # -- fs/getMetadata (results with times are checked in their own tests)
    ("fs/getMetadata", {"path": "$U/dangling"}, ENOENT),
    ("fs/getMetadata", {"path": "$U/loop1"}, ELOOP),
    ("fs/getMetadata", {"path": "$U/missing"}, ENOENT),
    ("fs/getMetadata", {"path": "$U/f.txt/x"}, ENOTDIR),
    ("fs/getMetadata", {"path": Nul("a@b")}, NUL_BYTE),
    ("fs/getMetadata", {"path": "$U/link", **NOFOLLOW}, SYMLINK),
    ("fs/getMetadata", {"path": "$U/dangling", **NOFOLLOW}, SYMLINK),
    ("fs/getMetadata", {"path": "$U/loop1", **NOFOLLOW}, SYMLINK),
    ("fs/getMetadata", {"path": "$U/linkdir/a", **NOFOLLOW}, ENOTDIR),
    ("fs/getMetadata", {"path": "$U/linkdir/missing", **NOFOLLOW}, ENOTDIR),
    ("fs/getMetadata", {"path": "$U/f.txt/x", **NOFOLLOW}, ENOTDIR),
    ("fs/getMetadata", {"path": "$U/missing", **NOFOLLOW}, ENOENT),
    ("fs/getMetadata", {"path": "$U/missing/x", **NOFOLLOW}, ENOENT),
    ("fs/getMetadata", {"path": Nul("a@b"), **NOFOLLOW}, EINVAL),
    # -- fs/readDirectory
    ("fs/readDirectory", {"path": "$U/e1"}, {"entries": []}),
    ("fs/readDirectory", {"path": "$U/f.txt"}, ENOTDIR),
    ("fs/readDirectory", {"path": "$U/fifo"}, ENOTDIR),
    ("fs/readDirectory", {"path": "$U/missing"}, ENOENT),
    ("fs/readDirectory", {"path": "$U/dangling"}, ENOENT),
    ("fs/readDirectory", {"path": "$U/loop1"}, ELOOP),
    ("fs/readDirectory", {"path": Nul("a@b")}, NUL_BYTE),
    ("fs/readDirectory", {"path": "file:///C:/x"}, FOREIGN_DRIVE),
    # -- fs/writeFile
    ("fs/writeFile", {"path": "$U/w", "dataBase64": "aGk="}, OK),
    ("fs/writeFile", {"path": "$U/w", "dataBase64": ""}, OK),
    (
        "fs/writeFile",
        {"path": "$U/w", "dataBase64": "aGk"},
        (-32600, "fs/writeFile requires valid base64 dataBase64: Invalid padding"),
    ),
    (
        "fs/writeFile",
        {"path": "$U/w", "dataBase64": "a=Gk"},
        (-32600, "fs/writeFile requires valid base64 dataBase64: Invalid symbol 61, offset 1."),
    ),
    (
        "fs/writeFile",
        {"path": "$U/w", "dataBase64": "aGl="},
        (
            -32600,
            "fs/writeFile requires valid base64 dataBase64: Invalid last symbol 108, offset 2.",
        ),
    ),
    (
        "fs/writeFile",
        {"path": "$U/w", "dataBase64": "aGk= "},
        (-32600, "fs/writeFile requires valid base64 dataBase64: Invalid symbol 32, offset 4."),
    ),
    # The data is decoded before the path is looked at.
    (
        "fs/writeFile",
        {"path": "file:///C:/x", "dataBase64": "a"},
        (-32600, "fs/writeFile requires valid base64 dataBase64: Invalid input length: 1"),
    ),
    ("fs/writeFile", {"path": "file:///C:/x", "dataBase64": "aGk="}, FOREIGN_DRIVE),
    ("fs/writeFile", {"path": "$U/nodir/w", "dataBase64": "aGk="}, ENOENT),
    ("fs/writeFile", {"path": "$U/dir", "dataBase64": "aGk="}, EISDIR),
    ("fs/writeFile", {"path": "$U/f.txt/x", "dataBase64": "aGk="}, ENOTDIR),
    ("fs/writeFile", {"path": "file:///", "dataBase64": "aGk="}, EISDIR),
    ("fs/writeFile", {"path": "file:///dev/null", "dataBase64": "aGk="}, OK),
    ("fs/writeFile", {"path": Nul("a@b"), "dataBase64": ""}, NUL_BYTE),
    ("fs/writeFile", {"path": "$U/dir/new", "dataBase64": "aGk=", **NOFOLLOW}, OK),
    ("fs/writeFile", {"path": "$U/link", "dataBase64": "aGk=", **NOFOLLOW}, ELOOP),
    ("fs/writeFile", {"path": "$U/dangling", "dataBase64": "aGk=", **NOFOLLOW}, ELOOP),
    ("fs/writeFile", {"path": "$U/linkdir/new", "dataBase64": "aGk=", **NOFOLLOW}, ENOTDIR),
    ("fs/writeFile", {"path": "$U/dir", "dataBase64": "aGk=", **NOFOLLOW}, EISDIR),
    ("fs/writeFile", {"path": "$U/nodir/w", "dataBase64": "aGk=", **NOFOLLOW}, ENOENT),
    (
        "fs/writeFile",
        {"path": "$U/fifo", "dataBase64": "aGk=", **NOFOLLOW},
        (-32603, "No such device or address (os error 6)"),
    ),
    ("fs/writeFile", {"path": "file:///", "dataBase64": "aGk=", **NOFOLLOW}, NO_ENTRY),
    ("fs/writeFile", {"path": "file:///dev/null", "dataBase64": "aGk=", **NOFOLLOW}, NOT_REGULAR),
    ("fs/writeFile", {"path": Nul("a@b"), "dataBase64": "", **NOFOLLOW}, EINVAL),
    # -- fs/createDirectory (recursive defaults to true)
    ("fs/createDirectory", {"path": "$U/c1/c2/c3"}, OK),
    ("fs/createDirectory", {"path": "$U/dir"}, OK),
    ("fs/createDirectory", {"path": "$U/dir", "recursive": False}, EEXIST),
    ("fs/createDirectory", {"path": "$U/c9", "recursive": False}, OK),
    ("fs/createDirectory", {"path": "$U/c9/c2", "recursive": False}, ENOENT),
    ("fs/createDirectory", {"path": "$U/f.txt"}, EEXIST),
    ("fs/createDirectory", {"path": "$U/f.txt", "recursive": False}, EEXIST),
    ("fs/createDirectory", {"path": "$U/f.txt/x"}, ENOTDIR),
    ("fs/createDirectory", {"path": "$U/f.txt/x/y"}, ENOTDIR),
    ("fs/createDirectory", {"path": "$U/f.txt/x", "recursive": False}, ENOTDIR),
    ("fs/createDirectory", {"path": "$U/linkdir"}, OK),
    ("fs/createDirectory", {"path": "$U/linkdir", "recursive": False}, EEXIST),
    ("fs/createDirectory", {"path": "$U/linkdir/nn"}, OK),
    ("fs/createDirectory", {"path": "$U/dangling"}, EEXIST),
    ("fs/createDirectory", {"path": "$U/dangling", "recursive": False}, EEXIST),
    ("fs/createDirectory", {"path": "$U/loop1"}, EEXIST),
    ("fs/createDirectory", {"path": "$U/loop1/x"}, ELOOP),
    ("fs/createDirectory", {"path": "file:///"}, OK),
    ("fs/createDirectory", {"path": "file:///", "recursive": False}, EEXIST),
    ("fs/createDirectory", {"path": Nul("a@b")}, NUL_BYTE),
    ("fs/createDirectory", {"path": "$U/n1/n2", **NOFOLLOW}, OK),
    ("fs/createDirectory", {"path": "$U/dir/sub", **NOFOLLOW}, OK),
    ("fs/createDirectory", {"path": "$U/dir", "recursive": False, **NOFOLLOW}, EEXIST),
    ("fs/createDirectory", {"path": "$U/n3/n4", "recursive": False, **NOFOLLOW}, ENOENT),
    ("fs/createDirectory", {"path": "$U/linkdir/nn2", **NOFOLLOW}, ENOTDIR),
    ("fs/createDirectory", {"path": "$U/linkdir/nn3", "recursive": False, **NOFOLLOW}, ENOTDIR),
    ("fs/createDirectory", {"path": "$U/linkdir", **NOFOLLOW}, ENOTDIR),
    ("fs/createDirectory", {"path": "$U/linkdir", "recursive": False, **NOFOLLOW}, EEXIST),
    ("fs/createDirectory", {"path": "$U/dangling", **NOFOLLOW}, ENOTDIR),
    ("fs/createDirectory", {"path": "$U/f.txt", **NOFOLLOW}, ENOTDIR),
    ("fs/createDirectory", {"path": "$U/f.txt/q", **NOFOLLOW}, ENOTDIR),
    ("fs/createDirectory", {"path": "file:///", **NOFOLLOW}, OK),
    (
        "fs/createDirectory",
        {"path": "file:///", "recursive": False, **NOFOLLOW},
        (-32603, "directory already exists"),
    ),
    ("fs/createDirectory", {"path": Nul("dir/a@b"), **NOFOLLOW}, EINVAL),
    ("fs/createDirectory", {"path": Nul("dir/a@b"), "recursive": False, **NOFOLLOW}, EINVAL),
    # -- fs/remove (recursive and force default to true)
    ("fs/remove", {"path": "$U/rm1"}, OK),
    ("fs/remove", {"path": "$U/missing"}, OK),
    ("fs/remove", {"path": "$U/missing", "force": False}, ENOENT),
    ("fs/remove", {"path": "$U/missing/x"}, OK),
    ("fs/remove", {"path": "$U/missing/x", "force": False}, ENOENT),
    ("fs/remove", {"path": "$U/f.txt/x"}, ENOTDIR),
    ("fs/remove", {"path": "$U/f.txt/x", "force": False}, ENOTDIR),
    ("fs/remove", {"path": "$U/loop1/x"}, ELOOP),
    ("fs/remove", {"path": "$U/rmld"}, OK),
    ("fs/remove", {"path": "$U/rmld2", "recursive": False}, OK),
    (
        "fs/remove",
        {"path": "$U/full", "recursive": False},
        (-32603, "Directory not empty (os error 39)"),
    ),
    ("fs/remove", {"path": "$U/full"}, OK),
    ("fs/remove", {"path": "$U/e1", "recursive": False}, OK),
    ("fs/remove", {"path": "$U/fifo", "recursive": False}, OK),
    ("fs/remove", {"path": "file:///C:/x"}, FOREIGN_DRIVE),
    ("fs/remove", {"path": Nul("a@b")}, NUL_BYTE),
    ("fs/remove", {"path": "file:///C:/x", **NOFOLLOW}, FOREIGN_DRIVE),
    (
        "fs/remove",
        {"path": "$U/e3", **NOFOLLOW},
        (-32603, "recursive no-follow removal is unsupported"),
    ),
    (
        "fs/remove",
        {"path": "$U/missing", "force": False, **NOFOLLOW},
        (-32603, "recursive no-follow removal is unsupported"),
    ),
    ("fs/remove", {"path": "$U/e2", "recursive": False, **NOFOLLOW}, OK),
    ("fs/remove", {"path": "$U/rm2", "recursive": False, **NOFOLLOW}, OK),
    ("fs/remove", {"path": "$U/missing", "recursive": False, **NOFOLLOW}, OK),
    ("fs/remove", {"path": "$U/missing", "recursive": False, "force": False, **NOFOLLOW}, ENOENT),
    ("fs/remove", {"path": "$U/missing/x", "recursive": False, **NOFOLLOW}, OK),
    ("fs/remove", {"path": "$U/missing/x", "recursive": False, "force": False, **NOFOLLOW}, ENOENT),
    ("fs/remove", {"path": "$U/f.txt/x", "recursive": False, **NOFOLLOW}, ENOTDIR),
    ("fs/remove", {"path": "$U/link", "recursive": False, **NOFOLLOW}, SYMLINK),
    ("fs/remove", {"path": "$U/linkdir/a", "recursive": False, **NOFOLLOW}, ENOTDIR),
    (
        "fs/remove",
        {"path": "$U/dir", "recursive": False, **NOFOLLOW},
        (-32603, "Directory not empty (os error 39)"),
    ),
    ("fs/remove", {"path": "file:///", "recursive": False, **NOFOLLOW}, NO_ENTRY),
    ("fs/remove", {"path": Nul("dir/a@b"), "recursive": False, **NOFOLLOW}, EINVAL),
    # -- fs/copy (recursive is required)
    ("fs/copy", {"sourcePath": "$U/f.txt", "destinationPath": "$U/cf", "recursive": False}, OK),
    ("fs/copy", {"sourcePath": "$U/f.txt", "destinationPath": "$U/cf", "recursive": True}, OK),
    ("fs/copy", {"sourcePath": "$U/f.txt", "destinationPath": "$U/rm1", "recursive": False}, OK),
    (
        "fs/copy",
        {"sourcePath": "$U/f.txt", "destinationPath": "$U/dir", "recursive": False},
        EISDIR,
    ),
    (
        "fs/copy",
        {"sourcePath": "$U/f.txt", "destinationPath": "$U/nodir/x", "recursive": False},
        ENOENT,
    ),
    (
        "fs/copy",
        {"sourcePath": "$U/f.txt", "destinationPath": "$U/f.txt/x", "recursive": False},
        ENOTDIR,
    ),
    (
        "fs/copy",
        {"sourcePath": "$U/f.txt", "destinationPath": "$U/loop1", "recursive": False},
        ELOOP,
    ),
    (
        "fs/copy",
        {"sourcePath": "$U/missing", "destinationPath": "$U/c", "recursive": False},
        ENOENT,
    ),
    ("fs/copy", {"sourcePath": "$U/missing", "destinationPath": "$U/c", "recursive": True}, ENOENT),
    (
        "fs/copy",
        {"sourcePath": "$U/tree", "destinationPath": "$U/cd", "recursive": False},
        (-32600, "fs/copy requires recursive: true when sourcePath is a directory"),
    ),
    ("fs/copy", {"sourcePath": "$U/tree", "destinationPath": "$U/cd", "recursive": True}, OK),
    ("fs/copy", {"sourcePath": "$U/tree", "destinationPath": "$U/c1/c2/c3", "recursive": True}, OK),
    ("fs/copy", {"sourcePath": "$U/tree", "destinationPath": "$U/existing", "recursive": True}, OK),
    (
        "fs/copy",
        {"sourcePath": "$U/tree/inner", "destinationPath": "$U/tree", "recursive": True},
        OK,
    ),
    (
        "fs/copy",
        {"sourcePath": "$U/tree", "destinationPath": "$U/tree", "recursive": True},
        (-32600, "fs/copy cannot copy a directory to itself or one of its descendants"),
    ),
    (
        "fs/copy",
        {"sourcePath": "$U/tree", "destinationPath": "$U/tree/inner/deeper", "recursive": True},
        (-32600, "fs/copy cannot copy a directory to itself or one of its descendants"),
    ),
    (
        "fs/copy",
        {"sourcePath": "$U/tree", "destinationPath": "$U/tree/new/deeper", "recursive": True},
        (-32600, "fs/copy cannot copy a directory to itself or one of its descendants"),
    ),
    (
        "fs/copy",
        {"sourcePath": "$U/dir", "destinationPath": "$U/linkdir/new", "recursive": True},
        (-32600, "fs/copy cannot copy a directory to itself or one of its descendants"),
    ),
    (
        "fs/copy",
        {"sourcePath": "file:///", "destinationPath": "$U/rootcopy", "recursive": True},
        (-32600, "fs/copy cannot copy a directory to itself or one of its descendants"),
    ),
    ("fs/copy", {"sourcePath": "$U/dir", "destinationPath": "$U/f.txt", "recursive": True}, EEXIST),
    (
        "fs/copy",
        {"sourcePath": "$U/dir", "destinationPath": "$U/f.txt/sub", "recursive": True},
        ENOTDIR,
    ),
    (
        "fs/copy",
        {"sourcePath": "$U/dir", "destinationPath": "$U/dangling", "recursive": True},
        EEXIST,
    ),
    (
        "fs/copy",
        {"sourcePath": "$U/dir", "destinationPath": "$U/loop1/x", "recursive": True},
        ELOOP,
    ),
    ("fs/copy", {"sourcePath": "$U/link", "destinationPath": "$U/cl", "recursive": False}, OK),
    ("fs/copy", {"sourcePath": "$U/link", "destinationPath": "$U/rm1", "recursive": False}, EEXIST),
    ("fs/copy", {"sourcePath": "$U/dangling", "destinationPath": "$U/cl", "recursive": False}, OK),
    ("fs/copy", {"sourcePath": "$U/linkdir", "destinationPath": "$U/cl", "recursive": False}, OK),
    (
        "fs/copy",
        {"sourcePath": "$U/fifo", "destinationPath": "$U/cf", "recursive": False},
        (-32600, "fs/copy only supports regular files, directories, and symlinks"),
    ),
    (
        "fs/copy",
        {"sourcePath": "$U/fifo", "destinationPath": "$U/cf", "recursive": True},
        (-32600, "fs/copy only supports regular files, directories, and symlinks"),
    ),
    (
        "fs/copy",
        {"sourcePath": "file:///dev/null", "destinationPath": "$U/cf", "recursive": True},
        (-32600, "fs/copy only supports regular files, directories, and symlinks"),
    ),
    # Both paths are converted before any I/O.
    (
        "fs/copy",
        {"sourcePath": "file:///C:/x", "destinationPath": "file://h/y", "recursive": False},
        FOREIGN_DRIVE,
    ),
    (
        "fs/copy",
        {"sourcePath": "$U/missing", "destinationPath": "file://h/y", "recursive": False},
        (-32600, "'file://h/y' is invalid on 'linux'"),
    ),
    (
        "fs/copy",
        {"sourcePath": Nul("a@b"), "destinationPath": "$U/c", "recursive": False},
        NUL_BYTE,
    ),
    (
        "fs/copy",
        {"sourcePath": "$U/f.txt", "destinationPath": Nul("a@b"), "recursive": False},
        NUL_BYTE,
    ),
]


@pytest.mark.parametrize(
    ("method", "params", "result"),
    OBSERVED,
    ids=[f"{i}-{case[0]}" for i, case in enumerate(OBSERVED)],
)
async def test_observed_behaviour(
    fs: FileSystem, root: Path, method: str, params: dict[str, Any], result: Any
) -> None:
    assert await call(fs, root, method, params) == expected(result, root)


# Observed as root only (permission checks of /proc and /sys).
OBSERVED_AS_ROOT: list[tuple[str, dict[str, Any], Any]] = [
    (
        "fs/writeFile",
        {"path": "file:///proc/version", "dataBase64": "aGk="},
        (-32603, "I/O error (os error 5)"),
    ),
    (
        "fs/writeFile",
        {"path": "file:///sys/kernel/x", "dataBase64": "aGk="},
        (-32600, "Permission denied (os error 13)"),
    ),
    ("fs/writeFile", {"path": "file:///proc/nope", "dataBase64": "aGk="}, ENOENT),
    ("fs/createDirectory", {"path": "file:///proc/zz"}, ENOENT),
    (
        "fs/createDirectory",
        {"path": "file:///sys/zz"},
        (-32600, "Operation not permitted (os error 1)"),
    ),
    (
        "fs/createDirectory",
        {"path": "file:///sys/zz/yy"},
        (-32600, "Operation not permitted (os error 1)"),
    ),
    (
        "fs/remove",
        {"path": "file:///proc/version"},
        (-32600, "Operation not permitted (os error 1)"),
    ),
    ("fs/remove", {"path": "file:///sys/kernel/notthere", "force": False}, ENOENT),
    (
        "fs/copy",
        {"sourcePath": "$U/f.txt", "destinationPath": "file:///sys/kernel/zz", "recursive": False},
        (-32600, "Permission denied (os error 13)"),
    ),
    (
        "fs/copy",
        {"sourcePath": "$U/tree", "destinationPath": "file:///sys/kernel/zz", "recursive": True},
        (-32600, "Operation not permitted (os error 1)"),
    ),
]


@pytest.mark.skipif(not IS_ROOT or not os.path.isdir("/sys/kernel"), reason="observed as root")
@pytest.mark.parametrize(
    ("method", "params", "result"),
    OBSERVED_AS_ROOT,
    ids=[f"{i}-{case[0]}" for i, case in enumerate(OBSERVED_AS_ROOT)],
)
async def test_observed_behaviour_as_root(
    fs: FileSystem, root: Path, method: str, params: dict[str, Any], result: Any
) -> None:
    assert await call(fs, root, method, params) == expected(result, root)


# ----------------------------------------------------------------------- fs/readFile


async def test_read_file_limit(fs: FileSystem, root: Path) -> None:
    big = root / "big"
    with open(big, "wb") as handle:
        handle.truncate(512 * 1024 * 1024 + 1)  # sparse
    too_large = (-32600, "file is too large to read: limit is 536870912 bytes")
    assert await call(fs, root, "fs/readFile", {"path": "$U/big"}) == too_large
    assert await call(fs, root, "fs/readFile", {"path": "$U/big", **NOFOLLOW}) == too_large
    small = FileSystem(max_read_bytes=3)
    assert await call(small, root, "fs/readFile", {"path": "$U/f.txt"}) == (
        -32600,
        "file is too large to read: limit is 3 bytes",
    )
    assert await call(small, root, "fs/readFile", {"path": "$U/empty"}) == {"dataBase64": ""}


async def test_read_file_exactly_at_limit(root: Path) -> None:
    five = FileSystem(max_read_bytes=5)
    assert await call(five, root, "fs/readFile", {"path": "$U/f.txt"}) == {"dataBase64": "aGVsbG8="}


async def test_read_file_of_file_that_reports_size_zero(fs: FileSystem, root: Path) -> None:
    # procfs files stat as 0 bytes but have content; the reference reads them to EOF.
    result = await call(fs, root, "fs/readFile", {"path": "file:///proc/self/status"})
    assert base64_strict.decode(result["dataBase64"]).startswith(b"Name:")
    # The limit also holds for content that stat did not announce.
    tiny = FileSystem(max_read_bytes=10)
    assert await call(tiny, root, "fs/readFile", {"path": "file:///proc/self/status"}) == (
        -32600,
        "file is too large to read: limit is 10 bytes",
    )


async def test_read_file_large_round_trip(fs: FileSystem, root: Path) -> None:
    data = random.Random(7).randbytes(3 * 1024 * 1024 + 5)
    (root / "large").write_bytes(data)
    result = await call(fs, root, "fs/readFile", {"path": "$U/large"})
    assert base64_strict.decode(result["dataBase64"]) == data
    await call(fs, root, "fs/writeFile", {"path": "$U/large2", "dataBase64": result["dataBase64"]})
    assert (root / "large2").read_bytes() == data


# ---------------------------------------------------------------------- fs/writeFile


async def test_write_file_creates_and_truncates(fs: FileSystem, root: Path) -> None:
    assert await call(fs, root, "fs/writeFile", {"path": "$U/f.txt", "dataBase64": "aGk="}) == OK
    assert (root / "f.txt").read_bytes() == b"hi"
    assert stat.S_IMODE((root / "f.txt").stat().st_mode) == 0o600  # mode of an existing file kept
    await call(fs, root, "fs/writeFile", {"path": "$U/f.txt", "dataBase64": "aGk=", **NOFOLLOW})
    assert (root / "f.txt").read_bytes() == b"hi"
    await call(fs, root, "fs/writeFile", {"path": "$U/new", "dataBase64": ""})
    assert (root / "new").read_bytes() == b""


async def test_write_file_follows_symlinks_by_default(fs: FileSystem, root: Path) -> None:
    await call(fs, root, "fs/writeFile", {"path": "$U/link", "dataBase64": "aGk="})
    assert (root / "f.txt").read_bytes() == b"hi"
    assert (root / "link").is_symlink()
    # A dangling link creates its target.
    await call(fs, root, "fs/writeFile", {"path": "$U/dangling", "dataBase64": "ZGFuZw=="})
    assert (root / "nothing").read_bytes() == b"dang"
    # Through a symlinked directory.
    await call(fs, root, "fs/writeFile", {"path": "$U/linkdir/new", "dataBase64": "aGk="})
    assert (root / "dir" / "new").read_bytes() == b"hi"


async def test_write_file_through_hard_link_updates_shared_inode(
    fs: FileSystem, root: Path
) -> None:
    os.link(root / "f.txt", root / "hard")
    await call(fs, root, "fs/writeFile", {"path": "$U/hard", "dataBase64": "aGk="})
    assert (root / "f.txt").read_bytes() == b"hi"


async def test_write_file_nofollow_failures_leave_data_untouched(
    fs: FileSystem, root: Path
) -> None:
    await call(fs, root, "fs/writeFile", {"path": "$U/link", "dataBase64": "aGk=", **NOFOLLOW})
    assert (root / "f.txt").read_bytes() == b"hello"
    assert not (root / "nothing").exists()
    await call(fs, root, "fs/writeFile", {"path": "$U/dangling", "dataBase64": "aGk=", **NOFOLLOW})
    assert not (root / "nothing").exists()


# ------------------------------------------------------------------ fs/createDirectory


async def test_create_directory_nofollow_creates_every_level(fs: FileSystem, root: Path) -> None:
    assert await call(fs, root, "fs/createDirectory", {"path": "$U/n1/n2/n3", **NOFOLLOW}) == OK
    assert (root / "n1" / "n2" / "n3").is_dir()
    assert await call(fs, root, "fs/createDirectory", {"path": "$U/n1/n2/n3", **NOFOLLOW}) == OK


async def test_create_directory_through_symlink(fs: FileSystem, root: Path) -> None:
    assert await call(fs, root, "fs/createDirectory", {"path": "$U/linkdir/x/y"}) == OK
    assert (root / "dir" / "x" / "y").is_dir()


# ---------------------------------------------------------------------- fs/getMetadata


def _ms(ns: int) -> int:
    return ns // 1_000_000


async def test_get_metadata_default_path(fs: FileSystem, root: Path) -> None:
    info = (root / "f.txt").stat()
    assert await call(fs, root, "fs/getMetadata", {"path": "$U/f.txt"}) == {
        "isDirectory": False,
        "isFile": True,
        "isSymlink": False,
        "size": 5,
        "createdAtMs": 0,  # the reference never reports a birth time on this path
        "modifiedAtMs": _ms(info.st_mtime_ns),
    }
    # A symlink: flags, size and time of the target, isSymlink from lstat.
    assert await call(fs, root, "fs/getMetadata", {"path": "$U/link"}) == {
        "isDirectory": False,
        "isFile": True,
        "isSymlink": True,
        "size": 5,
        "createdAtMs": 0,
        "modifiedAtMs": _ms(info.st_mtime_ns),
    }
    linkdir = await call(fs, root, "fs/getMetadata", {"path": "$U/linkdir"})
    assert (linkdir["isDirectory"], linkdir["isFile"], linkdir["isSymlink"]) == (True, False, True)
    fifo = await call(fs, root, "fs/getMetadata", {"path": "$U/fifo"})
    assert (fifo["isDirectory"], fifo["isFile"], fifo["isSymlink"], fifo["size"]) == (
        False,
        False,
        False,
        0,
    )
    # Before the epoch the default path reports 0.
    old = await call(fs, root, "fs/getMetadata", {"path": "$U/old"})
    assert old["modifiedAtMs"] == 0


async def test_get_metadata_nofollow(fs: FileSystem, root: Path) -> None:
    info = (root / "f.txt").stat()
    result = await call(fs, root, "fs/getMetadata", {"path": "$U/f.txt", **NOFOLLOW})
    created = result.pop("createdAtMs")
    assert result == {
        "isDirectory": False,
        "isFile": True,
        "isSymlink": False,
        "size": 5,
        "modifiedAtMs": _ms(info.st_mtime_ns),
    }
    # A real birth time here (statx), where the filesystem records one.
    assert created == 0 or abs(created - time.time() * 1000) < 3_600_000
    directory = await call(fs, root, "fs/getMetadata", {"path": "$U/dir", **NOFOLLOW})
    assert (directory["isDirectory"], directory["isFile"]) == (True, False)
    # Times keep their sign on this path: 1960-01-01 00:00:00.5.
    old = await call(fs, root, "fs/getMetadata", {"path": "$U/old", **NOFOLLOW})
    assert old["modifiedAtMs"] == -315_619_199_500
    slash = await call(fs, root, "fs/getMetadata", {"path": "file:///", **NOFOLLOW})
    assert (slash["isDirectory"], slash["isSymlink"]) == (True, False)


# -------------------------------------------------------------------- fs/readDirectory


async def test_read_directory(fs: FileSystem, root: Path) -> None:
    result = await call(fs, root, "fs/readDirectory", {"path": "$U"})
    entries = {
        entry["fileName"]: (entry["isDirectory"], entry["isFile"]) for entry in result["entries"]
    }
    assert len(entries) == len(result["entries"])
    assert entries == {
        "f.txt": (False, True),
        "empty": (False, True),
        "dir": (True, False),
        "link": (False, True),  # flags follow symlinks
        "linkdir": (True, False),
        # dangling, loop1 and loop2 are left out: their targets cannot be read
        "fifo": (False, False),
        "a b%c.txt": (False, True),
        "bad\ufffd\ufffdname": (False, True),  # lossy UTF-8
        "tree": (True, False),
        "existing": (True, False),
        "full": (True, False),
        "e1": (True, False),
        "e2": (True, False),
        "e3": (True, False),
        "rm1": (False, True),
        "rm2": (False, True),
        "rmld": (True, False),
        "rmld2": (True, False),
        "old": (False, True),
    }
    # In directory (getdents) order, like the reference.
    assert [entry["fileName"] for entry in result["entries"]] == [
        os.fsdecode(name).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        for name in os.listdir(bytes(root))
        if name not in (b"dangling", b"loop1", b"loop2")
    ]


async def test_read_directory_through_symlink(fs: FileSystem, root: Path) -> None:
    result = await call(fs, root, "fs/readDirectory", {"path": "$U/linkdir"})
    assert sorted((e["fileName"], e["isDirectory"], e["isFile"]) for e in result["entries"]) == [
        ("a", False, True),
        ("sub", True, False),
    ]


# ------------------------------------------------------------------------- fs/remove


async def test_remove_recursive_does_not_follow_symlinks(fs: FileSystem, root: Path) -> None:
    outside = root.parent / "outside"
    assert await call(fs, root, "fs/remove", {"path": "$U/full"}) == OK
    assert not os.path.lexists(root / "full")
    assert (outside / "keep").exists()
    # A symlink to a directory is unlinked, its target kept.
    assert await call(fs, root, "fs/remove", {"path": "$U/rmld"}) == OK
    assert not os.path.lexists(root / "rmld")
    assert (root / "dir" / "a").exists()
    assert await call(fs, root, "fs/remove", {"path": "$U/rmld2", "recursive": False}) == OK
    assert (root / "dir" / "a").exists()


async def test_remove_deep_tree(fs: FileSystem, root: Path) -> None:
    deep = root / "deep"
    deep.mkdir()
    current = os.open(deep, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(1200):  # deeper than Python's recursion limit
            os.mkdir("d", dir_fd=current)
            child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=current)
            os.close(current)
            current = child
        os.symlink(root.parent / "outside", "out", dir_fd=current)
        with open(os.open("f", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=current), "wb") as handle:
            handle.write(b"x")
    finally:
        os.close(current)
    assert await call(fs, root, "fs/remove", {"path": "$U/deep"}) == OK
    assert not os.path.lexists(deep)
    assert (root.parent / "outside" / "keep").exists()


async def test_remove_nofollow_removes_files_and_empty_dirs(fs: FileSystem, root: Path) -> None:
    base = {"recursive": False, **NOFOLLOW}
    assert await call(fs, root, "fs/remove", {"path": "$U/rm2", **base}) == OK
    assert await call(fs, root, "fs/remove", {"path": "$U/e2", **base}) == OK
    assert await call(fs, root, "fs/remove", {"path": "$U/fifo", **base}) == OK
    assert not any(os.path.lexists(root / name) for name in ("rm2", "e2", "fifo"))
    assert await call(fs, root, "fs/remove", {"path": "$U/link", **base}) == SYMLINK
    assert (root / "link").is_symlink()


# --------------------------------------------------------------------------- fs/copy


def _snapshot(directory: Path) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for name in sorted(os.listdir(directory)):
        path = directory / name
        if path.is_symlink():
            tree[name] = ("link", os.readlink(path))
        elif path.is_dir():
            tree[name] = _snapshot(path)
        elif path.is_file():
            tree[name] = path.read_bytes()
        else:
            tree[name] = "other"
    return tree


TREE_COPY = {
    "emptysub": {},
    "inner": {"two": b"two"},
    "ldang": ("link", "missing"),
    "lone": ("link", "one"),
    "lout": ("link", "<outside>"),
    "one": b"one",
    # the FIFO `pipe` is skipped
}


def _tree_copy(root: Path) -> dict[str, Any]:
    copy = dict(TREE_COPY)
    copy["lout"] = ("link", str(root.parent / "outside"))
    return copy


async def test_copy_file(fs: FileSystem, root: Path) -> None:
    params = {"sourcePath": "$U/f.txt", "destinationPath": "$U/cf", "recursive": False}
    assert await call(fs, root, "fs/copy", params) == OK
    assert (root / "cf").read_bytes() == b"hello"
    assert stat.S_IMODE((root / "cf").stat().st_mode) == 0o600  # the source's mode
    # Overwrites an existing file, and sets the mode.
    params["destinationPath"] = "$U/rm1"
    assert await call(fs, root, "fs/copy", params) == OK
    assert (root / "rm1").read_bytes() == b"hello"
    assert stat.S_IMODE((root / "rm1").stat().st_mode) == 0o600
    # An empty file.
    params = {"sourcePath": "$U/empty", "destinationPath": "$U/rm2", "recursive": False}
    assert await call(fs, root, "fs/copy", params) == OK
    assert (root / "rm2").read_bytes() == b""
    # Onto a dangling symlink: its target is created.
    params = {"sourcePath": "$U/f.txt", "destinationPath": "$U/dangling", "recursive": False}
    assert await call(fs, root, "fs/copy", params) == OK
    assert (root / "nothing").read_bytes() == b"hello"


async def test_copy_file_from_procfs(fs: FileSystem, root: Path) -> None:
    # copy_file_range copies nothing from procfs; the fallback must still copy the content.
    params = {
        "sourcePath": "file:///proc/self/status",
        "destinationPath": "$U/status",
        "recursive": False,
    }
    assert await call(fs, root, "fs/copy", params) == OK
    assert (root / "status").read_bytes().startswith(b"Name:")


@pytest.mark.parametrize("destination", ["$U/f.txt", "$U/link", "$U/hard"])
async def test_copy_file_onto_itself_keeps_it(fs: FileSystem, root: Path, destination: str) -> None:
    # The reference truncates the file to 0 bytes here (and returns {}); we leave it intact.
    os.link(root / "f.txt", root / "hard")
    params = {"sourcePath": "$U/f.txt", "destinationPath": destination, "recursive": False}
    assert await call(fs, root, "fs/copy", params) == OK
    assert (root / "f.txt").read_bytes() == b"hello"


async def test_copy_symlinks_are_recreated(fs: FileSystem, root: Path) -> None:
    for source, target in (("link", "f.txt"), ("linkdir", "dir"), ("dangling", "nothing")):
        params = {
            "sourcePath": f"$U/{source}",
            "destinationPath": f"$U/c-{source}",
            "recursive": False,
        }
        assert await call(fs, root, "fs/copy", params) == OK
        assert os.readlink(root / f"c-{source}") == target
    # `recursive` does not matter for a symlink source: no tree is copied.
    params = {"sourcePath": "$U/linkdir", "destinationPath": "$U/dir/lcopy", "recursive": True}
    assert await call(fs, root, "fs/copy", params) == OK
    assert os.readlink(root / "dir" / "lcopy") == "dir"


async def test_copy_directory_tree(fs: FileSystem, root: Path) -> None:
    params = {"sourcePath": "$U/tree", "destinationPath": "$U/c1/c2/c3", "recursive": True}
    assert await call(fs, root, "fs/copy", params) == OK
    assert _snapshot(root / "c1" / "c2" / "c3") == _tree_copy(root)


async def test_copy_directory_merges_into_existing(fs: FileSystem, root: Path) -> None:
    params = {"sourcePath": "$U/tree", "destinationPath": "$U/existing", "recursive": True}
    assert await call(fs, root, "fs/copy", params) == OK
    assert _snapshot(root / "existing") == {**_tree_copy(root), "keepme": b"keep"}
    # Again: the symlinks exist now, and symlink() does not overwrite.
    assert await call(fs, root, "fs/copy", params) == EEXIST


async def test_copy_directory_without_symlinks_twice(fs: FileSystem, root: Path) -> None:
    params = {"sourcePath": "$U/dir", "destinationPath": "$U/cd", "recursive": True}
    assert await call(fs, root, "fs/copy", params) == OK
    (root / "cd" / "a").write_bytes(b"changed")
    assert await call(fs, root, "fs/copy", params) == OK
    assert _snapshot(root / "cd") == {"a": b"x", "sub": {}}


async def test_copy_directory_into_its_parent(fs: FileSystem, root: Path) -> None:
    params = {"sourcePath": "$U/tree/inner", "destinationPath": "$U/tree", "recursive": True}
    assert await call(fs, root, "fs/copy", params) == OK
    assert (root / "tree" / "two").read_bytes() == b"two"


# ------------------------------------------------------------------------ machinery


class CountingExecutor(ThreadPoolExecutor):
    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.submitted = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


async def test_each_call_is_one_executor_hop(root: Path) -> None:
    executor = CountingExecutor()
    fs = FileSystem(executor)
    try:
        calls: list[tuple[str, dict[str, Any]]] = [
            ("fs/readFile", {"path": "$U/f.txt"}),
            ("fs/writeFile", {"path": "$U/w", "dataBase64": "aGk="}),
            ("fs/createDirectory", {"path": "$U/x/y"}),
            ("fs/getMetadata", {"path": "$U/f.txt"}),
            ("fs/readDirectory", {"path": "$U/dir"}),
            ("fs/remove", {"path": "$U/x"}),
            ("fs/copy", {"sourcePath": "$U/tree", "destinationPath": "$U/cp", "recursive": True}),
            ("fs/readFile", {"path": "$U/missing"}),
        ]
        for count, (method, params) in enumerate(calls, start=1):
            await call(fs, root, method, params)
            assert executor.submitted == count
    finally:
        executor.shutdown()


def test_os_errors_use_musl_texts() -> None:
    assert (
        io_error(OSError(errno.ELOOP, "x")).message
        == "Symbolic link loop (os error 40)"
    )
    assert io_error(OSError(errno.EBUSY, "x")).message == "Resource busy (os error 16)"
    assert (
        io_error(OSError(errno.EXDEV, "x")).message == "Cross-device link (os error 18)"
    )
    assert (
        io_error(OSError(errno.EACCES, "x")).code,
        io_error(OSError(errno.EACCES, "x")).message,
    ) == (-32600, "Permission denied (os error 13)")
    assert io_error(FileNotFoundError(errno.ENOENT, "x")).code == -32004
    assert io_error(OSError(errno.EROFS, "x")).code == -32603

"""The open files of one connection (`fs/open`, `fs/readBlock`, `fs/writeBlock`, `fs/close`).

Limits, codes and texts as codex 0.169.0: handle ids of at most 32 bytes, at most 128 open
handles per connection, blocks of 1 byte to 1 MiB; a failed read closes its handle, a
failed write does not, and closing an unknown handle is fine.

One deliberate difference: `replace` does not truncate the file when it is opened. The
blocks go to a new file beside it, which takes the file's place (`rename`) when the handle
is closed, keeping the old file's permissions: a reader never sees a half-written file, and
a connection that ends without `fs/close` leaves the old content as it was. A dangling
symlink is not followed to create its target (the reference does): the path must name a
directory entry that exists, or none.

System calls run in `executor` (a thread pool), one per block.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final, Literal, TypeVar

from .errors import INVALID_REQUEST, NOT_FOUND, RpcError
from .fs_ops import guarded

__all__ = ["MAX_BLOCK_BYTES", "MAX_HANDLE_ID_BYTES", "MAX_OPEN_HANDLES", "FileHandles"]

MAX_HANDLE_ID_BYTES: Final = 32
MAX_OPEN_HANDLES: Final = 128
MAX_BLOCK_BYTES: Final = 1 << 20

_T = TypeVar("_T")


@dataclass(slots=True)
class _Handle:
    fd: int
    mode: Literal["read", "replace"]
    target: bytes = b""
    """For `replace`: the path the new content takes at close."""
    partial: bytes = b""
    """For `replace`: where the new content is written meanwhile."""


def _display(path: bytes) -> str:
    return path.decode("utf-8", "replace")


def _open_for_reading(path: bytes) -> int:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise RpcError(INVALID_REQUEST, f"path `{_display(path)}` is not a file")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_for_replacing(path: bytes) -> tuple[int, bytes, bytes]:
    try:
        target = os.path.realpath(path, strict=True)
        mode = stat.S_IMODE(os.stat(target).st_mode)
        if stat.S_ISDIR(os.stat(target).st_mode):
            raise IsADirectoryError(21, os.strerror(21))
    except FileNotFoundError:
        if os.path.islink(path):
            raise  # dangling: not followed
        target, mode = os.path.abspath(path), 0o666 & ~_umask()
    directory, name = os.path.split(target)
    fd, partial = tempfile.mkstemp(prefix=b"." + name + b".", suffix=b".execwire", dir=directory)
    os.fchmod(fd, mode)
    return fd, target, os.fsencode(partial)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _read_block(fd: int, offset: int, length: int) -> bytes:
    return os.pread(fd, length, offset)


def _write_block(fd: int, offset: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def _finish(handle: _Handle) -> None:
    try:
        if handle.mode == "replace":
            os.replace(handle.partial, handle.target)
    finally:
        os.close(handle.fd)


def _abandon(handle: _Handle) -> None:
    os.close(handle.fd)
    if handle.mode == "replace":
        with contextlib.suppress(OSError):
            os.unlink(handle.partial)


class FileHandles:
    """The handles of one connection; `close_all` when it ends."""

    def __init__(self, executor: ThreadPoolExecutor | None = None) -> None:
        self._executor = executor
        self._handles: dict[str, _Handle] = {}
        self._reserved: set[str] = set()

    async def _run(self, function: Callable[..., _T], *args: object) -> _T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, guarded, function, *args)

    async def open(self, handle_id: str, path: bytes, mode: Literal["read", "replace"]) -> None:
        """Open `path` under `handle_id`; raises the reference's errors."""
        if len(handle_id.encode()) > MAX_HANDLE_ID_BYTES:
            raise RpcError(
                INVALID_REQUEST, f"file handle ID must not exceed {MAX_HANDLE_ID_BYTES} bytes"
            )
        if handle_id in self._handles or handle_id in self._reserved:
            raise RpcError(INVALID_REQUEST, f"file handle `{handle_id}` already exists")
        if len(self._handles) + len(self._reserved) >= MAX_OPEN_HANDLES:
            raise RpcError(
                INVALID_REQUEST,
                f"at most {MAX_OPEN_HANDLES} file handles may be open per connection",
            )
        self._reserved.add(handle_id)  # requests may run concurrently: one open per id
        try:
            if mode == "read":
                handle = _Handle(await self._run(_open_for_reading, path), "read")
            else:
                fd, target, partial = await self._run(_open_for_replacing, path)
                handle = _Handle(fd, "replace", target, partial)
        finally:
            self._reserved.discard(handle_id)
        self._handles[handle_id] = handle

    def _get(self, handle_id: str) -> _Handle:
        handle = self._handles.get(handle_id)
        if handle is None:
            raise RpcError(NOT_FOUND, f"unknown file handle `{handle_id}`")
        return handle

    async def read_block(self, handle_id: str, offset: int, length: int) -> tuple[bytes, bool]:
        """Up to `length` bytes at `offset`, and whether fewer came (end of file)."""
        if not 1 <= length <= MAX_BLOCK_BYTES:
            raise RpcError(
                INVALID_REQUEST, f"file read block length must be between 1 and {MAX_BLOCK_BYTES}"
            )
        handle = self._get(handle_id)
        try:
            if handle.mode != "read":
                await self._run(_raise_bad_descriptor)  # EBADF: opened for writing
            data = await self._run(_read_block, handle.fd, offset, length)
        except BaseException:
            # As the reference, a failed read ends the handle.
            if self._handles.get(handle_id) is handle:
                del self._handles[handle_id]
                await self._run(_abandon, handle)
            raise
        return data, len(data) < length

    async def write_block(self, handle_id: str, offset: int, data: bytes) -> None:
        """Write `data` at `offset` through a replace handle (a failure leaves it open)."""
        if not 1 <= len(data) <= MAX_BLOCK_BYTES:
            raise RpcError(
                INVALID_REQUEST, f"file write block length must be between 1 and {MAX_BLOCK_BYTES}"
            )
        handle = self._get(handle_id)
        if handle.mode != "replace":
            await self._run(_raise_bad_descriptor)
        await self._run(_write_block, handle.fd, offset, data)

    async def close(self, handle_id: str) -> None:
        """Close a handle (unknown ids are fine); a replace handle's file takes its place."""
        handle = self._handles.pop(handle_id, None)
        if handle is not None:
            await self._run(_finish, handle)

    def close_all(self) -> None:
        """The connection ended: close everything, and replace nothing."""
        handles, self._handles = self._handles, {}
        for handle in handles.values():
            with contextlib.suppress(OSError):
                _abandon(handle)


def _raise_bad_descriptor() -> None:
    raise OSError(9, os.strerror(9))

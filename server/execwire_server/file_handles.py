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

Blocks are read and written in `executor` (a thread pool). Opening and the final rename go
through an `Operation` runner: directly, or inside the sandbox of the request's restricted
intent, which opens the file and hands its descriptor back (`sandboxedFileStreaming`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar

from .errors import INVALID_REQUEST, NOT_FOUND, RpcError
from .fs_ops import guarded

__all__ = [
    "MAX_BLOCK_BYTES",
    "MAX_HANDLE_ID_BYTES",
    "MAX_OPEN_HANDLES",
    "FileHandles",
    "Operation",
]

Operation = Callable[..., Awaitable[Any]]
"""Runs the `fs_ops` function named by its first argument on the rest (`FileSystem.operation`
bound to a request's sandbox policy, or None for none)."""

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
    operation: Operation | None = None
    """For `replace`: how the rename at close runs (in the sandbox that opened it)."""


def _read_block(fd: int, offset: int, length: int) -> bytes:
    return os.pread(fd, length, offset)


def _write_block(fd: int, offset: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


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

    async def open(
        self,
        handle_id: str,
        path: bytes,
        mode: Literal["read", "replace"],
        operation: Operation,
    ) -> None:
        """Open `path` under `handle_id` through `operation`; raises the reference's errors."""
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
            opened: tuple[int, bytes, bytes] = await operation("open_handle", path, mode)
        finally:
            self._reserved.discard(handle_id)
        fd, target, partial = opened
        self._handles[handle_id] = _Handle(fd, mode, target, partial, operation)

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
        if handle is None:
            return
        try:
            if handle.mode == "replace" and handle.operation is not None:
                await handle.operation("finish_replace", handle.partial, handle.target)
        finally:
            os.close(handle.fd)

    def close_all(self) -> None:
        """The connection ended: close everything, and replace nothing."""
        handles, self._handles = self._handles, {}
        for handle in handles.values():
            with contextlib.suppress(OSError):
                _abandon(handle)


def _raise_bad_descriptor() -> None:
    raise OSError(9, os.strerror(9))

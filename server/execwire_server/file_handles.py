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

The execwire extensions (`file_transfer`): from a handle's first `digest` on, it keeps a
SHA-256 of its content's prefix, fed by the blocks read or written at the next expected
offset (hashed in `_HASHING`, beside the next request rather than in its way); a digest
reads back from the fd only what that prefix lacks. Only from the first digest: handles
nobody asks about (plain `fs/open` streaming) pay nothing. A client that will commit
asks for the digest of its replace handle right after opening it (empty: free). `commit`
lets a replace handle's content take the file's place only when its size and SHA-256 are
the expected ones; `discard` drops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeVar

from .errors import INVALID_PARAMS, INVALID_REQUEST, NOT_FOUND, RpcError
from .fs_nofollow import display_path
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
    hasher: hashlib._Hash | None = None
    """SHA-256 of the content's first `hashed` bytes, once the updates `queued` (in
    `_HASHING`, in order) are done; None: none kept (no digest asked for yet)."""
    hashed: int = 0
    claimed_end: int = 0
    """While the block at `hashed` is read or written: where it ends (0: none is)."""
    queued: deque[Future[None]] = field(default_factory=deque)
    writes: int = 0
    """Blocks written so far (a digest read back is kept only if none came meanwhile)."""


_HASHING: Final = ThreadPoolExecutor(1, thread_name_prefix="execwire-sha256")
"""Where the blocks of digest-keeping handles are hashed, in the order they come, beside
(not in the way of) the next request: one thread, so the updates of a handle keep their
order."""
MAX_QUEUED_HASHES: Final = 4
"""Blocks of one handle waiting to be hashed before its requests wait for them (memory)."""


def _read_block(fd: int, offset: int, length: int) -> bytes:
    return os.pread(fd, length, offset)


def _write_block(fd: int, offset: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def _read_back(fd: int, offset: int, hasher: hashlib._Hash) -> int:
    """Feed `hasher` the content from `offset` to the end; the content's size."""
    buffer = bytearray(MAX_BLOCK_BYTES)
    view = memoryview(buffer)
    while count := os.preadv(fd, [buffer], offset):
        hasher.update(view[:count])
        offset += count
    return offset


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
        hasher = self._claim(handle, offset, offset + length)
        try:
            if handle.mode != "read":
                await self._run(_raise_bad_descriptor)  # EBADF: opened for writing
            data = await self._run(_read_block, handle.fd, offset, length)
        except BaseException:
            self._unclaim(handle, hasher)
            # As the reference, a failed read ends the handle.
            if self._handles.get(handle_id) is handle:
                del self._handles[handle_id]
                await self._run(_abandon, handle)
            raise
        await self._hash(handle, hasher, data, offset + len(data))
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
        end = offset + len(data)
        handle.writes += 1
        if handle.hasher is not None and offset < max(handle.hashed, handle.claimed_end):
            # Rewrites content already hashed (or about to be): start over.
            handle.hasher, handle.hashed, handle.claimed_end = hashlib.sha256(), 0, 0
        hasher = self._claim(handle, offset, end)
        try:
            await self._run(_write_block, handle.fd, offset, data)
        except BaseException:
            self._unclaim(handle, hasher)
            raise
        await self._hash(handle, hasher, data, end)

    @staticmethod
    def _claim(handle: _Handle, offset: int, end: int) -> hashlib._Hash | None:
        """The hasher to feed the block at `offset`, when it is the next one to hash."""
        if handle.hasher is None or offset != handle.hashed or handle.claimed_end:
            return None
        handle.claimed_end = end
        return handle.hasher

    @staticmethod
    def _unclaim(handle: _Handle, hasher: hashlib._Hash | None) -> None:
        """The claimed block failed: the digest goes on from where it was."""
        if hasher is not None and handle.hasher is hasher:
            handle.claimed_end = 0

    @staticmethod
    async def _hash(handle: _Handle, hasher: hashlib._Hash | None, data: bytes, end: int) -> None:
        """Queue the claimed block, read or written, for hashing (nothing unless claimed
        and not started over meanwhile)."""
        if hasher is None or handle.hasher is not hasher:
            return
        handle.claimed_end, handle.hashed = 0, end
        queued = handle.queued
        if data:
            queued.append(_HASHING.submit(hasher.update, data))
        await FileHandles._hashes_done(handle, MAX_QUEUED_HASHES)

    @staticmethod
    async def _hashes_done(handle: _Handle, keep: int = 0) -> None:
        """Until at most `keep` blocks of the handle wait to be hashed. (A job is never
        cancelled: a block left out would make the digest wrong.)"""
        queued = handle.queued
        while True:
            while queued and queued[0].done():
                queued.popleft()
            if len(queued) <= keep:
                return
            await asyncio.shield(asyncio.wrap_future(queued[len(queued) - keep - 1]))

    # -- the execwire extensions -----------------------------------------------------------

    async def digest(self, handle_id: str) -> tuple[int, str]:
        """Size and lower-case hex SHA-256 of a handle's content; from now on the handle
        keeps its digest along the way."""
        return await self._digest(self._get(handle_id))

    async def _digest(self, handle: _Handle) -> tuple[int, str]:
        await self._hashes_done(handle)
        source, writes = handle.hasher, handle.writes
        if source is None or handle.claimed_end or handle.queued:
            hasher, offset = hashlib.sha256(), 0
        else:
            hasher, offset = source.copy(), handle.hashed
        size = await self._run(_read_back, handle.fd, offset, hasher)
        unchanged = handle.hasher is source and handle.hashed == offset and handle.writes == writes
        if unchanged and not handle.claimed_end and not handle.queued:
            handle.hasher, handle.hashed = hasher.copy(), size  # go on from here
        return size, hasher.hexdigest()

    async def commit(self, handle_id: str, size: int, sha256: str) -> None:
        """Close a replace handle: its content takes the file's place if it has `size` bytes
        and SHA-256 `sha256`; otherwise it is removed and -32602 `checksum mismatch` raised."""
        handle = self._get(handle_id)
        if handle.mode != "replace":
            raise RpcError(
                INVALID_REQUEST, f"file handle `{handle_id}` was opened for reading, not replace"
            )
        del self._handles[handle_id]  # no block may come in meanwhile
        try:
            actual_size, actual = await self._digest(handle)
        except BaseException:
            _abandon(handle)
            raise
        if (actual_size, actual) != (size, sha256.lower()):
            await self._run(_abandon, handle)
            raise RpcError(
                INVALID_PARAMS,
                f"checksum mismatch for {display_path(handle.target)}: expected {size} bytes "
                f"with SHA-256 {sha256}, received {actual_size} bytes with SHA-256 {actual}; "
                "the file was left as it was",
            )
        await self._finish(handle)

    async def discard(self, handle_id: str) -> None:
        """Close a handle (unknown ids are fine), removing a replace handle's new content."""
        handle = self._handles.pop(handle_id, None)
        if handle is not None:
            await self._run(_abandon, handle)

    async def close(self, handle_id: str) -> None:
        """Close a handle (unknown ids are fine); a replace handle's file takes its place."""
        handle = self._handles.pop(handle_id, None)
        if handle is not None:
            await self._finish(handle)

    @staticmethod
    async def _finish(handle: _Handle) -> None:
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

"""A file open on the executor (`fs/open` and its blocks), from `Executor.open_file`.

    async with await executor.open_file("/data/big.bin") as source:
        async for block in source.blocks():          # 1 MiB at a time, bounded memory
            sink.write(block)

    async with await executor.open_file("/data/new.bin", "replace") as target:
        await target.write(b"...")                   # any size, sent in 1 MiB blocks

A `replace` handle's content takes the file's place when it is closed (on execwire
atomically; the reference truncates the file at open). execwire also offers `digest()`,
`commit(size, sha256)` (close only if the content is the expected one) and `discard()`;
`Executor.upload`/`download` use them to move whole files.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING, Final, Literal

from .errors import ChecksumMismatch, InvalidParamsError
from .protocol import models

if TYPE_CHECKING:
    from .client import ExecServerClient

__all__ = ["MAX_BLOCK_BYTES", "RemoteFile"]

MAX_BLOCK_BYTES: Final = 1 << 20
"""The largest block one `fs/readBlock` or `fs/writeBlock` carries."""
IN_FLIGHT: Final = 4
"""Blocks requested ahead of the one being used: the next ones travel while the server
works on the current one (offsets are explicit, so order is kept by the offsets)."""


class RemoteFile:
    """An open file on the executor: read blocks (`read`) or write a new content (`replace`)."""

    def __init__(
        self, client: ExecServerClient, handle_id: str, mode: Literal["read", "replace"]
    ) -> None:
        self._client = client
        self._handle_id = handle_id
        self._mode = mode
        self._write_offset = 0
        self._closed = False

    def __repr__(self) -> str:
        return f"RemoteFile(handle_id={self._handle_id!r}, mode={self._mode!r})"

    @property
    def handle_id(self) -> str:
        """The handle's id on this connection."""
        return self._handle_id

    @property
    def mode(self) -> Literal["read", "replace"]:
        """`read` or `replace`."""
        return self._mode

    async def read_block(self, offset: int, length: int = MAX_BLOCK_BYTES) -> tuple[bytes, bool]:
        """Up to `length` (1..1 MiB) bytes at `offset`, and whether the end was reached."""
        response = await self._client.fs_read_block(
            models.FsReadBlockParams(handle_id=self._handle_id, offset=offset, len=length)
        )
        return response.chunk, response.eof

    async def blocks(self, block_size: int = MAX_BLOCK_BYTES) -> AsyncIterator[bytes]:
        """The file from its start, `block_size` bytes at a time (the last may be shorter);
        a few blocks are requested ahead."""
        pending: deque[asyncio.Task[tuple[bytes, bool]]] = deque()
        next_offset = 0
        try:
            while True:
                while len(pending) < IN_FLIGHT:
                    pending.append(asyncio.ensure_future(self.read_block(next_offset, block_size)))
                    next_offset += block_size
                data, eof = await pending.popleft()
                if data:
                    yield data
                if eof or len(data) < block_size:
                    return
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    async def write(self, data: bytes) -> None:
        """Append `data` to a `replace` handle's new content (in blocks of at most 1 MiB, a
        few in flight at once)."""
        writes: list[asyncio.Future[models.EmptyResponse]] = []
        try:
            for start in range(0, len(data), MAX_BLOCK_BYTES):
                block = data[start : start + MAX_BLOCK_BYTES]
                params = models.FsWriteBlockParams(
                    handle_id=self._handle_id, offset=self._write_offset + start, chunk=block
                )
                writes.append(asyncio.ensure_future(self._client.fs_write_block(params)))
                if len(writes) >= IN_FLIGHT:
                    await writes.pop(0)
            while writes:
                await writes.pop(0)
        finally:
            for write in writes:
                write.cancel()
        self._write_offset += len(data)

    async def close(self) -> None:
        """Close the handle (idempotent); a `replace` content then takes the file's place."""
        if not self._closed:
            self._closed = True
            await self._client.fs_close(models.FsCloseParams(handle_id=self._handle_id))

    async def digest(self) -> tuple[int, str]:
        """Size and lower-case hex SHA-256 of the content: the file (`read`), or what was
        written so far (`replace`). The server reads back what it has not hashed yet; from
        the first digest on it hashes blocks that come in order as they pass (so asking
        right after opening a `replace` handle makes later digests and `commit` cheap). An
        execwire extension (`UnsupportedByServer` elsewhere)."""
        self._client.internal.require_extension("execwire/fileDigest")
        response = await self._client.execwire_file_digest(
            models.FileDigestParams(handle_id=self._handle_id)
        )
        return response.size, response.sha256

    async def commit(self, size: int, sha256: str) -> None:
        """Close a `replace` handle, its content taking the file's place only if it has
        `size` bytes and SHA-256 `sha256` (lower-case hex); otherwise raise
        `ChecksumMismatch`, the file keeping its old content. An execwire extension."""
        self._client.internal.require_extension("execwire/commitFile")
        self._closed = True
        params = models.CommitFileParams(handle_id=self._handle_id, size=size, sha256=sha256)
        try:
            await self._client.execwire_commit_file(params)
        except InvalidParamsError as error:
            if error.message.startswith("checksum mismatch"):
                raise ChecksumMismatch(error.message) from error
            raise

    async def discard(self) -> None:
        """Close the handle without effect: a `replace` handle's new content is dropped
        and the file stays as it was (idempotent). An execwire extension."""
        self._client.internal.require_extension("execwire/discardFile")
        if not self._closed:
            self._closed = True
            await self._client.execwire_discard_file(
                models.DiscardFileParams(handle_id=self._handle_id)
            )

    async def __aenter__(self) -> RemoteFile:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

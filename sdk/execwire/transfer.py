"""Files of any size to and from the executor, in bounded memory: `Executor.download` and
`Executor.upload`.

Both stream 1 MiB blocks through an `fs/open` handle with several blocks in flight
(`WINDOW`), so memory stays at a few MiB whatever the file's size, and hash what passes
with SHA-256 (in a worker thread, with the local read or write of the block):

* **download**: `fs/readBlock` from offset 0 until `eof`, into a temporary file beside the
  destination, renamed over it at the end; then `execwire/fileDigest` (the server reads the
  file back: it also tells when the file changed during the transfer) must report the same
  size and SHA-256 as what arrived (`ChecksumMismatch` otherwise, and no file is left).
* **upload**: `fs/open` in `replace` mode (the server writes a partial file beside the
  target), `execwire/fileDigest` of the still empty content (from then on the server hashes
  the blocks as they come), `fs/writeBlock` per block, then `execwire/commitFile` with the
  size and SHA-256: the server renames only when they match. A failure or cancellation
  sends `execwire/discardFile`: the target keeps its old content and no partial file is left.

A server without these extensions (the reference) still gets the same streaming, without
the end-to-end check: a download is not verified, an upload ends with `fs/close`, and a
failed upload leaves its handle open (closing it would put the partial content in place;
execwire removes it when the connection ends, the reference truncated the file at open).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import stat
import tempfile
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, BinaryIO, Final, TypeAlias

from .errors import ChecksumMismatch, ExecWireError, InvalidParamsError
from .protocol import models
from .remote_file import MAX_BLOCK_BYTES

if TYPE_CHECKING:
    from .client import ExecServerClient

__all__ = ["WINDOW", "LocalFile", "Progress", "download", "upload"]

WINDOW: Final = 8
"""Blocks in flight at once: enough to keep the link busy while the server reads or
writes the current one (8 MiB of data, ~11 MB of base64, per transfer)."""
QUEUED_BLOCKS: Final = 4
"""Blocks of a download waiting to be hashed and written locally (in a worker thread)
before more are taken in."""

Progress: TypeAlias = Callable[[int, int | None], object]
"""Called as `progress(done_bytes, total_bytes)` after each block (total None when
unknown, e.g. for a pipe); runs on the event loop (the SDK's loop thread for `execwire.sync`),
so it should return quickly."""

LocalFile: TypeAlias = str | os.PathLike[str] | BinaryIO
"""A local path, or a binary file object (read from / written to at its position)."""

_DIGEST: Final = "execwire/fileDigest"
_COMMIT: Final = "execwire/commitFile"
_DISCARD: Final = "execwire/discardFile"


# -- download ------------------------------------------------------------------------------


async def download(
    client: ExecServerClient,
    uri: str,
    destination: LocalFile,
    *,
    progress: Progress | None = None,
    sandbox: models.FileSystemSandboxContext | None = None,
) -> int:
    """Copy the remote file `uri` to `destination`; the number of bytes (see the module)."""
    total: int | None = None
    if progress is not None:
        metadata = await client.fs_get_metadata(
            models.FsGetMetadataParams(path=uri, sandbox=sandbox)
        )
        total = metadata.size
        progress(0, total)
    if isinstance(destination, str | os.PathLike):
        with _ReplacingFile(os.fspath(destination)) as sink:
            size = await _download(client, uri, sink.file, progress, total, sandbox)
            sink.keep()
        return size
    return await _download(client, uri, destination, progress, total, sandbox)


async def _download(
    client: ExecServerClient,
    uri: str,
    sink: BinaryIO,
    progress: Progress | None,
    total: int | None,
    sandbox: models.FileSystemSandboxContext | None,
) -> int:
    verify = client.internal.has_extension(_DIGEST)
    handle_id = uuid.uuid4().hex
    await client.fs_open(
        models.FsOpenParams(handle_id=handle_id, path=uri, mode="read", sandbox=sandbox)
    )
    hasher = hashlib.sha256()
    pending: deque[asyncio.Future[models.FsReadBlockResponse]] = deque()
    worker = ThreadPoolExecutor(1, thread_name_prefix="execwire-download")
    writes: deque[asyncio.Future[None]] = deque()  # in `worker`, in order
    next_offset = done = 0
    try:
        while True:
            while len(pending) < WINDOW:
                params = models.FsReadBlockParams(
                    handle_id=handle_id, offset=next_offset, len=MAX_BLOCK_BYTES
                )
                pending.append(asyncio.ensure_future(client.fs_read_block(params)))
                next_offset += MAX_BLOCK_BYTES
            response = await pending.popleft()
            chunk = response.chunk
            if chunk:
                job = worker.submit(_write_and_hash, sink, hasher, chunk)
                writes.append(asyncio.wrap_future(job))
                done += len(chunk)
                while len(writes) > QUEUED_BLOCKS or (writes and writes[0].done()):
                    await writes.popleft()
                if progress is not None:
                    progress(done, total)
            if response.eof or len(chunk) < MAX_BLOCK_BYTES:
                break  # (a longer file now: the digest below tells)
            del response, chunk
        await asyncio.gather(*pending)  # past the end: empty, already on their way
        pending.clear()
        while writes:
            await writes.popleft()
        if verify:
            digest = await client.execwire_file_digest(
                models.FileDigestParams(handle_id=handle_id)
            )
            if (digest.size, digest.sha256) != (done, hasher.hexdigest()):
                raise ChecksumMismatch(
                    f"download of {uri}: received {done} bytes with SHA-256 "
                    f"{hasher.hexdigest()}, the file has {digest.size} bytes with SHA-256 "
                    f"{digest.sha256} (did it change meanwhile?); nothing was kept"
                )
    finally:
        await _cancel(pending)
        await _stop(worker, writes)  # no write may go on once the file is closed and removed
        with contextlib.suppress(ExecWireError):
            await asyncio.shield(client.fs_close(models.FsCloseParams(handle_id=handle_id)))
    return done


def _write_and_hash(sink: BinaryIO, hasher: hashlib._Hash, chunk: bytes) -> None:
    hasher.update(chunk)
    view = memoryview(chunk)
    while view:
        written = sink.write(view)
        if written is None:  # a non-blocking raw file that could take nothing now
            raise BlockingIOError("the destination cannot take data without blocking")
        view = view[written:]


class _ReplacingFile:
    """A new file beside `path` that takes its place at `keep()` (and is removed if not);
    with `path`'s permissions when it exists, else those of a new file. A symlink is
    followed: the file it names is replaced, as `cp` would write through it."""

    def __init__(self, path: str) -> None:
        if os.path.islink(path):
            path = os.path.realpath(path)
        directory, name = os.path.split(os.path.abspath(path))
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        if os.path.isdir(path):
            raise IsADirectoryError(21, "Is a directory", path)
        fd, self._partial = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=directory)
        self._path = path
        self._kept = False
        try:
            os.fchmod(fd, mode)
            self.file: BinaryIO = os.fdopen(fd, "wb", buffering=0)
        except BaseException:
            os.close(fd)
            os.unlink(self._partial)
            raise

    def keep(self) -> None:
        self.file.close()
        os.replace(self._partial, self._path)
        self._kept = True

    def __enter__(self) -> _ReplacingFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self._kept:
            self.file.close()
            with contextlib.suppress(OSError):
                os.unlink(self._partial)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


# -- upload --------------------------------------------------------------------------------


async def upload(
    client: ExecServerClient,
    source: LocalFile,
    uri: str,
    *,
    progress: Progress | None = None,
    sandbox: models.FileSystemSandboxContext | None = None,
) -> int:
    """Copy `source` to the remote file `uri`; the number of bytes (see the module)."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb", buffering=0) as file:
            return await _upload(client, file, uri, progress, sandbox)
    return await _upload(client, source, uri, progress, sandbox)


async def _upload(
    client: ExecServerClient,
    source: BinaryIO,
    uri: str,
    progress: Progress | None,
    sandbox: models.FileSystemSandboxContext | None,
) -> int:
    checked = client.internal.has_extension(_COMMIT) and client.internal.has_extension(_DISCARD)
    total = _size_of(source)
    if progress is not None:
        progress(0, total)
    handle_id = uuid.uuid4().hex
    await client.fs_open(
        models.FsOpenParams(handle_id=handle_id, path=uri, mode="replace", sandbox=sandbox)
    )
    if checked:  # empty yet: free, and from now on the server hashes blocks as they come
        with contextlib.suppress(ExecWireError):  # (only a speed-up: the commit checks)
            await client.execwire_file_digest(models.FileDigestParams(handle_id=handle_id))
    hasher = hashlib.sha256()
    pending: deque[tuple[asyncio.Future[models.EmptyResponse], int]] = deque()
    worker = ThreadPoolExecutor(1, thread_name_prefix="execwire-upload")
    # The next block is read (and hashed) while this one is sent.
    reading = asyncio.wrap_future(worker.submit(_read_and_hash, source, hasher))
    offset = done = 0
    try:
        while True:
            block = await reading
            if not block:
                break
            reading = asyncio.wrap_future(worker.submit(_read_and_hash, source, hasher))
            params = models.FsWriteBlockParams(handle_id=handle_id, offset=offset, chunk=block)
            pending.append((asyncio.ensure_future(client.fs_write_block(params)), len(block)))
            offset += len(block)
            del params, block
            while len(pending) >= WINDOW or (pending and pending[0][0].done()):
                done += await _written(pending)
                if progress is not None:
                    progress(done, total)
        while pending:
            done += await _written(pending)
            if progress is not None:
                progress(done, total)
        if checked:
            await _commit(client, handle_id, offset, hasher.hexdigest(), uri)
        else:
            await client.fs_close(models.FsCloseParams(handle_id=handle_id))
    except BaseException:
        await _cancel(future for future, _ in pending)
        if checked:  # nothing half written: the target keeps its old content
            with contextlib.suppress(ExecWireError):
                await asyncio.shield(
                    client.execwire_discard_file(models.DiscardFileParams(handle_id=handle_id))
                )
        raise
    finally:
        await _stop(worker, [reading])  # nor any read once the source is closed
    return offset


async def _written(pending: deque[tuple[asyncio.Future[models.EmptyResponse], int]]) -> int:
    future, size = pending[0]
    await future
    pending.popleft()
    return size


async def _commit(
    client: ExecServerClient, handle_id: str, size: int, sha256: str, uri: str
) -> None:
    params = models.CommitFileParams(handle_id=handle_id, size=size, sha256=sha256)
    try:
        await client.execwire_commit_file(params)
    except InvalidParamsError as error:
        if error.message.startswith("checksum mismatch"):
            raise ChecksumMismatch(f"upload to {uri}: {error.message}") from error
        raise


def _read_and_hash(source: BinaryIO, hasher: hashlib._Hash) -> bytes:
    block = source.read(MAX_BLOCK_BYTES)
    if block is None:  # a non-blocking raw file with nothing to read now
        raise BlockingIOError("the source has no data without blocking")
    hasher.update(block)
    return block


def _size_of(source: BinaryIO) -> int | None:
    """What is left to read of a regular file (None for pipes and unknown objects)."""
    try:
        info = os.fstat(source.fileno())
        if stat.S_ISREG(info.st_mode):
            return max(0, info.st_size - source.tell())
    except (OSError, ValueError, AttributeError):
        pass
    try:
        if source.seekable():
            position = source.tell()
            end = source.seek(0, os.SEEK_END)
            source.seek(position)
            return max(0, end - position)
    except (OSError, ValueError, AttributeError):
        pass
    return None


async def _stop(worker: ThreadPoolExecutor, jobs: Iterable[asyncio.Future[Any]]) -> None:
    """Drop the jobs not started, and wait for the one under way (it cannot be stopped);
    the errors of jobs nobody awaited (another error came first) are dropped."""
    worker.shutdown(wait=False, cancel_futures=True)
    await asyncio.to_thread(worker.shutdown)
    await asyncio.gather(*jobs, return_exceptions=True)


async def _cancel(futures: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel what is still in flight, and wait until it is."""
    waiting = [future for future in futures if not future.done()]
    for future in waiting:
        future.cancel()
    if waiting:
        await asyncio.gather(*waiting, return_exceptions=True)

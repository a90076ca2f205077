"""`Executor.download` / `Executor.upload`: any size in bounded blocks, checked end to end,
nothing half written on a failure, a mismatch or a cancellation; the same streaming
(unchecked) against a server without the extensions; `RemoteFile.digest/commit/discard`."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from pathlib import Path
from typing import Any

import pytest

from execwire import ClientOptions, Executor
from execwire.errors import ChecksumMismatch, NotFoundError, UnsupportedByServer
from execwire.protocol import models
from execwire.sync import Executor as SyncExecutor
from tests.integration.rawclient import ServerProcess

MIB = 1 << 20


def _names(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


@pytest.mark.parametrize("size", [0, 1, MIB, 2 * MIB, 2 * MIB + 1, 9 * MIB + 5])
async def test_round_trips_of_every_shape(tmp_path: Path, size: int) -> None:
    content = os.urandom(size)
    source = tmp_path / "source.bin"
    source.write_bytes(content)
    async with await Executor.connect_in_process() as executor:
        assert await executor.upload(source, tmp_path / "remote.bin") == size
        assert (tmp_path / "remote.bin").read_bytes() == content
        assert await executor.download(tmp_path / "remote.bin", tmp_path / "back.bin") == size
        assert (tmp_path / "back.bin").read_bytes() == content
        sink = io.BytesIO(b"prefix:")
        sink.seek(0, io.SEEK_END)
        await executor.download(str(tmp_path / "remote.bin"), sink)
        assert sink.getvalue() == b"prefix:" + content
        await executor.upload(io.BytesIO(content), str(tmp_path / "from-object.bin"))
        assert (tmp_path / "from-object.bin").read_bytes() == content
    assert _names(tmp_path) == ["back.bin", "from-object.bin", "remote.bin", "source.bin"]


async def test_progress_and_permissions(tmp_path: Path) -> None:
    content = os.urandom(3 * MIB + 100)
    (tmp_path / "remote.bin").write_bytes(content)
    local = tmp_path / "local.bin"
    local.write_bytes(b"old")
    os.chmod(local, 0o600)
    calls: list[tuple[int, int | None]] = []
    async with await Executor.connect_in_process() as executor:
        await executor.download(
            tmp_path / "remote.bin", local, progress=lambda done, total: calls.append((done, total))
        )
        assert local.read_bytes() == content and local.stat().st_mode & 0o777 == 0o600
        (tmp_path / "link").symlink_to(local)  # written through, as cp does
        await executor.download(tmp_path / "remote.bin", tmp_path / "link")
        assert (tmp_path / "link").is_symlink() and local.read_bytes() == content
        assert calls[0] == (0, len(content)) and calls[-1] == (len(content), len(content))
        assert [done for done, _ in calls] == sorted(done for done, _ in calls)
        calls.clear()
        await executor.upload(
            io.BytesIO(content[:5]), tmp_path / "up", progress=lambda d, t: calls.append((d, t))
        )
        assert calls == [(0, 5), (5, 5)]
        reader, writer = os.pipe()  # a pipe's size is unknown
        os.write(writer, b"piped")
        os.close(writer)
        calls.clear()
        with open(reader, "rb") as pipe:
            await executor.upload(pipe, tmp_path / "up", progress=lambda d, t: calls.append((d, t)))
        assert calls == [(0, None), (5, None)]
        assert (tmp_path / "up").read_bytes() == b"piped"


async def test_a_failed_download_keeps_nothing(tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "remote.bin").write_bytes(os.urandom(MIB + 1))
    local = tmp_path / "local.bin"
    local.write_bytes(b"old")
    async with await Executor.connect_in_process() as executor:
        with pytest.raises(NotFoundError):
            await executor.download(tmp_path / "missing", local)
        with pytest.raises(FileNotFoundError):
            await executor.download(tmp_path / "remote.bin", tmp_path / "no" / "dir")
        with pytest.raises(IsADirectoryError):
            await executor.download(tmp_path / "remote.bin", tmp_path)
        assert _names(tmp_path) == ["local.bin", "remote.bin"]

        async def wrong_digest(params: models.FileDigestParams) -> models.FileDigestResponse:
            return models.FileDigestResponse(size=MIB + 1, sha256="0" * 64)

        monkeypatch.setattr(executor.client, "execwire_file_digest", wrong_digest)
        with pytest.raises(ChecksumMismatch, match="nothing was kept"):
            await executor.download(tmp_path / "remote.bin", local)
        with pytest.raises(ChecksumMismatch):
            await executor.download(tmp_path / "remote.bin", tmp_path / "new.bin")
        assert local.read_bytes() == b"old"
        assert _names(tmp_path) == ["local.bin", "remote.bin"]


class _FailingSource(io.RawIOBase):
    """Gives `blocks` blocks of 1 MiB, then fails."""

    def __init__(self, blocks: int) -> None:
        self.blocks = blocks

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.blocks == 0:
            raise OSError(5, "Input/output error")
        self.blocks -= 1
        return b"z" * MIB


async def test_a_failed_upload_leaves_the_old_file(tmp_path: Path, monkeypatch: Any) -> None:
    target = tmp_path / "target.txt"
    target.write_bytes(b"old")
    async with await Executor.connect_in_process() as executor:
        with pytest.raises(OSError, match="Input/output error"):
            await executor.upload(_FailingSource(3), target)  # type: ignore[arg-type]
        assert target.read_bytes() == b"old" and _names(tmp_path) == ["target.txt"]
        with pytest.raises(NotFoundError):
            await executor.upload(io.BytesIO(b"x"), tmp_path / "no" / "dir" / "f")
        original = executor.client.execwire_commit_file

        async def corrupted(params: models.CommitFileParams) -> models.EmptyResponse:
            return await original(params.model_copy(update={"sha256": "f" * 64}))

        monkeypatch.setattr(executor.client, "execwire_commit_file", corrupted)
        with pytest.raises(ChecksumMismatch, match=f"checksum mismatch for {target}"):
            await executor.upload(io.BytesIO(os.urandom(2 * MIB)), target)
        assert target.read_bytes() == b"old" and _names(tmp_path) == ["target.txt"]
        with pytest.raises(ChecksumMismatch):
            await executor.upload(io.BytesIO(b"new"), tmp_path / "new.txt")
        assert _names(tmp_path) == ["target.txt"]


async def test_a_cancelled_upload_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "target.txt"
    target.write_bytes(b"old")
    started = asyncio.Event()
    async with await Executor.connect_in_process() as executor:

        def seen(done: int, total: int | None) -> None:
            if done >= 2 * MIB:
                started.set()

        endless = io.BufferedReader(_Endless())
        upload = asyncio.create_task(executor.upload(endless, target, progress=seen))
        await asyncio.wait_for(started.wait(), 10)
        upload.cancel()
        with pytest.raises(asyncio.CancelledError):
            await upload
        assert target.read_bytes() == b"old"
        assert _names(tmp_path) == ["target.txt"]


class _Endless(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        view[:] = b"e" * len(view)
        return len(view)


async def test_remote_file_digest_commit_discard(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_bytes(b"one")
    async with await Executor.connect_in_process() as executor:
        async with await executor.open_file(target) as source:
            assert await source.digest() == (3, hashlib.sha256(b"one").hexdigest())
        sink = await executor.open_file(target, "replace")
        await sink.write(b"two")
        assert await sink.digest() == (3, hashlib.sha256(b"two").hexdigest())
        with pytest.raises(ChecksumMismatch):
            await sink.commit(3, hashlib.sha256(b"one").hexdigest())
        await sink.close()  # closed already: nothing sent
        assert target.read_bytes() == b"one"
        sink = await executor.open_file(target, "replace")
        await sink.write(b"three")
        await sink.discard()
        await sink.discard()
        assert target.read_bytes() == b"one"
        sink = await executor.open_file(target, "replace")
        await sink.write(b"four")
        await sink.commit(4, hashlib.sha256(b"four").hexdigest())
        assert target.read_bytes() == b"four"
    assert _names(tmp_path) == ["f.txt"]


async def test_without_the_extensions_it_still_streams(
    server: ServerProcess, tmp_path: Path
) -> None:
    content = os.urandom(2 * MIB + 3)
    (tmp_path / "source.bin").write_bytes(content)
    options = ClientOptions(output_chunk_bytes=None)  # the reference protocol only
    async with await Executor.connect_websocket(server.url, options=options) as executor:
        assert executor.client.server_extensions is None
        await executor.upload(tmp_path / "source.bin", tmp_path / "remote.bin")
        assert (tmp_path / "remote.bin").read_bytes() == content
        await executor.download(tmp_path / "remote.bin", tmp_path / "back.bin")
        assert (tmp_path / "back.bin").read_bytes() == content
        async with await executor.open_file(tmp_path / "remote.bin") as source:
            with pytest.raises(UnsupportedByServer, match="execwire/fileDigest"):
                await source.digest()


def test_the_blocking_api_moves_files(server: ServerProcess, tmp_path: Path) -> None:
    content = os.urandom(MIB + 9)
    (tmp_path / "source.bin").write_bytes(content)
    with SyncExecutor.connect_websocket(server.url) as executor:
        assert executor.upload(tmp_path / "source.bin", tmp_path / "remote.bin") == len(content)
        assert executor.download(tmp_path / "remote.bin", tmp_path / "back.bin") == len(content)
    assert (tmp_path / "back.bin").read_bytes() == content

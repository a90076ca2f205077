"""`fs/open`, `fs/readBlock`, `fs/writeBlock`, `fs/close` through the SDK (`Executor.open_file`)
against an embedded server, and the replace semantics execwire chose: atomic at close,
nothing replaced when the handle is never closed, dangling symlinks not followed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from execwire import Executor, Sandbox
from execwire.errors import InvalidRequestError, NotFoundError, ServerInternalError
from execwire.protocol import models
from execwire.sync import Executor as SyncExecutor


async def test_read_blocks_and_limits(tmp_path: Path) -> None:
    content = os.urandom(3 * (1 << 20) + 17)
    (tmp_path / "big.bin").write_bytes(content)
    async with await Executor.connect_in_process() as executor:
        async with await executor.open_file(tmp_path / "big.bin") as source:
            blocks = [block async for block in source.blocks()]
            assert b"".join(blocks) == content and len(blocks) == 4
            assert await source.read_block(len(content) - 2, 10) == (content[-2:], True)
            assert await source.read_block(0, 3) == (content[:3], False)
        client = executor.client
        with pytest.raises(NotFoundError, match="unknown file handle"):
            await client.fs_read_block(
                models.FsReadBlockParams(handle_id=source.handle_id, offset=0, len=1)
            )
        with pytest.raises(InvalidRequestError, match="is not a file"):
            await executor.open_file(tmp_path)
        opened = [await executor.open_file(tmp_path / "big.bin") for _ in range(128)]
        with pytest.raises(InvalidRequestError, match="at most 128 file handles"):
            await executor.open_file(tmp_path / "big.bin")
        await opened[0].close()
        await (await executor.open_file(tmp_path / "big.bin")).close()


async def test_replace_is_atomic_at_close(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    async with await Executor.connect_in_process() as executor:
        async with await executor.open_file(target, "replace") as sink:
            await sink.write(b"x" * ((1 << 20) + 5))
            await sink.write(b"end")
            assert target.read_text() == "old"  # not replaced before close
            with pytest.raises(ServerInternalError, match="Bad file descriptor"):
                await sink.read_block(0, 1)  # and a failed read ends the handle
        assert target.read_text() == "old"
        async with await executor.open_file(target, "replace") as sink:
            await sink.write(b"new")
        assert target.read_bytes() == b"new"
        assert oct(target.stat().st_mode & 0o777) == oct(0o640)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]  # nothing left aside
        (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
        with pytest.raises(NotFoundError):
            await executor.open_file(tmp_path / "dangling", "replace")
        assert not (tmp_path / "nowhere").exists()


async def test_a_connection_that_ends_replaces_nothing(tmp_path: Path) -> None:
    target = tmp_path / "kept.txt"
    target.write_text("kept")
    executor = await Executor.connect_in_process()
    sink = await executor.open_file(target, "replace")
    await sink.write(b"never")
    await executor.close()
    assert target.read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt"]


def test_the_blocking_api_reads_and_replaces(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_bytes(b"abc")
    with SyncExecutor.connect_in_process() as executor:
        with executor.open_file(tmp_path / "in.txt") as source:
            assert b"".join(source.blocks()) == b"abc"
        with executor.open_file(tmp_path / "out.txt", "replace") as sink:
            sink.write(b"def")
    assert (tmp_path / "out.txt").read_bytes() == b"def"


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
async def test_handles_opened_inside_the_sandbox(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / ".git").mkdir(parents=True)
    (workspace / "a.txt").write_text("inside")
    (tmp_path / "outside.txt").write_text("outside")
    writable = Sandbox.workspace_write(str(workspace))
    readable = Sandbox.read_only(str(workspace), deny=[str(workspace / "a.txt")])
    async with await Executor.connect_in_process() as executor:
        async with await executor.open_file(workspace / "a.txt", sandbox=writable) as source:
            assert [block async for block in source.blocks()] == [b"inside"]
        async with await executor.open_file(workspace / "a.txt", "replace", sandbox=writable) as sink:
            await sink.write(b"replaced")
        assert (workspace / "a.txt").read_text() == "replaced"
        for refused in (tmp_path / "outside.txt", workspace / ".git" / "config"):
            with pytest.raises(ServerInternalError, match="Read-only file system"):
                await executor.open_file(refused, "replace", sandbox=writable)
        with pytest.raises(InvalidRequestError, match="Permission denied"):
            await executor.open_file(workspace / "a.txt", sandbox=readable)
        with pytest.raises(ServerInternalError, match="Read-only file system"):
            await executor.open_file(workspace / "new.txt", "replace", sandbox=readable)
    # Nothing was left aside, and nothing outside changed.
    assert sorted(p.name for p in workspace.iterdir()) == [".git", "a.txt"]
    assert (tmp_path / "outside.txt").read_text() == "outside"
    assert list((workspace / ".git").iterdir()) == []

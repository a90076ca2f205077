"""`fs/writeFile` that cannot complete (the disk is full, a file size limit) leaves the old
file as it was, and the server keeps serving."""

from __future__ import annotations

import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from execwire import Executor, ServerInternalError

LIMIT = 1 << 20


@pytest.fixture
def limited_server() -> Iterator[str]:
    """A server whose files may not grow past 1 MiB (RLIMIT_FSIZE: writes past it fail
    with EFBIG, as a full disk fails them with ENOSPC)."""

    def limit() -> None:  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))

    server = subprocess.Popen(
        [sys.executable, "-m", "execwire_server", "--listen", "ws://127.0.0.1:0"],
        stdout=subprocess.PIPE,
        preexec_fn=limit,
    )
    assert server.stdout is not None
    try:
        yield server.stdout.readline().decode().strip()
    finally:
        server.terminate()
        server.wait(10)


async def test_a_write_that_cannot_complete_keeps_the_old_content(limited_server: str, tmp_path: Path) -> None:
    target = tmp_path / "kept.txt"
    target.write_bytes(b"old content\n" * 1000)
    async with await Executor.connect_websocket(limited_server) as executor:
        with pytest.raises(ServerInternalError, match="File too large"):
            await executor.write_bytes(target, b"x" * (2 * LIMIT))
        assert target.read_bytes() == b"old content\n" * 1000
        await executor.write_bytes(target, b"new")  # the server goes on serving
        assert target.read_bytes() == b"new"
        short = b"shorter than before"
        await executor.write_bytes(target, short)
        assert await executor.read_bytes(target) == short

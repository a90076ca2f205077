"""`FileHandles` keeps a handle's SHA-256 along the way, from its first digest on, when
blocks come in order; starts over when hashed content is rewritten; reads back only what
it lacks; hashes nothing for handles nobody asks about."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from execwire_server import fs_handle_ops
from execwire_server.errors import RpcError
from execwire_server.file_handles import FileHandles

MIB = 1 << 20


async def _operation(name: str, *args: Any) -> Any:
    return getattr(fs_handle_ops, name)(*args)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_blocks_are_hashed_as_they_pass_once_asked(tmp_path: Path) -> None:
    content = os.urandom(2 * MIB + 10)
    files = FileHandles()
    await files.open("w", os.fsencode(tmp_path / "t"), "replace", _operation)
    handle = files._handles["w"]
    await files.write_block("w", 0, content[:MIB])
    assert handle.hasher is None  # nobody asked: nothing hashed
    assert await files.digest("w") == (MIB, _sha(content[:MIB]))  # read back
    for offset in (MIB, 2 * MIB):
        await files.write_block("w", offset, content[offset : offset + MIB])
    assert handle.hashed == len(content)  # along the way: nothing to read back
    await files._hashes_done(handle)
    assert handle.hasher is not None and handle.hasher.hexdigest() == _sha(content)
    await files.commit("w", len(content), _sha(content))
    assert (tmp_path / "t").read_bytes() == content


async def test_read_handles(tmp_path: Path) -> None:
    content = os.urandom(3 * MIB)
    (tmp_path / "f").write_bytes(content)
    files = FileHandles()
    await files.open("h", os.fsencode(tmp_path / "f"), "read", _operation)
    await files.read_block("h", MIB, MIB)
    await files.read_block("h", 0, 100)
    assert files._handles["h"].hasher is None
    assert await files.digest("h") == (len(content), _sha(content))
    assert files._handles["h"].hashed == len(content)  # kept: not read back twice
    with open(tmp_path / "f", "ab") as grown:
        grown.write(b"more")
    assert await files.read_block("h", len(content), MIB) == (b"more", True)  # hashed
    assert files._handles["h"].hashed == len(content) + 4
    assert await files.digest("h") == (len(content) + 4, _sha(content + b"more"))
    files.close_all()


async def test_rewrites_start_over_and_holes_are_read_back(tmp_path: Path) -> None:
    files = FileHandles()
    target = tmp_path / "t"
    await files.open("w", os.fsencode(target), "replace", _operation)
    assert await files.digest("w") == (0, _sha(b""))
    handle = files._handles["w"]
    await files.write_block("w", 0, b"a" * 10)
    await files.write_block("w", 10, b"b" * 10)
    assert handle.hashed == 20
    await files.write_block("w", 5, b"c")  # rewrites hashed content
    assert handle.hashed == 0
    await files.write_block("w", 30, b"d")  # ahead: a hole of zeros
    expected = b"a" * 5 + b"c" + b"a" * 4 + b"b" * 10 + bytes(10) + b"d"
    assert await files.digest("w") == (len(expected), _sha(expected))
    with pytest.raises(RpcError, match="checksum mismatch") as raised:
        await files.commit("w", len(expected), _sha(b"other"))
    assert raised.value.code == -32602
    assert not target.exists() and os.listdir(tmp_path) == []


async def test_a_commit_without_digest_reads_everything_back(tmp_path: Path) -> None:
    files = FileHandles()
    await files.open("w", os.fsencode(tmp_path / "t"), "replace", _operation)
    await files.write_block("w", 0, b"xyz")
    assert files._handles["w"].hasher is None
    await files.commit("w", 3, _sha(b"xyz").upper())  # hex in either case
    assert (tmp_path / "t").read_bytes() == b"xyz"

"""`execwire/fileDigest`, `execwire/commitFile` and `execwire/discardFile` on the wire,
against a real execwire-server: digests along the way and read back, checked commits that
keep the old file on a mismatch, discards that leave nothing behind."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

from tests.integration.rawclient import RawClient, ServerProcess, connect

MIB = 1 << 20
TRANSFER_METHODS = ["execwire/commitFile", "execwire/discardFile", "execwire/fileDigest"]


async def _initialize(raw: RawClient) -> None:
    result = await raw.result(
        "initialize", {"clientName": "tests", "execwire": {"methods": TRANSFER_METHODS}}
    )
    assert result["execwire"]["methods"] == TRANSFER_METHODS
    await raw.send({"method": "initialized", "params": {}})


def _uri(path: Path) -> str:
    return "file://" + str(path)


def _digest(data: bytes) -> dict[str, Any]:
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


async def _write(raw: RawClient, handle: str, offset: int, data: bytes) -> None:
    chunk = base64.b64encode(data).decode()
    await raw.result("fs/writeBlock", {"handleId": handle, "offset": offset, "chunk": chunk})


async def _read(raw: RawClient, handle: str, offset: int, length: int) -> bytes:
    result = await raw.result("fs/readBlock", {"handleId": handle, "offset": offset, "len": length})
    return base64.b64decode(result["chunk"])


def _leftovers(directory: Path, *expected: str) -> list[str]:
    return sorted(set(os.listdir(directory)) - set(expected))


async def test_digest_of_a_read_handle(server: ServerProcess, tmp_path: Path) -> None:
    content = os.urandom(3 * MIB + 12345)
    (tmp_path / "f.bin").write_bytes(content)
    async with connect(server.url) as raw:
        await _initialize(raw)
        open_params = {"path": _uri(tmp_path / "f.bin"), "mode": "read"}
        # In order, to the end: the digest is what passed.
        await raw.result("fs/open", {"handleId": "a", **open_params})
        received = b"".join([await _read(raw, "a", offset, MIB) for offset in range(0, 4 * MIB, MIB)])
        assert received == content
        assert await raw.result("execwire/fileDigest", {"handleId": "a"}) == _digest(content)
        # Nothing read yet, part of it, out of order, beyond the end: always the whole file.
        await raw.result("fs/open", {"handleId": "b", **open_params})
        assert await raw.result("execwire/fileDigest", {"handleId": "b"}) == _digest(content)
        await _read(raw, "b", 2 * MIB, MIB)
        await _read(raw, "b", 0, 1000)
        await _read(raw, "b", 5000, 7)
        await _read(raw, "b", 10 * MIB, MIB)
        assert await raw.result("execwire/fileDigest", {"handleId": "b"}) == _digest(content)
        assert await _read(raw, "b", 1000, 10) == content[1000:1010]  # still open
        # The digest of a read handle closes nothing; a commit of one is refused.
        refused = await raw.request("execwire/commitFile", {"handleId": "b", **_digest(content)})
        assert refused["error"] == {
            "code": -32600,
            "message": "file handle `b` was opened for reading, not replace",
        }
        assert await _read(raw, "b", 0, 3) == content[:3]
        for handle in ("a", "b"):
            assert await raw.result("execwire/discardFile", {"handleId": handle}) == {}
        assert (tmp_path / "f.bin").read_bytes() == content


async def test_commit_replaces_when_the_digest_matches(server: ServerProcess, tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    new = os.urandom(2 * MIB + 7)
    async with connect(server.url) as raw:
        await _initialize(raw)
        await raw.result("fs/open", {"handleId": "w", "path": _uri(target), "mode": "replace"})
        assert await raw.result("execwire/fileDigest", {"handleId": "w"}) == _digest(b"")
        # Out of order and rewritten: the digest is still of what the file now holds.
        await _write(raw, "w", MIB, new[MIB : 2 * MIB])
        await _write(raw, "w", 0, b"x" * MIB)
        await _write(raw, "w", 0, new[:MIB])
        await _write(raw, "w", 2 * MIB, new[2 * MIB :])
        assert await raw.result("execwire/fileDigest", {"handleId": "w"}) == _digest(new)
        assert target.read_bytes() == b"old"
        assert await raw.result("execwire/commitFile", {"handleId": "w", **_digest(new)}) == {}
        assert target.read_bytes() == new
        assert oct(target.stat().st_mode & 0o777) == oct(0o640)
        assert _leftovers(tmp_path, "out.bin") == []
        gone = await raw.request("fs/writeBlock", {"handleId": "w", "offset": 0, "chunk": "AA=="})
        assert gone["error"] == {"code": -32004, "message": "unknown file handle `w`"}
        # Asked for at once, then in order: the digest comes along the way; a new file.
        fresh = tmp_path / "fresh.bin"
        await raw.result("fs/open", {"handleId": "n", "path": _uri(fresh), "mode": "replace"})
        assert await raw.result("execwire/fileDigest", {"handleId": "n"}) == _digest(b"")
        for offset in range(0, len(new), MIB):
            await _write(raw, "n", offset, new[offset : offset + MIB])
        assert await raw.result("execwire/commitFile", {"handleId": "n", **_digest(new)}) == {}
        assert fresh.read_bytes() == new


async def test_a_mismatch_keeps_the_old_file(server: ServerProcess, tmp_path: Path) -> None:
    target = tmp_path / "keep.txt"
    target.write_bytes(b"precious")
    async with connect(server.url) as raw:
        await _initialize(raw)
        await raw.result("fs/open", {"handleId": "w", "path": _uri(target), "mode": "replace"})
        await _write(raw, "w", 0, b"new content")
        expected = _digest(b"new contenT")
        refused = await raw.request("execwire/commitFile", {"handleId": "w", **expected})
        error = refused["error"]
        assert error["code"] == -32602
        assert error["message"].startswith(f"checksum mismatch for {target}: expected 11 bytes")
        assert hashlib.sha256(b"new content").hexdigest() in error["message"]
        assert target.read_bytes() == b"precious"
        assert _leftovers(tmp_path, "keep.txt") == []
        # The handle is closed; a wrong size is a mismatch too, and a new file stays absent.
        again = await raw.request("execwire/commitFile", {"handleId": "w", **expected})
        assert again["error"] == {"code": -32004, "message": "unknown file handle `w`"}
        absent = tmp_path / "absent.txt"
        await raw.result("fs/open", {"handleId": "x", "path": _uri(absent), "mode": "replace"})
        await _write(raw, "x", 0, b"abc")
        wrong_size = {"size": 4, "sha256": hashlib.sha256(b"abc").hexdigest()}
        refused = await raw.request("execwire/commitFile", {"handleId": "x", **wrong_size})
        assert refused["error"]["message"].startswith(f"checksum mismatch for {absent}: ")
        assert _leftovers(tmp_path, "keep.txt") == []


async def test_discard_and_unknown_handles(server: ServerProcess, tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    target.write_bytes(b"before")
    async with connect(server.url) as raw:
        await _initialize(raw)
        await raw.result("fs/open", {"handleId": "w", "path": _uri(target), "mode": "replace"})
        await _write(raw, "w", 0, b"after")
        assert len(os.listdir(tmp_path)) == 2  # the partial file beside it
        assert await raw.result("execwire/discardFile", {"handleId": "w"}) == {}
        assert target.read_bytes() == b"before"
        assert _leftovers(tmp_path, "t.txt") == []
        assert await raw.result("execwire/discardFile", {"handleId": "w"}) == {}
        assert await raw.result("execwire/discardFile", {"handleId": "never"}) == {}
        for method in ("execwire/fileDigest", "execwire/commitFile"):
            params: dict[str, Any] = {"handleId": "nope"}
            if method == "execwire/commitFile":
                params.update(_digest(b""))
            answer = await raw.request(method, params)
            assert answer["error"] == {"code": -32004, "message": "unknown file handle `nope`"}
        # fs/close keeps its reference meaning: the content takes the file's place.
        await raw.result("fs/open", {"handleId": "c", "path": _uri(target), "mode": "replace"})
        await _write(raw, "c", 0, b"closed")
        assert await raw.result("fs/close", {"handleId": "c"}) == {}
        assert target.read_bytes() == b"closed"


async def test_a_session_that_did_not_ask_has_none(server: ServerProcess, tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    async with connect(server.url) as raw:
        await raw.initialize()
        await raw.result("fs/open", {"handleId": "r", "path": _uri(tmp_path / "f")})
        answer = await raw.request("execwire/fileDigest", {"handleId": "r"})
        assert answer["error"]["code"] == -32601

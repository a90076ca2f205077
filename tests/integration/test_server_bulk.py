"""The server's bulk paths answer exactly like the general ones: large `fs/writeFile`
requests (cut out of the message) and `fs/readFile` replies (written straight into it)."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pybase64
import websockets

from .rawclient import ServerProcess, connect

DATA = os.urandom(3 << 20)
TEXT = pybase64.b64encode(DATA).decode()


async def test_large_writes_land_whatever_the_member_order_or_escapes(
    server: ServerProcess, tmp_path: Path
) -> None:
    quoted = tmp_path / 'qu"ote'
    async with connect(server.url) as client:
        await client.initialize()
        await client.result("fs/writeFile", {"path": f"file://{tmp_path}/a", "dataBase64": TEXT})
        await client.result("fs/writeFile", {"dataBase64": TEXT[:-4], "path": f"file://{tmp_path}/b"})
        await client.result("fs/writeFile", {"path": f"file://{quoted}", "dataBase64": TEXT})
        # A duplicate member makes the message malformed, as with the reference.
        await client.send(
            f'{{"id":"dup","method":"fs/writeFile","params":{{"path":"file://{tmp_path}/c",'
            f'"dataBase64":"{TEXT}","dataBase64":"QUJD"}}}}'
        )
        malformed = (await client.response(-1))["error"]
        assert malformed["code"] == -32600
        assert "duplicate JSON object key `dataBase64`" in malformed["message"]
    assert (tmp_path / "a").read_bytes() == DATA
    assert (tmp_path / "b").read_bytes() == pybase64.b64decode(TEXT[:-4])
    assert quoted.read_bytes() == DATA
    assert not (tmp_path / "c").exists()


async def test_large_invalid_data_gets_the_reference_error(
    server: ServerProcess, tmp_path: Path
) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        bad_symbol = await client.request(
            "fs/writeFile",
            {"path": f"file://{tmp_path}/a", "dataBase64": TEXT[:1000] + "!" + TEXT[1001:]},
        )
        non_canonical = await client.request(
            "fs/writeFile", {"path": f"file://{tmp_path}/b", "dataBase64": TEXT[:-4] + "QR=="}
        )
        missing_directory = await client.request(
            "fs/writeFile", {"path": f"file://{tmp_path}/no/such", "dataBase64": TEXT}
        )
        sandboxed = await client.request(
            "fs/writeFile",
            {"path": f"file://{tmp_path}/d", "dataBase64": TEXT, "sandbox": {"cwd": "file:///"}},
        )
    message = "fs/writeFile requires valid base64 dataBase64: "
    assert bad_symbol["error"] == {"code": -32600, "message": message + "Invalid symbol 33, offset 1000."}
    assert non_canonical["error"] == {
        "code": -32600,
        "message": message + f"Invalid last symbol 82, offset {len(TEXT) - 3}.",
    }
    assert missing_directory["error"]["code"] == -32004
    assert sandboxed["error"]["code"] == -32602
    assert not any(tmp_path.iterdir())


async def test_read_file_replies_are_what_encoding_the_result_gives(
    server: ServerProcess, tmp_path: Path
) -> None:
    """Byte for byte, whatever the request id and the size (the reply is not parsed here)."""
    (tmp_path / "big").write_bytes(DATA)
    (tmp_path / "empty").write_bytes(b"")
    async with websockets.connect(server.url, compression=None, max_size=None) as ws:
        await ws.send(orjson.dumps({"id": 0, "method": "initialize", "params": {"clientName": "t"}}))
        await ws.recv()
        await ws.send(orjson.dumps({"method": "initialized", "params": {}}))
        for request_id, name, data in [(1, "big", DATA), ("a\"b", "empty", b""), (2**63 - 1, "big", DATA)]:
            path = f"file://{tmp_path}/{name}"
            request = {"id": request_id, "method": "fs/readFile", "params": {"path": path}}
            await ws.send(orjson.dumps(request))
            reply = await ws.recv(decode=False)
            expected = {"id": request_id, "result": {"dataBase64": pybase64.b64encode(data).decode()}}
            assert reply == orjson.dumps(expected)

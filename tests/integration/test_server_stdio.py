"""`--listen stdio`: newline-delimited JSON; end of stdin ends the server and its processes."""

from __future__ import annotations

import asyncio
import base64
import sys

import orjson


async def test_stdio_serves_a_session_and_exits_at_eof() -> None:
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "execwire_server", "--listen", "stdio",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert server.stdin is not None and server.stdout is not None
    lines = [
        {"id": 1, "method": "initialize", "params": {"clientName": "stdio"}},
        {"method": "initialized"},
        {"id": 2, "method": "process/start", "params": {"processId": "p", "argv": ["echo", "hi"], "cwd": "file:///tmp", "env": {"PATH": "/usr/bin:/bin"}, "tty": False}},
    ]
    server.stdin.write(b"\n   \n")  # blank lines are skipped
    for line in lines:
        server.stdin.write(orjson.dumps(line) + b"\n")
    server.stdin.write(b"{oops\n")
    await server.stdin.drain()
    received = []
    while not any(m.get("method") == "process/closed" for m in received) or not any(m.get("id") == -1 for m in received):
        received.append(orjson.loads(await asyncio.wait_for(server.stdout.readline(), 10)))
    output = [m for m in received if m.get("method") == "process/output"]
    assert base64.b64decode(output[0]["params"]["chunk"]) == b"hi\n"
    malformed = next(m for m in received if m.get("id") == -1)
    assert malformed["error"]["message"] == (
        "failed to parse JSON-RPC message from exec-server stdio: key must be a string at line 1 column 2"
    )
    server.stdin.close()
    assert await asyncio.wait_for(server.wait(), 10) == 0

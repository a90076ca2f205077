"""Sessions are freed by reference counting: serving and using one leaves no reference
cycles for the cyclic garbage collector, on the server or in the SDK.

The server runs with a quiet collector (`execwire_server.collector`), so a cycle made per
session would pile up for tens of thousands of allocations and then cost a long pause.
"""

from __future__ import annotations

import asyncio
import gc
from collections import Counter
from pathlib import Path

import pytest

from execwire import Executor, ExecWireError, WebSocketConnector
from execwire_server.server import ExecServer
from execwire_server.transports import serve_websocket


async def _session(url: str, scratch: Path) -> None:
    async with await Executor.open(WebSocketConnector(url)) as executor:
        assert (await executor.run(["/bin/echo", "hi"])).stdout == b"hi\n"
        cat = await executor.spawn(["/bin/cat"], stdin=True)
        await cat.write(b"data")
        await cat.terminate()
        await cat.wait()
        assert (await executor.run(["/bin/sh", "-c", "exit 3"], tty=True)).exit_code == 3
        await executor.write_bytes(scratch, b"x" * 100_000)
        assert await executor.read_bytes(scratch) == b"x" * 100_000
        with pytest.raises(ExecWireError):
            await executor.read_bytes(scratch / "missing")
        with pytest.raises(ExecWireError):
            await executor.run(["/no/such"])


async def test_sessions_leave_no_reference_cycles(tmp_path: Path) -> None:
    server = ExecServer()
    listener = await serve_websocket(server, "127.0.0.1", 0)
    port = next(iter(listener.sockets)).getsockname()[1]
    url = f"ws://127.0.0.1:{port}"
    try:
        await asyncio.gather(*(_session(url, tmp_path / f"warm-{n}") for n in range(3)))
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            await asyncio.gather(*(_session(url, tmp_path / f"file-{n}") for n in range(3)))
            await asyncio.sleep(0.2)  # closing handshakes and exit drains finish
            gc.collect()
            garbage = Counter(type(thing).__qualname__ for thing in gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
        assert not garbage, f"reference cycles left behind: {garbage.most_common(10)}"
    finally:
        listener.close()
        await server.shutdown()

"""One server, many connections and processes: nothing waits for anything unrelated."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

from .rawclient import ServerProcess, connect, start_params


async def test_long_poll_pty_and_burst_do_not_wait_for_each_other(
    server: ServerProcess, tmp_path: Path
) -> None:
    release = tmp_path / "release"
    async with connect(server.url) as poller, connect(server.url) as terminal, connect(server.url) as burst:
        for client in (poller, terminal, burst):
            await client.initialize()
        idle = ["/bin/sh", "-c", f"until [ -e {release} ]; do sleep 0.01; done"]
        await poller.result("process/start", start_params("idle", idle))
        await poller.send({"id": 900, "method": "process/read", "params": {"processId": "idle", "waitMs": 120000}})

        size = 5 * 1024 * 1024
        await burst.result("process/start", start_params("burst", ["head", "-c", str(size), "/dev/zero"]))
        await terminal.result("process/start", start_params("tty", ["cat"], tty=True))
        chunk = base64.b64encode(b"ping\n").decode()
        await terminal.result("process/write", {"processId": "tty", "chunk": chunk, "writeId": "1"})
        await terminal.wait_for(lambda m: b"ping\r\nping\r\n" in terminal.output("tty"), timeout=30)
        await burst.wait_closed_process("burst", timeout=60)
        assert len(burst.output("burst")) == size
        # Both finished while the long poll is still pending on its own connection.
        assert 900 not in poller.responses
        release.touch()
        read = await poller.response(900, timeout=10)
        assert read["result"]["exited"] is True
        await terminal.result("process/terminate", {"processId": "tty"})


async def test_requests_on_one_connection_are_served_in_order_by_default(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        await client.result("process/start", start_params("idle", ["sleep", "300"]))
        await client.send({"id": 901, "method": "process/read", "params": {"processId": "idle", "waitMs": 300}})
        await client.send({"id": 902, "method": "environment/status"})
        await client.response(902)
        # The status request waited behind the long poll, like the reference.
        assert [i for i in client.arrivals if i in (901, 902)] == [901, 902]
        await client.result("process/terminate", {"processId": "idle"})


async def test_concurrent_requests_let_later_requests_pass_a_long_poll(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory("--concurrent-requests", "4")
    async with connect(server.url) as client:
        await client.initialize()
        await client.result("process/start", start_params("idle", ["sleep", "300"]))
        await client.send({"id": 901, "method": "process/read", "params": {"processId": "idle", "waitMs": 120000}})
        await client.send({"id": 902, "method": "environment/status"})
        assert (await client.response(902))["result"] == {"status": "ready"}
        assert 901 not in client.arrivals
        await client.result("process/terminate", {"processId": "idle"})
        assert (await client.response(901))["result"]["exited"] is True

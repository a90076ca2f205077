"""Limits an operator sets, each refused with a clear error (and nothing else disturbed)."""

from __future__ import annotations

from collections.abc import Callable

from .rawclient import ServerProcess, connect, start_params


async def test_processes_per_session(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory("--max-processes-per-session", "2")
    async with connect(server.url) as client:
        await client.initialize()
        for name in ("a", "b"):
            await client.result("process/start", start_params(name, ["sleep", "300"]))
        refused = await client.request("process/start", start_params("c", ["sleep", "300"]))
        assert refused["error"] == {
            "code": -32600,
            "message": "too many running processes in this session (limit 2)",
        }
        await client.result("process/terminate", {"processId": "a"})
        await client.wait_closed_process("a")
        await client.result("process/start", start_params("c", ["true"]))  # room again


async def test_sessions_per_server(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory("--max-sessions", "1")
    async with connect(server.url) as first:
        await first.initialize()
        async with connect(server.url) as second:
            refused = await second.request("initialize", {"clientName": "t"})
            assert refused["error"] == {
                "code": -32600,
                "message": "too many sessions on this server (limit 1)",
            }
        assert await first.result("environment/status", {}) is not None  # the first is served

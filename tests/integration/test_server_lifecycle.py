"""Lifecycle gate, malformed input and the websocket listener's HTTP rules, as the reference."""

from __future__ import annotations

import asyncio
import base64
import http.client
import os
import signal
from collections.abc import Callable
from urllib.parse import urlparse

import pytest
import websockets

from .rawclient import ServerProcess, connect, start_params


async def test_requests_are_gated_until_initialize_and_initialized(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        params = start_params("p", ["true"])
        before = await client.request("process/start", params)
        assert before["error"] == {"code": -32600, "message": "client must call initialize before using exec methods"}
        await client.result("initialize", {"clientName": "t"})
        between = await client.request("fs/getMetadata", {"path": "file:///tmp"})
        assert between["error"]["message"] == "client must send initialized before using filesystem methods"
        again = await client.request("initialize", {"clientName": "t"})
        assert again["error"] == {"code": -32600, "message": "initialize may only be sent once per connection"}
        await client.send({"method": "initialized", "params": {}})
        assert (await client.result("process/start", params))["processId"] == "p"


async def test_params_are_decoded_before_the_gate_and_handler_checks_after(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        missing = await client.request("process/start", {})
        assert missing["error"] == {"code": -32602, "message": "missing field `processId`"}
        empty_argv = await client.request("process/start", start_params("p", []))
        assert empty_argv["error"]["message"] == "client must call initialize before using exec methods"
        await client.initialize()
        empty_argv = await client.request("process/start", start_params("p", []))
        assert empty_argv["error"] == {"code": -32602, "message": "argv must not be empty"}


async def test_unknown_methods_and_malformed_messages_keep_the_connection(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        unknown = await client.request("process/resize", {})
        assert unknown["error"] == {"code": -32601, "message": "exec-server stub does not implement `process/resize` yet"}
        await client.send("{bad json")
        reply = await client.response(-1)
        assert reply["error"]["code"] == -32600
        assert reply["error"]["message"].startswith(
            "failed to parse websocket JSON-RPC message from exec-server websocket 127.0.0.1:"
        )
        assert reply["error"]["message"].endswith(": key must be a string at line 1 column 2")
        await client.send(b'{"id": 7, "method": "environment/status"}')  # binary frames are accepted
        assert (await client.response(7))["result"] == {"status": "ready"}


@pytest.mark.parametrize(
    "message",
    [
        {"method": "process/output", "params": {}},
        {"id": 99, "result": {}},
        {"id": 99, "error": {"code": 1, "message": "x"}},
    ],
    ids=["stray-notification", "client-response", "client-error"],
)
async def test_protocol_violations_drop_the_connection(server: ServerProcess, message: dict[str, object]) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        await client.send(message)
        await asyncio.wait_for(client.ws.wait_closed(), 5)
        # Like the reference: the TCP connection just ends, without a close frame.
        assert client.ws.protocol.close_rcvd is None


async def test_initialized_before_initialize_drops_the_connection(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        await client.send({"method": "initialized"})
        await asyncio.wait_for(client.ws.wait_closed(), 5)


def _http_get(url: str, path: str, headers: dict[str, str] | None = None) -> int:
    parsed = urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname or "", parsed.port, timeout=5)
    connection.request("GET", path, headers=headers or {})
    status = connection.getresponse().status
    connection.close()
    return status


def test_readyz_and_http_rules(server: ServerProcess) -> None:
    assert _http_get(server.url, "/readyz") == 200
    assert _http_get(server.url, "/nope") == 404
    assert _http_get(server.url, "/") == 400


async def test_browser_origins_are_refused(server: ServerProcess) -> None:
    with pytest.raises(websockets.InvalidStatus) as info:
        await websockets.connect(server.url, origin="http://localhost:3000")  # type: ignore[arg-type]
    assert info.value.response.status_code == 403


async def test_bearer_token_gates_the_websocket_but_not_readyz(
    server_factory: Callable[..., ServerProcess],
) -> None:
    env = dict(os.environ, EXECWIRE_CONNECTION_TOKEN="s3cret-token")
    server = server_factory(env=env)
    assert _http_get(server.url, "/readyz") == 200
    with pytest.raises(websockets.InvalidStatus) as info:
        await websockets.connect(server.url)
    assert info.value.response.status_code == 401
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(server.url, additional_headers={"Authorization": "Bearer wrong"})
    async with connect(server.url, additional_headers={"Authorization": "Bearer s3cret-token"}) as client:
        assert (await client.initialize())


async def test_sigterm_ends_sessions_and_kills_their_processes(server: ServerProcess) -> None:
    async with connect(server.url) as client:
        await client.initialize()
        await client.result("process/start", start_params("sleeper", ["sh", "-c", "echo $$; exec sleep 300"]))
        message = await client.wait_for(lambda m: m.get("method") == "process/output")
        pid = int(base64.b64decode(message["params"]["chunk"]))
        server.process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(server.process.wait, 10) == 0
    # The server reaps what it killed before exiting: the process is gone, not a zombie.
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)

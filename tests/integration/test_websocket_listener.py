"""The exec-server's websocket listener over real sockets, driven by a raw-frame client.

HTTP answers before the upgrade, framing (text/binary, fragments, control frames), the size
limit, closing, keepalive, back-pressure towards a peer that stops reading, and replies
queued together leaving in one write, in order.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
import struct
import subprocess
import sys
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest

from execwire_server import transports
from execwire_server.server import ExecServer
from execwire_server.transports import WebSocketServer, WebSocketTransport, serve_websocket

from .rawclient import start_params

TEXT, BINARY, CONTINUATION, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA
UPGRADE_HEADERS = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
    "Sec-WebSocket-Version": "13",
}


@dataclass
class Listener:
    server: WebSocketServer
    exec_server: ExecServer
    host: str
    port: int

    def connections(self) -> list[WebSocketTransport]:
        return list(self.server._connections)


@contextlib.asynccontextmanager
async def listening(host: str = "127.0.0.1", **options: Any) -> AsyncIterator[Listener]:
    concurrent = options.pop("concurrent_requests", 1)
    exec_server = ExecServer(concurrent_requests=concurrent)
    server = await serve_websocket(exec_server, host, 0, **options)
    port = server.sockets[0].getsockname()[1]
    try:
        yield Listener(server, exec_server, host, port)
    finally:
        server.close()
        await exec_server.shutdown()
        await server.wait_closed()


async def http_get(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, bytes, bytes]:
    """(status, raw response head, body) of one request; the server closes afterwards."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [
        f"GET {path} HTTP/1.1",
        "Host: test",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
    ]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape"))
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    status = int(head.split(b" ", 2)[1])
    body = b"" if status == 101 else await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return status, head, body


class RawWebSocket:
    """A websocket client writing frames by hand, to test the edges of the protocol."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int, host: str = "127.0.0.1", **headers: str) -> RawWebSocket:
        reader, writer = await asyncio.open_connection(host, port)
        lines = [
            "GET / HTTP/1.1",
            "Host: test",
            *(f"{k}: {v}" for k, v in {**UPGRADE_HEADERS, **headers}.items()),
        ]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 101 "), head
        return cls(reader, writer)

    def send_frame(self, opcode: int, payload: bytes, fin: bool = True) -> None:
        mask = os.urandom(4)
        size = len(payload)
        header = bytes([opcode | (0x80 if fin else 0)])
        if size < 126:
            header += bytes([0x80 | size])
        elif size < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", size)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", size)
        masked = (
            bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if size < 4096
            else _mask(payload, mask)
        )
        self.writer.write(header + mask + masked)

    def send_json(self, message: Any, opcode: int = TEXT) -> None:
        self.send_frame(opcode, orjson.dumps(message))

    async def read_frame(self, timeout: float = 10) -> tuple[int, bool, bytes] | None:
        """(opcode, fin, payload), or None at the end of the TCP stream."""
        try:
            first, second = await asyncio.wait_for(self.reader.readexactly(2), timeout)
            assert second & 0x80 == 0, "server frames are not masked"
            size = second & 0x7F
            if size == 126:
                (size,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif size == 127:
                (size,) = struct.unpack("!Q", await self.reader.readexactly(8))
            payload = await self.reader.readexactly(size)
        except (asyncio.IncompleteReadError, ConnectionResetError):
            return None
        return first & 0x0F, bool(first & 0x80), payload

    async def read_message(self, timeout: float = 10) -> dict[str, Any]:
        """The next data message (each must be one whole text frame)."""
        while True:
            frame = await self.read_frame(timeout)
            assert frame is not None, "connection ended"
            opcode, fin, payload = frame
            if opcode in (PING, PONG):
                continue
            assert (opcode, fin) == (TEXT, True), frame[:2]
            message: dict[str, Any] = orjson.loads(payload)
            return message

    async def response(self, request_id: int, timeout: float = 10) -> dict[str, Any]:
        while True:
            message = await self.read_message(timeout)
            if message.get("id") == request_id and "method" not in message:
                return message

    async def initialize(self) -> None:
        self.send_json({"id": 0, "method": "initialize", "params": {"clientName": "t"}})
        assert "result" in await self.response(0)
        self.send_json({"method": "initialized", "params": {}})

    async def expect_close(self, code: int, answer: bool = True) -> None:
        """A close frame with `code`, then (after answering it) the end of the TCP stream."""
        while True:
            frame = await self.read_frame()
            assert frame is not None, "TCP ended without a close frame"
            if frame[0] == CLOSE:
                assert struct.unpack("!H", frame[2][:2])[0] == code, frame
                break
        if answer:
            self.send_frame(CLOSE, frame[2][:2])
        assert await self.read_frame() is None

    def close(self) -> None:
        self.writer.close()


def _mask(payload: bytes, mask: bytes) -> bytes:
    key = int.from_bytes(mask * ((len(payload) + 3) // 4), "big") >> (8 * (-len(payload) % 4))
    return (int.from_bytes(payload, "big") ^ key).to_bytes(len(payload), "big")


# -- HTTP before the upgrade ----------------------------------------------------------------


async def test_http_answers_before_the_upgrade() -> None:
    async with listening() as listener:
        port = listener.port
        status, head, body = await http_get(port, "/readyz")
        assert (status, body) == (200, b"")
        assert b"Content-Length: 0\r\n" in head
        assert (await http_get(port, "/nope"))[0] == 404
        assert (await http_get(port, "/readyz?probe"))[0] == 404
        assert (await http_get(port, "/"))[0] == 400  # no upgrade
        assert (await http_get(port, "/?x=1"))[0] == 400
        assert (await http_get(port, "/", {**UPGRADE_HEADERS, "Origin": "http://localhost"}))[
            0
        ] == 403
        bad_upgrade = {**UPGRADE_HEADERS, "Upgrade": "h2c"}
        assert (await http_get(port, "/", bad_upgrade))[0] == 426
        # RFC 6455 allows a token list in Connection (Firefox sends this).
        token_list = {**UPGRADE_HEADERS, "Connection": "keep-alive, Upgrade"}
        assert (await http_get(port, "/", token_list))[0] == 101
        assert (await http_get(port, "/?anything", UPGRADE_HEADERS))[0] == 101


async def test_the_bearer_token_gates_the_upgrade_but_not_readyz() -> None:
    async with listening(token="s3cret") as listener:
        port = listener.port
        assert (await http_get(port, "/readyz"))[0] == 200
        assert (await http_get(port, "/", UPGRADE_HEADERS))[0] == 401
        for wrong in (
            "Bearer wrong",
            "bearer s3cret",
            "Bearer s3cret!",
            "Basic s3cret",
            "Bearer s3cr\udcffet",
        ):
            assert (await http_get(port, "/", {**UPGRADE_HEADERS, "Authorization": wrong}))[
                0
            ] == 401
        # Origin is refused before the token is looked at, as before.
        with_origin = {**UPGRADE_HEADERS, "Authorization": "Bearer s3cret", "Origin": "null"}
        assert (await http_get(port, "/", with_origin))[0] == 403
        assert (await http_get(port, "/", {**UPGRADE_HEADERS, "Authorization": "Bearer s3cret"}))[
            0
        ] == 101


async def test_the_server_never_logs_the_token(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(1)
    async with listening(token="s3cret-value") as listener:
        ws = await RawWebSocket.connect(listener.port, Authorization="Bearer s3cret-value")
        await ws.initialize()
        ws.close()
    assert caplog.records and "s3cret-value" not in caplog.text


# -- frames and messages ------------------------------------------------------------------


async def test_text_binary_and_fragmented_requests_get_text_replies() -> None:
    async with listening() as listener:
        ws = await RawWebSocket.connect(listener.port)
        await ws.initialize()
        ws.send_json({"id": 1, "method": "environment/status"}, opcode=BINARY)
        assert (await ws.response(1))["result"] == {"status": "ready"}
        request = orjson.dumps({"id": 2, "method": "environment/status", "params": {}})
        ws.send_frame(TEXT, request[:5], fin=False)
        ws.send_frame(PING, b"mid-message")  # control frames may come between fragments
        ws.send_frame(CONTINUATION, request[5:9], fin=False)
        ws.send_frame(CONTINUATION, request[9:])
        assert await ws.read_frame() == (PONG, True, b"mid-message")
        assert (await ws.response(2))["result"] == {"status": "ready"}
        ws.send_frame(BINARY, request[:3], fin=False)
        ws.send_frame(CONTINUATION, request[3:].replace(b"2", b"3"))
        assert (await ws.response(3))["result"] == {"status": "ready"}
        ws.close()


async def test_large_messages_are_fragmented_both_ways(tmp_path: Any) -> None:
    data = os.urandom(3 << 20)
    async with listening() as listener:
        ws = await RawWebSocket.connect(listener.port)
        await ws.initialize()
        request = orjson.dumps(
            {
                "id": 1,
                "method": "fs/writeFile",
                "params": {
                    "path": f"file://{tmp_path}/f",
                    "dataBase64": base64.b64encode(data).decode(),
                },
            }
        )
        pieces = [request[i : i + (1 << 20)] for i in range(0, len(request), 1 << 20)]
        for index, piece in enumerate(pieces):
            ws.send_frame(CONTINUATION if index else TEXT, piece, fin=index == len(pieces) - 1)
        assert "result" in await ws.response(1, timeout=30)
        assert (tmp_path / "f").read_bytes() == data
        # Read back: a big reply comes as a text message in fragments of at most 1 MiB.
        ws.send_json({"id": 2, "method": "fs/readFile", "params": {"path": f"file://{tmp_path}/f"}})
        frames = []
        while not frames or not frames[-1][1]:
            frame = await ws.read_frame()
            assert frame is not None
            if frame[0] not in (PING, PONG):
                frames.append(frame)
        assert [opcode for opcode, _, _ in frames] == [TEXT] + [CONTINUATION] * (len(frames) - 1)
        assert len(frames) > 3 and max(len(payload) for _, _, payload in frames) <= 1 << 20
        reply = orjson.loads(b"".join(payload for _, _, payload in frames))
        assert base64.b64decode(reply["result"]["dataBase64"]) == data
        ws.close()


@pytest.mark.parametrize("fragmented", [False, True], ids=["one-frame", "fragments"])
async def test_a_message_over_the_limit_is_refused_with_1009(fragmented: bool) -> None:
    async with listening(max_message_bytes=4096) as listener:
        ws = await RawWebSocket.connect(listener.port)
        ws.send_frame(TEXT, b" " * 4096)  # exactly the limit: accepted (blank: malformed JSON)
        assert (await ws.read_message())["id"] == -1
        if fragmented:
            ws.send_frame(TEXT, b" " * 3000, fin=False)
            ws.send_frame(CONTINUATION, b" " * 1097)
        else:
            ws.send_frame(TEXT, b" " * 4097)
        await ws.expect_close(1009)


@pytest.mark.parametrize("broken", ["stray-continuation", "interrupted-fragments"])
async def test_broken_fragmentation_is_refused_with_1002(broken: str) -> None:
    async with listening() as listener:
        ws = await RawWebSocket.connect(listener.port)
        if broken == "stray-continuation":
            ws.send_frame(CONTINUATION, b"{}")
        else:
            ws.send_frame(TEXT, b"{", fin=False)
            ws.send_frame(TEXT, b"{}")
        await ws.expect_close(1002)


async def test_a_json_rpc_protocol_violation_drops_tcp_without_a_close_frame() -> None:
    async with listening() as listener:
        ws = await RawWebSocket.connect(listener.port)
        await ws.initialize()
        ws.send_json({"id": 5, "result": {}})  # a client must not send responses
        while (frame := await ws.read_frame()) is not None:
            assert frame[0] != CLOSE


async def test_the_peer_closing_is_echoed_and_ends_the_connection() -> None:
    async with listening() as listener:
        ws = await RawWebSocket.connect(listener.port)
        await ws.initialize()
        assert len(listener.connections()) == 1
        ws.send_frame(CLOSE, struct.pack("!H", 1000) + b"bye")
        await ws.expect_close(1000, answer=False)
        for _ in range(100):
            if not listener.connections():
                break
            await asyncio.sleep(0.01)
        assert listener.connections() == []


async def test_closing_the_server_says_going_away() -> None:
    async with listening() as listener:
        ws = await RawWebSocket.connect(listener.port)
        await ws.initialize()
        listener.server.close(close_connections=True)
        await ws.expect_close(1001)


async def test_peer_label_in_errors_brackets_ipv6() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        context = listening("::1")
        listener = await context.__aenter__()
    except OSError:
        pytest.skip("cannot bind ::1")
    try:
        ws = await RawWebSocket.connect(listener.port, host="::1")
        ws.send_frame(TEXT, b"{bad json")
        message = (await ws.read_message())["error"]["message"]
        assert message.startswith(
            "failed to parse websocket JSON-RPC message from exec-server websocket [::1]:"
        )
        ws.close()
    finally:
        await context.__aexit__(None, None, None)


# -- keepalive ---------------------------------------------------------------------------


async def test_keepalive_pings_and_drops_a_peer_that_stops_answering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(transports, "KEEPALIVE_INTERVAL_SECONDS", 0.1)
    monkeypatch.setattr(transports, "KEEPALIVE_TIMEOUT_SECONDS", 0.3)
    async with listening() as listener:
        ws = await RawWebSocket.connect(listener.port)
        for _ in range(3):  # answered pings keep the connection open
            opcode, _, payload = await ws.read_frame(2) or (None, None, b"")
            assert opcode == PING
            ws.send_frame(PONG, payload)
        opcode, _, _ = await ws.read_frame(2) or (None, None, b"")
        assert opcode == PING  # ... and this one goes unanswered
        await ws.expect_close(1011, answer=False)  # dropped: no closing handshake


# -- batching and back-pressure ----------------------------------------------------------


async def test_replies_queued_together_leave_in_one_write_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batches: list[int] = []
    original = WebSocketTransport.send_batch

    async def recording(self: WebSocketTransport, messages: Any) -> None:
        batches.append(len(messages))
        await original(self, messages)

    monkeypatch.setattr(WebSocketTransport, "send_batch", recording)
    async with listening(concurrent_requests=16) as listener:
        ws = await RawWebSocket.connect(listener.port)
        await ws.initialize()
        argv = ["sh", "-c", "for i in $(seq 300); do echo line $i; done"]
        ws.send_json({"id": 1, "method": "process/start", "params": start_params("p", argv)})
        for request_id in range(2, 402):
            ws.send_json({"id": request_id, "method": "environment/status"})
        responses: list[int] = []
        output: list[dict[str, Any]] = []
        closed = False
        while len(responses) < 401 or not closed:
            message = await ws.read_message()
            if "id" in message:
                responses.append(message["id"])
            elif message["method"] == "process/output":
                output.append(message["params"])
            closed = closed or message.get("method") == "process/closed"
        assert sorted(responses) == list(range(1, 402))
        seqs = [chunk["seq"] for chunk in output]
        assert seqs == sorted(seqs)  # notifications of a process stay in seq order
        text = b"".join(base64.b64decode(chunk["chunk"]) for chunk in output)
        assert text == b"".join(b"line %d\n" % i for i in range(1, 301))
        ws.close()
    assert max(batches) > 1, batches


async def test_a_reader_that_stops_reading_holds_up_the_server(tmp_path: Any) -> None:
    size = 24 << 20
    async with listening() as listener:
        ws = await RawWebSocket.connect(listener.port)
        await ws.initialize()
        params = start_params("p", ["head", "-c", str(size), "/dev/zero"], env={})
        ws.send_json({"id": 1, "method": "process/start", "params": params})
        # Nothing is read from now on: the kernel buffers fill, then the server's.
        (server_side,) = listener.connections()
        socket_transport = server_side._ws.underlying_transport  # type: ignore[union-attr]
        peak = 0
        for _ in range(150):
            await asyncio.sleep(0.02)
            peak = max(peak, socket_transport.get_write_buffer_size())
        assert not server_side._writable.is_set(), "the server should be waiting to write"
        # Bounded by the high-water mark plus one batch of queued notifications.
        assert peak <= transports.WRITE_LIMIT + 128 * 64 * 1024, peak
        received = 0
        exited = False
        while not exited:
            message = await ws.read_message(timeout=30)
            if message.get("method") == "process/output":
                received += len(base64.b64decode(message["params"]["chunk"]))
            exited = message.get("method") == "process/closed"
        assert received == size  # held up, not dropped
        ws.close()


async def test_a_peer_flooding_requests_is_read_as_fast_as_they_are_served() -> None:
    async with listening() as listener:
        ws = await RawWebSocket.connect(listener.port)
        await ws.initialize()
        for request_id in range(1, 2001):
            ws.send_json({"id": request_id, "method": "environment/status"})
        await ws.writer.drain()
        for request_id in range(1, 2001):
            assert (await ws.response(request_id))["result"] == {"status": "ready"}
        ws.close()


def test_the_cli_prints_the_bound_url_first_and_serves_readyz() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "execwire_server", "--listen", "ws://127.0.0.1:0"],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().decode().strip()
        assert url.startswith("ws://127.0.0.1:")
        with urllib.request.urlopen(
            url.replace("ws://", "http://") + "/readyz", timeout=5
        ) as answer:
            assert (answer.status, answer.read()) == (200, b"")
    finally:
        process.terminate()
        assert process.wait(10) == 0

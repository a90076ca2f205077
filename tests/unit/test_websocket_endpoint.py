"""The picows-based websocket plumbing without sockets: framing, assembly, flow control,
the outbound batching of a connection, and the logger picows gets."""

from __future__ import annotations

import asyncio
import logging
import os
import struct
import sys
import urllib.request
from collections.abc import Sequence
from random import Random
from types import SimpleNamespace
from typing import Any

import pytest
from picows import WSCloseCode, WSMsgType
from picows.picows import _make_test_ws_frame

from execwire.transports import websocket, websocket_dial
from execwire.transports.websocket import (
    INBOX_HIGH,
    INBOX_LOW,
    WebSocketEndpoint,
    picows_logger,
    utf8_fragments,
)
from execwire_server.allocator import IdleTrim
from execwire_server.connection import Connection, _Outbound
from execwire_server.transports import FRAGMENT_BYTES, WebSocketTransport, _frame_header


class FakeSocketTransport:
    """What the endpoint uses of the asyncio transport underneath picows."""

    def __init__(self) -> None:
        self.writes: list[list[bytes]] = []
        self.reading = True
        self.closing = False

    def writelines(self, chunks: list[bytes]) -> None:
        self.writes.append(list(chunks))

    def is_closing(self) -> bool:
        return self.closing

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True


class FakeWS:
    """A stand-in for picows's WSTransport: records what the endpoint asks of it."""

    def __init__(self) -> None:
        self.underlying_transport = FakeSocketTransport()
        self.is_disconnected = False
        self.is_close_frame_sent = False
        self.closes: list[tuple[Any, Any]] = []
        self.disconnects: list[bool] = []

    def send_close(self, code: Any = None, message: Any = None) -> None:
        self.closes.append((code, message))
        self.is_close_frame_sent = True

    def disconnect(self, graceful: bool = True) -> None:
        self.disconnects.append(graceful)


def _endpoint(max_message_bytes: int | None = None) -> tuple[WebSocketEndpoint, FakeWS]:
    endpoint = WebSocketEndpoint(
        max_message_bytes=max_message_bytes, ping_interval=None, ping_timeout=1
    )
    ws = FakeWS()
    endpoint._ws = ws  # type: ignore[assignment]
    return endpoint, ws


def _frame(kind: WSMsgType, payload: bytes, fin: bool = True) -> Any:
    return _make_test_ws_frame(kind, payload, fin, False)


def _parse_frames(data: bytes) -> list[tuple[int, bool, bytes]]:
    """(opcode, fin, payload) of unmasked frames."""
    frames = []
    offset = 0
    while offset < len(data):
        first, second = data[offset], data[offset + 1]
        assert second & 0x80 == 0, "server frames are not masked"
        size = second & 0x7F
        offset += 2
        if size == 126:
            (size,) = struct.unpack_from("!H", data, offset)
            offset += 2
        elif size == 127:
            (size,) = struct.unpack_from("!Q", data, offset)
            offset += 8
        frames.append((first & 0x0F, bool(first & 0x80), data[offset : offset + size]))
        offset += size
    return frames


# -- framing -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 1 << 20])
def test_text_frame_headers_use_the_shortest_length_encoding(size: int) -> None:
    payload = b"x" * size
    header = _frame_header(size)
    assert len(header) == (2 if size < 126 else 4 if size < 65536 else 10)
    assert _parse_frames(header + payload) == [(1, True, payload)]


async def test_a_batch_is_one_writelines_of_text_frames_in_order() -> None:
    transport = WebSocketTransport(lambda _: None, 1 << 20)
    ws = FakeWS()
    transport._ws = ws  # type: ignore[assignment]
    messages = [b'{"id":%d}' % i for i in range(50)] + [b"y" * 70000, b"", b"z" * 300]
    await transport.send_batch(messages)
    assert len(ws.underlying_transport.writes) == 1
    frames = _parse_frames(b"".join(ws.underlying_transport.writes[0]))
    assert [payload for _, _, payload in frames] == messages
    assert {(opcode, fin) for opcode, fin, _ in frames} == {(1, True)}


async def test_big_replies_go_out_in_text_fragments_in_the_same_write() -> None:
    transport = WebSocketTransport(lambda _: None, 1 << 30)
    ws = FakeWS()
    transport._ws = ws  # type: ignore[assignment]
    big = ("é" * 1_000_000 + "x" * 2_500_000).encode()
    await transport.send_batch([b"[1]", big, b"[2]"])
    assert len(ws.underlying_transport.writes) == 1
    frames = _parse_frames(b"".join(ws.underlying_transport.writes[0]))
    assert frames[0] == (1, True, b"[1]") and frames[-1] == (1, True, b"[2]")
    fragments = frames[1:-1]
    assert [(opcode, fin) for opcode, fin, _ in fragments] == (
        [(1, False)] + [(0, False)] * (len(fragments) - 2) + [(0, True)]
    )
    assert all(len(payload) <= FRAGMENT_BYTES for _, _, payload in fragments)
    assert b"".join(payload for _, _, payload in fragments) == big
    for _, _, payload in fragments:
        payload.decode()


async def test_sending_on_a_closed_connection_is_a_connection_error() -> None:
    transport = WebSocketTransport(lambda _: None, 1 << 20)
    with pytest.raises(ConnectionError):
        await transport.send(b"{}")  # not connected yet
    ws = FakeWS()
    transport._ws = ws  # type: ignore[assignment]
    ws.is_close_frame_sent = True
    with pytest.raises(ConnectionError):
        await transport.send(b"{}")
    assert ws.underlying_transport.writes == []


async def test_send_waits_while_the_socket_buffer_is_over_the_high_water_mark() -> None:
    transport = WebSocketTransport(lambda _: None, 1 << 20)
    ws = FakeWS()
    transport._ws = ws  # type: ignore[assignment]
    transport.pause_writing()
    sending = asyncio.create_task(transport.send(b"{}"))
    await asyncio.sleep(0.05)
    assert not sending.done() and len(ws.underlying_transport.writes) == 1
    transport.resume_writing()
    await asyncio.wait_for(sending, 1)
    # A connection lost while waiting fails the send.
    transport.pause_writing()
    sending = asyncio.create_task(transport.send(b"{}"))
    await asyncio.sleep(0.01)
    transport.on_ws_disconnected(ws)  # type: ignore[arg-type]
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(sending, 1)


def test_sdk_fragments_stay_whole_utf8_sequences() -> None:
    text = ("é" * 700_000 + "€" * 400_000).encode()
    pieces = utf8_fragments(text)
    assert b"".join(pieces) == text
    assert all(len(piece) <= 1 << 20 for piece in pieces)
    for piece in pieces:
        bytes(piece).decode()  # each fragment is valid UTF-8 on its own


# -- receiving -------------------------------------------------------------------------


async def test_text_binary_and_fragmented_messages_become_bytes() -> None:
    endpoint, ws = _endpoint()
    endpoint.on_ws_frame(ws, _frame(WSMsgType.TEXT, b'{"a":1}'))  # type: ignore[arg-type]
    endpoint.on_ws_frame(ws, _frame(WSMsgType.BINARY, b'{"b":2}'))  # type: ignore[arg-type]
    endpoint.on_ws_frame(ws, _frame(WSMsgType.TEXT, b'{"c":', fin=False))  # type: ignore[arg-type]
    endpoint.on_ws_frame(ws, _frame(WSMsgType.CONTINUATION, b"12", fin=False))  # type: ignore[arg-type]
    endpoint.on_ws_frame(ws, _frame(WSMsgType.PONG, b"unsolicited"))  # type: ignore[arg-type]
    endpoint.on_ws_frame(ws, _frame(WSMsgType.CONTINUATION, b"3}"))  # type: ignore[arg-type]
    received = [await endpoint.receive() for _ in range(3)]
    assert received == [b'{"a":1}', b'{"b":2}', b'{"c":123}']
    assert all(type(message) is bytes for message in received)


async def test_receive_waits_then_returns_none_after_a_close_frame() -> None:
    endpoint, ws = _endpoint()
    waiting = asyncio.create_task(endpoint.receive())
    await asyncio.sleep(0)
    endpoint.on_ws_frame(ws, _frame(WSMsgType.TEXT, b"{}"))  # type: ignore[arg-type]
    assert await waiting == b"{}"
    endpoint.on_ws_frame(ws, _frame(WSMsgType.TEXT, b"[1]"))  # type: ignore[arg-type]
    endpoint.on_ws_frame(ws, _frame(WSMsgType.CLOSE, struct.pack("!H", 1001)))  # type: ignore[arg-type]
    endpoint.on_ws_frame(ws, _frame(WSMsgType.TEXT, b"after close"))  # type: ignore[arg-type]
    assert await endpoint.receive() == b"[1]"  # queued before the close: still delivered
    assert await endpoint.receive() is None
    assert ws.closes == [(WSCloseCode.GOING_AWAY, None)]  # the peer's code is echoed
    assert ws.disconnects == [True]


async def test_an_empty_close_frame_is_answered_with_1000() -> None:
    endpoint, ws = _endpoint()
    endpoint.on_ws_frame(ws, _frame(WSMsgType.CLOSE, b""))  # type: ignore[arg-type]
    assert ws.closes == [(WSCloseCode.OK, None)]


@pytest.mark.parametrize(
    ("frames", "code"),
    [
        ([(WSMsgType.CONTINUATION, b"x", True)], WSCloseCode.PROTOCOL_ERROR),
        ([(WSMsgType.TEXT, b"x", False), (WSMsgType.TEXT, b"y", True)], WSCloseCode.PROTOCOL_ERROR),
        (
            [(WSMsgType.TEXT, b"x" * 60, False), (WSMsgType.CONTINUATION, b"y" * 41, True)],
            WSCloseCode.MESSAGE_TOO_BIG,
        ),
    ],
    ids=["stray-continuation", "interrupted-fragments", "too-big"],
)
async def test_framing_violations_fail_the_connection_with_a_close_frame(
    frames: list[tuple[WSMsgType, bytes, bool]], code: WSCloseCode
) -> None:
    endpoint, ws = _endpoint(max_message_bytes=100)
    for kind, payload, fin in frames:
        endpoint.on_ws_frame(ws, _frame(kind, payload, fin))  # type: ignore[arg-type]
    assert [closed[0] for closed in ws.closes] == [code]
    assert await endpoint.receive() is None
    # The TCP connection ends once the peer answers (data before that is dropped) ...
    endpoint.on_ws_frame(ws, _frame(WSMsgType.TEXT, b"{}"))  # type: ignore[arg-type]
    assert ws.disconnects == []
    endpoint.on_ws_frame(ws, _frame(WSMsgType.CLOSE, struct.pack("!H", code.value)))  # type: ignore[arg-type]
    assert ws.disconnects == [True] and len(ws.closes) == 1
    assert await endpoint.receive() is None


async def test_an_unanswered_close_drops_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(websocket, "CLOSE_TIMEOUT", 0.05)
    endpoint, ws = _endpoint()
    endpoint._close(WSCloseCode.GOING_AWAY)
    assert ws.disconnects == []
    await asyncio.sleep(0.1)
    assert ws.disconnects == [False]


async def test_a_message_of_exactly_the_limit_is_accepted() -> None:
    endpoint, ws = _endpoint(max_message_bytes=100)
    endpoint.on_ws_frame(ws, _frame(WSMsgType.TEXT, b"x" * 60, fin=False))  # type: ignore[arg-type]
    endpoint.on_ws_frame(ws, _frame(WSMsgType.CONTINUATION, b"y" * 40))  # type: ignore[arg-type]
    assert await endpoint.receive() == b"x" * 60 + b"y" * 40
    assert ws.closes == []


async def test_a_full_inbox_pauses_reading_until_it_drains() -> None:
    endpoint, ws = _endpoint()
    socket = ws.underlying_transport
    for index in range(INBOX_HIGH - 1):
        endpoint.on_ws_frame(ws, _frame(WSMsgType.TEXT, b"%d" % index))  # type: ignore[arg-type]
    assert socket.reading
    endpoint.on_ws_frame(ws, _frame(WSMsgType.TEXT, b"last"))  # type: ignore[arg-type]
    assert not socket.reading
    for _ in range(INBOX_HIGH - INBOX_LOW - 1):
        await endpoint.receive()
    assert not socket.reading
    await endpoint.receive()
    assert socket.reading


async def test_abort_drops_the_connection_without_a_close_frame() -> None:
    endpoint, ws = _endpoint()
    endpoint.abort()
    assert ws.disconnects == [False] and ws.closes == []
    assert await endpoint.receive() is None


# -- the connection's outbound queue -------------------------------------------------------


async def test_take_all_hands_over_everything_queued_in_order() -> None:
    outbound = _Outbound(4)
    for index in range(4):
        await outbound.put(b"%d" % index)
    blocked = asyncio.create_task(outbound.put(b"4"))
    await asyncio.sleep(0)
    assert not blocked.done()  # full: back-pressure
    assert await outbound.take_all() == [b"0", b"1", b"2", b"3"]
    await asyncio.wait_for(blocked, 1)
    assert await outbound.take_all() == [b"4"]
    outbound.close()
    assert await outbound.take_all() is None


class RecordingTransport:
    label = "test"
    parse_error_prefix = "x"
    malformed_is_fatal = False

    def __init__(self) -> None:
        self.sent: list[list[bytes]] = []

    async def send_batch(self, messages: Sequence[bytes]) -> None:
        self.sent.append(list(messages))
        await asyncio.sleep(0.001)  # a write that takes a while: more queues up meanwhile

    async def send(self, message: bytes) -> None:
        await self.send_batch([message])

    async def receive(self) -> bytes | None:
        return None

    def abort(self) -> None:
        pass


async def test_concurrent_producers_keep_their_order_through_the_write_loop() -> None:
    transport = RecordingTransport()
    server: Any = SimpleNamespace(
        concurrent_requests=1, filesystem_executor=None, executor_environment={}, idle_trim=IdleTrim()
    )
    connection = Connection(server, transport)
    writer = asyncio.create_task(connection._write_loop())

    async def produce(name: bytes) -> None:
        for index in range(200):
            await connection.send_notification(b"%s-%d" % (name, index))
            if index % 7 == 0:
                await asyncio.sleep(0)

    await asyncio.gather(*(produce(name) for name in (b"a", b"b", b"c")))
    async with asyncio.timeout(5):
        while sum(map(len, transport.sent)) < 600:
            await asyncio.sleep(0.001)
    connection._outbound.close()
    await asyncio.wait_for(writer, 1)
    flat = [message for batch in transport.sent for message in batch]
    for name in (b"a", b"b", b"c"):
        assert [m for m in flat if m.startswith(name)] == [b"%s-%d" % (name, i) for i in range(200)]
    assert max(map(len, transport.sent)) > 1  # what queued up went out in one write


# -- logging -------------------------------------------------------------------------------


def test_picows_logger_drops_raw_handshake_dumps(caplog: pytest.LogCaptureFixture) -> None:
    adapter = picows_logger(logging.getLogger("test.picows"))
    with caplog.at_level(1, logger="test.picows"):
        assert not adapter.isEnabledFor(9)
        assert adapter.isEnabledFor(logging.DEBUG)
        adapter.log(9, "Send upgrade request: %s", b"Authorization: Bearer s3cr3t\r\n")
        adapter.debug("> %s: %s", "Authorization", "Bearer s3cr3t")
        adapter.info("connected")
    assert "s3cr3t" not in caplog.text
    assert "<redacted>" in caplog.text and "connected" in caplog.text


# -- proxies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "secure", "expected"),
    [
        ({}, False, None),
        ({"http_proxy": "http://proxy:3128"}, False, "http://proxy:3128"),
        ({"http_proxy": "http://proxy:3128"}, True, None),  # wss does not take an http proxy
        ({"https_proxy": "http://tls:3128", "http_proxy": "http://p:1"}, False, "http://tls:3128"),
        ({"socks_proxy": "socks5://s:1080", "https_proxy": "http://tls:3128"}, True, "socks5://s:1080"),
        ({"socks_proxy": "http://s:1080"}, False, "socks5h://s:1080"),  # curl's socks spelling
        ({"http_proxy": "http://proxy:3128", "no_proxy": "example.com"}, False, None),
        ({"HTTPS_PROXY": "http://upper:3128"}, True, "http://upper:3128"),
        ({"HTTPS_PROXY": "http://upper:3128", "https_proxy": "http://lower:1"}, True, "http://lower:1"),
        ({"HTTPS_PROXY": "http://upper:3128", "https_proxy": ""}, True, None),  # empty unsets
        ({"HTTP_PROXY": "http://p:1", "NO_PROXY": "*"}, False, None),
        ({"HTTP_PROXY": "http://p:1", "REQUEST_METHOD": "GET"}, False, None),  # CGI: httpoxy
    ],
)
def test_the_system_proxy_is_chosen_as_websockets_chooses_it(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], secure: bool, expected: str | None
) -> None:
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert websocket_dial._proxy_for(secure, "example.com", 443 if secure else 80) == expected


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="urllib reads system settings there")
def test_proxy_variables_are_read_as_urllib_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"{scheme}_proxy" for scheme in ("ws", "wss", "socks", "https", "http", "no")]
    choices = [None, "", "http://a:1", "http://b:2"]
    random = Random(7)
    for _ in range(300):
        for name in list(os.environ):
            if name.lower().endswith("_proxy") or name == "REQUEST_METHOD":
                monkeypatch.delenv(name)
        for name in names:
            for spelling in (name, name.upper()):
                value = random.choice(choices)
                if value is not None:
                    monkeypatch.setenv(spelling, value)
        if random.random() < 0.2:
            monkeypatch.setenv("REQUEST_METHOD", "GET")
        expected = {
            scheme: value
            for scheme, value in urllib.request.getproxies_environment().items()
            if f"{scheme}_proxy" in names
        }
        assert websocket_dial._proxy_environment() == expected

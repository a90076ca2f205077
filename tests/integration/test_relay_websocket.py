"""The relay's rendezvous sockets (`BinaryWebSocket` over picows) against a raw-frame server:
binary frames both ways, text marked, the size limit, close semantics, back-pressure, and
the errors and logs of dialing a signed rendezvous URL (whose query never shows)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from collections.abc import AsyncIterator

import pytest

from execwire import AuthenticationError, RelayConnector, TransportError
from execwire.registry_client import ConnectBundle
from execwire.relay.frames import MAX_FRAME_LEN
from execwire.relay.noise import NoiseIdentity
from execwire.transports.binary_websocket import (
    WRITE_LIMIT,
    BinaryWebSocket,
    TextMessage,
    connect_binary,
)
from execwire.transports.websocket import WebSocketClosed

from .test_websocket_sdk import BINARY, CLOSE, CONTINUATION, TEXT, raw_server

SECRET = "sig=s3cret-signature&nonce=n0nce"
log = logging.getLogger("test.relay.websocket")


async def dial(url: str, max_message_bytes: int = MAX_FRAME_LEN) -> BinaryWebSocket:
    return await connect_binary(
        url,
        max_message_bytes=max_message_bytes,
        open_timeout=5,
        ping_interval=30,
        ping_timeout=60,
        logger=log,
    )


async def test_binary_frames_both_ways_and_text_messages_are_marked() -> None:
    async with raw_server() as server:
        socket = await dial(f"{server.url}/rendezvous?{SECRET}")
        peer = await server.peer()
        assert SECRET.encode() in peer.head  # the query does reach the rendezvous
        await socket.send(b"\x00frame")
        assert await peer.read_data_frame() == (BINARY, True, b"\x00frame")
        peer.send_frame(BINARY, b"one")
        peer.send_frame(BINARY, b"tw", fin=False)
        peer.send_frame(CONTINUATION, b"o")
        peer.send_frame(TEXT, b"text")
        one, two, text = [await socket.receive() for _ in range(3)]
        assert (type(one), one, type(two), two) == (bytes, b"one", bytes, b"two")
        assert isinstance(text, TextMessage) and text == b"text"
        socket.abort()


async def test_a_message_over_the_limit_fails_the_connection_with_1009() -> None:
    async with raw_server() as server:
        socket = await dial(server.url, max_message_bytes=1024)
        peer = await server.peer()
        peer.send_frame(BINARY, b"x" * 1025)
        assert await socket.receive() is None
        frame = await peer.read_data_frame()
        assert frame[0] == CLOSE and frame[2][:2] == struct.pack("!H", 1009)
        assert not socket.closed_cleanly
        with pytest.raises(WebSocketClosed):
            await socket.send(b"late")
        socket.abort()


async def test_close_is_a_handshake_and_only_normal_codes_are_clean() -> None:
    async with raw_server() as server:
        socket = await dial(server.url)
        peer = await server.peer()
        closing = asyncio.create_task(socket.close())
        assert await peer.read_data_frame() == (CLOSE, True, struct.pack("!H", 1000))
        assert not closing.done()  # waits for the rendezvous's answer
        peer.send_frame(CLOSE, struct.pack("!H", 1000))
        await asyncio.wait_for(closing, 5)
        assert socket.closed_cleanly and await socket.receive() is None

        socket = await dial(server.url)
        peer = await server.peer()
        peer.send_frame(CLOSE, struct.pack("!H", 1011))
        assert await socket.receive() is None
        assert await peer.read_data_frame() == (CLOSE, True, struct.pack("!H", 1011))  # echoed
        assert not socket.closed_cleanly

        socket = await dial(server.url)
        peer = await server.peer()
        peer.writer.transport.abort()  # no close frame at all
        assert await socket.receive() is None and not socket.closed_cleanly


async def test_send_waits_for_a_rendezvous_that_stops_reading() -> None:
    async with raw_server() as server:
        socket = await dial(server.url)
        peer = await server.peer()  # ... which never reads from now on
        frame = b"f" * MAX_FRAME_LEN
        count = 200  # 50 MiB: more than the kernel's buffers hold

        async def send_all() -> None:
            for _ in range(count):
                await socket.send(frame)

        sending = asyncio.create_task(send_all())
        await asyncio.sleep(0.5)
        assert not sending.done()
        buffered = socket._ws.underlying_transport.get_write_buffer_size()  # type: ignore[union-attr]
        assert buffered <= WRITE_LIMIT + MAX_FRAME_LEN + 64
        received = 0
        while received < count * len(frame):
            received += len((await peer.read_data_frame())[2])
        await asyncio.wait_for(sending, 10)
        socket.abort()


# -- dialing: errors and logs never show the signed query ------------------------------------


@contextlib.asynccontextmanager
async def redirecting_server(location: str) -> AsyncIterator[str]:
    """Answers every upgrade with a 302 to `location`."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()
        )
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


async def test_dialing_at_debug_level_logs_no_query(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(1)
    async with raw_server() as server:
        target = f"{server.url}/rendezvous?{SECRET}-2"
        async with redirecting_server(target) as redirecting:
            socket = await dial(f"{redirecting}/rendezvous?{SECRET}-1")  # follows the redirect
        peer = await server.peer()
        assert f"{SECRET}-2".encode() in peer.head
        await socket.send(b"frame")
        peer.send_frame(CLOSE, struct.pack("!H", 1000))
        assert await socket.receive() is None
    assert "redirect" in caplog.text  # picows did log the URLs...
    assert "s3cret" not in caplog.text and "n0nce" not in caplog.text  # ...without the query


def connector_dialing(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> tuple[RelayConnector, list[str]]:
    """A connector whose registry hands out bundles for `url`; the list counts them."""
    connector = RelayConnector("http://registry.invalid", "env", token="t0ken")
    bundles: list[str] = []

    async def bundle() -> ConnectBundle:
        bundles.append(url)
        return ConnectBundle(
            "env", "registration", NoiseIdentity.generate().public_key, url, "auth"
        )

    monkeypatch.setattr(connector, "_bundle", bundle)
    return connector, bundles


@pytest.mark.parametrize(
    ("status", "error", "message", "bundles"),
    [
        (401, AuthenticationError, "the rendezvous refused the connection with HTTP 401", 2),
        (403, AuthenticationError, "the rendezvous refused the connection with HTTP 403", 1),
        (500, TransportError, "the rendezvous answered with HTTP 500", 1),
    ],
)
async def test_the_harness_reports_refused_upgrades(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    status: int,
    error: type[Exception],
    message: str,
    bundles: int,
) -> None:
    caplog.set_level(1)
    async with raw_server(status=status) as server:
        connector, handed_out = connector_dialing(monkeypatch, f"{server.url}/rendezvous?{SECRET}")
        with pytest.raises(error) as info:
            await connector.connect()
        await connector.aclose()
    assert type(info.value) is error and str(info.value) == message
    assert len(handed_out) == bundles  # a 401 is retried once, with a fresh bundle
    assert "s3cret" not in caplog.text


async def test_the_harness_reports_unreachable_and_invalid_rendezvous_urls(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(1)
    for url, message in (
        (
            f"ws://127.0.0.1:1/rendezvous?{SECRET}",
            "cannot reach the rendezvous: ConnectionRefusedError",
        ),
        (
            f"http://127.0.0.1:1/rendezvous?{SECRET}",
            "the registry returned an invalid rendezvous URL",
        ),
    ):
        connector, _ = connector_dialing(monkeypatch, url)
        with pytest.raises(TransportError) as info:
            await connector.connect()
        await connector.aclose()
        assert type(info.value) is TransportError and str(info.value) == message
    assert "s3cret" not in caplog.text


async def test_the_harness_reports_a_rendezvous_lost_during_the_handshake(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with raw_server() as server:
        connector, _ = connector_dialing(monkeypatch, f"{server.url}/rendezvous?{SECRET}")
        for close_frame, message in (
            (True, "the rendezvous closed the connection during the handshake"),
            (False, "the rendezvous closed the connection"),
        ):
            connecting = asyncio.create_task(connector.connect())
            peer = await server.peer()
            assert (await peer.read_data_frame())[0] == BINARY  # the Noise msg1
            if close_frame:
                peer.send_frame(CLOSE, struct.pack("!H", 1000))
            else:
                peer.writer.transport.abort()
            with pytest.raises(TransportError) as info:
                await asyncio.wait_for(connecting, 10)
            assert str(info.value) == message
        await connector.aclose()

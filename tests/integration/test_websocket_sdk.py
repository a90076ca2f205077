"""The SDK's websocket transport over real sockets: the handshake and its errors, framing
both ways, keepalive, closing, back-pressure, TLS and the token's secrecy.

The peer is either our exec-server's listener (in process) or a raw-frame server written
here, which can misbehave and shows exactly which frames the SDK sends.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime
import hashlib
import ipaddress
import os
import ssl
import struct
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from execwire import Executor, MessageTooLarge, TransportError, WebSocketConnector
from execwire.errors import AuthenticationError
from execwire.transports import websocket
from execwire.transports.websocket import FRAGMENT_BYTES, WRITE_LIMIT
from execwire_server.server import ExecServer
from execwire_server.transports import serve_websocket

TEXT, BINARY, CONTINUATION, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class RawPeer:
    """The server side of one connection, speaking raw frames."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.head = head

    def send_frame(self, opcode: int, payload: bytes, fin: bool = True) -> None:
        size = len(payload)
        first = bytes([opcode | (0x80 if fin else 0)])
        if size < 126:
            header = first + bytes([size])
        elif size < 1 << 16:
            header = first + bytes([126]) + struct.pack("!H", size)
        else:
            header = first + bytes([127]) + struct.pack("!Q", size)
        self.writer.write(header + payload)

    async def read_frame(self, timeout: float = 10) -> tuple[int, bool, bytes] | None:
        """(opcode, fin, unmasked payload), or None at the end of the stream."""
        try:
            first, second = await asyncio.wait_for(self.reader.readexactly(2), timeout)
            assert second & 0x80, "client frames are masked"
            size = second & 0x7F
            if size == 126:
                (size,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif size == 127:
                (size,) = struct.unpack("!Q", await self.reader.readexactly(8))
            mask = await self.reader.readexactly(4)
            masked = await self.reader.readexactly(size)
        except (asyncio.IncompleteReadError, ConnectionResetError):
            return None
        key = int.from_bytes(mask * ((size + 3) // 4), "big") >> (8 * (-size % 4))
        payload = (int.from_bytes(masked, "big") ^ key).to_bytes(size, "big") if size else b""
        return first & 0x0F, bool(first & 0x80), payload

    async def read_data_frame(self, timeout: float = 10) -> tuple[int, bool, bytes]:
        while True:
            frame = await self.read_frame(timeout)
            assert frame is not None, "the client went away"
            if frame[0] not in (PING, PONG):
                return frame


class RawServer:
    """Accepts websocket connections; `status` other than 101 answers the upgrade with it."""

    def __init__(self, status: int = 101, handshake: bool = True) -> None:
        self.status = status
        self.handshake = handshake
        self.peers: asyncio.Queue[RawPeer] = asyncio.Queue()
        self.server: asyncio.Server | None = None
        self.url = ""

    async def start(
        self, ssl_context: ssl.SSLContext | None = None, host: str = "127.0.0.1"
    ) -> str:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0, ssl=ssl_context)
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"{'wss' if ssl_context else 'ws'}://{host}:{port}"
        return self.url

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.handshake:
            await reader.read()  # never answers
            return
        head = await reader.readuntil(b"\r\n\r\n")
        if self.status != 101:
            writer.write(f"HTTP/1.1 {self.status} Nope\r\nContent-Length: 0\r\n\r\n".encode())
            writer.close()
            return
        key = next(
            line.split(b":", 1)[1].strip()
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        await self.peers.put(RawPeer(reader, writer, head))

    async def peer(self) -> RawPeer:
        return await asyncio.wait_for(self.peers.get(), 10)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


@contextlib.asynccontextmanager
async def raw_server(**options: Any) -> AsyncIterator[RawServer]:
    server = RawServer(**options)
    await server.start()
    try:
        yield server
    finally:
        server.close()


@contextlib.asynccontextmanager
async def exec_server_url(token: str | None = None) -> AsyncIterator[str]:
    exec_server = ExecServer()
    server = await serve_websocket(exec_server, "127.0.0.1", 0, token=token)
    try:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await exec_server.shutdown()


# -- the handshake -------------------------------------------------------------------------


async def test_the_token_opens_the_door_and_its_absence_is_an_authentication_error() -> None:
    async with exec_server_url(token="s3cret") as url:
        transport = await WebSocketConnector(url, token="s3cret").connect()
        await transport.send(b'{"id":1,"method":"initialize","params":{"clientName":"t"}}')
        reply = orjson.loads(await transport.receive() or b"null")
        assert reply["id"] == 1 and "sessionId" in reply["result"]
        await transport.close()
        assert await transport.receive() is None
        with pytest.raises(AuthenticationError, match="HTTP 401 \\(no token given\\)"):
            await WebSocketConnector(url).connect()
        with pytest.raises(AuthenticationError, match="HTTP 401 \\(check the token\\)"):
            await WebSocketConnector(url, token="wrong").connect()


@pytest.mark.parametrize(
    ("status", "error"), [(403, AuthenticationError), (404, TransportError), (500, TransportError)]
)
async def test_refused_upgrades(status: int, error: type[Exception]) -> None:
    async with raw_server(status=status) as server:
        with pytest.raises(error, match=f"HTTP {status}") as info:
            await WebSocketConnector(server.url).connect()
        assert status == 403 or not isinstance(info.value, AuthenticationError)


async def test_unreachable_servers_and_bad_urls_are_transport_errors() -> None:
    with pytest.raises(TransportError, match="cannot connect"):
        await WebSocketConnector("ws://127.0.0.1:1", open_timeout=2).connect()
    for url in ("http://127.0.0.1:8765", "ws://127.0.0.1:99999", "ws:///nohost"):
        with pytest.raises(TransportError, match="invalid websocket URL"):
            await WebSocketConnector(url).connect()


async def test_open_timeout_bounds_a_server_that_never_answers() -> None:
    async with raw_server(handshake=False) as server:
        started = time.monotonic()
        with pytest.raises(TransportError, match="cannot connect"):
            await WebSocketConnector(server.url, open_timeout=0.3).connect()
        assert time.monotonic() - started < 3


async def test_the_token_never_reaches_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(1)
    async with exec_server_url(token="s3cret-value") as url:
        connector = WebSocketConnector(url, token="s3cret-value")
        transport = await connector.connect()
        await transport.close()
        with pytest.raises(AuthenticationError) as info:
            await WebSocketConnector(url, token="s3cret-valuX").connect()
    assert "s3cret" not in repr(connector) and "s3cret" not in str(info.value)
    assert caplog.records and "s3cret" not in caplog.text


# -- sending ---------------------------------------------------------------------------------


async def test_large_messages_go_out_as_text_fragments_of_at_most_1_mib() -> None:
    message = orjson.dumps({"text": "é€" * 600_000 + "x" * 1_500_000})  # ~5 MiB, multi-byte
    async with raw_server() as server:
        transport = await WebSocketConnector(server.url).connect()
        peer = await server.peer()
        await transport.send(b'{"small":true}')
        assert await peer.read_data_frame() == (TEXT, True, b'{"small":true}')
        await transport.send(message)
        frames = [await peer.read_data_frame()]
        while not frames[-1][1]:
            frames.append(await peer.read_data_frame())
        assert [opcode for opcode, _, _ in frames] == [TEXT] + [CONTINUATION] * (len(frames) - 1)
        assert len(frames) >= 5 and all(len(payload) <= FRAGMENT_BYTES for _, _, payload in frames)
        for _, _, payload in frames:
            payload.decode()  # no UTF-8 sequence is split
        assert b"".join(payload for _, _, payload in frames) == message
        transport.abort()


async def test_a_message_over_the_limit_is_refused_before_sending() -> None:
    async with raw_server() as server:
        transport = await WebSocketConnector(server.url, max_message_bytes=1000).connect()
        peer = await server.peer()
        with pytest.raises(MessageTooLarge) as info:
            await transport.send(b"x" * 1001)
        assert (info.value.size, info.value.limit) == (1001, 1000)
        await transport.send(b"y" * 1000)  # the connection is still usable
        assert await peer.read_data_frame() == (TEXT, True, b"y" * 1000)
        transport.abort()


async def test_send_waits_for_a_peer_that_stops_reading() -> None:
    async with raw_server() as server:
        transport = await WebSocketConnector(server.url, max_message_bytes=None).connect()
        peer = await server.peer()  # ... which never reads from now on
        message = b"z" * (3 << 20)

        async def send_many() -> None:
            for _ in range(20):
                await transport.send(message)

        sending = asyncio.create_task(send_many())
        await asyncio.sleep(0.5)
        assert not sending.done()
        socket_transport = transport._ws.underlying_transport  # type: ignore[union-attr]
        assert socket_transport.get_write_buffer_size() <= WRITE_LIMIT + FRAGMENT_BYTES + 64
        received = 0
        while received < 20 * len(message):
            received += len((await peer.read_data_frame())[2])
        await asyncio.wait_for(sending, 10)
        transport.abort()


# -- receiving -------------------------------------------------------------------------------


async def test_fragmented_binary_and_big_messages_are_received_whole() -> None:
    big = os.urandom(20 << 20)
    async with raw_server() as server:
        transport = await WebSocketConnector(server.url).connect()
        peer = await server.peer()
        peer.send_frame(TEXT, b'{"a":', fin=False)
        peer.send_frame(PING, b"mid")
        peer.send_frame(CONTINUATION, b'"bc"', fin=False)
        peer.send_frame(CONTINUATION, b"}")
        peer.send_frame(BINARY, b"[1,2]")
        peer.send_frame(BINARY, big)
        peer.send_frame(TEXT, big[: 5 << 20], fin=False)
        peer.send_frame(CONTINUATION, big[5 << 20 :])
        assert await transport.receive() == b'{"a":"bc"}'
        assert await peer.read_frame() == (PONG, True, b"mid")  # pings are answered
        assert await transport.receive() == b"[1,2]"
        for _ in range(2):
            received = await transport.receive()
            assert type(received) is bytes and received == big
        transport.abort()


async def test_the_server_closing_ends_receive_with_none() -> None:
    async with raw_server() as server:
        transport = await WebSocketConnector(server.url).connect()
        peer = await server.peer()
        peer.send_frame(TEXT, b"[]")
        peer.send_frame(CLOSE, struct.pack("!H", 1001))
        assert await transport.receive() == b"[]"
        assert await transport.receive() is None
        assert await peer.read_frame() == (CLOSE, True, struct.pack("!H", 1001))  # echoed
        with pytest.raises(TransportError, match="websocket closed"):
            await transport.send(b"{}")


async def test_close_runs_the_closing_handshake_and_abort_does_not() -> None:
    async with raw_server() as server:
        transport = await WebSocketConnector(server.url).connect()
        peer = await server.peer()
        closing = asyncio.create_task(transport.close())
        assert await peer.read_frame() == (CLOSE, True, struct.pack("!H", 1000))
        assert not closing.done()  # waits for the server's answer
        peer.send_frame(CLOSE, struct.pack("!H", 1000))
        await asyncio.wait_for(closing, 5)
        assert await transport.receive() is None
        assert await peer.read_frame() is None

        transport = await WebSocketConnector(server.url).connect()
        peer = await server.peer()
        transport.abort()
        assert await peer.read_frame() is None  # no close frame, the stream just ends
        assert await transport.receive() is None
        with pytest.raises(TransportError):
            await transport.send(b"{}")


async def test_keepalive_drops_a_server_that_stops_answering_pings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(websocket, "PING_INTERVAL", 0.1)
    monkeypatch.setattr(websocket, "PING_TIMEOUT", 0.3)
    async with raw_server() as server:
        transport = await WebSocketConnector(server.url).connect()
        peer = await server.peer()
        for _ in range(3):
            frame = await peer.read_frame(2)
            assert frame is not None and frame[0] == PING
            peer.send_frame(PONG, frame[2])
        assert not transport._ended
        frame = await peer.read_frame(2)
        assert frame is not None and frame[0] == PING  # unanswered from now on
        assert await asyncio.wait_for(transport.receive(), 2) is None
        assert await peer.read_frame() == (
            CLOSE,
            True,
            struct.pack("!H", 1011) + b"keepalive ping timeout",
        )


# -- TLS and the whole stack -----------------------------------------------------------------


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_wss_verifies_the_server_and_carries_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = RawServer()
    url = await server.start(context, host="localhost")
    try:
        with pytest.raises(TransportError, match="cannot connect"):  # not trusted yet
            await WebSocketConnector(url, open_timeout=5).connect()
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        transport = await WebSocketConnector(url, token="t", open_timeout=5).connect()
        peer = await server.peer()
        assert b"\r\nAuthorization: Bearer t\r\n" in peer.head
        message = b"[" + b'"x",' * 600_000 + b'"y"]'  # fragmented, through TLS
        await transport.send(message)
        frames = [await peer.read_data_frame()]
        while not frames[-1][1]:
            frames.append(await peer.read_data_frame())
        assert b"".join(payload for _, _, payload in frames) == message
        peer.send_frame(TEXT, b'{"ok":1}')
        assert await transport.receive() == b'{"ok":1}'
        transport.abort()
    finally:
        server.close()


async def test_files_travel_through_our_server_both_ways(tmp_path: Path) -> None:
    data = os.urandom(12 << 20)  # in 1 MiB fragments both ways
    async with exec_server_url() as url:
        async with await Executor.connect_websocket(url) as executor:
            await executor.write_bytes(str(tmp_path / "f"), data)
            assert await executor.read_bytes(str(tmp_path / "f")) == data
            result = await executor.run(["sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' a"])
            assert result.stdout == b"a" * 3_000_000

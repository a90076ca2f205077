"""Listeners: a websocket server and stdio, each handing whole messages to a `Connection`.

Websocket rules follow the reference: one JSON-RPC message per websocket message (text or
binary in, text out), `GET /readyz` answers 200 and is never gated, any browser `Origin`
header is refused with 403, and an optional bearer token gates the upgrade with 401.
Permessage compression is not offered: output and file payloads are base64 and do not
compress, and deflate costs ~35x in throughput.

The websocket side runs on picows (Cython framing, over aiofastnet's transport): replies
queued together go out as one `writelines` of ready-made frames, i.e. one `writev`
without copying the payloads; replies over 1 MiB go out in 1 MiB fragments.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import struct
import sys
from collections.abc import Callable, Sequence
from http import HTTPStatus
from types import TracebackType
from typing import Any, Final

from picows import (
    WSCloseCode,
    WSListener,
    WSTransport,
    WSUpgradeRequest,
    WSUpgradeResponse,
    WSUpgradeResponseWithListener,
    ws_create_server,
)

from execwire.jsonrpc import FileReply
from execwire.transports.websocket import WebSocketEndpoint, picows_logger, utf8_fragments

from . import metrics
from .inbound import is_blank_line
from .server import ExecServer

__all__ = [
    "StdioTransport",
    "WebSocketServer",
    "WebSocketTransport",
    "serve_stdio",
    "serve_websocket",
]

logger = logging.getLogger(__name__)

KEEPALIVE_INTERVAL_SECONDS: Final = 30.0
KEEPALIVE_TIMEOUT_SECONDS: Final = 60.0
DEFAULT_MAX_MESSAGE_BYTES: Final = 1 << 30
STDIO_LINE_LIMIT: Final = 1 << 30
# Above this many bytes in the socket's write buffer, `send` waits (for a quarter of it).
WRITE_LIMIT: Final = 1 << 20
HANDSHAKE_TIMEOUT_SECONDS: Final = 10.0

# A reply over this size goes out in fragments of at most this size: a receiver's frame
# buffer (picows's, in our SDK) grows to the largest frame and keeps that size, and
# tungstenite peers refuse frames over 16 MiB.
FRAGMENT_BYTES: Final = 1 << 20

_FIN: Final = 0x80
_TEXT: Final = 0x1
_CONTINUATION: Final = 0x0
# Server frames are not masked: a header is 2, 4 or 10 bytes.
_SHORT_TEXT_HEADERS: Final = tuple(bytes((_FIN | _TEXT, size)) for size in range(126))
_HEADER_16: Final = struct.Struct("!BBH")
_HEADER_64: Final = struct.Struct("!BBQ")


def _frame_header(size: int, first_byte: int = _FIN | _TEXT) -> bytes:
    """The header of an unmasked frame carrying `size` bytes (a final text frame by default)."""
    if size < 126:
        return (
            _SHORT_TEXT_HEADERS[size] if first_byte == _FIN | _TEXT else bytes((first_byte, size))
        )
    if size < 1 << 16:
        return _HEADER_16.pack(first_byte, 126, size)
    return _HEADER_64.pack(first_byte, 127, size)


def _append_frames(chunks: list[bytes | memoryview], message: bytes) -> None:
    """Headers and payload slices of one text message (no copies)."""
    if len(message) <= FRAGMENT_BYTES:
        chunks.append(_frame_header(len(message)))
        chunks.append(message)
        return
    pieces = utf8_fragments(message, FRAGMENT_BYTES)
    last = len(pieces) - 1
    for index, piece in enumerate(pieces):
        opcode = _CONTINUATION if index else _TEXT
        chunks.append(_frame_header(len(piece), opcode | (_FIN if index == last else 0)))
        chunks.append(piece)


def _peer_label(address: Any) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return str(address)


class WebSocketTransport(WebSocketEndpoint):
    """One accepted websocket connection, served by an `ExecServer` once upgraded."""

    parse_error_prefix = "failed to parse websocket JSON-RPC message from "
    malformed_is_fatal = False

    def __init__(
        self,
        on_connected: Callable[[WebSocketTransport], None],
        max_message_bytes: int,
    ) -> None:
        super().__init__(
            max_message_bytes=max_message_bytes,
            ping_interval=KEEPALIVE_INTERVAL_SECONDS,
            ping_timeout=KEEPALIVE_TIMEOUT_SECONDS,
            write_limit=WRITE_LIMIT,
        )
        self._on_connected = on_connected
        self.label = "exec-server websocket"

    def on_ws_connected(self, transport: WSTransport) -> None:
        super().on_ws_connected(transport)
        peer = transport.underlying_transport.get_extra_info("peername")
        self.label = f"exec-server websocket {_peer_label(peer)}"
        self._on_connected(self)

    async def receive(self) -> bytes | None:
        message = await super().receive()
        assert not isinstance(message, FileReply)  # file replies are decoded by clients only
        return message

    async def send(self, message: bytes) -> None:
        await self.send_batch((message,))

    async def send_batch(self, messages: Sequence[bytes]) -> None:
        """Send messages in order, as text messages written with one `writelines`.

        Waits while the socket's write buffer is over WRITE_LIMIT, so a peer that stops
        reading holds up the sender instead of growing the buffer."""
        ws = self._open_transport()
        if ws is None:
            raise ConnectionError("websocket closed")
        chunks: list[bytes | memoryview] = []
        for message in messages:
            _append_frames(chunks, message)
        # Straight to the socket transport, bypassing picows's send (one write per frame,
        # after copying small payloads): aiofastnet turns this into one writev without
        # copying. Whole messages are written at once, so picows's own pongs and close
        # frames can only come between messages.
        ws.underlying_transport.writelines(chunks)
        if not await self._drain():
            raise ConnectionError("websocket closed")

    def close(self, code: WSCloseCode = WSCloseCode.OK) -> None:
        """Start the closing handshake, unless the connection is already ending."""
        self._close(code)


def _http_response(status: HTTPStatus, *headers: tuple[str, str]) -> WSUpgradeResponseWithListener:
    """An empty plain-text answer; picows adds `Connection: close` and hangs up."""
    extra = [("Content-Length", "0"), ("Content-Type", "text/plain; charset=utf-8"), *headers]
    if status == HTTPStatus.OK:
        response = WSUpgradeResponse.create_ok_response(None, extra)
    else:
        response = WSUpgradeResponse.create_error_response(status, None, extra)
    return WSUpgradeResponseWithListener(response, None)


def _has_token(value: str, token: str) -> bool:
    return any(part.strip().lower() == token for part in value.split(","))


class WebSocketServer:
    """The listening websocket server (`sockets`, `close()`, `wait_closed()`)."""

    def __init__(self, server: asyncio.Server, connections: set[WebSocketTransport]) -> None:
        self._server = server
        self._connections = connections

    @property
    def sockets(self) -> tuple[Any, ...]:
        """The listening sockets (`getsockname()` gives the bound address)."""
        return tuple(self._server.sockets)

    def close(self, close_connections: bool = True) -> None:
        """Stop accepting; with close_connections, close every connection with 1001."""
        self._server.close()
        if close_connections:
            for connection in list(self._connections):
                connection.close(WSCloseCode.GOING_AWAY)

    async def wait_closed(self) -> None:
        """Wait until the listening sockets are closed."""
        await self._server.wait_closed()

    async def __aenter__(self) -> WebSocketServer:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
        await self.wait_closed()


async def serve_websocket(
    exec_server: ExecServer,
    host: str,
    port: int,
    *,
    token: str | None = None,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
) -> WebSocketServer:
    """Listen on host:port; returns the running server."""
    loop = asyncio.get_running_loop()
    connections: set[WebSocketTransport] = set()
    tasks: set[asyncio.Task[None]] = set()
    expected_authorization = f"Bearer {token}".encode() if token is not None else None

    async def serve(transport: WebSocketTransport) -> None:
        try:
            await exec_server.serve_connection(transport)
        finally:
            connections.discard(transport)
            transport.close()

    def on_connected(transport: WebSocketTransport) -> None:
        connections.add(transport)
        task = loop.create_task(serve(transport))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def authorized(headers: Any) -> bool:
        if expected_authorization is None:
            return True
        # picows decodes header bytes with surrogateescape: encode them back the same way.
        supplied = headers.get("Authorization", "").encode("utf-8", "surrogateescape")
        return hmac.compare_digest(supplied, expected_authorization)

    def route(request: WSUpgradeRequest) -> WSListener | WSUpgradeResponseWithListener:
        path = request.path
        if path == b"/readyz":
            return _http_response(HTTPStatus.OK)
        if path == b"/metrics":
            if not authorized(request.headers):  # the numbers tell what the server is used for
                return _http_response(HTTPStatus.UNAUTHORIZED)
            body = metrics.render(exec_server)
            response = WSUpgradeResponse.create_ok_response(
                body, [("Content-Type", metrics.CONTENT_TYPE), ("Content-Length", str(len(body)))]
            )
            return WSUpgradeResponseWithListener(response, None)
        if path != b"/" and not path.startswith(b"/?"):
            return _http_response(HTTPStatus.NOT_FOUND)
        headers = request.headers
        if "Origin" in headers:
            return _http_response(HTTPStatus.FORBIDDEN)
        if not authorized(headers):
            return _http_response(HTTPStatus.UNAUTHORIZED)
        if "Upgrade" not in headers:
            return _http_response(HTTPStatus.BAD_REQUEST)
        if headers.get("Upgrade", "").lower() != "websocket" or not _has_token(
            headers.get("Connection", ""), "upgrade"
        ):
            return _http_response(HTTPStatus.UPGRADE_REQUIRED, ("Upgrade", "websocket"))
        # picows wants `Connection: upgrade` exactly, RFC 6455 any token list containing it
        # (`keep-alive, Upgrade`): it was checked above, normalize it for picows.
        headers["Connection"] = "upgrade"
        return WebSocketTransport(on_connected, max_message_bytes)

    server = await ws_create_server(
        route,
        host,
        port,
        websocket_handshake_timeout=HANDSHAKE_TIMEOUT_SECONDS,
        logger_name=picows_logger(logging.getLogger("picows.server")),
        enable_auto_ping=False,  # our keepalive: a ping every 30 s, 60 s for its pong
        enable_auto_pong=True,
        max_frame_size=max_message_bytes,
        read_buffer_init_size=64 << 10,
    )
    return WebSocketServer(server, connections)


class StdioTransport:
    """Newline-delimited JSON over the process's stdin and stdout."""

    label = "exec-server stdio"
    parse_error_prefix = "failed to parse JSON-RPC message from "
    malformed_is_fatal = False

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._aborted = False

    async def receive(self) -> bytes | None:
        while not self._aborted:
            try:
                line = await self._reader.readuntil(b"\n")
            except asyncio.IncompleteReadError as partial:
                if not partial.partial:
                    return None
                line = partial.partial
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                # The reference's line reader stops at a line that is not UTF-8.
                return None
            if not is_blank_line(text):
                return line
        return None

    async def send(self, message: bytes) -> None:
        await self.send_batch((message,))

    async def send_batch(self, messages: Sequence[bytes]) -> None:
        """Write messages in order, one line each, with one write."""
        if self._aborted or self._writer.is_closing():
            raise ConnectionError("stdout closed")
        lines: list[bytes] = []
        for message in messages:
            lines.append(message)
            lines.append(b"\n")
        self._writer.writelines(lines)
        await self._writer.drain()

    def abort(self) -> None:
        self._aborted = True
        self._reader.feed_eof()


async def serve_stdio(exec_server: ExecServer) -> None:
    """Serve the single stdio connection until stdin ends."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=STDIO_LINE_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    write_transport, write_protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, sys.stdout
    )
    writer = asyncio.StreamWriter(write_transport, write_protocol, None, loop)
    await exec_server.serve_connection(StdioTransport(reader, writer))

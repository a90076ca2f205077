"""Listeners: a websocket server and stdio, each handing whole messages to a `Connection`.

Websocket rules follow the reference: one JSON-RPC message per frame (text or binary in,
text out), `GET /readyz` answers 200 and is never gated, any browser `Origin` header is
refused with 403, and an optional bearer token gates the upgrade with 401. Permessage
compression is off: output and file payloads are base64 and do not compress, and deflate
costs ~35x in throughput.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import sys
from http import HTTPStatus
from typing import Final

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from .jsonrpc_errors import is_blank_line
from .server import ExecServer

__all__ = ["StdioTransport", "WebSocketTransport", "serve_stdio", "serve_websocket"]

logger = logging.getLogger(__name__)

KEEPALIVE_INTERVAL_SECONDS: Final = 30.0
KEEPALIVE_TIMEOUT_SECONDS: Final = 60.0
DEFAULT_MAX_MESSAGE_BYTES: Final = 1 << 30
STDIO_LINE_LIMIT: Final = 1 << 30


def _peer_label(connection: ServerConnection) -> str:
    address = connection.remote_address
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return str(address)


class WebSocketTransport:
    """One accepted websocket connection."""

    parse_error_prefix = "failed to parse websocket JSON-RPC message from "

    def __init__(self, connection: ServerConnection) -> None:
        self._connection = connection
        self.label = f"exec-server websocket {_peer_label(connection)}"

    async def receive(self) -> bytes | None:
        try:
            message = await self._connection.recv(decode=False)
        except ConnectionClosed:
            return None
        return message

    async def send(self, message: bytes) -> None:
        try:
            await self._connection.send(message, text=True)
        except ConnectionClosed as error:
            raise ConnectionError("websocket closed") from error

    def abort(self) -> None:
        # The reference drops the TCP connection without a close frame on protocol errors.
        transport = self._connection.transport
        if transport is not None:
            transport.abort()


async def serve_websocket(
    exec_server: ExecServer,
    host: str,
    port: int,
    *,
    token: str | None = None,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
) -> Server:
    """Listen on host:port; returns the running websockets server."""

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/readyz":
            return connection.respond(HTTPStatus.OK, "")
        if request.path != "/" and not request.path.startswith("/?"):
            return connection.respond(HTTPStatus.NOT_FOUND, "")
        if "Origin" in request.headers:
            return connection.respond(HTTPStatus.FORBIDDEN, "")
        if token is not None:
            supplied = request.headers.get("Authorization", "")
            if not hmac.compare_digest(supplied.encode(), f"Bearer {token}".encode()):
                return connection.respond(HTTPStatus.UNAUTHORIZED, "")
        if "Upgrade" not in request.headers:
            return connection.respond(HTTPStatus.BAD_REQUEST, "")
        return None

    async def handler(connection: ServerConnection) -> None:
        await exec_server.serve_connection(WebSocketTransport(connection))

    return await serve(
        handler,
        host,
        port,
        process_request=process_request,
        compression=None,
        max_size=max_message_bytes,
        ping_interval=KEEPALIVE_INTERVAL_SECONDS,
        ping_timeout=KEEPALIVE_TIMEOUT_SECONDS,
        write_limit=1 << 20,
    )


class StdioTransport:
    """Newline-delimited JSON over the process's stdin and stdout."""

    label = "exec-server stdio"
    parse_error_prefix = "failed to parse JSON-RPC message from "

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
        if self._aborted or self._writer.is_closing():
            raise ConnectionError("stdout closed")
        self._writer.write(message + b"\n")
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

"""Binary-message websocket connections over picows: the relay's sockets to a rendezvous.

Both relay ends (the SDK's `RelayConnector` and the executor of `execwire-server --remote`)
exchange one protobuf frame per binary websocket message with the rendezvous. A
`BinaryWebSocket` is a `WebSocketEndpoint` (size limit, flow control, keepalive, closing
handshake) that sends each message as one BINARY frame; `connect_binary` dials one with
`websocket_dial.dial`, the helper the SDK's `WebSocketConnector` uses too.
"""

from __future__ import annotations

import logging
from typing import Final

from picows import WSCloseCode, WSFrame, WSMsgType, WSTransport

from ..jsonrpc import FileReply
from .websocket import WebSocketEndpoint
from .websocket_dial import dial

__all__ = ["BinaryWebSocket", "TextMessage", "connect_binary"]

WRITE_LIMIT: Final = 32 << 10
"""Above this many bytes buffered in the socket transport, `send` waits until it drains to a
quarter of it. websockets' default, which the relay used: through the relay (frames of at
most 256 KiB, window-limited streams) it measured as fast as the direct transport's 1 MiB."""

# What websockets calls a normal closure: both close frames carry one of these codes.
_CLEAN_CLOSE_CODES: Final = frozenset({WSCloseCode.OK, WSCloseCode.GOING_AWAY, WSCloseCode.NO_INFO})


class TextMessage(bytes):
    """A text message (its UTF-8 bytes), handed out by `BinaryWebSocket.receive` so that
    callers can tell it from a binary one: the relay protocol has no use for text."""


class BinaryWebSocket(WebSocketEndpoint):
    """Whole binary messages over one picows connection (client side).

    `send` writes one BINARY frame per message and then waits while the socket's write
    buffer is over `write_limit`; it raises `WebSocketClosed` (a `TransportError`) once the
    connection is closing or gone. `receive` returns the next message, a `TextMessage` for
    a text one, and None once the connection has ended.
    """

    def __init__(
        self,
        *,
        max_message_bytes: int,
        ping_interval: float,
        ping_timeout: float,
        close_timeout: float | None = None,
        write_limit: int = WRITE_LIMIT,
    ) -> None:
        super().__init__(
            max_message_bytes=max_message_bytes,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            write_limit=write_limit,
            close_timeout=close_timeout,
        )
        self._receiving_text = False  # the message being received is a text one

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind == WSMsgType.BINARY or kind == WSMsgType.TEXT:
            self._receiving_text = kind == WSMsgType.TEXT
        super().on_ws_frame(transport, frame)

    def _deliver(self, message: bytes | FileReply) -> None:
        if self._receiving_text and not isinstance(message, FileReply):
            message = TextMessage(message)
        super()._deliver(message)

    async def send(self, message: bytes) -> None:
        """Send one binary message (one frame); waits while the socket is backed up."""
        self._transport_for_sending().send(WSMsgType.BINARY, message)
        if not await self._drain():
            raise self._closed_error()

    async def receive(self) -> bytes | None:
        message = await super().receive()
        assert not isinstance(message, FileReply)  # decoded only with decode_file_replies
        return message

    async def close(self) -> None:
        """Closing handshake (code 1000); returns once the connection has ended (at most
        `close_timeout` later: then it is dropped)."""
        self._close(WSCloseCode.OK)
        if self._ws is not None:
            await self._disconnected.wait()

    @property
    def closed_cleanly(self) -> bool:
        """Both close frames were exchanged, each with a normal code (1000, 1001 or none):
        what websockets reports as ConnectionClosedOK rather than ConnectionClosedError."""
        handshake = self._ws.close_handshake if self._ws is not None else None
        return (
            handshake is not None
            and handshake.recv is not None
            and handshake.sent is not None
            and handshake.recv.code in _CLEAN_CLOSE_CODES
            and handshake.sent.code in _CLEAN_CLOSE_CODES
        )


async def connect_binary(
    url: str,
    *,
    max_message_bytes: int,
    open_timeout: float,
    ping_interval: float,
    ping_timeout: float,
    logger: logging.Logger,
    close_timeout: float | None = None,
) -> BinaryWebSocket:
    """Dial `url` for binary messages of at most `max_message_bytes` each (inbound; a larger
    one fails the connection with 1009). Raises `websocket_dial.DialError` and its
    subclasses (`InvalidURL`, `UpgradeRefused`), whose messages never hold the URL.

    picows logs through `logger`, without raw handshakes or URL queries."""
    socket = BinaryWebSocket(
        max_message_bytes=max_message_bytes,
        ping_interval=ping_interval,
        ping_timeout=ping_timeout,
        close_timeout=close_timeout,
    )
    return await dial(
        socket,
        url,
        open_timeout=open_timeout,
        logger=logger,
        # A whole frame (and the next one's header) fits: the buffer never has to grow.
        read_buffer_bytes=max_message_bytes + (16 << 10),
    )

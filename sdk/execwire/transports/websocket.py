"""WebSocket transport: one JSON-RPC message per websocket message, over picows.

`WebSocketEndpoint` turns picows's frame callbacks into whole messages (fragments assembled
once, a size limit, flow control both ways, keepalive pings, the closing handshake); the
SDK's `WebSocketTransport`, the exec-server's listener and the relay's binary connections
(`binary_websocket`) are built on it; `websocket_dial.dial` opens the client ones.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import sys
from collections import deque
from typing import Final

from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport

from ..errors import AuthenticationError, MessageTooLarge, TransportError
from ..jsonrpc import FileReply, FileReplyDecoder
from .websocket_dial import DialError, InvalidURL, UpgradeRefused, dial, picows_logger

__all__ = [
    "WebSocketClosed",
    "WebSocketConnector",
    "WebSocketEndpoint",
    "WebSocketTransport",
    "picows_logger",
    "utf8_fragments",
]

DEFAULT_OPEN_TIMEOUT: Final = 10.0
# The reference (tungstenite defaults) drops the connection on a frame over 16 MiB or a
# message over 64 MiB. Large messages are therefore sent as fragments, and messages over
# the limit are refused before they are sent.
DEFAULT_MAX_MESSAGE_BYTES: Final = 64 << 20
FRAGMENT_BYTES: Final = 1 << 20
# Keepalive: notice a dead link (no FIN, e.g. a vanished NAT entry) within about a minute.
# The timeout is generous because a large message (a 100 MiB file) delays the pong.
PING_INTERVAL: Final = 20.0
PING_TIMEOUT: Final = 60.0
# How long close() waits for the peer to answer the closing handshake.
CLOSE_TIMEOUT: Final = 10.0
# Outbound: above this many bytes buffered in the socket transport, senders wait until it
# drains to a quarter of it.
WRITE_LIMIT: Final = 1 << 20
# Inbound: this many whole messages waiting for receive() stop reading from the socket
# until the queue is down to INBOX_LOW (the kernel buffer then pushes back on the peer).
INBOX_HIGH: Final = 16
INBOX_LOW: Final = 4
# Text messages from this size on are tried as `fs/readFile` answers to decode on arrival.
FILE_REPLY_MIN_BYTES: Final = 1 << 20

_log = logging.getLogger("execwire.transports.websocket")


def utf8_fragments(message: bytes, limit: int = FRAGMENT_BYTES) -> list[memoryview]:
    """Slices of at most `limit` bytes, never splitting a UTF-8 sequence (so a peer that
    decodes each fragment on its own is fine too)."""
    view = memoryview(message)
    pieces: list[memoryview] = []
    start = 0
    while len(message) - start > limit:
        end = start + limit
        while message[end] & 0xC0 == 0x80:  # a continuation byte: cut before its sequence
            end -= 1
        pieces.append(view[start:end])
        start = end
    pieces.append(view[start:])
    return pieces


class WebSocketClosed(TransportError):
    """A message could not be sent: the websocket connection is closing or gone."""


class WebSocketEndpoint(WSListener):
    """Whole messages over one picows connection (either side).

    Receiving: text and binary messages alike become `bytes`; a fragmented message is
    copied once, into the `bytes` handed out. A message over `max_message_bytes`, a
    stray continuation or an interrupted fragmented message fails the connection with
    a close frame (1009 / 1002), as websockets does. After a close frame or the end of
    the TCP connection, `receive()` returns what was already queued, then None.

    With `decode_file_replies`, a large text message shaped like an `fs/readFile` answer
    is decoded fragment by fragment as it arrives and handed out as a `FileReply` (see
    `jsonrpc.FileReplyDecoder`; any other shape is assembled as usual).

    Sending is up to subclasses; `_drain()` gives them back-pressure (wait while the
    socket transport holds more than `write_limit` bytes). `close_timeout` (default
    CLOSE_TIMEOUT) bounds the wait for the peer's answer to a closing handshake.
    """

    def __init__(
        self,
        *,
        max_message_bytes: int | None,
        ping_interval: float | None,
        ping_timeout: float,
        write_limit: int = WRITE_LIMIT,
        close_timeout: float | None = None,
        decode_file_replies: bool = False,
    ) -> None:
        super().__init__()
        self._loop = asyncio.get_running_loop()
        self._ws: WSTransport | None = None
        self._max_message_bytes = max_message_bytes
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._write_limit = write_limit
        self._close_timeout = close_timeout
        self._inbox: deque[bytes | FileReply] = deque()
        self._inbox_waiter: asyncio.Future[None] | None = None
        self._reading_paused = False
        self._fragments: io.BytesIO | None = None
        self._decode_file_replies = decode_file_replies
        self._file_reply: FileReplyDecoder | None = None  # decoding a fragmented answer
        self._file_reply_size = 0
        self._ended = False  # no more messages will be queued
        self._writable = asyncio.Event()
        self._writable.set()
        self._disconnected = asyncio.Event()
        self._keepalive: asyncio.TimerHandle | None = None  # the next ping, or its deadline
        self._ping_payload = b""  # of the ping awaiting its pong; empty when none is
        self._close_timer: asyncio.TimerHandle | None = None

    @property
    def max_frame_size(self) -> int:
        """For picows's own per-frame check: a frame is never larger than a message."""
        return self._max_message_bytes if self._max_message_bytes is not None else sys.maxsize

    # -- picows callbacks ----------------------------------------------------------------

    def on_ws_connected(self, transport: WSTransport) -> None:
        self._ws = transport
        transport.underlying_transport.set_write_buffer_limits(high=self._write_limit)
        if self._ping_interval is not None:
            self._keepalive = self._loop.call_later(self._ping_interval, self._send_ping)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind == WSMsgType.CLOSE:
            self._on_close_frame(transport, frame)
        elif self._ended:
            return  # closing: data frames are dropped until the peer's close frame
        elif kind == WSMsgType.TEXT or kind == WSMsgType.BINARY:
            if self._fragments is not None or self._file_reply is not None:
                self._fail(WSCloseCode.PROTOCOL_ERROR, "expected a continuation frame")
            elif self._start_file_reply(kind, frame):
                return
            elif frame.fin:
                self._deliver(frame.get_payload_as_bytes())
            else:
                self._fragments = io.BytesIO()
                self._fragments.write(frame.get_payload_as_memoryview())
        elif kind == WSMsgType.CONTINUATION:
            if self._file_reply is not None:
                self._continue_file_reply(self._file_reply, frame)
                return
            assembly = self._fragments
            if assembly is None:
                self._fail(WSCloseCode.PROTOCOL_ERROR, "unexpected continuation frame")
                return
            size = assembly.tell() + frame.payload_size
            if not self._within_limit(size):
                return
            assembly.write(frame.get_payload_as_memoryview())
            if frame.fin:
                self._fragments = None
                # BytesIO hands over its own buffer when nothing else references it: the
                # fragments are copied once, straight into the bytes the caller gets.
                self._deliver(assembly.getvalue())
        elif kind == WSMsgType.PONG:
            if self._ping_payload and frame.get_payload_as_bytes() == self._ping_payload:
                self._ping_payload = b""
                if self._keepalive is not None and self._ping_interval is not None:
                    self._keepalive.cancel()
                    self._keepalive = self._loop.call_later(self._ping_interval, self._send_ping)
        # PING: picows answers it (enable_auto_pong).

    def _within_limit(self, size: int) -> bool:
        if self._max_message_bytes is not None and size > self._max_message_bytes:
            self._fail(
                WSCloseCode.MESSAGE_TOO_BIG,
                f"over size limit ({size} > {self._max_message_bytes} bytes)",
            )
            return False
        return True

    def _start_file_reply(self, kind: WSMsgType, frame: WSFrame) -> bool:
        """Decode `frame` as the start of an `fs/readFile` answer, when this endpoint does
        and the message may be a large one; False: taken as any other message."""
        if not self._decode_file_replies or kind != WSMsgType.TEXT:
            return False
        if frame.fin and frame.payload_size < FILE_REPLY_MIN_BYTES:
            return False
        payload = frame.get_payload_as_memoryview()
        decoder = FileReplyDecoder.start(payload)
        if decoder is None or not decoder.feed(payload[len(decoder.head) :], frame.fin):
            return False
        if frame.fin:
            self._deliver(decoder.reply())
        else:
            self._file_reply = decoder
            self._file_reply_size = frame.payload_size
        return True

    def _continue_file_reply(self, decoder: FileReplyDecoder, frame: WSFrame) -> None:
        self._file_reply_size += frame.payload_size
        if not self._within_limit(self._file_reply_size):
            return
        payload = frame.get_payload_as_memoryview()
        if decoder.feed(payload, frame.fin):
            if frame.fin:
                self._file_reply = None
                self._deliver(decoder.reply())
            return
        # Not the usual shape after all: assemble the message from what was consumed.
        self._file_reply = None
        assembly = io.BytesIO()
        assembly.write(decoder.raw())
        assembly.write(payload)
        if frame.fin:
            self._deliver(assembly.getvalue())
        else:
            self._fragments = assembly

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self._end()
        self._writable.set()  # wake senders: they find the connection gone
        self._disconnected.set()
        keepalive, self._keepalive = self._keepalive, None
        if keepalive is not None:
            keepalive.cancel()
        close_timer, self._close_timer = self._close_timer, None
        if close_timer is not None:
            close_timer.cancel()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    # -- receiving -----------------------------------------------------------------------

    async def receive(self) -> bytes | FileReply | None:
        """The next message; None once the connection has ended and the queue is empty."""
        inbox = self._inbox
        while not inbox:
            if self._ended:
                return None
            waiter = self._inbox_waiter = self._loop.create_future()
            try:
                await waiter
            finally:
                self._inbox_waiter = None
        message = inbox.popleft()
        if self._reading_paused and len(inbox) <= INBOX_LOW:
            self._reading_paused = False
            if self._ws is not None and not self._ws.is_disconnected:
                self._ws.underlying_transport.resume_reading()
        return message

    def _deliver(self, message: bytes | FileReply) -> None:
        self._inbox.append(message)
        self._wake_receiver()
        if len(self._inbox) >= INBOX_HIGH and not self._reading_paused and self._ws is not None:
            self._reading_paused = True
            self._ws.underlying_transport.pause_reading()

    def _wake_receiver(self) -> None:
        waiter = self._inbox_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _end(self) -> None:
        self._ended = True
        self._fragments = None
        self._file_reply = None
        self._wake_receiver()

    # -- closing -------------------------------------------------------------------------

    def _on_close_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        self._end()
        if not transport.is_close_frame_sent and not transport.underlying_transport.is_closing():
            # Echo the peer's code, as websockets does; a close frame without one gets 1000.
            code = frame.get_close_code()
            transport.send_close(WSCloseCode.OK if code == WSCloseCode.NO_INFO else code)
        # The closing handshake is complete: end the TCP connection (after what is queued).
        transport.disconnect()

    def _close(self, code: WSCloseCode, reason: bytes | None = None) -> None:
        """Start the closing handshake; the TCP connection ends when the peer answers.

        Closing the socket at once would reset the connection if the peer's data is still
        unread, and a reset can destroy the close frame before the peer reads it. So the
        peer's close frame is awaited (data before it is discarded), for `close_timeout`."""
        self._end()
        ws = self._ws
        if ws is None or ws.is_disconnected or ws.underlying_transport.is_closing():
            return
        if not ws.is_close_frame_sent:
            ws.send_close(code, reason)
            timeout = CLOSE_TIMEOUT if self._close_timeout is None else self._close_timeout
            self._close_timer = self._loop.call_later(timeout, ws.disconnect, False)
        if self._reading_paused:  # the answer must be read
            self._reading_paused = False
            ws.underlying_transport.resume_reading()

    def _fail(self, code: WSCloseCode, reason: str) -> None:
        """A websocket protocol violation: say why in a close frame, then end the connection."""
        _log.info("failing websocket connection: %s (%s)", reason, code.value)
        self._close(code, reason.encode())

    def abort(self) -> None:
        """Drop the TCP connection at once, without a close frame."""
        self._end()
        if self._ws is not None:
            self._ws.disconnect(graceful=False)

    # Keepalive runs on timers, not a task: a task per connection costs ~15 µs more to
    # start and cancel, and a cancelled one keeps its traceback, a cycle through this object.

    def _send_ping(self) -> None:
        transport = self._ws
        if transport is None or transport.is_disconnected or transport.is_close_frame_sent:
            self._keepalive = None
            return
        self._ping_payload = os.urandom(4)
        transport.send_ping(self._ping_payload)
        self._keepalive = self._loop.call_later(self._ping_timeout, self._pong_overdue)

    def _pong_overdue(self) -> None:
        self._keepalive = None
        transport = self._ws
        if transport is None or transport.is_disconnected:
            return
        _log.info("no pong within %s s: closing the websocket connection", self._ping_timeout)
        self._end()
        if not transport.is_close_frame_sent:
            transport.send_close(WSCloseCode.INTERNAL_ERROR, b"keepalive ping timeout")
        # The peer is unresponsive: do not wait for the write buffer to drain.
        transport.disconnect(graceful=False)

    # -- sending helpers -----------------------------------------------------------------

    def _open_transport(self) -> WSTransport | None:
        """The picows transport if messages can still be sent on it, else None."""
        ws = self._ws
        if ws is None or ws.is_disconnected or ws.is_close_frame_sent:
            return None
        if ws.underlying_transport.is_closing():
            return None
        return ws

    def _transport_for_sending(self) -> WSTransport:
        ws = self._open_transport()
        if ws is None:
            raise self._closed_error()
        return ws

    def _closed_error(self) -> WebSocketClosed:
        return WebSocketClosed(f"websocket closed: {self._close_description()}")

    async def _drain(self) -> bool:
        """Wait while the socket's write buffer is over the high-water mark.

        Returns False when the connection ended meanwhile."""
        if not self._writable.is_set():
            await self._writable.wait()
        return not self._disconnected.is_set()

    def _close_description(self) -> str:
        ws = self._ws
        handshake = ws.close_handshake if ws is not None else None
        if handshake is None:
            return "no close frame received or sent"
        parts = []
        if handshake.recv is not None:
            parts.append(
                f"received {handshake.recv.code.value} ({handshake.recv.reason or 'no reason'})"
            )
        if handshake.sent is not None:
            parts.append(
                f"sent {handshake.sent.code.value} ({handshake.sent.reason or 'no reason'})"
            )
        return (
            "; then ".join(parts) if handshake.recv_then_sent else "; then ".join(reversed(parts))
        )


class WebSocketTransport(WebSocketEndpoint):
    """An open websocket connection to an exec-server (text frames out)."""

    def __init__(self, max_message_bytes: int | None) -> None:
        # Inbound messages are not limited: fs/readFile answers can be hundreds of MiB.
        super().__init__(
            max_message_bytes=None,
            ping_interval=PING_INTERVAL,
            ping_timeout=PING_TIMEOUT,
            decode_file_replies=True,
        )
        self._outbound_limit = max_message_bytes
        self._send_lock = asyncio.Lock()

    async def send(self, message: bytes) -> None:
        if self._outbound_limit is not None and len(message) > self._outbound_limit:
            raise MessageTooLarge(len(message), self._outbound_limit)
        if len(message) <= FRAGMENT_BYTES and not self._send_lock.locked():
            self._transport_for_sending().send(WSMsgType.TEXT, message)
            if not await self._drain():
                raise self._closed_error()
            return
        # Fragments of one message must not interleave with other messages: hold the
        # lock while waiting for the socket to drain between them.
        async with self._send_lock:
            pieces = utf8_fragments(message)
            last = len(pieces) - 1
            for index, piece in enumerate(pieces):
                kind = WSMsgType.CONTINUATION if index else WSMsgType.TEXT
                self._transport_for_sending().send(kind, piece, fin=index == last)
                if not await self._drain():
                    raise self._closed_error()

    async def close(self) -> None:
        """Closing handshake (code 1000); returns once the connection has ended (at most
        CLOSE_TIMEOUT later: then it is dropped)."""
        self._close(WSCloseCode.OK)
        self._inbox.clear()
        if self._ws is not None:
            await self._disconnected.wait()


class WebSocketConnector:
    """Connects to `ws://host:port` (or `wss://`), sending `Authorization: Bearer <token>`.

    The token is kept private: it is not part of `repr()`, `target` or any log line.
    Requests larger than `max_message_bytes` (default 64 MiB, what the reference accepts;
    None: no limit) fail with `MessageTooLarge` instead of being sent.
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        open_timeout: float = DEFAULT_OPEN_TIMEOUT,
        max_message_bytes: int | None = DEFAULT_MAX_MESSAGE_BYTES,
    ) -> None:
        self._url = url
        self.__token = token
        self._open_timeout = open_timeout
        self._max_message_bytes = max_message_bytes

    def __repr__(self) -> str:
        token = "<redacted>" if self.__token is not None else None
        return f"WebSocketConnector(url={self._url!r}, token={token})"

    @property
    def target(self) -> str:
        return self._url

    @property
    def resumable(self) -> bool:
        return True

    async def connect(self) -> WebSocketTransport:
        headers = {"Authorization": f"Bearer {self.__token}"} if self.__token is not None else {}
        try:
            return await dial(
                WebSocketTransport(self._max_message_bytes),
                self._url,
                headers=headers,
                open_timeout=self._open_timeout,
                logger=_log,
            )
        except InvalidURL as error:
            raise TransportError(f"invalid websocket URL: {error.cause}") from None
        except UpgradeRefused as error:
            if error.status in (401, 403):
                raise AuthenticationError(
                    f"{self._url} refused the connection with HTTP {error.status}"
                    + (" (no token given)" if self.__token is None else " (check the token)")
                ) from None
            raise TransportError(
                f"{self._url} answered the upgrade with HTTP {error.status}"
            ) from None
        except DialError as error:
            raise TransportError(f"cannot connect to {self._url}: {error.cause}") from None

    async def aclose(self) -> None:
        return None

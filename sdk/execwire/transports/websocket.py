"""WebSocket transport: one JSON-RPC message per text frame."""

from __future__ import annotations

import logging
from typing import Any, Final

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from ..errors import AuthenticationError, MessageTooLarge, TransportError

__all__ = ["WebSocketConnector", "WebSocketTransport"]

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

_log = logging.getLogger("execwire.transports.websocket")


class _RedactingLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """websockets logs every handshake header at DEBUG; never let the bearer token out."""

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if len(args) >= 2 and isinstance(args[0], str) and args[0].lower() == "authorization":
            args = (args[0], "<redacted>", *args[2:])
        super().log(level, msg, *args, **kwargs)


def _fragments(message: bytes) -> list[memoryview]:
    """Slices of at most FRAGMENT_BYTES, never splitting a UTF-8 sequence."""
    view = memoryview(message)
    pieces: list[memoryview] = []
    start = 0
    while len(message) - start > FRAGMENT_BYTES:
        end = start + FRAGMENT_BYTES
        while message[end] & 0xC0 == 0x80:  # a continuation byte: cut before its sequence
            end -= 1
        pieces.append(view[start:end])
        start = end
    pieces.append(view[start:])
    return pieces


class WebSocketTransport:
    """An open websocket connection."""

    def __init__(self, connection: ClientConnection, max_message_bytes: int | None) -> None:
        self._connection = connection
        self._max_message_bytes = max_message_bytes

    async def send(self, message: bytes) -> None:
        if self._max_message_bytes is not None and len(message) > self._max_message_bytes:
            raise MessageTooLarge(len(message), self._max_message_bytes)
        try:
            if len(message) > FRAGMENT_BYTES:
                await self._connection.send(_fragments(message), text=True)
            else:
                await self._connection.send(message, text=True)
        except ConnectionClosed as error:
            raise TransportError(f"websocket closed: {error}") from None

    async def receive(self) -> bytes | None:
        try:
            return await self._connection.recv(decode=False)
        except ConnectionClosed:
            return None

    async def close(self) -> None:
        await self._connection.close()

    def abort(self) -> None:
        transport = self._connection.transport
        if transport is not None:
            transport.abort()


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
            connection = await connect(
                self._url,
                additional_headers=headers,
                compression=None,  # payloads are base64: deflate costs CPU and saves little
                max_size=None,  # fs/readFile answers can be hundreds of MiB
                open_timeout=self._open_timeout,
                ping_interval=PING_INTERVAL,
                ping_timeout=PING_TIMEOUT,
                logger=_RedactingLogger(_log, {}),
            )
        except InvalidStatus as error:
            status = error.response.status_code
            if status in (401, 403):
                raise AuthenticationError(
                    f"{self._url} refused the connection with HTTP {status}"
                    + (" (no token given)" if self.__token is None else " (check the token)")
                ) from None
            raise TransportError(f"{self._url} answered the upgrade with HTTP {status}") from None
        except InvalidURI as error:
            raise TransportError(f"invalid websocket URL: {error}") from None
        except (OSError, TimeoutError, InvalidHandshake) as error:
            raise TransportError(f"cannot connect to {self._url}: {error}") from None
        return WebSocketTransport(connection, self._max_message_bytes)

    async def aclose(self) -> None:
        return None

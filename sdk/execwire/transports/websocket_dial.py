"""Opening client websocket connections over picows: `dial` and what it needs.

`dial` connects any `WebSocketEndpoint` (the SDK's `WebSocketTransport`, the relay's
`BinaryWebSocket`) to a ws:// or wss:// URL: through the system proxy chosen as websockets
chooses it, within one timeout, logging through a redacting logger (no bearer token, no URL
query), and turning picows's errors into `DialError`s whose messages never hold the URL.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import urllib.request
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, TypeVar

from picows import WSError, WSInvalidStatusError, WSInvalidURL, ws_connect
from picows.url import parse_url

from ..errors import TransportError

if TYPE_CHECKING:
    from .websocket import WebSocketEndpoint

__all__ = ["DialError", "InvalidURL", "UpgradeRefused", "dial", "picows_logger"]


class _RedactingLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The logger handed to picows: the bearer token must never reach a log line.

    picows dumps raw handshakes (the Authorization header and the request's query included)
    below DEBUG, at its own level 9: those records are dropped, and reporting that level as
    disabled keeps picows from even formatting them. Header-style records have their value
    redacted, and URLs (picows logs them when following a redirect) their query, which is a
    signed credential on the relay's rendezvous URLs.
    """

    def isEnabledFor(self, level: int) -> bool:
        return level >= logging.DEBUG and self.logger.isEnabledFor(level)

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if level < logging.DEBUG:
            return
        if len(args) >= 2 and isinstance(args[0], str) and args[0].lower() == "authorization":
            args = (args[0], "<redacted>", *args[2:])
        args = tuple(_without_query(arg) for arg in args)
        super().log(level, msg, *args, **kwargs)


def _without_query(arg: object) -> object:
    if isinstance(arg, str) and "://" in arg and ("?" in arg or "#" in arg):
        return arg.split("?", 1)[0].split("#", 1)[0] + "?<redacted>"
    return arg


def picows_logger(logger: logging.Logger) -> logging.LoggerAdapter:  # type: ignore[type-arg]
    """`logger` as picows should get it: no raw handshakes, Authorization values or URL
    queries."""
    return _RedactingLogger(logger, {})


_PROXY_SCHEMES: Final = ("ws", "wss", "socks", "https", "http", "no")
_SYSTEM_PROXY_SETTINGS: Final = sys.platform in ("darwin", "win32")


def _proxy_environment() -> dict[str, str]:
    """The `<scheme>_proxy` variables `_proxy_for` consults, as urllib reads them (the lower
    case name wins, and an empty one unsets) but looked up by name: urllib scans the whole
    environment twice, about 90 µs per connection."""
    environ = os.environ
    # In a CGI script HTTP_PROXY may come from a request header ("httpoxy").
    cgi = "REQUEST_METHOD" in environ
    proxies: dict[str, str] = {}
    for scheme in _PROXY_SCHEMES:
        value = environ.get(f"{scheme}_proxy")
        if value is None and not (cgi and scheme == "http"):
            value = environ.get(f"{scheme.upper()}_PROXY")
        if value:
            proxies[scheme] = value
    return proxies


def _proxy_for(secure: bool, host: str, port: int) -> str | None:
    """The system proxy for this URL, chosen as websockets does (a SOCKS proxy first)."""
    if _SYSTEM_PROXY_SETTINGS:  # urllib also reads the system's proxy settings there
        if urllib.request.proxy_bypass(f"{host}:{port}"):
            return None
        proxies = urllib.request.getproxies()
    else:
        proxies = _proxy_environment()
        # Public in urllib.request, but missing from typeshed.
        if urllib.request.proxy_bypass_environment(f"{host}:{port}", proxies):  # type: ignore[attr-defined]
            return None
    for scheme in ("wss", "socks", "https") if secure else ("ws", "socks", "https", "http"):
        proxy = proxies.get(scheme)
        if proxy is not None:
            if scheme == "socks" and proxy.startswith("http://"):
                proxy = "socks5h://" + proxy[len("http://") :]
            return proxy
    return None


class DialError(TransportError):
    """`dial` failed: `cause` is the error behind it. The message never holds the URL, whose
    query may be a credential; callers word their own errors."""

    def __init__(self, message: str, cause: BaseException) -> None:
        super().__init__(message)
        self.cause = cause


class InvalidURL(DialError):
    """The URL is not a ws:// or wss:// URL."""


class UpgradeRefused(DialError):
    """The server answered the upgrade with HTTP `status` instead of 101."""

    def __init__(self, status: int, cause: BaseException) -> None:
        super().__init__(f"the websocket upgrade was answered with HTTP {status}", cause)
        self.status = status


_Endpoint = TypeVar("_Endpoint", bound="WebSocketEndpoint")


async def dial(
    endpoint: _Endpoint,
    url: str,
    *,
    open_timeout: float,
    logger: logging.Logger,
    headers: Mapping[str, str] | None = None,
    read_buffer_bytes: int = 256 << 10,
) -> _Endpoint:
    """Connect `endpoint` to `url` (through the system proxy, if any); returns it once open.

    `open_timeout` bounds the whole of it. Raises `InvalidURL`, `UpgradeRefused` (with the
    HTTP status) or `DialError` (connection, proxy, handshake trouble or the timeout).
    picows logs through `logger`, redacted (`picows_logger`).
    """
    try:
        parsed = parse_url(url)
    except (WSInvalidURL, ValueError) as error:
        raise InvalidURL("invalid websocket URL", error) from None
    try:
        async with asyncio.timeout(open_timeout):
            await ws_connect(
                lambda: endpoint,
                url,
                extra_headers=headers,
                # Also bounds the handshake if this wait is cancelled: picows then drops
                # the half-open connection itself.
                websocket_handshake_timeout=open_timeout,
                logger_name=picows_logger(logger),
                enable_auto_ping=False,  # the endpoint's own keepalive
                enable_auto_pong=True,
                max_frame_size=endpoint.max_frame_size,
                read_buffer_init_size=read_buffer_bytes,
                proxy=_proxy_for(parsed.is_secure, parsed.host, parsed.port),
            )
    except WSInvalidStatusError as error:
        status = int(error.response.status) if error.response is not None else 0
        raise UpgradeRefused(status, error) from None
    except (OSError, TimeoutError, WSError) as error:
        raise DialError(f"cannot open the websocket: {type(error).__name__}", error) from None
    return endpoint

"""`http/request`: HTTP(S) requests made from the executor, as codex 0.169.0 makes them.

A small HTTP/1.1 client over asyncio streams, so that what goes on the wire is what the
reference (reqwest) sends: the caller's headers (names in lower case) in their order, then
`accept: */*` and `host`, and `content-length` for a non-empty body; a `referer` when a
redirect is followed (at most 10). One connection per request, closed after it.

Validation texts, the `valueEnvVar` rule (the executor's variable appended to `value`), the
`timeoutMs` rule (0 times out at once) and the streamed form (`http/request/bodyDelta`
notifications numbered from 1, the last `done`) follow the reference; stream request ids
belong to the connection and may be reused once their stream is done. A connection that
ends stops its streams and closes their sockets.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urljoin, urlsplit

import orjson
import pybase64

from execwire.protocol import models

from .errors import INTERNAL_ERROR, INVALID_PARAMS, RpcError

__all__ = ["HttpRequests"]

MAX_REDIRECTS: Final = 10
READ_BYTES: Final = 64 * 1024
_TOKEN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
_NO_BODY_STATUS: Final = frozenset({204, 304})


@dataclass(frozen=True, slots=True)
class _Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str
    """Path and query, as sent in the request line."""

    @property
    def authority(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(slots=True)
class _Response:
    status: int
    headers: list[tuple[str, str]]
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    length: int | None
    chunked: bool
    empty: bool


class _Failure(Exception):
    """A request that failed after validation: `http/request failed: <reason>`."""


def _target(url: str) -> _Target:
    parts = urlsplit(url)
    if not parts.scheme:
        raise RpcError(INVALID_PARAMS, "http/request url is invalid: relative URL without a base")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise RpcError(INVALID_PARAMS, f"http/request only supports http and https URLs, got {scheme}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise RpcError(INVALID_PARAMS, "http/request url is invalid: invalid port number") from None
    if not host:
        raise RpcError(INVALID_PARAMS, "http/request url is invalid: empty host")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    port = port or (443 if scheme == "https" else 80)
    normalized = f"{scheme}://{parts.netloc}{path}"
    return _Target(normalized, scheme, host, port, path)


def _headers(
    headers: list[models.HttpHeader], environment: Mapping[str, str]
) -> list[tuple[str, str]]:
    resolved: list[tuple[str, str]] = []
    for header in headers:
        if not _TOKEN.fullmatch(header.name):
            raise RpcError(INVALID_PARAMS, "http/request header name is invalid: invalid HTTP header name")
        value = header.value
        if header.value_env_var is not None:
            extra = environment.get(header.value_env_var)
            if extra is None:
                raise RpcError(
                    INVALID_PARAMS,
                    f"http/request header {header.name} requires executor environment variable "
                    f"{header.value_env_var}",
                )
            value += extra
        if _BAD_VALUE.search(value):
            raise RpcError(
                INVALID_PARAMS,
                f"http/request header value is invalid for {header.name}: failed to parse header value",
            )
        resolved.append((header.name.lower(), value))
    return resolved


async def _send(
    target: _Target, method: str, headers: list[tuple[str, str]], body: bytes
) -> _Response:
    context = ssl.create_default_context() if target.scheme == "https" else None
    try:
        reader, writer = await asyncio.open_connection(
            target.host, target.port, ssl=context, server_hostname=target.host if context else None
        )
    except OSError:
        raise _Failure(f"error sending request for url ({target.url})") from None
    names = {name for name, _ in headers}
    lines = [f"{method} {target.path} HTTP/1.1", *(f"{n}: {v}" for n, v in headers)]
    if "accept" not in names:
        lines.append("accept: */*")
    if "host" not in names:
        lines.append(f"host: {target.authority}")
    if body and "content-length" not in names:
        lines.append(f"content-length: {len(body)}")
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        status_line = await reader.readline()
        status = int(status_line.split(b" ", 2)[1])
        response_headers: list[tuple[str, str]] = []
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            response_headers.append((name.strip().lower(), value.strip()))
    except (OSError, ValueError, IndexError):
        writer.close()
        raise _Failure(f"error sending request for url ({target.url})") from None
    fields = dict(response_headers)
    length = fields.get("content-length")
    return _Response(
        status=status,
        headers=response_headers,
        reader=reader,
        writer=writer,
        length=int(length) if length and length.isdigit() else None,
        chunked="chunked" in fields.get("transfer-encoding", "").lower(),
        empty=method == "HEAD" or status in _NO_BODY_STATUS or 100 <= status < 200,
    )


async def _body_parts(response: _Response) -> AsyncIterator[bytes]:
    """The response body, read by read (chunked, by length, or to the end)."""
    reader = response.reader
    if response.empty:
        return
    if response.chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                await reader.readline()
                return
            yield await reader.readexactly(size)
            await reader.readline()
    remaining = response.length
    while remaining is None or remaining > 0:
        part = await reader.read(READ_BYTES if remaining is None else min(READ_BYTES, remaining))
        if not part:
            return
        if remaining is not None:
            remaining -= len(part)
        yield part


class HttpRequests:
    """The `http/request` calls of one connection; `close_all` when it ends."""

    def __init__(
        self, environment: Mapping[str, str], send: Callable[[bytes], Awaitable[None]]
    ) -> None:
        self._environment = environment
        self._send = send
        self._streams: dict[str, asyncio.Task[None]] = {}

    async def request(self, params: models.HttpRequestParams) -> models.HttpRequestResponse:
        """Make the request; raises the reference's errors."""
        method = params.method
        if not _TOKEN.fullmatch(method):
            raise RpcError(INVALID_PARAMS, "http/request method is invalid: invalid HTTP method")
        target = _target(params.url)
        headers = _headers(params.headers, self._environment)
        if params.stream_response and params.request_id in self._streams:
            raise RpcError(
                INVALID_PARAMS,
                f"http/request streamResponse requestId `{params.request_id}` is already active",
            )
        body = params.body_base64 or b""
        timeout = None if params.timeout_ms is None else params.timeout_ms / 1000
        try:
            async with asyncio.timeout(timeout):
                if timeout == 0:
                    raise TimeoutError
                response = await self._exchange(target, method, headers, body, params)
                if params.stream_response:
                    self._start_stream(params.request_id, response)
                    data = b""
                else:
                    try:
                        data = b"".join([part async for part in _body_parts(response)])
                    finally:
                        response.writer.close()
        except TimeoutError:
            raise RpcError(INTERNAL_ERROR, "http/request failed: route-aware request timed out") from None
        except _Failure as failure:
            raise RpcError(INTERNAL_ERROR, f"http/request failed: {failure}") from None
        return models.HttpRequestResponse(
            status=response.status,
            headers=[models.HttpResponseHeader(name=n, value=v) for n, v in response.headers],
            body_base64=data,
        )

    async def _exchange(
        self,
        target: _Target,
        method: str,
        headers: list[tuple[str, str]],
        body: bytes,
        params: models.HttpRequestParams,
    ) -> _Response:
        response = await _send(target, method, headers, body)
        for _ in range(MAX_REDIRECTS):
            location = dict(response.headers).get("location")
            if params.redirect_policy == "stop" or response.status not in _REDIRECTS or not location:
                return response
            response.writer.close()
            referer = target.url
            target = _target(urljoin(target.url, location))
            if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                method, body = "GET", b""
            response = await _send(target, method, [("referer", referer), *headers], body)
        response.writer.close()
        raise _Failure(f"error following redirect for url ({target.url})")

    def _start_stream(self, request_id: str, response: _Response) -> None:
        task = asyncio.get_running_loop().create_task(self._stream(request_id, response))
        self._streams[request_id] = task

    async def _stream(self, request_id: str, response: _Response) -> None:
        await asyncio.sleep(0)  # the answer with status and headers goes out first
        seq = 0
        error: str | None = None
        try:
            async for part in _body_parts(response):
                seq += 1
                await self._send(_delta(request_id, seq, part, False, None))
        except (OSError, ValueError, asyncio.IncompleteReadError) as failure:
            error = f"error reading a body from connection: {failure}"
        finally:
            response.writer.close()
            self._streams.pop(request_id, None)
        await self._send(_delta(request_id, seq + 1, b"", True, error))

    def close_all(self) -> None:
        """The connection ended: stop every stream (their sockets close)."""
        streams, self._streams = self._streams, {}
        for task in streams.values():
            task.cancel()


def _delta(request_id: str, seq: int, data: bytes, done: bool, error: str | None) -> bytes:
    return orjson.dumps(
        {
            "method": "http/request/bodyDelta",
            "params": {
                "requestId": request_id,
                "seq": seq,
                "deltaBase64": pybase64.b64encode(data).decode("ascii"),
                "done": done,
                "error": error,
            },
        }
    )

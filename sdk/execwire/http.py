"""HTTP requests made from the executor (`http/request`), from `Executor.http_request`.

    response = await executor.http_request("GET", "https://example.com/data.json")
    print(response.status, response.header("content-type"), await response.read())

    response = await executor.http_request("GET", url, stream=True)
    async for part in response.body():               # as the executor receives it
        sink.write(part)

Header values may take the executor's environment variables (`HttpHeader` with
`value_env_var`): secrets stay on the executor.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from .errors import ProtocolError
from .protocol import models

if TYPE_CHECKING:
    from .client import ExecServerClient

__all__ = ["HttpResponse"]


class HttpResponse:
    """Status and headers of an executor's HTTP response, and its body."""

    def __init__(
        self,
        response: models.HttpRequestResponse,
        *,
        client: ExecServerClient | None = None,
        request_id: str | None = None,
        parts: asyncio.Queue[models.HttpRequestBodyDeltaNotification] | None = None,
    ) -> None:
        self._response = response
        self._client = client
        self._request_id = request_id
        self._parts = parts
        self._consumed = False

    def __repr__(self) -> str:
        return f"HttpResponse(status={self.status}, streamed={self._parts is not None})"

    @property
    def status(self) -> int:
        """The HTTP status code."""
        return self._response.status

    @property
    def headers(self) -> list[tuple[str, str]]:
        """Header names (lower case) and values, in the order received."""
        return [(header.name, header.value) for header in self._response.headers]

    def header(self, name: str) -> str | None:
        """The first value of header `name` (any case), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)

    async def body(self) -> AsyncIterator[bytes]:
        """The body, part by part (once); a streamed one as the executor receives it."""
        if self._consumed:
            raise RuntimeError("the body of this response was already read")
        self._consumed = True
        if self._parts is None:
            if self._response.body_base64:
                yield self._response.body_base64
            return
        try:
            while True:
                delta = await self._parts.get()
                if delta.delta_base64:
                    yield delta.delta_base64
                if delta.done:
                    if delta.error is not None:
                        raise ProtocolError(f"the executor's HTTP body failed: {delta.error}")
                    return
        finally:
            if self._client is not None and self._request_id is not None:
                self._client.internal.http_body_done(self._request_id)

    async def read(self) -> bytes:
        """The whole body."""
        return b"".join([part async for part in self.body()])

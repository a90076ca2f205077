"""The registry's HTTP details: JSON bodies and models, error answers, the bearer check,
request records and the access log, none of which may ever hold a secret.

Credentials travel in `Authorization` headers (the registry bearer) and in the signed query
of rendezvous URLs, and request bodies carry keys and authorizations: errors name field
locations only, records keep header names and body keys, the access log keeps no query.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
from typing import TypeVar

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse
from pydantic import BaseModel, ValidationError

from execwire.protocol.registry import NoiseChannelPublicKey
from execwire.relay.noise import NoiseError, NoisePublicKey

from .records import RequestRecord
from .registry import RegistryRefusal

__all__ = [
    "AccessLogger",
    "check_bearer",
    "error_response",
    "parse_model",
    "public_key",
    "read_json",
    "request_record",
]

_ModelT = TypeVar("_ModelT", bound=BaseModel)


class AccessLogger(AbstractAccessLogger):
    """Method, path and status only: queries carry signed credentials and never get logged."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.debug("%s %s -> %s", request.method, request.path, response.status)

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.DEBUG)


def error_response(status: int, code: str, message: str) -> web.Response:
    """The registry's error shape: `{"error": {"code", "message"}}`."""
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def parse_model(model: type[_ModelT], body: object) -> _ModelT:
    """`body` as `model`, or a 400 refusal naming the invalid locations (never values)."""
    try:
        return model.model_validate(body)
    except ValidationError as error:
        # pydantic's messages quote the input, which may hold a key or an authorization.
        where = sorted({".".join(str(part) for part in e["loc"]) or "body" for e in error.errors()})
        raise RegistryRefusal(
            400, "invalid_request", f"invalid {model.__name__} at: {', '.join(where)}"
        ) from None


def public_key(model: NoiseChannelPublicKey) -> NoisePublicKey:
    """The Noise public key of a request, or a 400 refusal."""
    try:
        return NoisePublicKey.from_json(model.to_wire())
    except NoiseError as error:
        raise RegistryRefusal(400, "invalid_public_key", str(error)) from None


async def read_json(request: web.Request) -> object:
    """The request's JSON body, or a 400 refusal."""
    try:
        return json.loads(await request.read())
    except ValueError:
        raise RegistryRefusal(400, "invalid_request", "request body is not JSON") from None


def check_bearer(request: web.Request, token: bytes) -> None:
    """Refuse (401) unless the request presents `Authorization: Bearer <token>`."""
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    # Compare digests of equal length: compare_digest on the raw values would still
    # reveal the expected token's length.
    ok = scheme.lower() == "bearer" and hmac.compare_digest(
        _digest(presented.strip().encode("utf-8")), _digest(token)
    )
    if not ok:
        raise RegistryRefusal(401, "unauthorized", "missing or invalid bearer token")


async def request_record(request: web.Request) -> RequestRecord:
    """What is kept of a request for inspection: credentials redacted, body keys only."""
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        lowered = name.lower()
        if lowered == "authorization":
            # Keep the scheme only; the credential itself is never stored.
            value = value.partition(" ")[0] + " <redacted>"
        elif lowered in ("cookie", "proxy-authorization"):
            value = "<redacted>"
        headers[lowered] = value
    body_keys: tuple[str, ...] | None = None
    if request.method == "POST" and request.can_read_body:
        with contextlib.suppress(ValueError, web.HTTPException):
            # read() caches the body, so the handler can read it again.
            body = json.loads(await request.read())
            if isinstance(body, dict):
                body_keys = tuple(str(key) for key in body)
    return RequestRecord(
        request.method, request.path, tuple(request.query.keys()), headers, body_keys
    )


def _digest(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()

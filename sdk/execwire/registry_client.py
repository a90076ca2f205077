"""The relay registry HTTP API client: register and validate (executor), connect (harness).

Bodies are the generated `execwire.protocol.registry` models. Every call goes to
`{base}/cloud/environment/{environment id as one percent-encoded segment}/{action}` with a
bearer token, redirects off and a 10 s timeout. Responses are validated as the reference
validates them. The token never appears in reprs, logs or error texts (a registry that
echoes it is scrubbed); URLs carrying a signed query are only ever shown without it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote, urlsplit

import aiohttp
import orjson
import pydantic
from yarl import URL

from execwire.protocol.registry import (
    ConnectRequest,
    ConnectResponse,
    RegisterRequest,
    RegisterResponse,
    ValidateRequest,
)
from execwire.protocol.registry import RegistryError as ErrorBody

from .relay.noise import NoisePublicKey

__all__ = [
    "ConnectBundle",
    "Registration",
    "RegistryAuthError",
    "RegistryClient",
    "RegistryError",
    "redact_url",
]

logger = logging.getLogger(__name__)

SECURITY_PROFILE: Final = "noise_hybrid_ik_v1"
REGISTRY_TIMEOUT: Final = 10.0
MAX_ERROR_PREVIEW: Final = 4096
MAX_RESPONSE_LEN: Final = 1 << 20


def redact_url(url: str) -> str:
    """The URL without its query and fragment, which may carry signed credentials."""
    return url.split("?", 1)[0].split("#", 1)[0]


class RegistryError(Exception):
    """A registry call failed; ``retriable`` says whether trying again may help."""

    def __init__(self, message: str, *, status: int | None = None, retriable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retriable = retriable


class RegistryAuthError(RegistryError):
    """The registry refused the bearer token (401/403): registration cannot succeed."""


@dataclass(frozen=True)
class Registration:
    """An accepted registration: where to dial and the id bound into every prologue."""

    environment_id: str
    registration_id: str
    url: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Registration(url={redact_url(self.url)!r})"


def _environment_segment(environment_id: str) -> str:
    if not environment_id or environment_id in (".", ".."):
        raise ValueError("environment id must not be empty, `.` or `..`")
    # One path segment: `/`, `?`, `#`, `%` and spaces are all percent-encoded.
    return quote(environment_id, safe="")


async def _read_bounded(
    response: aiohttp.ClientResponse, limit: int, *, truncate: bool = False
) -> bytes | None:
    """The body, or None when it exceeds ``limit`` (its first ``limit`` bytes if ``truncate``)."""
    body = bytearray()
    while len(body) <= limit:
        # read(n) returns what is buffered (at least one byte), so loop until EOF.
        chunk = await response.content.read(limit + 1 - len(body))
        if not chunk:
            return bytes(body)
        body += chunk
    return bytes(body[:limit]) if truncate else None


@dataclass(frozen=True)
class ConnectBundle:
    """What /connect returns: where and how to reach the executor, for one connection."""

    environment_id: str
    executor_registration_id: str
    executor_public_key: NoisePublicKey
    url: str = field(repr=False)
    authorization: str = field(repr=False)

    def __repr__(self) -> str:
        return f"ConnectBundle(url={redact_url(self.url)!r})"


class RegistryClient:
    """Calls to the registry HTTP API (executor: register, validate; harness: connect)."""

    __slots__ = ("_base", "_environment_id", "_segment", "_session", "_timeout", "_token")

    def __init__(
        self,
        base_url: str,
        environment_id: str,
        bearer_token: str,
        *,
        timeout: float = REGISTRY_TIMEOUT,
    ) -> None:
        base = base_url.strip().rstrip("/")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the registry URL must be http:// or https:// with a host")
        if parts.query or parts.fragment or parts.username is not None:
            # Anything there would be a credential that error texts and logs could leak.
            raise ValueError("the registry URL must not carry credentials, a query or a fragment")
        if not bearer_token or any(ord(c) < 0x21 or ord(c) == 0x7F for c in bearer_token):
            raise ValueError("the registry bearer token is empty or malformed")
        self._base = URL(base)
        self._environment_id = environment_id
        self._segment = _environment_segment(environment_id)
        self._token = bearer_token
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"RegistryClient(base={str(self._base)!r})"

    async def __aenter__(self) -> RegistryClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                headers={"Accept": "application/json"},
            )
        return self._session

    def _url(self, action: str) -> URL:
        return self._base.joinpath("cloud", "environment", self._segment, action, encoded=True)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"}

    def _scrub(self, text: str) -> str:
        # A registry that echoes the request must not carry the token into our errors.
        return text.replace(self._token, "[redacted]")

    async def register(self, public_key: NoisePublicKey) -> Registration:
        """``POST .../register``; raises :class:`RegistryError` (retriable or not)."""
        body = RegisterRequest.model_validate(
            {"security_profile": SECURITY_PROFILE, "executor_public_key": public_key.to_json()}
        ).to_wire()
        return self._registration(await self._post("register", body))

    def _registration(self, raw: bytes) -> Registration:
        try:
            answer = RegisterResponse.model_validate_json(raw)
        except pydantic.ValidationError:
            raise RegistryError("registry returned an invalid registration response") from None
        if answer.environment_id != self._environment_id:
            raise RegistryError("registry returned a different environment id")
        if not answer.executor_registration_id.strip():
            raise RegistryError("registry returned a blank executor registration id")
        self._check_websocket_url(answer.url)
        return Registration(answer.environment_id, answer.executor_registration_id, answer.url)

    async def _http_error(self, action: str, response: aiohttp.ClientResponse) -> RegistryError:
        status = response.status
        preview = await _read_bounded(response, MAX_ERROR_PREVIEW, truncate=True) or b""
        detail = "empty error body"
        if preview:
            try:
                error = ErrorBody.model_validate_json(preview).error
                parts = [part[:MAX_ERROR_PREVIEW] for part in (error.code, error.message) if part]
                detail = ": ".join(parts) or "empty or malformed error body"
            except pydantic.ValidationError:
                detail = preview.decode("utf-8", "replace")
        message = self._scrub(f"registry {action} failed with HTTP {status}: {detail}")
        if status in (401, 403):
            return RegistryAuthError(message, status=status)
        retriable = status >= 500 or status in (408, 429)
        return RegistryError(message, status=status, retriable=retriable)

    async def connect(self, harness_public_key: NoisePublicKey) -> ConnectBundle:
        """``POST .../connect``: a single-use bundle for one physical harness connection."""
        body = ConnectRequest.model_validate(
            {"harness_public_key": harness_public_key.to_json()}
        ).to_wire()
        raw = await self._post("connect", body)
        try:
            answer = ConnectResponse.model_validate_json(raw)
            executor_key = NoisePublicKey.from_json(answer.executor_public_key.to_wire())
        except (pydantic.ValidationError, ValueError):
            raise RegistryError("registry returned an invalid connect bundle") from None
        if answer.environment_id != self._environment_id:
            raise RegistryError("Noise rendezvous provider returned a different environment id")
        if not answer.executor_registration_id.strip():
            raise RegistryError("registry returned a blank executor registration id")
        if not answer.harness_key_authorization.strip():
            raise RegistryError("registry returned a blank harness key authorization")
        self._check_websocket_url(answer.url)
        return ConnectBundle(
            environment_id=answer.environment_id,
            executor_registration_id=answer.executor_registration_id,
            executor_public_key=executor_key,
            url=answer.url,
            authorization=answer.harness_key_authorization,
        )

    async def _post(self, action: str, body: dict[str, Any]) -> bytes:
        try:
            async with self._http().post(
                self._url(action),
                data=orjson.dumps(body),
                headers=self._headers(),
                allow_redirects=False,
            ) as response:
                if not 200 <= response.status < 300:
                    raise await self._http_error(action, response)
                raw = await _read_bounded(response, MAX_RESPONSE_LEN)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RegistryError(
                f"registry {action} request failed ({type(error).__name__})", retriable=True
            ) from None
        if raw is None:
            raise RegistryError(f"registry returned an oversized {action} response")
        return raw

    @staticmethod
    def _check_websocket_url(url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise RegistryError("registry returned a rendezvous URL that is not ws:// or wss://")

    async def validate(
        self,
        registration_id: str,
        stream_id: str,
        harness_public_key: NoisePublicKey,
        authorization: str,
    ) -> bool:
        """``POST .../validate``: True only for a 2xx answer with exactly ``"valid": true``.

        Errors and refusals are logged and give False. A refused answer's body is never
        read: it might echo the authorization.
        """
        body = ValidateRequest.model_validate(
            {
                "executor_registration_id": registration_id,
                "harness_public_key": harness_public_key.to_json(),
                "harness_key_authorization": authorization,
            }
        ).to_wire()
        headers = self._headers()
        headers["x-codex-noise-stream-id"] = stream_id
        try:
            async with self._http().post(
                self._url("validate"),
                data=orjson.dumps(body),
                headers=headers,
                allow_redirects=False,
            ) as response:
                if not 200 <= response.status < 300:
                    logger.warning("harness key validation failed (HTTP %d)", response.status)
                    return False
                raw = await _read_bounded(response, MAX_RESPONSE_LEN)
        except (aiohttp.ClientError, TimeoutError) as error:
            logger.warning("harness key validation failed (%s)", type(error).__name__)
            return False
        if raw is None:
            logger.warning("harness key validation returned an oversized answer")
            return False
        try:
            answer: Any = orjson.loads(raw)
        except orjson.JSONDecodeError:
            logger.warning("harness key validation returned invalid JSON")
            return False
        valid = isinstance(answer, dict) and answer.get("valid") is True
        if not valid:
            logger.info("registry refused a harness key")
        return valid

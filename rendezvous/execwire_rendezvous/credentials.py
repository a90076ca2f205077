"""Signed rendezvous credentials: what the registry puts in a websocket URL's query.

A credential names a role (``environment`` for the executor, ``harness``), the environment
id, the executor registration id and an expiry, and carries a random nonce. It is
authenticated with HMAC-SHA256 under a per-process secret, so only this process can mint or
check one and a restart invalidates every outstanding URL (an executor then gets 401 and
re-registers). Harness credentials are single-use: the :class:`SingleUseLedger` remembers
each nonce until it expires. I/O-free; the clock is injectable.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = [
    "Credential",
    "CredentialError",
    "CredentialSigner",
    "Role",
    "SingleUseLedger",
]

_DOMAIN: Final = b"execwire-rendezvous-credential/v1"
_FIELDS: Final = ("role", "environment_id", "registration_id", "expires", "nonce", "sig")


class Role(StrEnum):
    """Who may use a credential; the value is the ``role`` query parameter."""

    ENVIRONMENT = "environment"
    HARNESS = "harness"


class CredentialError(Exception):
    """A credential was refused. ``code`` is a short fixed class name, safe to log."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Credential:
    """A verified credential."""

    role: Role
    environment_id: str
    registration_id: str
    expires: int
    """Unix time (seconds) after which the credential is refused."""
    nonce: str


def _canonical(
    role: str, environment_id: str, registration_id: str, expires: str, nonce: str
) -> bytes:
    # Length-prefixed parts: environment ids may contain any character, so a separator
    # could be forged by an id that contains it.
    out = bytearray(_DOMAIN)
    for part in (role, environment_id, registration_id, expires, nonce):
        raw = part.encode("utf-8")
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


class CredentialSigner:
    """Mint and verify credentials with a secret that never leaves the process."""

    __slots__ = ("_clock", "_secret")

    def __init__(
        self, secret: bytes | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        if secret is not None and len(secret) < 16:
            raise ValueError("credential secret must be at least 16 bytes")
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._clock = clock

    def _sign(self, message: bytes) -> str:
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def issue(
        self, role: Role, environment_id: str, registration_id: str, ttl: float
    ) -> dict[str, str]:
        """Return the query parameters of a fresh credential valid for ``ttl`` seconds."""
        expires = str(int(self._clock() + ttl))
        nonce = secrets.token_urlsafe(16)
        sig = self._sign(_canonical(role.value, environment_id, registration_id, expires, nonce))
        return {
            "role": role.value,
            "environment_id": environment_id,
            "registration_id": registration_id,
            "expires": expires,
            "nonce": nonce,
            "sig": sig,
        }

    def verify(self, query: Iterable[tuple[str, str]]) -> Credential:
        """Check query pairs (repeats included) and return the credential they carry.

        Raises :class:`CredentialError` with ``missing_role``, ``malformed_credential``,
        ``invalid_signature`` or ``expired_credential``. The signature is checked before the
        expiry so that a garbled credential never reveals whether it would have expired.
        """
        values: dict[str, str] = {}
        for name, value in query:
            if name not in _FIELDS:
                continue
            if name in values:
                # Two values for one field would let a proxy and this server read different ones.
                raise CredentialError("malformed_credential")
            values[name] = value
        if "role" not in values:
            raise CredentialError("missing_role")
        if len(values) != len(_FIELDS):
            raise CredentialError("malformed_credential")
        try:
            role = Role(values["role"])
        except ValueError:
            raise CredentialError("malformed_credential") from None
        expires_text = values["expires"]
        if not expires_text.isascii() or not expires_text.isdigit() or len(expires_text) > 12:
            raise CredentialError("malformed_credential")
        expected = self._sign(
            _canonical(
                role.value,
                values["environment_id"],
                values["registration_id"],
                expires_text,
                values["nonce"],
            )
        )
        if not hmac.compare_digest(expected.encode("ascii"), values["sig"].encode("utf-8")):
            raise CredentialError("invalid_signature")
        expires = int(expires_text)
        if self._clock() >= expires:
            raise CredentialError("expired_credential")
        return Credential(
            role=role,
            environment_id=values["environment_id"],
            registration_id=values["registration_id"],
            expires=expires,
            nonce=values["nonce"],
        )


class SingleUseLedger:
    """Remember used credential nonces until their credentials expire."""

    __slots__ = ("_clock", "_expiries", "_used")

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._used: set[str] = set()
        self._expiries: list[tuple[int, str]] = []

    def __len__(self) -> int:
        return len(self._used)

    def consume(self, credential: Credential) -> bool:
        """Mark the credential used; False if it was used before."""
        now = self._clock()
        # An expired credential fails verification anyway, so its nonce can be forgotten.
        while self._expiries and self._expiries[0][0] <= now:
            _, nonce = heapq.heappop(self._expiries)
            self._used.discard(nonce)
        if credential.nonce in self._used:
            return False
        self._used.add(credential.nonce)
        heapq.heappush(self._expiries, (credential.expires, credential.nonce))
        return True

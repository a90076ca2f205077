"""Registry state: executor registrations and single-use harness key authorizations.

I/O-free. The HTTP shell (:mod:`.server`) turns these calls into the reference's
``/register``, ``/connect`` and ``/validate`` endpoints.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from execwire.relay.noise import NoisePublicKey

__all__ = [
    "DEFAULT_AUTHORIZATION_TTL",
    "MAX_ENVIRONMENT_ID_BYTES",
    "Registration",
    "Registry",
    "RegistryRefusal",
    "check_environment_id",
]

DEFAULT_AUTHORIZATION_TTL: Final = 300.0
DEFAULT_MAX_OUTSTANDING: Final = 65536
MAX_ENVIRONMENT_ID_BYTES: Final = 1024


class RegistryRefusal(Exception):
    """A registry call that must fail with an HTTP error (``status``, ``code``, ``message``)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def check_environment_id(environment_id: str) -> str:
    """Refuse ids the reference client refuses (``.``, ``..``) and empty or huge ones."""
    if environment_id in ("", ".", ".."):
        raise RegistryRefusal(400, "invalid_environment_id", "environment id is empty, `.` or `..`")
    if len(environment_id.encode("utf-8")) > MAX_ENVIRONMENT_ID_BYTES:
        raise RegistryRefusal(400, "invalid_environment_id", "environment id is too long")
    return environment_id


@dataclass(frozen=True, slots=True)
class Registration:
    """The current executor of an environment."""

    environment_id: str
    registration_id: str
    executor_public_key: NoisePublicKey


@dataclass(frozen=True, slots=True)
class _Authorization:
    environment_id: str
    registration_id: str
    harness_key: NoisePublicKey
    expires_at: float


def _fingerprint(authorization: str) -> bytes:
    # Index by digest: the raw single-use secrets are not kept once handed out.
    return hashlib.sha256(authorization.encode("utf-8")).digest()


class Registry:
    """Registrations per environment and outstanding harness authorizations."""

    def __init__(
        self,
        *,
        authorization_ttl: float = DEFAULT_AUTHORIZATION_TTL,
        max_outstanding: int = DEFAULT_MAX_OUTSTANDING,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = authorization_ttl
        self._max_outstanding = max_outstanding
        self._clock = clock
        self._registrations: dict[str, Registration] = {}
        self._authorizations: dict[bytes, _Authorization] = {}
        # Issue order is expiry order (one TTL), so pruning pops from the left.
        self._issued: deque[tuple[float, bytes]] = deque()

    @property
    def outstanding(self) -> int:
        """Authorizations issued and neither validated nor pruned yet."""
        return len(self._authorizations)

    def current(self, environment_id: str) -> Registration | None:
        """The environment's registration, if any."""
        return self._registrations.get(environment_id)

    def register(
        self, environment_id: str, executor_key: NoisePublicKey
    ) -> tuple[Registration, Registration | None]:
        """Record a new registration (a fresh id); return it and the one it replaced."""
        check_environment_id(environment_id)
        registration = Registration(environment_id, str(uuid.uuid4()), executor_key)
        previous = self._registrations.get(environment_id)
        self._registrations[environment_id] = registration
        return registration, previous

    def authorize(
        self, environment_id: str, harness_key: NoisePublicKey
    ) -> tuple[Registration, str]:
        """Issue a single-use authorization of ``harness_key`` for the current registration."""
        check_environment_id(environment_id)
        registration = self._registrations.get(environment_id)
        if registration is None:
            raise RegistryRefusal(
                404, "environment_not_found", "no executor is registered for this environment"
            )
        self._prune()
        if len(self._authorizations) >= self._max_outstanding:
            raise RegistryRefusal(
                503, "too_many_outstanding", "too many outstanding connect bundles"
            )
        authorization = secrets.token_urlsafe(32)
        key = _fingerprint(authorization)
        expires_at = self._clock() + self._ttl
        self._authorizations[key] = _Authorization(
            environment_id, registration.registration_id, harness_key, expires_at
        )
        self._issued.append((expires_at, key))
        return registration, authorization

    def validate(
        self,
        environment_id: str,
        registration_id: str,
        harness_key: NoisePublicKey,
        authorization: str,
    ) -> bool:
        """True only for an unexpired, never-presented authorization issued for exactly this
        environment, registration and harness key.

        Any presentation consumes the authorization, matching or not: it is single-use, and a
        mismatch means it reached the wrong executor or was built for another key.
        """
        record = self._authorizations.pop(_fingerprint(authorization), None)
        if record is None:
            return False
        return (
            self._clock() < record.expires_at
            and record.environment_id == environment_id
            and record.registration_id == registration_id
            and record.harness_key == harness_key
        )

    def _prune(self) -> None:
        now = self._clock()
        while self._issued and self._issued[0][0] <= now:
            _, key = self._issued.popleft()
            record = self._authorizations.get(key)
            if record is not None and record.expires_at <= now:
                del self._authorizations[key]
        # Validated entries leave the dict but not the deque; keep the deque bounded too.
        if len(self._issued) > 2 * self._max_outstanding:
            self._issued = deque(
                (at, key) for at, key in self._issued if key in self._authorizations
            )

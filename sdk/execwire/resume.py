"""When a session is lost, and when and whether to try again to get it back (no I/O, no
clock of its own).

`LinkState` follows the client's link: which transport is current and what its end
means (resume, or fail when the connection cannot be resumed); a transport's end reported
twice, or late, after another took its place, changes nothing. `ResumeAttempts` is told
what each attempt to reconnect and resume came to, with the time, and answers with the
next step: `Attempt` now, `Attempt` after a `delay`, or `GiveUp` with the error to fail the
client with. The client's asyncio loop does the connecting, the handshake and the sleeping.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from enum import Enum
from typing import Final

from .errors import ClientClosedError, ExecWireError, SessionAlreadyAttachedError, TransportError

__all__ = [
    "DEFAULT_RECONNECT",
    "Attempt",
    "GiveUp",
    "LinkState",
    "LinkStatus",
    "ReconnectPolicy",
    "Resume",
    "ResumeAttempts",
]


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """How to get a lost session back.

    The first attempt is made at once; the next ones wait `initial_delay` seconds, doubling
    up to `max_delay`; after `timeout` seconds without a resumed session the client gives
    up with `TransportError` (keep it below the server's detached-session TTL, 80 s by
    default, after which the server kills the session's processes).
    """

    timeout: float = 60.0
    initial_delay: float = 0.05
    max_delay: float = 2.0


DEFAULT_RECONNECT: Final = ReconnectPolicy()


@dataclass(frozen=True, slots=True)
class Attempt:
    """Connect, resume the session (and catch up) after `delay` seconds."""

    delay: float
    deadline: float
    """When the whole resume gives up; an attempt's own steps are bounded by it."""


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Stop trying: fail with `error` (the attempt's own error when it is terminal)."""

    error: BaseException
    cause: BaseException | None = None
    """The last attempt's error, when `error` is the deadline's."""


class ResumeAttempts:
    """The attempts of one resume, from the loss (`now`) to a resumed session or giving up."""

    def __init__(self, policy: ReconnectPolicy, now: float, target: str) -> None:
        self._policy = policy
        self._deadline = now + policy.timeout
        self._delay = policy.initial_delay
        self._target = target
        self.last_error: ExecWireError | None = None

    def first(self) -> Attempt:
        """The first attempt: at once."""
        return Attempt(0.0, self._deadline)

    def failed(self, error: BaseException, now: float) -> Attempt | GiveUp:
        """An attempt failed with `error` at `now`: try again later, or give up.

        Worth another attempt: a transport failure or timeout, and `-32010 already
        attached` (the server has not yet noticed that the old connection is dead). Anything
        else ends the resume at once, with that error: `unknown session id`
        (`SessionExpiredError`), a closed client, or an error nobody expected.
        """
        retryable = isinstance(error, SessionAlreadyAttachedError | TransportError | TimeoutError)
        if not retryable or isinstance(error, ClientClosedError):
            return GiveUp(error)
        self.last_error = error if isinstance(error, ExecWireError) else TransportError("timed out")
        delay = self._delay
        if now + delay > self._deadline:
            return GiveUp(
                TransportError(
                    f"could not resume the session at {self._target} within "
                    f"{self._policy.timeout} s: {self.last_error}"
                ),
                self.last_error,
            )
        self._delay = min(delay * 2, self._policy.max_delay)
        return Attempt(delay, self._deadline)


class LinkStatus(Enum):
    """Where a client's link stands."""

    CONNECTING = "connecting"
    READY = "ready"
    RECONNECTING = "reconnecting"
    FAILED = "failed"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Resume:
    """The current transport ended: reconnect and resume the session."""


class LinkState:
    """The client's link: its status and current transport (compared by identity only)."""

    def __init__(self, resumable: bool, target: str) -> None:
        self.status = LinkStatus.CONNECTING
        self.current: object | None = None
        self._ended: weakref.WeakSet[object] = weakref.WeakSet()
        self._resumable = resumable
        self._target = target

    def became_ready(self, transport: object) -> Resume | GiveUp | None:
        """`transport` carries the (resumed) session now. What to do right away, when it
        already ended before it became current."""
        self.status = LinkStatus.READY
        self.current = transport
        if transport in self._ended:
            return self._lost(transport)
        return None

    def transport_ended(self, transport: object) -> Resume | GiveUp | None:
        """`transport` ended (its reader stopped): resume, fail, or nothing (it was not the
        current one, or its end was already handled)."""
        self._ended.add(transport)
        return self._lost(transport)

    def _lost(self, transport: object) -> Resume | GiveUp | None:
        if transport is not self.current or self.status is not LinkStatus.READY:
            return None
        self.current = None
        if not self._resumable:
            return GiveUp(TransportError(f"connection to {self._target} lost"))
        self.status = LinkStatus.RECONNECTING
        return Resume()

    def fail(self) -> bool:
        """The session is lost for good; False when the client already ended."""
        if self.status in (LinkStatus.CLOSED, LinkStatus.FAILED):
            return False
        self.status = LinkStatus.FAILED
        return True

    def close(self) -> bool:
        """The client closes; False when it already did."""
        if self.status is LinkStatus.CLOSED:
            return False
        self.status = LinkStatus.CLOSED
        return True

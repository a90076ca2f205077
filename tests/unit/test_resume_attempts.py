"""When the client tries again to resume a lost session, and when it gives up (no I/O)."""

from __future__ import annotations

import pytest

from execwire.errors import (
    ClientClosedError,
    SessionAlreadyAttachedError,
    SessionExpiredError,
    TransportError,
)
from execwire.resume import (
    Attempt,
    GiveUp,
    LinkState,
    LinkStatus,
    ReconnectPolicy,
    Resume,
    ResumeAttempts,
)

POLICY = ReconnectPolicy(timeout=1.0, initial_delay=0.1, max_delay=0.3)


def test_retries_back_off_up_to_the_cap_then_give_up_at_the_deadline() -> None:
    attempts = ResumeAttempts(POLICY, now=100.0, target="ws://x")
    assert attempts.first() == Attempt(0.0, 101.0)
    now, delays = 100.0, []
    step: Attempt | GiveUp = attempts.failed(TransportError("refused"), now)
    while isinstance(step, Attempt):
        delays.append(step.delay)
        now += step.delay
        step = attempts.failed(TimeoutError(), now)
    assert delays == [0.1, 0.2, 0.3, 0.3]  # the next 0.3 s would pass the 1 s deadline
    assert isinstance(step.error, TransportError) and "within 1.0 s" in str(step.error)
    assert isinstance(step.cause, TransportError) and str(step.cause) == "timed out"


def test_an_attached_session_is_tried_again() -> None:
    attempts = ResumeAttempts(POLICY, now=0.0, target="ws://x")
    busy = SessionAlreadyAttachedError(-32010, "already attached", "initialize")
    assert attempts.failed(busy, 0.0) == Attempt(0.1, 1.0)
    assert attempts.last_error is busy


@pytest.mark.parametrize(
    "error",
    [
        SessionExpiredError(-32600, "unknown session id x", "initialize"),
        ClientClosedError("closed"),
        ValueError("a bug"),
    ],
    ids=["expired", "closed", "unexpected"],
)
def test_terminal_errors_end_the_resume_as_they_are(error: BaseException) -> None:
    attempts = ResumeAttempts(POLICY, now=0.0, target="ws://x")
    assert attempts.failed(error, 0.0) == GiveUp(error)


def test_no_policy_means_one_attempt() -> None:
    attempts = ResumeAttempts(ReconnectPolicy(timeout=0.0), now=5.0, target="ws://x")
    assert attempts.first().delay == 0.0
    step = attempts.failed(TransportError("refused"), 5.0)
    assert isinstance(step, GiveUp) and isinstance(step.error, TransportError)


class _Link:
    """A stand-in transport (compared by identity, as the real ones are)."""


def test_a_transport_ending_resumes_once_and_late_or_repeated_ends_change_nothing() -> None:
    link = LinkState(resumable=True, target="ws://x")
    first, second = _Link(), _Link()
    statuses: list[LinkStatus] = []
    assert link.became_ready(first) is None
    statuses.append(link.status)
    assert link.transport_ended(first) == Resume() and link.current is None
    statuses.append(link.status)
    assert link.transport_ended(first) is None  # reported twice (two readers)
    assert link.became_ready(second) is None
    assert link.transport_ended(first) is None  # reordered: the old link's end, late
    statuses.append(link.status)
    assert statuses == [LinkStatus.READY, LinkStatus.RECONNECTING, LinkStatus.READY]
    assert link.current is second


def test_a_transport_that_ended_before_it_became_current_is_resumed_at_once() -> None:
    link = LinkState(resumable=True, target="ws://x")
    transport = _Link()
    assert link.transport_ended(transport) is None  # not current yet
    assert link.became_ready(transport) == Resume()


def test_without_resume_a_lost_link_fails_the_client_once() -> None:
    link = LinkState(resumable=False, target="stdio")
    transport = _Link()
    link.became_ready(transport)
    step = link.transport_ended(transport)
    assert isinstance(step, GiveUp) and "connection to stdio lost" in str(step.error)
    assert link.fail() and not link.fail()  # the second failure is not reported
    assert link.close() and not link.close()

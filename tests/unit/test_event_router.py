"""The client's event routing without any connection: exactly once, in order, to every
subscriber; holes reported for a read; forgotten processes stay forgotten."""

from __future__ import annotations

import asyncio

from execwire.delivery import EventRouter
from execwire.process_cursor import OutputChunk
from execwire.protocol import models
from execwire.routes import ProcessRoute


def _exited(seq: int) -> models.ProcessExitedNotification:
    return models.ProcessExitedNotification(process_id="p", seq=seq, exit_code=0)


def _drain(route: ProcessRoute) -> list[object]:
    events: list[object] = list(route.events)
    route.events.clear()
    return events


async def test_output_reaches_the_route_and_every_subscriber_once_in_order() -> None:
    router = EventRouter()
    route = router.track("p")
    first, second = router.subscribe(), router.subscribe()
    assert router.output("p", 1, "stdout", b"a") is None
    assert router.output("p", 1, "stdout", b"a") is None  # a duplicate after a resume
    # Reordered: seq 3 waits for 2, and the hole is reported for a read.
    assert router.output("p", 3, "stdout", b"c") is route
    assert router.output("p", 2, "stdout", b"b") is None
    assert [e.data for e in _drain(route) if isinstance(e, OutputChunk)] == [b"a", b"b", b"c"]
    for subscription in (first, second):
        received = [await anext(subscription) for _ in range(3)]
        assert [event.chunk for event in received] == [b"a", b"b", b"c"]  # type: ignore[union-attr]


async def test_a_route_being_read_reports_no_hole() -> None:
    router = EventRouter()
    route = router.track("p")
    route.catching_up = True
    assert router.output("p", 5, "stderr", b"late") is None


async def test_processes_started_elsewhere_are_tracked_and_forgotten_ones_ignored() -> None:
    router = EventRouter()
    assert router.output("q", 1, "stdout", b"x") is None
    assert "q" in router.routes  # another client of the session started it
    route = router.track("p")
    router.notification(_exited(1))
    router.notification(models.ProcessClosedNotification(process_id="p", seq=2))
    router.release(route)  # closed and nobody reads it: untracked
    assert "p" not in router.routes
    router.notification(_exited(1))  # a late duplicate
    assert "p" not in router.routes
    router.track("p")  # a new process under the same id is tracked again
    assert "p" in router.routes


async def test_bodies_and_watches_get_their_notifications() -> None:
    router = EventRouter()
    body = router.http_body("r")
    changed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    router.missing_watch(7, changed)
    delta = models.HttpRequestBodyDeltaNotification(
        request_id="r", seq=1, delta_base64=b"x", done=True, error=None
    )
    router.notification(delta)
    router.notification(models.FsMissingChangedNotification(watch_id=7))
    assert body.get_nowait() == delta and changed.done()
    router.http_body_done("r")
    router.notification(delta)
    assert body.empty()


async def test_fail_ends_routes_and_subscriptions() -> None:
    router = EventRouter()
    route = router.track("p")
    subscription = router.subscribe()
    router.fail(RuntimeError("lost"), closed=False)
    assert isinstance(route.failure, RuntimeError)
    assert router.subscribers() == []
    try:
        await anext(subscription)
    except RuntimeError as error:
        assert str(error) == "lost"
    else:
        raise AssertionError("the subscription did not end with the error")

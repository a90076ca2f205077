"""Where each server notification goes: process routes, `events()` subscribers, HTTP body
streams and missing-path watches (no I/O).

The client's reader hands every decoded notification to an `EventRouter`; the router puts
process events in seq order on their route (exactly once, through its `ProcessCursor`),
copies them to every live subscription, and says when a route has a hole that only a
`process/read` can fill: reading is the client's job.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Final, Literal

from .process_cursor import CursorEvent, OutputChunk
from .protocol import models
from .protocol.methods import ServerNotification
from .routes import EventSubscription, ProcessRoute

__all__ = ["FORGOTTEN_PROCESS_MEMORY", "EventRouter"]

FORGOTTEN_PROCESS_MEMORY: Final = 4096
"""Remember this many forgotten process ids, to ignore their late notifications."""


class EventRouter:
    """The routes of the processes a client tracks and everyone waiting for events."""

    def __init__(self) -> None:
        self.routes: dict[str, ProcessRoute] = {}
        self._forgotten: dict[str, None] = {}
        # Weak: an `events()` iterator the caller abandons stops collecting events. A
        # tuple, replaced on every change: delivery checks and walks it once per event.
        self._subscriptions: tuple[weakref.ref[EventSubscription], ...] = ()
        self._http_bodies: dict[str, asyncio.Queue[models.HttpRequestBodyDeltaNotification]] = {}
        self._missing_watches: dict[int, asyncio.Future[None]] = {}
        self._watches: dict[str, asyncio.Queue[models.WatchChangedNotification | BaseException]] = {}

    # -- subscribers ---------------------------------------------------------------------

    def subscribe(self) -> EventSubscription:
        """A new `events()` iterator, fed from now on."""
        subscription = EventSubscription(self.unsubscribe)
        reference = weakref.ref(subscription, self._forget_subscription)
        self._subscriptions = (*self._subscriptions, reference)
        return subscription

    def _forget_subscription(self, reference: weakref.ref[EventSubscription]) -> None:
        self._subscriptions = tuple(r for r in self._subscriptions if r is not reference)

    def subscribers(self) -> list[EventSubscription]:
        """The subscriptions still fed (an abandoned iterator drops out by itself)."""
        return [s for s in (r() for r in self._subscriptions) if s is not None]

    def unsubscribe(self, subscription: EventSubscription) -> None:
        """Stop feeding `subscription`."""
        self._subscriptions = tuple(r for r in self._subscriptions if r() is not subscription)

    def http_body(self, request_id: str) -> asyncio.Queue[models.HttpRequestBodyDeltaNotification]:
        """Collect the `http/request/bodyDelta` notifications of `request_id` (before the
        request goes out: they may follow its answer at once)."""
        queue: asyncio.Queue[models.HttpRequestBodyDeltaNotification] = asyncio.Queue()
        self._http_bodies[request_id] = queue
        return queue

    def http_body_done(self, request_id: str) -> None:
        """Stop collecting body deltas for `request_id`."""
        self._http_bodies.pop(request_id, None)

    def watch(
        self, watch_id: str
    ) -> asyncio.Queue[models.WatchChangedNotification | BaseException]:
        """Collect the `execwire/changed` notifications of `watch_id` (before the watch is
        asked for: changes may follow its answer at once); an error ends them (see
        `end_watches`)."""
        queue: asyncio.Queue[models.WatchChangedNotification | BaseException] = asyncio.Queue()
        self._watches[watch_id] = queue
        return queue

    def watch_done(self, watch_id: str) -> None:
        """Stop collecting changes for `watch_id`."""
        self._watches.pop(watch_id, None)

    def end_watches(self, error: BaseException) -> None:
        """The connection that held the watches is gone (watches end with it): each ends
        with `error`."""
        watches, self._watches = self._watches, {}
        for queue in watches.values():
            queue.put_nowait(error)

    def missing_watch(self, watch_id: int, changed: asyncio.Future[None]) -> None:
        """Resolve `changed` at the `fs/missingChanged` of `watch_id`."""
        self._missing_watches[watch_id] = changed

    def missing_watch_done(self, watch_id: int) -> None:
        """Stop waiting for `watch_id`."""
        self._missing_watches.pop(watch_id, None)

    # -- routes --------------------------------------------------------------------------

    def route(self, process_id: str) -> ProcessRoute:
        """The route of a tracked process; KeyError if there is none."""
        route = self.routes.get(process_id)
        if route is None:
            raise KeyError(f"process {process_id} is not tracked by this client")
        return route

    def track(self, process_id: str, last_seq: int = 0) -> ProcessRoute:
        """A new route for `process_id` (replacing any), its events after `last_seq`."""
        self._forgotten.pop(process_id, None)
        route = ProcessRoute(process_id, last_seq)
        self.routes[process_id] = route
        return route

    def release(self, route: ProcessRoute) -> None:
        """Nobody reads this process's events any more. Until it closes it is still
        tracked (exactly-once delivery to `events()`, catch-up after a resume)."""
        route.unobserve()
        if route.closed:
            self.untrack(route)

    def untrack(self, route: ProcessRoute) -> None:
        """Stop tracking the route (its late notifications are ignored)."""
        if self.routes.get(route.process_id) is route:
            del self.routes[route.process_id]
            self._forgotten[route.process_id] = None  # its late duplicates are ignored
            while len(self._forgotten) > FORGOTTEN_PROCESS_MEMORY:
                del self._forgotten[next(iter(self._forgotten))]

    def _route_for_event(self, process_id: str) -> ProcessRoute | None:
        route = self.routes.get(process_id)
        if route is None and process_id not in self._forgotten:
            route = self.track(process_id)  # started elsewhere in this session
        return route

    # -- delivery ------------------------------------------------------------------------

    def output(
        self, process_id: str, seq: int, stream: Literal["stdout", "stderr", "pty"], data: bytes
    ) -> ProcessRoute | None:
        """A `process/output` from the byte-level decoder (the hot path of a stream). The
        route when it now has a hole to read, else None."""
        route = self._route_for_event(process_id)
        if route is None:
            return None
        chunk = OutputChunk(seq, stream, data)
        if route.cursor.advance(seq):
            route.push_output(chunk)
            if self._subscriptions:
                for reference in self._subscriptions:
                    subscription = reference()
                    if subscription is not None:
                        subscription.push_one(process_id, chunk)
            return None
        return self._accept(route, chunk)

    def notification(self, event: ServerNotification) -> ProcessRoute | None:
        """Any other server notification. The route when it now has a hole to read."""
        if isinstance(event, models.FsMissingChangedNotification):
            changed = self._missing_watches.pop(event.watch_id, None)
            if changed is not None and not changed.done():
                changed.set_result(None)
            return None
        if isinstance(event, models.WatchChangedNotification):
            changes = self._watches.get(event.watch_id)
            if changes is not None:
                changes.put_nowait(event)
            return None
        if isinstance(event, models.HttpRequestBodyDeltaNotification):
            body = self._http_bodies.get(event.request_id)
            if body is not None:
                body.put_nowait(event)
            return None
        route = self._route_for_event(event.process_id)
        if route is None:
            return None
        if isinstance(event, models.ProcessOutputNotification):
            return self._accept(route, OutputChunk(event.seq, event.stream, event.chunk))
        return self._accept(route, event)

    def _accept(
        self,
        route: ProcessRoute,
        event: OutputChunk | models.ProcessExitedNotification | models.ProcessClosedNotification,
    ) -> ProcessRoute | None:
        self.deliver(route, route.cursor.accept(event))
        # Should not happen while attached (the server pushes every event in order); a
        # read settles it either way.
        return route if route.cursor.has_gap and not route.catching_up else None

    def deliver(self, route: ProcessRoute, events: list[CursorEvent]) -> None:
        """Events the route's cursor released: to the route and every subscriber."""
        if not events:
            return
        route.push(events)
        for reference in self._subscriptions:
            subscription = reference()
            if subscription is not None:
                subscription.push(route.process_id, events)
        if route.closed and not route.observed:
            self.untrack(route)

    def fail(self, error: BaseException, *, closed: bool) -> None:
        """The client ended: every route fails with `error`, every subscription ends (with
        `error`, unless the client was simply `closed`)."""
        for route in self.routes.values():
            route.fail(error)
        self.end_watches(error)
        subscriptions, self._subscriptions = self._subscriptions, ()
        for reference in subscriptions:
            subscription = reference()
            if subscription is not None:
                subscription.finish(None if closed else error)

"""What the client keeps per process and per subscriber: routes, subscriptions, wake-ups.

A `ProcessRoute` holds one process's events in seq order (a `ProcessCursor` decides what
is new) for the one consumer that reads them (`ExecSession`, `process_events`); an
`EventSubscription` is one `events()` iterator. Neither does I/O: the client's reader
pushes into them and consumers wait on their `Wakeup`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from typing import Final

from .errors import OutputLost, ProtocolError
from .process_cursor import CursorEvent, OutputChunk, OutputGap, ProcessCursor, ProcessEvent
from .protocol import models
from .protocol.methods import ServerNotification

__all__ = [
    "EventSubscription",
    "ProcessEventStream",
    "ProcessRoute",
    "Wakeup",
    "output_model",
    "public_event",
]


class Wakeup:
    """Wakes every task waiting on it at once.

    Allocates only when a task starts waiting (a future), never per `fire()`: the reader
    fires once per event, and a consumer that drains its queue between waits is woken
    once per batch of events.
    """

    __slots__ = ("_waiters",)

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []

    def fire(self) -> None:
        if self._waiters:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def wait(self) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            # A waiter cancelled by a timeout must not pile up on a quiet process.
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)
            raise


def _output_model_builder() -> Callable[[str, OutputChunk], models.ProcessOutputNotification]:
    """The fastest correct way to build a `process/output` model from a chunk.

    `model_construct` costs about 2 µs, mostly generic bookkeeping; filling the instance
    the way it does costs a third of that. Checked once against `model_construct`, so a
    pydantic that lays models out differently gets the slow, public way instead.
    """
    model_type = models.ProcessOutputNotification
    field_names = tuple(model_type.model_fields)
    new, set_slot = object.__new__, object.__setattr__

    def build(process_id: str, chunk: OutputChunk) -> models.ProcessOutputNotification:
        model = new(model_type)
        values = {
            "process_id": process_id, "seq": chunk.seq, "stream": chunk.stream, "chunk": chunk.data
        }
        set_slot(model, "__dict__", values)
        set_slot(model, "__pydantic_fields_set__", set(field_names))
        set_slot(model, "__pydantic_extra__", None)
        set_slot(model, "__pydantic_private__", None)
        return model

    def construct(process_id: str, chunk: OutputChunk) -> models.ProcessOutputNotification:
        return model_type.model_construct(
            process_id=process_id, seq=chunk.seq, stream=chunk.stream, chunk=chunk.data
        )

    try:
        probe = build("p", OutputChunk(1, "pty", b"x"))
        expected = construct("p", OutputChunk(1, "pty", b"x"))
        same = (
            field_names == ("process_id", "seq", "stream", "chunk")
            and probe == expected
            and probe.__pydantic_fields_set__ == expected.__pydantic_fields_set__
            and probe.to_wire() == expected.to_wire()
        )
    except Exception:  # pragma: no cover - a pydantic whose models this does not fit
        same = False
    return build if same else construct


output_model = _output_model_builder()


def public_event(process_id: str, event: CursorEvent) -> ProcessEvent:
    """What `events()` and `process_events()` hand out for an internal event."""
    if isinstance(event, OutputChunk):
        return output_model(process_id, event)
    return event


class ProcessRoute:
    """Events and state of one process as this client has received them.

    Internal to the SDK (used by `ExecSession`); `events` is drained by one consumer.
    """

    def __init__(self, process_id: str, last_seq: int = 0) -> None:
        self.process_id = process_id
        self.cursor = ProcessCursor(process_id, last_seq)
        self.events: deque[CursorEvent] = deque()
        self.exit_code: int | None = None
        self.sandbox_denied = False
        self.closed = False
        """The last event (closed, or the process vanished) has been received."""
        self.vanished: OutputGap | None = None
        self.failure: BaseException | None = None
        self.starting = False
        self.catching_up = False
        self.observed = True
        """Someone may still read `events`; otherwise only the state and cursor are kept."""
        self.changed = Wakeup()

    def unobserve(self) -> None:
        """Nobody will read `events` any more: drop them and stop keeping new ones."""
        self.observed = False
        self.events.clear()

    def push_output(self, chunk: OutputChunk) -> None:
        """One in-order output chunk (the hot path: no state to update)."""
        if self.observed:
            self.events.append(chunk)
            self.changed.fire()

    def push(self, events: list[CursorEvent]) -> None:
        for event in events:
            if isinstance(event, models.ProcessExitedNotification):
                self.exit_code = event.exit_code
                self.sandbox_denied = event.sandbox_denied
            elif isinstance(event, models.ProcessClosedNotification):
                self.closed = True
            elif isinstance(event, OutputGap) and event.last_seq is None:
                self.vanished = event
                self.closed = True
            if self.observed:
                self.events.append(event)
        if events:
            self.changed.fire()

    def fail(self, error: BaseException) -> None:
        if not self.closed and self.failure is None:
            self.failure = error
            self.changed.fire()

    async def next_event(self) -> CursorEvent | None:
        """The next event; None after the last one; raises the client's terminal error."""
        while not self.events:
            if self.closed:
                return None
            if self.failure is not None:
                raise self.failure
            await self.changed.wait()
        return self.events.popleft()

    async def wait_exit(self) -> int:
        """The exit code, once known."""
        while self.exit_code is None:
            if self.vanished is not None:
                raise OutputLost(self.process_id, self.vanished.first_seq, None)
            if self.closed:
                raise ProtocolError(f"process {self.process_id} closed without an exit event")
            if self.failure is not None:
                raise self.failure
            await self.changed.wait()
        return self.exit_code

    async def wait_closed(self) -> None:
        """Until the last event has been received (not necessarily consumed)."""
        while not self.closed:
            if self.failure is not None:
                raise self.failure
            await self.changed.wait()


_END: Final = object()


class EventSubscription:
    """`events()`: every process event from subscription on, until the client closes."""

    def __init__(self, unsubscribe: Callable[[EventSubscription], None]) -> None:
        self._unsubscribe = unsubscribe
        self._events: deque[tuple[str, CursorEvent]] = deque()
        self._changed = Wakeup()
        self._end: BaseException | object | None = None

    def push_one(self, process_id: str, event: CursorEvent) -> None:
        self._events.append((process_id, event))
        self._changed.fire()

    def push(self, process_id: str, events: list[CursorEvent]) -> None:
        self._events.extend((process_id, event) for event in events)
        self._changed.fire()

    def finish(self, error: BaseException | None) -> None:
        if self._end is None:
            self._end = error if error is not None else _END
            self._changed.fire()

    def __aiter__(self) -> EventSubscription:
        return self

    async def __anext__(self) -> ProcessEvent:
        while not self._events:
            if self._end is not None:
                self._unsubscribe(self)
                if isinstance(self._end, BaseException):
                    raise self._end
                raise StopAsyncIteration
            await self._changed.wait()
        return public_event(*self._events.popleft())

    async def aclose(self) -> None:
        """Stop receiving events."""
        self._unsubscribe(self)
        self.finish(None)


class ProcessEventStream:
    """`process_events(process_id)`: raises `OutputLost` at gaps, ends after `closed`."""

    def __init__(self, route: ProcessRoute, release: Callable[[ProcessRoute], None]) -> None:
        self._route = route
        self._release = release

    def __aiter__(self) -> ProcessEventStream:
        return self

    async def __anext__(self) -> ServerNotification:
        route = self._route
        event = route.events.popleft() if route.events else await route.next_event()
        if event is None:
            self._release(route)
            raise StopAsyncIteration
        if isinstance(event, OutputChunk):
            return output_model(route.process_id, event)
        if isinstance(event, OutputGap):
            raise OutputLost(event.process_id, event.first_seq, event.last_seq)
        return event

"""Exactly-once, in-order event delivery for one process, from notifications and reads.

I/O-free: `ProcessCursor` takes what the server sent (`process/output|exited|closed`
notifications and `process/read` results) and returns the events that may now be handed to
the caller, in seq order, each seq once.

Why it is needed: every event of a process (output chunk, exit, close) consumes one seq
from a per-process counter. While a connection is attached the server pushes every event;
while the session is detached (connection lost) events are recorded but never pushed, and
after a resume only later events are pushed. A `process/read(afterSeq=last_seq)` fills the
hole, but its chunks overlap with notifications that arrive around it, it does not give the
seqs of the exit and close events (only `exited`, `closed` and `nextSeq`), and the server
evicts output beyond ~1 MiB per process. So:

* a notification right after `last_seq` is delivered at once; a later one is held back until
  the hole before it is filled; an earlier one is a duplicate and dropped;
* a read accounts for every seq in `(last_seq, nextSeq)`: returned chunks and held-back
  events are delivered; seqs left over are the exit and close events not seen yet (close is
  always the last seq, `nextSeq - 1`); anything else was evicted and becomes an `OutputGap`,
  delivered in its place so that the consumer is told (never a silent gap).

Output travels as `OutputChunk` (what `ExecSession.output()` yields), not as the pydantic
notification: a stream carries thousands of chunks a second, and the notification model
is built only for the consumers that ask for it (`events()`, `process_events()`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from .protocol import models
from .protocol.methods import ServerNotification

__all__ = ["CursorEvent", "OutputChunk", "OutputGap", "ProcessCursor", "ProcessEvent"]


@dataclass(frozen=True, slots=True)
class OutputChunk:
    """A piece of a process's output: which stream, its bytes, and its seq.

    stdout and stderr arrive as separate chunks (never merged); a PTY process has the single
    stream `pty`. `seq` orders all chunks of a process (and its exit) as the server recorded
    them.
    """

    seq: int
    stream: Literal["stdout", "stderr", "pty"]
    data: bytes


@dataclass(frozen=True, slots=True)
class OutputGap:
    """Seqs `first_seq..last_seq` of a process were evicted before this client saw them.

    `last_seq` is None when the server no longer knows the process (everything after
    `first_seq - 1` is unknown). `lost_events` counts the missing seqs (None when unknown).
    """

    process_id: str
    first_seq: int
    last_seq: int | None
    lost_events: int | None


ProcessEvent: TypeAlias = ServerNotification | OutputGap
"""What a process's event stream carries: the three notifications, or a gap marker."""

CursorEvent: TypeAlias = (
    OutputChunk | models.ProcessExitedNotification | models.ProcessClosedNotification | OutputGap
)
"""What the cursor takes and hands out: `ProcessEvent` with output as `OutputChunk`."""

_Pushed: TypeAlias = (
    OutputChunk | models.ProcessExitedNotification | models.ProcessClosedNotification
)


class ProcessCursor:
    """Seq bookkeeping of one process (see the module docstring)."""

    def __init__(self, process_id: str, last_seq: int = 0) -> None:
        self.process_id = process_id
        self.last_seq = last_seq
        """Every seq up to this one was delivered (or reported lost)."""
        self.exit_seen = False
        self.closed_seen = False
        self._held: dict[int, _Pushed] = {}

    @property
    def has_gap(self) -> bool:
        """Events are held back behind missing seqs (a read will resolve it)."""
        return bool(self._held)

    def advance(self, seq: int) -> bool:
        """The common case, decided without allocating: `seq` is the next one and nothing
        is held back, so the event carrying it is delivered as is (true: it is accounted
        for). False: hand the event to `accept`."""
        if seq != self.last_seq + 1 or self._held or self.closed_seen:
            return False
        self.last_seq = seq
        return True

    def accept(self, event: _Pushed) -> list[CursorEvent]:
        """A pushed notification: returns the events now deliverable, in seq order."""
        seq = event.seq
        if self.closed_seen or seq <= self.last_seq:
            return []
        if seq != self.last_seq + 1:
            self._held[seq] = event
            return []
        delivered: list[CursorEvent] = []
        self._deliver(event, delivered)
        self._release_held(delivered)
        return delivered

    def apply_read(self, response: models.ReadResponse) -> list[CursorEvent]:
        """A `process/read` result (made with `after_seq` <= `last_seq`, no `max_bytes`)."""
        if self.closed_seen:
            return []
        start = self.last_seq
        end = response.next_seq  # seqs start..end-1 exclusive of `start` must be accounted for
        found: dict[int, CursorEvent] = {}
        for chunk in response.chunks:
            if start < chunk.seq < end:
                found[chunk.seq] = OutputChunk(chunk.seq, chunk.stream, chunk.chunk)
        for seq in [seq for seq in self._held if seq < end]:
            found[seq] = self._held.pop(seq)
        exit_known = self.exit_seen or any(
            isinstance(event, models.ProcessExitedNotification) for event in found.values()
        )
        closed_known = any(
            isinstance(event, models.ProcessClosedNotification) for event in found.values()
        )
        unknown = [seq for seq in range(start + 1, end) if seq not in found]
        late: list[CursorEvent] = []  # news without a seq left to give them (best effort)
        if response.closed and not closed_known:
            closed = models.ProcessClosedNotification.model_construct(
                process_id=self.process_id, seq=end - 1
            )
            if unknown and unknown[-1] == end - 1:
                unknown.pop()
                found[end - 1] = closed
            else:
                late.append(closed)
        if response.exited and not exit_known:
            # Without loss exactly one seq is left for the exit. With loss the exit's seq is
            # ambiguous; eviction drops the oldest chunks first, so the newest is the guess.
            exited = models.ProcessExitedNotification.model_construct(
                process_id=self.process_id,
                seq=unknown.pop() if unknown else start,
                exit_code=response.exit_code if response.exit_code is not None else -1,
                sandbox_denied=response.sandbox_denied,
            )
            if exited.seq > start:
                found[exited.seq] = exited
            else:
                late.insert(0, exited)
        if unknown:
            found[unknown[0]] = OutputGap(self.process_id, unknown[0], unknown[-1], len(unknown))
        delivered: list[CursorEvent] = []
        for seq in sorted(found):
            self._deliver(found[seq], delivered)
        for event in late:
            self._deliver(event, delivered)
        self.last_seq = max(self.last_seq, end - 1)
        self._release_held(delivered)
        return delivered

    def vanish(self) -> list[CursorEvent]:
        """The server no longer knows the process: everything after `last_seq` is lost."""
        if self.closed_seen:
            return []
        self._held.clear()
        self.closed_seen = True
        return [OutputGap(self.process_id, self.last_seq + 1, None, None)]

    def _deliver(self, event: CursorEvent, delivered: list[CursorEvent]) -> None:
        if self.closed_seen:
            return
        if isinstance(event, OutputGap):
            self.last_seq = max(self.last_seq, event.last_seq or self.last_seq)
        else:
            self.last_seq = max(self.last_seq, event.seq)
            if isinstance(event, models.ProcessExitedNotification):
                if self.exit_seen:
                    return
                self.exit_seen = True
            elif isinstance(event, models.ProcessClosedNotification):
                self.closed_seen = True
                self._held.clear()
        delivered.append(event)

    def _release_held(self, delivered: list[CursorEvent]) -> None:
        while not self.closed_seen and (event := self._held.pop(self.last_seq + 1, None)):
            self._deliver(event, delivered)
        if self.closed_seen:
            self._held.clear()

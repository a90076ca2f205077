"""Seeded fault injection on forwarded Data frames. I/O-free.

Per direction (harness→executor, executor→harness) a Data frame may be dropped, duplicated
(sent twice back to back) or reordered (held back and sent right after the next Data frame
of the same stream and destination), and every Data frame may be delayed by a fixed time
plus a uniform random jitter. Delays preserve order: the shell sends each socket's frames
first-in first-out, so a delay is latency, never reordering.

Only Data frames are faulted. Handshake, Reset, Resume, Ack and Heartbeat frames are never
dropped, duplicated, reordered or delayed: these tests are about the record layer, and the
MAIN protocol has no way to recover a lost handshake or reset. A non-Data frame first
releases any Data frame held for its stream, so control frames never overtake data either.
A held frame is also released after ``reorder_max_hold`` seconds (by the shell) so that the
last record of a burst is late rather than lost.

Reproducibility: every (direction, stream id) has its own random generators seeded from
``(seed, direction, stream id)``, and each Data frame consumes exactly three draws (drop,
duplicate, reorder) whatever the outcome. A stream's fault pattern therefore depends only on
the seed and on the order of its own frames, not on how streams interleave.
"""

from __future__ import annotations

import random
from collections.abc import Hashable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

__all__ = [
    "DEFAULT_REORDER_MAX_HOLD",
    "Direction",
    "DirectionFaults",
    "FaultConfig",
    "FaultInjector",
    "FaultOutcome",
    "FaultStats",
]

DEFAULT_REORDER_MAX_HOLD: Final = 0.5


class Direction(StrEnum):
    """Which way a frame crosses the rendezvous."""

    HARNESS_TO_EXECUTOR = "harness_to_executor"
    EXECUTOR_TO_HARNESS = "executor_to_harness"


def _check_probability(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability between 0 and 1")


@dataclass(frozen=True, slots=True)
class DirectionFaults:
    """Fault probabilities and delay for one direction."""

    drop: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0
    delay: float = 0.0
    """Fixed delay of every Data frame, in seconds."""
    delay_jitter: float = 0.0
    """Extra delay drawn uniformly from [0, delay_jitter) per Data frame, in seconds."""

    def __post_init__(self) -> None:
        _check_probability("drop", self.drop)
        _check_probability("duplicate", self.duplicate)
        _check_probability("reorder", self.reorder)
        if self.delay < 0 or self.delay_jitter < 0:
            raise ValueError("delays must not be negative")

    @property
    def active(self) -> bool:
        """Whether this direction alters anything."""
        return any((self.drop, self.duplicate, self.reorder, self.delay, self.delay_jitter))


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """Faults of both directions plus the seed that makes them reproducible."""

    harness_to_executor: DirectionFaults = field(default_factory=DirectionFaults)
    executor_to_harness: DirectionFaults = field(default_factory=DirectionFaults)
    seed: int = 0
    reorder_max_hold: float = DEFAULT_REORDER_MAX_HOLD
    """Seconds after which a frame held for reordering is sent anyway."""

    def __post_init__(self) -> None:
        if self.reorder_max_hold <= 0:
            raise ValueError("reorder_max_hold must be positive")

    def direction(self, direction: Direction) -> DirectionFaults:
        """The settings of one direction."""
        if direction is Direction.HARNESS_TO_EXECUTOR:
            return self.harness_to_executor
        return self.executor_to_harness

    @property
    def active(self) -> bool:
        """Whether any direction alters anything."""
        return self.harness_to_executor.active or self.executor_to_harness.active


@dataclass(frozen=True, slots=True)
class FaultOutcome:
    """What to send now for one Data frame."""

    send: tuple[bytes, ...]
    """Frames to send now, in order (possibly none, possibly a released held frame)."""
    dropped: bool = False
    duplicated: bool = False
    held: int | None = None
    """Token of the hold when this frame was held back; pass it to ``take_held`` on timeout."""


@dataclass(slots=True)
class FaultStats:
    """How many Data frames each fault hit."""

    dropped: int = 0
    duplicated: int = 0
    reordered: int = 0
    delayed: int = 0


_Key = tuple[Direction, Hashable, str]


class FaultInjector:
    """Apply a :class:`FaultConfig` to Data frames, per destination and stream."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self.stats = FaultStats()
        self._rngs: dict[_Key, tuple[random.Random, random.Random]] = {}
        self._held: dict[_Key, tuple[int, tuple[bytes, ...]]] = {}
        self._tokens = 0

    def _rng(self, key: _Key) -> tuple[random.Random, random.Random]:
        pair = self._rngs.get(key)
        if pair is None:
            direction, _, stream_id = key
            base = f"{self.config.seed}/{direction.value}/{stream_id}"
            # String seeds are hashed with SHA-512 by `random`, independent of PYTHONHASHSEED.
            pair = (random.Random(base + "/faults"), random.Random(base + "/delay"))
            self._rngs[key] = pair
        return pair

    def apply(
        self, direction: Direction, destination: Hashable, stream_id: str, frame: bytes
    ) -> FaultOutcome:
        """Fault one Data frame bound for ``destination`` on ``stream_id``."""
        settings = self.config.direction(direction)
        key: _Key = (direction, destination, stream_id)
        faults_rng, _ = self._rng(key)
        drop_roll, duplicate_roll, reorder_roll = (
            faults_rng.random(),
            faults_rng.random(),
            faults_rng.random(),
        )
        previous = self._held.pop(key, None)
        released = previous[1] if previous is not None else ()
        if drop_roll < settings.drop:
            self.stats.dropped += 1
            # The dropped frame still counts as "the next one" for a held frame.
            return FaultOutcome(send=released, dropped=True)
        duplicated = duplicate_roll < settings.duplicate
        copies = (frame, frame) if duplicated else (frame,)
        if duplicated:
            self.stats.duplicated += 1
        if previous is None and reorder_roll < settings.reorder:
            self._tokens += 1
            self._held[key] = (self._tokens, copies)
            self.stats.reordered += 1
            return FaultOutcome(send=(), duplicated=duplicated, held=self._tokens)
        return FaultOutcome(send=copies + released, duplicated=duplicated)

    def delay(self, direction: Direction, destination: Hashable, stream_id: str) -> float:
        """The delay of the next Data frame sent on this stream, in seconds."""
        settings = self.config.direction(direction)
        if not settings.delay and not settings.delay_jitter:
            return 0.0
        _, delay_rng = self._rng((direction, destination, stream_id))
        self.stats.delayed += 1
        return settings.delay + delay_rng.random() * settings.delay_jitter

    def take_held(
        self,
        direction: Direction,
        destination: Hashable,
        stream_id: str,
        token: int | None = None,
    ) -> tuple[bytes, ...]:
        """Release the frame held on this stream (only if it is hold ``token``, when given)."""
        key: _Key = (direction, destination, stream_id)
        held = self._held.get(key)
        if held is None or (token is not None and held[0] != token):
            return ()
        del self._held[key]
        return held[1]

    def forget(self, destination: Hashable) -> None:
        """Discard held frames and generators of a destination that went away."""
        for key in [k for k in self._held if k[1] == destination]:
            del self._held[key]
        for key in [k for k in self._rngs if k[1] == destination]:
            del self._rngs[key]

    def forget_stream(self, destination: Hashable, stream_id: str) -> None:
        """Discard the generators of one finished stream (its held frame must be taken first)."""
        for direction in Direction:
            self._rngs.pop((direction, destination, stream_id), None)

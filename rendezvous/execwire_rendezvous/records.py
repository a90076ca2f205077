"""What the rendezvous records for tests and diagnostics: frames as they leave, registry
calls and HTTP requests without their secrets, and event counters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .faults import Direction
from .frames import FrameKind

__all__ = ["CaptureHook", "CapturedFrame", "Counters", "RequestRecord", "ValidationRecord"]


@dataclass(frozen=True, slots=True)
class CapturedFrame:
    """One frame as it left the rendezvous (recorded when written to the socket)."""

    direction: Direction
    stream_id: str
    kind: FrameKind
    data: bytes
    synthesized: bool = False
    """Made by the rendezvous (a Reset), not forwarded from a peer."""


CaptureHook = Callable[[CapturedFrame], None]


@dataclass(frozen=True, slots=True)
class ValidationRecord:
    """One ``/validate`` call (the authorization itself is never kept)."""

    environment_id: str
    stream_id: str | None
    """The ``x-codex-noise-stream-id`` header, if sent."""
    valid: bool


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One HTTP request as received, without secrets (for tests and diagnostics)."""

    method: str
    path: str
    """Percent-decoded path; the query string (signed credentials) is never kept."""
    query_keys: tuple[str, ...]
    headers: dict[str, str]
    """Lower-cased names; ``authorization`` keeps only its scheme (``Bearer <redacted>``)."""
    body_keys: tuple[str, ...] | None
    """Top-level member names of a JSON object body."""


@dataclass(slots=True)
class Counters:
    """Event counts, for tests and diagnostics."""

    registrations: int = 0
    connects: int = 0
    validations: int = 0
    validations_valid: int = 0
    executor_sockets: int = 0
    harness_sockets: int = 0
    refused_upgrades: int = 0
    frames_to_executor: int = 0
    frames_to_harness: int = 0
    frames_dropped: int = 0
    """Frames the routing table dropped or refused (unroutable, unclaimed, invalid...)."""
    resets_synthesized: int = 0
    faults_dropped: int = 0
    faults_duplicated: int = 0
    faults_reordered: int = 0
    faults_delayed: int = 0

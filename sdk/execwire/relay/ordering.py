"""Receive-side reorder buffer for relay Data records (the released MAIN rules).

Noise transport nonces are implicit, so ciphertexts must reach decryption strictly in ``seq``
order and exactly once. This buffer sits before decryption: it holds early records, drops
duplicates, and releases runs of contiguous records.
"""

from __future__ import annotations

from collections.abc import KeysView
from typing import Final

from .errors import OrderingError

__all__ = [
    "DEFAULT_MAX_DISTANCE",
    "DEFAULT_MAX_PENDING",
    "DEFAULT_MAX_PENDING_BYTES",
    "MAX_SEQ",
    "OrderingError",
    "ReorderBuffer",
]

DEFAULT_MAX_DISTANCE: Final = 64
DEFAULT_MAX_PENDING: Final = 64
DEFAULT_MAX_PENDING_BYTES: Final = 1024 * 1024
MAX_SEQ: Final = 2**32 - 1
"""``seq`` is a protobuf uint32."""


class ReorderBuffer:
    """Order Data payloads by ``seq``; duplicates are ignored and never replace a first copy."""

    __slots__ = (
        "_max_distance",
        "_max_pending",
        "_max_pending_bytes",
        "_next",
        "_pending",
        "_pending_bytes",
    )

    def __init__(
        self,
        next_expected: int = 0,
        max_distance: int = DEFAULT_MAX_DISTANCE,
        max_pending: int = DEFAULT_MAX_PENDING,
        max_pending_bytes: int = DEFAULT_MAX_PENDING_BYTES,
    ) -> None:
        if not 0 <= next_expected <= MAX_SEQ + 1:
            raise ValueError("next_expected out of range")
        if max_distance < 1 or max_pending < 1 or max_pending_bytes < 1:
            raise ValueError("reorder limits must be positive")
        self._next = next_expected
        self._max_distance = max_distance
        self._max_pending = max_pending
        self._max_pending_bytes = max_pending_bytes
        self._pending: dict[int, bytes] = {}
        self._pending_bytes = 0

    @property
    def next_expected(self) -> int:
        """The lowest ``seq`` not yet released."""
        return self._next

    @property
    def pending_count(self) -> int:
        """Records buffered ahead of a gap."""
        return len(self._pending)

    @property
    def pending_bytes(self) -> int:
        """Payload bytes buffered ahead of a gap."""
        return self._pending_bytes

    @property
    def pending_seqs(self) -> KeysView[int]:
        """Live view of the buffered ``seq`` values (all greater than ``next_expected``)."""
        return self._pending.keys()

    def push(self, seq: int, payload: bytes) -> list[bytes]:
        """Accept one record; return every payload that is now contiguous, in order."""
        if not 0 <= seq <= MAX_SEQ:
            raise OrderingError("sequence number out of range")
        nxt = self._next
        if seq < nxt or seq in self._pending:
            return []
        if seq > nxt:
            if seq - nxt > self._max_distance:
                raise OrderingError("sequence number exceeds reorder window")
            if (
                len(self._pending) >= self._max_pending
                or self._pending_bytes + len(payload) > self._max_pending_bytes
            ):
                raise OrderingError("pending ciphertext buffer is full")
            self._pending[seq] = payload
            self._pending_bytes += len(payload)
            return []
        released = [payload]
        nxt += 1
        pending = self._pending
        # Most traffic arrives in order; skip the drain loop when nothing is waiting.
        while pending:
            item = pending.pop(nxt, None)
            if item is None:
                break
            self._pending_bytes -= len(item)
            released.append(item)
            nxt += 1
        self._next = nxt
        return released

    def __repr__(self) -> str:
        return (
            f"ReorderBuffer(next_expected={self._next}, pending={len(self._pending)}, "
            f"pending_bytes={self._pending_bytes})"
        )

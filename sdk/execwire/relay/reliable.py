"""Opt-in acknowledgements and retransmission for relay Data records (an execwire extension).

The released reference (codex 0.169.0, the MAIN relay generation) numbers Data records from 0,
never acknowledges, ignores the frame's ``ack``/``ack_bits`` fields and ``ack_frame`` bodies,
and silently drops duplicate ``seq``\\ s. This extension rides on exactly those ignored fields,
so a reference peer notices nothing:

* Records are numbered from 0, as the reference expects; ``seq`` equals the Noise nonce.
* Every outbound frame carries the local receiver's state in ``ack``/``ack_bits``:

  - ``ack`` is the number of records received in order (the next ``seq`` expected), so 0
    means "nothing yet", which is also what a peer that never sets the field says;
  - counting records from 1 (record ``k`` has ``seq k-1``), bit ``i`` of ``ack_bits`` says
    record ``ack + 1 + i`` is buffered out of order. Record ``ack + 1`` (``seq == ack``) is by
    definition missing, so bit 0 never names a record: execwire always sets it as the
    :data:`ACK_CAPABLE` marker. Bits 1..31 cover ``seq`` ``ack + 1`` .. ``ack + 31``.

* A sender retransmits (the exact cached ciphertext, never re-encrypted, since the nonce is
  implicit) and limits its window **only after the peer has proven it speaks acks**: a frame
  with a non-zero ``ack`` or ``ack_bits`` (the marker makes this the peer's first frame), or
  an explicit ``ack_frame``. Against the reference nothing is ever retransmitted and sending
  never blocks; unacknowledged records are then dropped from the cache after a bounded time
  or size, so memory stays bounded.

Shell obligations (the cores are I/O-free; ``now`` is any monotonic clock in seconds):

* Prove ack support in the handshake, so two execwire peers are proven before the first
  Data record (otherwise proof waits for the peer's first frame, and a record lost in that
  first round trip may already have left the bounded pre-proof cache).
  :mod:`execwire.relay.stream` does this: the harness marks its Resume and msg1 with
  :data:`ACK_CAPABLE`, the executor marks msg2 only if msg1 was marked, and each side builds
  its sender with ``peer_acks`` set from the other's mark. Checked against codex 0.169.0:
  its executor ignores ack fields on Resume, Handshake, Data, Ack and Heartbeat frames, and
  its harness ignores them on Handshake, Data and Ack frames.
* For every frame from the peer on an established stream, call
  :meth:`ReliableSender.on_ack` with its ``ack``/``ack_bits`` (``standalone=True`` for an
  ``ack_frame``); push Data through :meth:`ReliableReceiver.push` before decrypting.
* Put :meth:`ReliableReceiver.ack_state` on every outbound frame and call
  :meth:`ReliableReceiver.ack_sent` afterwards. When idle, send a standalone ``ack_frame``
  if ``receiver.ack_owed and sender.peer_acks``: a peer that has not proven it reads acks
  gets no extra frames.
* Encrypt only when :meth:`ReliableSender.can_send` allows, then :meth:`ReliableSender.send`;
  poll :meth:`ReliableSender.due_retransmissions` at :meth:`ReliableSender.next_deadline`.

The default window (64 records in flight, 1 MiB of ciphertext in flight, selectively acked
records included) matches the MAIN reorder buffer, so an execwire receiver using
:class:`~execwire.relay.ordering.ReorderBuffer` defaults can never overflow.
"""

from __future__ import annotations

from collections import deque
from typing import Final

from .errors import ReliabilityError
from .framing import RECORD_PLAINTEXT_LEN
from .noise import MAX_HANDSHAKE_MESSAGE_LEN, MAX_TRANSPORT_NONCE, TAG_LEN
from .ordering import (
    DEFAULT_MAX_DISTANCE,
    DEFAULT_MAX_PENDING,
    DEFAULT_MAX_PENDING_BYTES,
    ReorderBuffer,
)

__all__ = [
    "ACK_CAPABLE",
    "DEFAULT_RESEND_AFTER",
    "MAX_RECORD_CIPHERTEXT",
    "ReliabilityError",
    "ReliableReceiver",
    "ReliableSender",
]

ACK_CAPABLE: Final = 1
"""``ack_bits`` bit 0: set by execwire on every frame; no real ack state can set it."""

DEFAULT_RESEND_AFTER: Final = 0.5
DEFAULT_UNPROVEN_RETENTION: Final = 2.0
DEFAULT_STALL_TIMEOUT: Final = 30.0
MAX_RECORD_CIPHERTEXT: Final = RECORD_PLAINTEXT_LEN + TAG_LEN
"""A full 61440-byte record plaintext plus the AEAD tag: 61456 bytes."""

_U32_MAX: Final = 2**32 - 1
_ACK_HORIZON: Final = 32
"""``seq`` values a single ack can describe: the gap at ``ack`` plus bits 1..31."""


class _Unacked:
    __slots__ = ("acked", "ciphertext", "first_sent", "last_sent")

    def __init__(self, ciphertext: bytes, now: float) -> None:
        self.ciphertext = ciphertext
        self.first_sent = now
        self.last_sent = now
        # Selectively acknowledged: no longer resent, but still counted in the window until
        # the cumulative ack passes it, because the receiver still holds it in its buffer.
        self.acked = False


class ReliableSender:
    """Send-side state: sequence numbers, the cache of unacknowledged ciphertexts, the window.

    Invariant: the cache holds ``seq`` ``base .. next_seq-1`` contiguously; records below
    ``base`` were cumulatively acknowledged or, before proof, evicted.
    """

    __slots__ = (
        "_base",
        "_cache",
        "_cache_bytes",
        "_cum_ack",
        "_evicted_max_size",
        "_last_progress",
        "_max_bytes",
        "_max_records",
        "_next_seq",
        "_peer_acks",
        "_resend_after",
        "_retention",
        "_stall_timeout",
    )

    def __init__(
        self,
        *,
        resend_after: float = DEFAULT_RESEND_AFTER,
        max_unacked_records: int = DEFAULT_MAX_DISTANCE,
        max_unacked_bytes: int = DEFAULT_MAX_PENDING_BYTES,
        unproven_retention: float = DEFAULT_UNPROVEN_RETENTION,
        stall_timeout: float = DEFAULT_STALL_TIMEOUT,
        peer_acks: bool = False,
    ) -> None:
        if resend_after <= 0 or unproven_retention <= 0 or stall_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if max_unacked_records < 1 or max_unacked_bytes < 1:
            raise ValueError("window limits must be positive")
        self._resend_after = resend_after
        self._max_records = max_unacked_records
        self._max_bytes = max_unacked_bytes
        self._retention = unproven_retention
        self._stall_timeout = stall_timeout
        self._peer_acks = peer_acks
        self._next_seq = 0
        self._cum_ack = 0
        self._base = 0
        self._cache: deque[_Unacked] = deque()
        self._cache_bytes = 0
        self._evicted_max_size = 0
        self._last_progress = 0.0

    # -- observation -------------------------------------------------------------------------

    @property
    def peer_acks(self) -> bool:
        """True once the peer proved it sends acks; enables retransmission and the window."""
        return self._peer_acks

    @property
    def next_seq(self) -> int:
        """``seq`` (and Noise nonce) of the next new record."""
        return self._next_seq

    @property
    def cumulative_ack(self) -> int:
        """Number of records the peer has confirmed receiving in order."""
        return self._cum_ack

    @property
    def unacked_count(self) -> int:
        """Records held for possible retransmission."""
        return len(self._cache)

    @property
    def unacked_bytes(self) -> int:
        """Ciphertext bytes held for possible retransmission."""
        return self._cache_bytes

    def _in_flight_bytes(self) -> int:
        # Records evicted before proof may still sit in the peer's reorder buffer; their sizes
        # are gone, so count each as the largest evicted one.
        evicted_unacked = self._base - self._cum_ack
        return self._cache_bytes + max(evicted_unacked, 0) * self._evicted_max_size

    def can_send(self, size: int = MAX_RECORD_CIPHERTEXT) -> bool:
        """Whether a new record of ``size`` ciphertext bytes may be encrypted and sent now.

        Always true (until nonce exhaustion) while the peer has not proven it acks, so a
        reference peer never sees us block.
        """
        if self._next_seq >= MAX_TRANSPORT_NONCE:
            return False
        if not self._peer_acks:
            return True
        in_flight = self._next_seq - self._cum_ack
        if in_flight == 0:
            # An oversized first record must still go out, or the stream would deadlock.
            return True
        return in_flight < self._max_records and self._in_flight_bytes() + size <= self._max_bytes

    # -- sending -----------------------------------------------------------------------------

    def send(self, ciphertext: bytes, now: float) -> int:
        """Register a freshly encrypted record and return its ``seq``.

        ``ciphertext`` must have been produced with nonce :attr:`next_seq`; it is cached and
        resent byte for byte if needed.
        """
        if self._next_seq >= MAX_TRANSPORT_NONCE:
            raise ReliabilityError("sequence number exhausted")
        if not TAG_LEN <= len(ciphertext) <= MAX_HANDSHAKE_MESSAGE_LEN:
            raise ReliabilityError("record ciphertext has an invalid length")
        if self._peer_acks and not self.can_send(len(ciphertext)):
            raise ReliabilityError("send window is full")
        seq = self._next_seq
        self._cache.append(_Unacked(ciphertext, now))
        self._cache_bytes += len(ciphertext)
        self._next_seq = seq + 1
        if not self._peer_acks:
            while self._cache and (
                len(self._cache) > self._max_records or self._cache_bytes > self._max_bytes
            ):
                self._evict_oldest()
        return seq

    def _evict_oldest(self) -> None:
        entry = self._cache.popleft()
        size = len(entry.ciphertext)
        self._cache_bytes -= size
        self._base += 1
        if self._base > self._cum_ack and size > self._evicted_max_size:
            self._evicted_max_size = size

    # -- acknowledgements --------------------------------------------------------------------

    def on_ack(self, ack: int, ack_bits: int, now: float, *, standalone: bool = False) -> None:
        """Apply the ack fields of any frame from the peer (idempotent; stale acks are fine).

        ``standalone`` marks an explicit ``ack_frame``, which proves ack support even when
        both fields are zero. Raises :class:`ReliabilityError` for acks of unsent records.
        """
        if not 0 <= ack <= _U32_MAX or not 0 <= ack_bits <= _U32_MAX:
            raise ReliabilityError("ack fields out of range")
        if ack > self._next_seq:
            raise ReliabilityError("peer acknowledged records that were never sent")
        selective = ack_bits >> 1
        if selective and ack + selective.bit_length() >= self._next_seq:
            raise ReliabilityError("peer selectively acknowledged a record that was never sent")
        if not self._peer_acks and (ack or ack_bits or standalone):
            self._peer_acks = True
            self._last_progress = now
        if ack > self._cum_ack:
            cache = self._cache
            while self._base < ack:
                entry = cache.popleft()
                self._cache_bytes -= len(entry.ciphertext)
                self._base += 1
            self._cum_ack = ack
            self._last_progress = now
            if self._base <= ack:
                self._evicted_max_size = 0
        base = self._base
        while selective:
            low = selective & -selective
            selective ^= low
            index = ack + low.bit_length() - base
            if 0 <= index < len(self._cache):
                self._cache[index].acked = True

    # -- timers ------------------------------------------------------------------------------

    def due_retransmissions(self, now: float) -> list[tuple[int, bytes]]:
        """Return ``(seq, ciphertext)`` records to resend now, oldest first.

        Only records within 32 of the cumulative ack are considered: that is all one ack can
        describe. Before proof this only ages records out of the cache and returns nothing.
        After proof it raises :class:`ReliabilityError` if a record evicted before proof stays
        unacknowledged for the stall timeout, since it can no longer be resent.
        """
        if not self._peer_acks:
            cache = self._cache
            while cache and now - cache[0].first_sent >= self._retention:
                self._evict_oldest()
            return []
        if self._base > self._cum_ack and now - self._last_progress >= self._stall_timeout:
            raise ReliabilityError("a record dropped before ack support was proven was lost")
        due: list[tuple[int, bytes]] = []
        threshold = now - self._resend_after
        # Only resend what the peer's ack_bits can describe (seq < cumulative ack + 32).
        # Records further out are usually sitting in the peer's buffer behind the gap; they
        # become eligible, and are resent at once if still unacknowledged, when it closes.
        horizon = self._cum_ack + _ACK_HORIZON - self._base
        for index, entry in enumerate(self._cache):
            if index >= horizon:
                break
            if not entry.acked and entry.last_sent <= threshold:
                entry.last_sent = now
                due.append((self._base + index, entry.ciphertext))
        return due

    def next_deadline(self) -> float | None:
        """Earliest ``now`` at which :meth:`due_retransmissions` has work, or None.

        Acks can make records eligible, so recompute it after :meth:`on_ack` and :meth:`send`.
        """
        if not self._peer_acks:
            return self._cache[0].first_sent + self._retention if self._cache else None
        deadline: float | None = None
        horizon = self._cum_ack + _ACK_HORIZON - self._base
        for index, entry in enumerate(self._cache):
            if index >= horizon:
                break
            if not entry.acked:
                candidate = entry.last_sent + self._resend_after
                if deadline is None or candidate < deadline:
                    deadline = candidate
        if self._base > self._cum_ack:
            stall = self._last_progress + self._stall_timeout
            if deadline is None or stall < deadline:
                deadline = stall
        return deadline

    def __repr__(self) -> str:
        return (
            f"ReliableSender(next_seq={self._next_seq}, cumulative_ack={self._cum_ack}, "
            f"unacked={len(self._cache)}, peer_acks={self._peer_acks})"
        )


class ReliableReceiver:
    """Receive-side state: the MAIN reorder buffer plus the ack state to report.

    A reference sender simply never reads the ack state; the reorder semantics are exactly
    the reference's (seq from 0, duplicates dropped, same window).
    """

    __slots__ = ("_buffer", "_owed")

    def __init__(
        self,
        *,
        max_distance: int = DEFAULT_MAX_DISTANCE,
        max_pending: int = DEFAULT_MAX_PENDING,
        max_pending_bytes: int = DEFAULT_MAX_PENDING_BYTES,
    ) -> None:
        self._buffer = ReorderBuffer(0, max_distance, max_pending, max_pending_bytes)
        self._owed = False

    @property
    def next_expected(self) -> int:
        """The lowest ``seq`` not yet released for decryption."""
        return self._buffer.next_expected

    @property
    def ack_owed(self) -> bool:
        """True when the peer has not yet been told about Data received since the last ack."""
        return self._owed

    def push(self, seq: int, ciphertext: bytes) -> list[bytes]:
        """Accept a Data record; return the ciphertexts now ready for in-order decryption."""
        released = self._buffer.push(seq, ciphertext)
        # Duplicates count too: a resent record means our previous ack did not arrive.
        self._owed = True
        return released

    def ack_state(self) -> tuple[int, int]:
        """The ``(ack, ack_bits)`` to put on the next outbound frame (marker bit included)."""
        ack = self._buffer.next_expected
        bits = ACK_CAPABLE
        for seq in self._buffer.pending_seqs:
            offset = seq - ack
            if offset < 32:
                bits |= 1 << offset
        return min(ack, _U32_MAX), bits

    def ack_sent(self) -> None:
        """Record that a frame carrying the current :meth:`ack_state` was written."""
        self._owed = False

    def __repr__(self) -> str:
        return f"ReliableReceiver(next_expected={self.next_expected}, owed={self._owed})"

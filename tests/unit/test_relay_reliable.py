"""Tests for execwire.relay.reliable: opt-in acks and retransmission, reference compatibility."""

from __future__ import annotations

import heapq
import itertools
import os
import random
from dataclasses import dataclass, field

import pytest

from execwire.relay.noise import (
    HandshakeInitiator,
    HandshakeResponder,
    NoiseIdentity,
    TransportCipher,
    TransportKeys,
    relay_prologue,
)
from execwire.relay.ordering import ReorderBuffer
from execwire.relay.reliable import (
    ACK_CAPABLE,
    ReliabilityError,
    ReliableReceiver,
    ReliableSender,
)

CT = bytes(100)  # a stand-in ciphertext for bookkeeping-only tests


def proven_sender(
    *, resend_after: float = 0.5, max_unacked_records: int = 64, max_unacked_bytes: int = 1 << 20
) -> ReliableSender:
    sender = ReliableSender(
        resend_after=resend_after,
        max_unacked_records=max_unacked_records,
        max_unacked_bytes=max_unacked_bytes,
    )
    sender.on_ack(0, ACK_CAPABLE, 0.0)
    assert sender.peer_acks
    return sender


# --------------------------------------------------------------------------- receiver


def test_receiver_ack_state_semantics() -> None:
    receiver = ReliableReceiver()
    assert receiver.ack_state() == (0, ACK_CAPABLE)
    assert not receiver.ack_owed
    assert receiver.push(1, b"b") == []
    assert receiver.push(3, b"d") == []
    # ack counts records received in order; bit i names seq ack + i (bit 0: marker).
    assert receiver.ack_state() == (0, ACK_CAPABLE | 1 << 1 | 1 << 3)
    assert receiver.ack_owed
    receiver.ack_sent()
    assert receiver.push(0, b"a") == [b"a", b"b"]
    assert receiver.ack_state() == (2, ACK_CAPABLE | 1 << 1)
    assert receiver.push(2, b"c") == [b"c", b"d"]
    assert receiver.ack_state() == (4, ACK_CAPABLE)
    receiver.ack_sent()
    assert not receiver.ack_owed
    # A duplicate means our last ack was lost: owe another one.
    assert receiver.push(1, b"again") == []
    assert receiver.ack_owed


def test_receiver_bits_cover_31_records_beyond_the_gap() -> None:
    receiver = ReliableReceiver()
    for seq in range(1, 65):
        receiver.push(seq, b"x")
    assert receiver.ack_state() == (0, 0xFFFFFFFF)


# --------------------------------------------------------------------------- sender basics


def test_sequence_numbers_start_at_zero() -> None:
    sender = ReliableSender()
    assert [sender.send(CT, 0.0) for _ in range(3)] == [0, 1, 2]
    assert sender.next_seq == 3


def test_ack_validation() -> None:
    sender = ReliableSender()
    for _ in range(3):
        sender.send(CT, 0.0)
    with pytest.raises(ReliabilityError, match="never sent"):
        sender.on_ack(4, 0, 0.0)
    with pytest.raises(ReliabilityError, match="never sent"):
        sender.on_ack(0, 1 << 3, 0.0)  # seq 3 was not sent
    with pytest.raises(ReliabilityError, match="never sent"):
        sender.on_ack(2, 1 << 1, 0.0)
    with pytest.raises(ReliabilityError, match="range"):
        sender.on_ack(-1, 0, 0.0)
    with pytest.raises(ReliabilityError, match="range"):
        sender.on_ack(0, 1 << 32, 0.0)
    sender.on_ack(3, ACK_CAPABLE, 0.0)  # everything acked: valid
    sender.on_ack(1, 1 << 1, 0.0)  # stale ack, still consistent: ignored
    assert sender.cumulative_ack == 3
    assert sender.unacked_count == 0
    with pytest.raises(ReliabilityError):
        sender.send(b"short", 0.0)


def test_zero_ack_fields_do_not_prove_but_any_ack_signal_does() -> None:
    sender = ReliableSender()
    sender.send(CT, 0.0)
    sender.on_ack(0, 0, 0.0)
    assert not sender.peer_acks
    for signal in ((1, 0, False), (0, ACK_CAPABLE, False), (0, 0, True)):
        fresh = ReliableSender()
        fresh.send(CT, 0.0)
        ack, bits, standalone = signal
        fresh.on_ack(ack, bits, 0.0, standalone=standalone)
        assert fresh.peer_acks, signal


def test_cumulative_and_selective_acks() -> None:
    sender = proven_sender()
    for i in range(6):
        sender.send(bytes([i]) * 20, 0.0)
    sender.on_ack(2, ACK_CAPABLE | 1 << 2 | 1 << 3, 0.1)  # seq 0,1 in order; 4,5 buffered
    assert sender.cumulative_ack == 2
    assert sender.unacked_count == 4  # selectively acked records still occupy the window
    assert sender.due_retransmissions(0.49) == []
    assert sender.due_retransmissions(0.5) == [(2, bytes([2]) * 20), (3, bytes([3]) * 20)]
    sender.on_ack(6, ACK_CAPABLE, 0.6)
    assert sender.unacked_count == 0
    assert sender.due_retransmissions(10.0) == []
    assert sender.next_deadline() is None


def test_retransmission_timing_and_exact_ciphertext() -> None:
    sender = proven_sender(resend_after=0.5)
    record = os.urandom(64)
    sender.send(record, 1.0)
    assert sender.next_deadline() == 1.5
    assert sender.due_retransmissions(1.499) == []
    assert sender.due_retransmissions(1.5) == [(0, record)]
    assert sender.due_retransmissions(1.9) == []
    assert sender.next_deadline() == 2.0
    assert sender.due_retransmissions(2.0) == [(0, record)]


def test_retransmission_stays_within_the_ack_horizon() -> None:
    sender = proven_sender()
    for _ in range(40):
        sender.send(CT, 0.0)
    # seq 0 lost; 1..31 reported buffered; 32..39 are beyond what ack_bits can describe.
    sender.on_ack(0, 0xFFFFFFFF, 0.1)
    assert [seq for seq, _ in sender.due_retransmissions(0.5)] == [0]
    # Once the gap closes, the older records past the old horizon are due at once.
    sender.on_ack(34, ACK_CAPABLE, 0.6)
    assert sender.next_deadline() == 0.5
    assert [seq for seq, _ in sender.due_retransmissions(0.6)] == [34, 35, 36, 37, 38, 39]


def test_window_blocks_only_after_proof() -> None:
    unproven = ReliableSender(max_unacked_records=4, max_unacked_bytes=1000)
    for _ in range(100):
        assert unproven.can_send()
        unproven.send(CT, 0.0)
    assert unproven.unacked_count == 4  # cache bounded, sending unbounded

    sender = proven_sender(max_unacked_records=4, max_unacked_bytes=1000)
    for _ in range(4):
        assert sender.can_send(100)
        sender.send(CT, 0.0)
    assert not sender.can_send(100)
    with pytest.raises(ReliabilityError, match="window"):
        sender.send(CT, 0.0)
    sender.on_ack(0, ACK_CAPABLE | 0b1110, 0.0)  # selective acks do not slide the window
    assert not sender.can_send(100)
    sender.on_ack(1, ACK_CAPABLE, 0.0)
    assert sender.can_send(100)

    by_bytes = proven_sender(max_unacked_bytes=1000)
    by_bytes.send(bytes(600), 0.0)
    assert by_bytes.can_send(400)
    assert not by_bytes.can_send(401)
    oversized = proven_sender(max_unacked_bytes=10)
    assert oversized.can_send(5000)  # nothing in flight: never deadlock
    oversized.send(bytes(5000), 0.0)
    assert not oversized.can_send(16)


def test_unproven_cache_ages_out_and_never_retransmits() -> None:
    sender = ReliableSender(unproven_retention=2.0)
    sender.send(CT, 0.0)
    sender.send(CT, 1.0)
    assert sender.next_deadline() == 2.0
    assert sender.due_retransmissions(1.99) == []
    assert sender.unacked_count == 2
    assert sender.due_retransmissions(2.0) == []
    assert sender.unacked_count == 1
    assert sender.due_retransmissions(3.0) == []
    assert sender.unacked_count == 0
    assert sender.next_deadline() is None


def test_records_cached_before_proof_are_retransmitted_after_it() -> None:
    sender = ReliableSender()
    first = os.urandom(32)
    sender.send(first, 0.0)
    sender.send(os.urandom(32), 0.1)
    sender.on_ack(0, ACK_CAPABLE | 1 << 1, 0.2)  # seq 1 arrived, seq 0 lost
    assert sender.due_retransmissions(0.5) == [(0, first)]


def test_lost_record_evicted_before_proof_is_reported() -> None:
    sender = ReliableSender(max_unacked_records=2, stall_timeout=5.0)
    for _ in range(4):
        sender.send(CT, 0.0)  # seq 0 and 1 are evicted
    sender.on_ack(0, ACK_CAPABLE | 0b1100, 1.0)  # seq 2, 3 buffered; seq 0 never came
    assert not sender.can_send()  # window counts the evicted in-flight records
    assert sender.next_deadline() == 6.0  # nothing to resend, only the stall deadline
    sender.due_retransmissions(5.9)
    with pytest.raises(ReliabilityError, match="lost"):
        sender.due_retransmissions(6.0)
    # Had the peer caught up, nothing would be wrong.
    healthy = ReliableSender(max_unacked_records=2, stall_timeout=5.0)
    for _ in range(4):
        healthy.send(CT, 0.0)
    healthy.on_ack(4, ACK_CAPABLE, 1.0)
    assert healthy.can_send()
    assert healthy.due_retransmissions(100.0) == []


def test_sequence_exhaustion() -> None:
    sender = ReliableSender()
    sender._next_seq = 2**32 - 2  # shortcut instead of sending four billion records
    sender._base = sender._cum_ack = sender._next_seq
    assert sender.send(CT, 0.0) == 2**32 - 2
    assert not sender.can_send()
    with pytest.raises(ReliabilityError, match="exhausted"):
        sender.send(CT, 0.0)


# --------------------------------------------------------------------------- simulation


@dataclass
class Frame:
    kind: str  # "data" or "ack"
    ack: int
    ack_bits: int
    seq: int = 0
    payload: bytes = b""


@dataclass
class Endpoint:
    keys: TransportKeys
    outbox: list[bytes]
    acks: bool = True  # False: behaves like the released reference
    sender: ReliableSender = field(default_factory=ReliableSender)
    receiver: ReliableReceiver = field(default_factory=ReliableReceiver)
    reference_buffer: ReorderBuffer = field(default_factory=ReorderBuffer)
    delivered: list[bytes] = field(default_factory=list)
    data_frames: int = 0
    retransmissions: int = 0
    ack_frames: int = 0
    seqs_sent: list[int] = field(default_factory=list)

    def ack_fields(self) -> tuple[int, int]:
        return self.receiver.ack_state() if self.acks else (0, 0)

    def outgoing(self, now: float) -> list[Frame]:
        frames: list[Frame] = []
        if self.acks:
            for seq, ciphertext in self.sender.due_retransmissions(now):
                ack, bits = self.ack_fields()
                frames.append(Frame("data", ack, bits, seq, ciphertext))
                self.receiver.ack_sent()
                self.retransmissions += 1
        budget = 8  # new records per tick: models link bandwidth
        while (
            budget
            and self.outbox
            and (not self.acks or self.sender.can_send(len(self.outbox[0]) + 16))
        ):
            budget -= 1
            ciphertext = self.keys.send.encrypt(self.outbox.pop(0))
            seq = self.sender.send(ciphertext, now)
            self.seqs_sent.append(seq)
            ack, bits = self.ack_fields()
            frames.append(Frame("data", ack, bits, seq, ciphertext))
            self.receiver.ack_sent()
            self.data_frames += 1
        if self.acks and self.receiver.ack_owed and self.sender.peer_acks:
            ack, bits = self.ack_fields()
            frames.append(Frame("ack", ack, bits))
            self.receiver.ack_sent()
            self.ack_frames += 1
        return frames

    def handshake_ack_fields(self) -> tuple[int, int]:
        """Fields of our Handshake frame: execwire sets the marker, the reference zeros."""
        return (0, ACK_CAPABLE) if self.acks else (0, 0)

    def incoming(self, frame: Frame, now: float) -> None:
        if self.acks:
            self.sender.on_ack(frame.ack, frame.ack_bits, now, standalone=frame.kind == "ack")
        if frame.kind != "data":
            return  # the reference ignores ack frames
        buffer_push = self.receiver.push if self.acks else self.reference_buffer.push
        for ciphertext in buffer_push(frame.seq, frame.payload):
            self.delivered.append(self.keys.receive.decrypt(ciphertext))


def connected_keys() -> tuple[TransportKeys, TransportKeys]:
    harness, executor = NoiseIdentity.generate(), NoiseIdentity.generate()
    prologue = relay_prologue("env", "reg", "stream")
    initiator = HandshakeInitiator(harness, executor.public_key, prologue)
    responder = HandshakeResponder(executor, prologue)
    responder.read_message1(initiator.write_message1(b"auth"))
    msg2, responder_keys = responder.write_message2()
    return initiator.read_message2(msg2), responder_keys


def simulate(
    a: Endpoint,
    b: Endpoint,
    *,
    seed: int,
    drop: float,
    duplicate: float,
    max_delay: float,
    until: float = 600.0,
    tick: float = 0.01,
) -> float:
    """Run both endpoints over a lossy, duplicating, reordering link in virtual time."""
    rng = random.Random(seed)
    # The handshake (msg1 / msg2 frames) already told each side whether the other acks.
    for local, remote in ((a, b), (b, a)):
        if local.acks:
            local.sender.on_ack(*remote.handshake_ack_fields(), 0.0)
    events: list[tuple[float, int, int, Frame]] = []
    order = itertools.count()
    peers = (a, b)
    targets = (len(a.outbox), len(b.outbox))
    now = 0.0
    while now < until:
        for index, endpoint in enumerate(peers):
            for frame in endpoint.outgoing(now):
                if rng.random() < drop:
                    continue
                copies = 2 if rng.random() < duplicate else 1
                for _ in range(copies):
                    arrival = now + rng.uniform(0.001, max_delay)
                    heapq.heappush(events, (arrival, next(order), 1 - index, frame))
        now += tick
        while events and events[0][0] <= now:
            arrival, _, target, frame = heapq.heappop(events)
            peers[target].incoming(frame, arrival)
        if (
            len(b.delivered) == targets[0]
            and len(a.delivered) == targets[1]
            and not a.outbox
            and not b.outbox
        ):
            return now
    return now


def records(tag: bytes, count: int) -> list[bytes]:
    return [tag + b"-%05d" % i + bytes(i % 300) for i in range(count)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lossy_link_delivers_every_record_exactly_once_in_order(seed: int) -> None:
    keys_a, keys_b = connected_keys()
    sent = records(b"a", 1000)
    a = Endpoint(keys_a, list(sent))
    b = Endpoint(keys_b, [])
    finished = simulate(a, b, seed=seed, drop=0.10, duplicate=0.10, max_delay=0.08)
    assert b.delivered == sent
    assert a.retransmissions > 0
    assert b.ack_frames > 0
    assert a.seqs_sent == list(range(1000))
    assert finished < 600.0
    # Everything acknowledged eventually: nothing left to resend.
    simulate(a, b, seed=seed + 100, drop=0.0, duplicate=0.0, max_delay=0.01, until=2.0)
    assert a.sender.unacked_count == 0


def test_lossy_link_both_directions_with_piggybacked_acks() -> None:
    keys_a, keys_b = connected_keys()
    to_b, to_a = records(b"a", 1000), records(b"b", 1000)
    a = Endpoint(keys_a, list(to_b))
    b = Endpoint(keys_b, list(to_a))
    simulate(a, b, seed=42, drop=0.10, duplicate=0.10, max_delay=0.08)
    assert b.delivered == to_b
    assert a.delivered == to_a
    assert a.retransmissions > 0 and b.retransmissions > 0


def test_reference_like_peer_gets_no_retransmissions_and_never_blocks() -> None:
    keys_a, keys_b = connected_keys()
    sent = records(b"a", 1000)
    replies = records(b"ref", 50)
    ours = Endpoint(keys_a, list(sent))
    reference = Endpoint(keys_b, list(replies), acks=False)
    # No loss (the reference would stall, as it does live), but duplicates and reordering.
    finished = simulate(
        ours, reference, seed=5, drop=0.0, duplicate=0.10, max_delay=0.05, until=30.0
    )
    assert reference.delivered == sent
    assert ours.delivered == replies
    assert reference.seqs_sent[0] == 0 and ours.seqs_sent[0] == 0
    assert not ours.sender.peer_acks
    assert ours.retransmissions == 0
    assert ours.ack_frames == 0  # no standalone acks towards a peer that never reads them
    assert ours.data_frames == 1000
    # Memory stays bounded and drains after the retention period.
    assert ours.sender.unacked_count <= 64
    assert ours.sender.due_retransmissions(finished + 2.0) == []
    assert ours.sender.unacked_count == 0
    assert ours.sender.can_send()


def test_reference_like_peer_bounded_cache_while_streaming() -> None:
    sender = ReliableSender()
    cipher = TransportCipher(os.urandom(32))
    now = 0.0
    for _ in range(5000):
        assert sender.can_send()
        sender.send(cipher.encrypt(bytes(61440)), now)
        sender.on_ack(0, 0, now)  # reference Data frames carry zero ack fields
        assert sender.due_retransmissions(now) == []
        assert sender.unacked_bytes <= 1024 * 1024
        now += 0.001
    assert sender.next_seq == 5000

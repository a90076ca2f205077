"""Tests for execwire.relay.stream: handshakes in both roles and the established stream."""

from __future__ import annotations

import heapq
import itertools
import json
import random
from pathlib import Path

import orjson
import pytest

from execwire.relay.errors import (
    FramingError,
    NoiseError,
    OrderingError,
    RelayProtocolError,
    StreamReset,
    StreamTimeout,
)
from execwire.relay.frames import (
    Frame,
    FrameKind,
    data_frame,
    decode_frame,
    handshake_frame,
    heartbeat_frame,
    reset_frame,
    resume_frame,
)
from execwire.relay.noise import NoiseIdentity
from execwire.relay.reliable import ACK_CAPABLE
from execwire.relay.stream import (
    BULK_WINDOW_BYTES,
    ExecutorHandshake,
    HarnessHandshake,
    RelayStream,
    StreamConfig,
)

ENV, REG = "env-1", "registration-1"
VECTOR_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "codex_harness_msg1.json"


@pytest.fixture(scope="module")
def executor_identity() -> NoiseIdentity:
    return NoiseIdentity.generate()


@pytest.fixture(scope="module")
def harness_identity() -> NoiseIdentity:
    return NoiseIdentity.generate()


def open_pair(
    executor_identity: NoiseIdentity,
    harness_identity: NoiseIdentity,
    *,
    harness_config: StreamConfig | None = None,
    executor_config: StreamConfig | None = None,
    now: float = 0.0,
) -> tuple[RelayStream, RelayStream]:
    """Run both handshake roles; return (harness stream, executor stream)."""
    harness = HarnessHandshake(
        harness_identity,
        executor_identity.public_key,
        environment_id=ENV,
        executor_registration_id=REG,
        authorization="authorization-1",
        config=harness_config,
    )
    frames = [decode_frame(raw) for raw in harness.opening_frames()]
    assert [f.kind for f in frames] == [FrameKind.RESUME, FrameKind.HANDSHAKE]
    executor = ExecutorHandshake(
        executor_identity,
        environment_id=ENV,
        executor_registration_id=REG,
        stream_id=harness.stream_id,
        config=executor_config,
    )
    key, authorization = executor.read_message1(frames[1])
    assert key == harness_identity.public_key
    assert authorization == "authorization-1"
    reply, executor_stream = executor.accept(now)
    harness_stream = harness.on_frame(decode_frame(reply), now)
    assert harness_stream is not None
    return harness_stream, executor_stream


def deliver(frames: list[bytes], to: RelayStream, now: float = 0.0) -> list[bytes]:
    messages: list[bytes] = []
    for raw in frames:
        messages.extend(to.receive_frame(decode_frame(raw), now))
    return messages


# --------------------------------------------------------------------------- handshake


def test_round_trip_in_both_roles(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    harness, executor = open_pair(executor_identity, harness_identity)
    request = orjson.dumps({"id": 1, "method": "initialize", "params": {"clientName": "t"}})
    frames = harness.send_message(request, 0.0)
    assert [decode_frame(f).seq for f in frames] == [0]
    assert deliver(frames, executor) == [request]
    response = orjson.dumps({"id": 1, "result": {"sessionId": "s"}})
    frames = executor.send_message(response, 0.0)
    assert [decode_frame(f).seq for f in frames] == [0]
    assert deliver(frames, harness) == [response]
    assert harness.stream_id == executor.stream_id


def test_multi_record_messages_reassemble(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    harness, executor = open_pair(executor_identity, harness_identity)
    big = orjson.dumps({"id": 2, "result": {"dataBase64": "A" * (200 * 1024)}})
    small = orjson.dumps({"method": "process/output", "params": {}})
    frames = executor.send_message(big, 0.0) + executor.send_message(small, 0.0)
    decoded = [decode_frame(f) for f in frames]
    assert [f.seq for f in decoded] == list(range(len(frames)))
    assert len(frames) == 5  # 4 records for ~200 KiB, 1 for the notification
    assert max(len(f.payload) for f in decoded) == 61440 + 16
    assert deliver(frames, harness) == [big, small]


def test_frames_carry_no_plaintext(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    harness, executor = open_pair(executor_identity, harness_identity)
    request = orjson.dumps(
        {"id": 1, "method": "process/start", "params": {"argv": ["printf", "needle-text"]}}
    )
    frames = harness.send_message(request, 0.0)
    frames += executor.send_message(orjson.dumps({"id": 1, "result": {"sessionId": "s"}}), 0.0)
    for raw in frames:
        for marker in (b"process/start", b"needle-text", b"sessionId", b"argv"):
            assert marker not in raw


def test_harness_marks_resume_and_msg1_and_executor_answers_marked(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    harness, executor = open_pair(executor_identity, harness_identity)
    assert harness.peer_acks and executor.peer_acks
    data = decode_frame(executor.send_message(b"{}", 0.0)[0])
    assert data.ack_bits & ACK_CAPABLE


def test_unmarked_harness_sees_no_ack_fields(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    # A codex harness never marks its frames: the executor must then look like the reference.
    plain = StreamConfig(reliable=False)
    harness, executor = open_pair(executor_identity, harness_identity, harness_config=plain)
    assert not executor.peer_acks
    frames = deliver(harness.send_message(b'{"id":1,"method":"m"}', 0.0), executor)
    assert frames == [b'{"id":1,"method":"m"}']
    out = executor.send_message(b'{"id":1,"result":{}}', 0.0)
    assert all(decode_frame(f).ack == decode_frame(f).ack_bits == 0 for f in out)
    # Nothing is ever retransmitted or acknowledged to it.
    assert executor.poll(1000.0) == []


def test_codex_written_msg1_is_read_by_the_executor_handshake() -> None:
    vector = json.loads(VECTOR_PATH.read_text())
    identity = NoiseIdentity.from_private(
        bytes.fromhex(vector["executor_x25519_private_hex"]),
        bytes.fromhex(vector["executor_mlkem768_seed_hex"]),
    )
    handshake = ExecutorHandshake(
        identity,
        environment_id=vector["environment_id"],
        executor_registration_id=vector["executor_registration_id"],
        stream_id=vector["stream_id"],
    )
    frame = handshake_frame(vector["stream_id"], bytes.fromhex(vector["msg1_hex"]))
    key, authorization = handshake.read_message1(frame)
    assert authorization == vector["expected_payload"]
    assert key.to_json() == vector["expected_harness_public_key"]
    reply, stream = handshake.accept(0.0)
    assert decode_frame(reply).ack_bits == 0  # codex did not mark msg1
    assert not stream.peer_acks


def test_wrong_executor_key_is_rejected(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    impostor = NoiseIdentity.generate()
    harness = HarnessHandshake(
        harness_identity,
        impostor.public_key,
        environment_id=ENV,
        executor_registration_id=REG,
        authorization="a",
    )
    message1 = decode_frame(harness.opening_frames()[1])
    executor = ExecutorHandshake(
        executor_identity, environment_id=ENV, executor_registration_id=REG, stream_id=harness.stream_id
    )
    with pytest.raises(NoiseError):
        executor.read_message1(message1)


def test_msg1_replayed_on_another_stream_is_rejected(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    harness = HarnessHandshake(
        harness_identity,
        executor_identity.public_key,
        environment_id=ENV,
        executor_registration_id=REG,
        authorization="a",
    )
    message1 = decode_frame(harness.opening_frames()[1])
    replay = handshake_frame("another-stream", message1.payload)
    executor = ExecutorHandshake(
        executor_identity, environment_id=ENV, executor_registration_id=REG, stream_id="another-stream"
    )
    with pytest.raises(NoiseError):
        executor.read_message1(replay)


@pytest.mark.parametrize("authorization", [b"a" * 4097, b"\xff\xfe"])
def test_bad_authorizations_are_refused(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity, authorization: bytes
) -> None:
    from execwire.relay.noise import HandshakeInitiator, relay_prologue

    initiator = HandshakeInitiator(
        harness_identity, executor_identity.public_key, relay_prologue(ENV, REG, "s")
    )
    frame = handshake_frame("s", initiator.write_message1(authorization))
    executor = ExecutorHandshake(
        executor_identity, environment_id=ENV, executor_registration_id=REG, stream_id="s"
    )
    with pytest.raises(RelayProtocolError):
        executor.read_message1(frame)


def test_harness_handshake_reactions(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    def fresh() -> HarnessHandshake:
        handshake = HarnessHandshake(
            harness_identity,
            executor_identity.public_key,
            environment_id=ENV,
            executor_registration_id=REG,
            authorization="a",
        )
        handshake.opening_frames()
        return handshake

    handshake = fresh()
    sid = handshake.stream_id
    assert handshake.on_frame(resume_frame("other"), 0.0) is None
    assert handshake.on_frame(data_frame("other", 0, b"x"), 0.0) is None
    assert handshake.on_frame(heartbeat_frame(sid), 0.0) is None
    assert handshake.on_frame(resume_frame(sid), 0.0) is None
    with pytest.raises(StreamReset):
        handshake.on_frame(reset_frame(sid, "whatever"), 0.0)
    handshake = fresh()
    with pytest.raises(RelayProtocolError, match="before handshake completion"):
        handshake.on_frame(data_frame(handshake.stream_id, 0, b"x"), 0.0)
    handshake = fresh()
    with pytest.raises(NoiseError):
        handshake.on_frame(handshake_frame(handshake.stream_id, bytes(3424)), 0.0)


# --------------------------------------------------------------------------- established


def test_tampered_record_fails_and_closes(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    harness, executor = open_pair(executor_identity, harness_identity)
    frame = decode_frame(harness.send_message(b'{"id":1,"method":"m"}', 0.0)[0])
    tampered = bytearray(frame.payload)
    tampered[3] ^= 1
    with pytest.raises(NoiseError):
        executor.receive_frame(data_frame(frame.stream_id, 0, bytes(tampered)), 0.0)
    assert executor.closed
    assert decode_frame(executor.reset_frame()).reason == "noise_relay_protocol_error"


def test_replayed_data_is_delivered_once(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    harness, executor = open_pair(executor_identity, harness_identity)
    frames = harness.send_message(b'{"id":1,"method":"m"}', 0.0)
    assert deliver(frames, executor) == [b'{"id":1,"method":"m"}']
    assert deliver(frames, executor) == []


def test_invalid_json_record_fails(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    harness, executor = open_pair(executor_identity, harness_identity)
    with pytest.raises(FramingError):
        deliver(harness.send_message(b"{not json", 0.0), executor)
    assert executor.closed


def test_reset_and_handshake_end_an_established_stream(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    harness, executor = open_pair(executor_identity, harness_identity)
    with pytest.raises(StreamReset):
        harness.receive_frame(reset_frame(harness.stream_id, "x"), 0.0)
    assert harness.closed
    with pytest.raises(RelayProtocolError):
        executor.receive_frame(handshake_frame(executor.stream_id, b"m"), 0.0)
    with pytest.raises(RelayProtocolError):
        executor.send_message(b"{}", 0.0)


def test_acks_from_a_peer_must_name_sent_records(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    harness, _ = open_pair(executor_identity, harness_identity)
    with pytest.raises(RelayProtocolError):
        harness.receive_frame(Frame(harness.stream_id, FrameKind.ACK, ack=5, ack_bits=1), 0.0)


def test_idle_timeout_and_heartbeats(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    harness, executor = open_pair(
        executor_identity,
        harness_identity,
        harness_config=StreamConfig(heartbeat_interval=60.0),
        executor_config=StreamConfig(idle_timeout=100.0),
    )
    assert executor.next_deadline() == 100.0
    beats = harness.poll(60.0)
    assert [decode_frame(f).kind for f in beats] == [FrameKind.HEARTBEAT]
    assert deliver(beats, executor, now=60.0) == []
    assert executor.next_deadline() == 160.0
    with pytest.raises(StreamTimeout):
        executor.poll(160.0)
    assert executor.closed


def test_standalone_acks_and_retransmission(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    harness, executor = open_pair(executor_identity, harness_identity)
    lost = harness.send_message(b'{"id":1,"method":"m"}', 0.0)
    assert executor.poll(0.1) == []
    resent = harness.poll(0.5)
    assert resent == lost  # the identical ciphertext, same seq
    assert deliver(resent, executor, now=0.6) == [b'{"id":1,"method":"m"}']
    acks = executor.poll(0.7)
    assert [decode_frame(f).kind for f in acks] == [FrameKind.ACK]
    assert decode_frame(acks[0]).ack == 1
    deliver(acks, harness, now=0.7)
    assert harness.unacked_bytes == 0
    assert harness.poll(100.0) == []


def test_outbound_message_over_64_mib_fails(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    _, executor = open_pair(executor_identity, harness_identity)
    with pytest.raises(FramingError):
        executor.send_message(b" " * (64 * 1024 * 1024 + 1), 0.0)
    assert executor.closed


class _LossyLink:
    """Both directions of a stream through a link that drops, duplicates and reorders."""

    def __init__(self, a: RelayStream, b: RelayStream, seed: int, drop: float, dup: float) -> None:
        self.rng = random.Random(seed)
        self.streams = (a, b)
        self.drop, self.dup = drop, dup
        self.queue: list[tuple[float, int, int, bytes]] = []
        self.order = itertools.count()
        self.received: tuple[list[bytes], list[bytes]] = ([], [])

    def send(self, side: int, frames: list[bytes], now: float) -> None:
        for raw in frames:
            copies = 0 if self.rng.random() < self.drop else 1
            copies += self.rng.random() < self.dup
            for _ in range(copies):
                at = now + 0.01 + self.rng.random() * 0.2
                heapq.heappush(self.queue, (at, next(self.order), 1 - side, raw))

    def run(self, until: float) -> None:
        now = 0.0
        while now < until:
            deadlines = [d for s in self.streams if (d := s.next_deadline()) is not None]
            candidates = deadlines + ([self.queue[0][0]] if self.queue else [])
            if not candidates:
                return
            now = max(now, min(candidates))
            while self.queue and self.queue[0][0] <= now:
                _, _, side, raw = heapq.heappop(self.queue)
                stream = self.streams[side]
                self.received[side].extend(stream.receive_frame(decode_frame(raw), now))
                self.send(side, stream.poll(now), now)
            for side, stream in enumerate(self.streams):
                deadline = stream.next_deadline()
                if deadline is not None and deadline <= now:
                    self.send(side, stream.poll(now), now)


@pytest.mark.parametrize("seed", range(4))
def test_session_survives_loss_duplication_and_reordering(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity, seed: int
) -> None:
    harness, executor = open_pair(executor_identity, harness_identity)
    link = _LossyLink(harness, executor, seed, drop=0.2, dup=0.1)
    rng = random.Random(seed)
    sizes = [rng.choice([10, 1000, 70_000, 150_000]) for _ in range(12)]
    outbound = (
        [orjson.dumps({"id": i, "method": "m", "params": "x" * n}) for i, n in enumerate(sizes)],
        [orjson.dumps({"id": i, "result": "y" * n}) for i, n in enumerate(reversed(sizes))],
    )
    for side, stream in enumerate((harness, executor)):
        for message in outbound[side]:
            link.send(side, stream.send_message(message, 0.0), 0.0)
    link.run(until=600.0)
    assert link.received[1] == outbound[0]
    assert link.received[0] == outbound[1]
    assert harness.unacked_bytes == executor.unacked_bytes == 0


def test_bulk_transfers_are_acknowledged_without_delay(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    harness, executor = open_pair(executor_identity, harness_identity)
    frames = executor.send_message(orjson.dumps({"id": 1, "result": "z" * 300_000}), 0.0)
    assert len(frames) == 5
    deliver(frames[:3], harness)
    assert harness.next_deadline() == 0.02  # a small gap: the ack may wait for a reply
    deliver(frames[3:4], harness)
    assert harness.next_deadline() == 0.0  # four records behind: ack now
    (ack,) = harness.poll(0.0)
    assert decode_frame(ack).ack == 4


def test_bulk_window_executor_to_harness(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    message = orjson.dumps({"id": 1, "result": "z" * (3 << 20)})
    # Reference-sized: the executor stops at 1 MiB in flight until the harness acks.
    _, executor = open_pair(executor_identity, harness_identity)
    sent = executor.send_message(message, 0.0)
    assert 1 << 20 >= sum(len(decode_frame(raw).payload) for raw in sent) > (1 << 20) - (64 << 10)
    # execwire's pair: the whole 3 MiB goes out at once, and the harness can hold it all
    # out of order (delivered backwards: nothing is released until the first record).
    harness, executor = open_pair(
        executor_identity,
        harness_identity,
        harness_config=StreamConfig(receive_buffer_bytes=BULK_WINDOW_BYTES),
        executor_config=StreamConfig(send_window_bytes=BULK_WINDOW_BYTES),
    )
    sent = executor.send_message(message, 0.0)
    assert sum(len(decode_frame(raw).payload) for raw in sent) > 3 << 20
    assert deliver(sent[:0:-1], harness) == []
    assert deliver(sent[:1], harness) == [message]
    # The reference's buffer would not have held that.
    harness, executor = open_pair(
        executor_identity,
        harness_identity,
        executor_config=StreamConfig(send_window_bytes=BULK_WINDOW_BYTES),
    )
    with pytest.raises(OrderingError, match="pending ciphertext buffer is full"):
        deliver(executor.send_message(message, 0.0)[:0:-1], harness)

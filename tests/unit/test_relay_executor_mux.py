"""Tests for execwire_server.executor_mux: the executor's per-socket stream table and budgets."""

from __future__ import annotations

import os
from typing import TypeVar

import orjson
import pytest

from execwire.relay.frames import (
    Frame,
    FrameKind,
    ack_frame,
    data_frame,
    decode_frame,
    handshake_frame,
    heartbeat_frame,
    reset_frame,
    resume_frame,
)
from execwire.relay.noise import HandshakeInitiator, NoiseIdentity, relay_prologue
from execwire.relay.stream import HarnessHandshake, RelayStream, StreamConfig
from execwire_server.executor_mux import (
    Action,
    CancelValidation,
    CloseStream,
    Deliver,
    ExecutorMux,
    MuxLimits,
    OpenStream,
    SendFrame,
    StartValidation,
    StreamHandle,
)

ENV, REG = "env-1", "registration-1"


@pytest.fixture(scope="module")
def executor_identity() -> NoiseIdentity:
    return NoiseIdentity.generate()


@pytest.fixture(scope="module")
def harness_identity() -> NoiseIdentity:
    return NoiseIdentity.generate()


class Harness:
    """A harness stream driven directly against a mux (no sockets)."""

    def __init__(
        self,
        executor_identity: NoiseIdentity,
        harness_identity: NoiseIdentity,
        stream_id: str | None = None,
        *,
        config: StreamConfig | None = None,
    ) -> None:
        self.handshake = HarnessHandshake(
            harness_identity,
            executor_identity.public_key,
            environment_id=ENV,
            executor_registration_id=REG,
            authorization="auth",
            stream_id=stream_id,
            config=config,
        )
        self.opening = self.handshake.opening_frames()
        self.stream: RelayStream | None = None

    @property
    def stream_id(self) -> str:
        return self.handshake.stream_id

    @property
    def msg1(self) -> bytes:
        return self.opening[-1]

    def take(self, actions: list[Action], now: float = 0.0) -> list[Frame]:
        """Feed the frames of ``actions`` addressed to this stream; return them decoded."""
        frames = []
        for action in actions:
            if isinstance(action, SendFrame):
                frame = decode_frame(action.data)
                if frame.stream_id != self.stream_id:
                    continue
                frames.append(frame)
                if self.stream is None and frame.kind is FrameKind.HANDSHAKE:
                    self.stream = self.handshake.on_frame(frame, now)
        return frames

    def send(self, message: bytes, now: float = 0.0) -> list[bytes]:
        assert self.stream is not None
        return self.stream.send_message(message, now)


T = TypeVar("T")


def of(kind: type[T], actions: list[Action]) -> list[T]:
    return [action for action in actions if isinstance(action, kind)]


def resets(actions: list[Action]) -> list[str]:
    """Stream ids that got a Reset (always with the reference reason)."""
    out = []
    for action in of(SendFrame, actions):
        frame = decode_frame(action.data)
        if frame.kind is FrameKind.RESET:
            assert frame.reason == "noise_relay_protocol_error"
            out.append(frame.stream_id)
    return out


def new_mux(executor_identity: NoiseIdentity, **limits: float) -> ExecutorMux:
    return ExecutorMux(
        executor_identity,
        environment_id=ENV,
        executor_registration_id=REG,
        limits=MuxLimits(**limits),  # type: ignore[arg-type]
        accept_message=lambda raw: b'"method"' in raw or b'"id"' in raw,
    )


def establish(
    mux: ExecutorMux, harness: Harness, now: float = 0.0
) -> tuple[StreamHandle, list[Action]]:
    actions: list[Action] = []
    for raw in harness.opening:
        actions += mux.receive(raw, now)
    (validation,) = of(StartValidation, actions)
    assert validation.stream_id == harness.stream_id
    assert validation.authorization == "auth"
    done = mux.validation_finished(validation.validation_id, True, now)
    (opened,) = of(OpenStream, done)
    harness.take(done, now)
    assert harness.stream is not None
    return opened.handle, done


def garbage_handshake(mux: ExecutorMux, now: float = 0.0) -> list[Action]:
    sid = os.urandom(8).hex()
    return mux.receive(handshake_frame(sid, os.urandom(3700)).encode(), now)


# --------------------------------------------------------------------------- happy path


def test_two_streams_are_independent(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity)
    a, b = Harness(executor_identity, harness_identity), Harness(executor_identity, harness_identity)
    handle_a, _ = establish(mux, a)
    handle_b, _ = establish(mux, b)
    assert handle_a != handle_b
    request_a = orjson.dumps({"id": 1, "method": "a"})
    request_b = orjson.dumps({"id": 1, "method": "b"})
    actions = [x for raw in a.send(request_a) for x in mux.receive(raw, 0.0)]
    actions += [x for raw in b.send(request_b) for x in mux.receive(raw, 0.0)]
    assert [(d.handle, d.message) for d in of(Deliver, actions)] == [
        (handle_a, request_a),
        (handle_b, request_b),
    ]
    reply = mux.send_message(handle_b, b'{"id":1,"result":"b"}', 0.0)
    assert a.take(reply) == []
    (frame,) = b.take(reply)
    assert b.stream is not None and b.stream.receive_frame(frame, 0.0) == [b'{"id":1,"result":"b"}']
    # A Reset on A touches nothing else.
    closed = mux.receive(reset_frame(a.stream_id, "harness_disconnected").encode(), 0.0)
    assert closed == [CloseStream(handle_a, "reset by peer")]
    assert mux.is_open(handle_b) and not mux.is_open(handle_a)
    assert of(Deliver, [x for raw in b.send(b'{"id":2,"method":"b"}') for x in mux.receive(raw, 0.0)])


def test_resume_ack_heartbeat_are_ignored_around_streams(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity)
    harness = Harness(executor_identity, harness_identity)
    for raw in (resume_frame("nobody").encode(), ack_frame("nobody", 0, 1).encode()):
        assert mux.receive(raw, 0.0) == []
    assert mux.receive(reset_frame("nobody", "x").encode(), 0.0) == []
    handle, _ = establish(mux, harness)
    for frame in (resume_frame(harness.stream_id), heartbeat_frame(harness.stream_id)):
        assert of(CloseStream, mux.receive(frame.encode(), 0.0)) == []
    assert mux.is_open(handle)


@pytest.mark.parametrize(
    "raw",
    [
        Frame("s", FrameKind.RESUME).encode().replace(b"\x08\x01", b"\x08\x02", 1),  # version 2
        data_frame("", 0, b"x").encode(),
        b"\x0a\xff",
        b"",
    ],
)
def test_invalid_frames_are_dropped_silently(executor_identity: NoiseIdentity, raw: bytes) -> None:
    assert new_mux(executor_identity).receive(raw, 0.0) == []


def test_data_for_unknown_stream_is_reset(executor_identity: NoiseIdentity) -> None:
    mux = new_mux(executor_identity)
    assert resets(mux.receive(data_frame("ghost", 0, b"x").encode(), 0.0)) == ["ghost"]
    assert mux.failures == 0


def test_malformed_record_resets_only_that_stream(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity)
    bad, good = Harness(executor_identity, harness_identity), Harness(executor_identity, harness_identity)
    handle_bad, _ = establish(mux, bad)
    handle_good, _ = establish(mux, good)
    actions = [x for raw in bad.send(b"[1, 2]") for x in mux.receive(raw, 0.0)]
    assert resets(actions) == [bad.stream_id]
    assert of(CloseStream, actions) == [CloseStream(handle_bad, "protocol error")]
    assert of(Deliver, actions) == []
    # Tampered ciphertext on the good stream's neighbour does not matter to it either.
    assert mux.is_open(handle_good)


def test_tampered_data_resets_the_stream(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity)
    harness = Harness(executor_identity, harness_identity)
    handle, _ = establish(mux, harness)
    frame = decode_frame(harness.send(b'{"id":1,"method":"m"}')[0])
    forged = data_frame(frame.stream_id, 0, bytes(len(frame.payload)))
    actions = mux.receive(forged.encode(), 0.0)
    assert resets(actions) == [harness.stream_id]
    assert not mux.is_open(handle)


# --------------------------------------------------------------------------- handshakes


def test_duplicate_handshake_on_active_stream_resets_but_keeps_it(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity)
    harness = Harness(executor_identity, harness_identity)
    handle, _ = establish(mux, harness)
    actions = mux.receive(harness.msg1, 0.0)  # a replayed msg1
    assert resets(actions) == [harness.stream_id]
    assert of(CloseStream, actions) == []
    assert mux.is_open(handle) and mux.failures == 0
    delivered = [x for raw in harness.send(b'{"id":1,"method":"m"}') for x in mux.receive(raw, 0.0)]
    assert of(Deliver, delivered) == [Deliver(handle, b'{"id":1,"method":"m"}')]


def test_duplicate_pending_handshake_cancels_and_charges(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity)
    harness = Harness(executor_identity, harness_identity)
    (first,) = of(StartValidation, mux.receive(harness.msg1, 0.0))
    actions = mux.receive(harness.msg1, 0.0)
    assert of(CancelValidation, actions) == [CancelValidation(first.validation_id)]
    assert resets(actions) == [harness.stream_id]
    assert mux.failures == 1
    # The cancelled validation's late answer changes nothing.
    assert mux.validation_finished(first.validation_id, True, 0.0) == []


def test_early_data_cancels_the_handshake_and_charges(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity)
    harness = Harness(executor_identity, harness_identity)
    (validation,) = of(StartValidation, mux.receive(harness.msg1, 0.0))
    actions = mux.receive(data_frame(harness.stream_id, 0, b"x").encode(), 0.0)
    assert of(CancelValidation, actions) == [CancelValidation(validation.validation_id)]
    assert resets(actions) == [harness.stream_id]
    assert mux.failures == 1


def test_reset_during_validation_drops_it_without_charge(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity)
    harness = Harness(executor_identity, harness_identity)
    (validation,) = of(StartValidation, mux.receive(harness.msg1, 0.0))
    actions = mux.receive(reset_frame(harness.stream_id, "gone").encode(), 0.0)
    assert actions == [CancelValidation(validation.validation_id)]
    assert mux.failures == 0 and mux.pending_validations == 0


def test_refused_authorization_resets_and_charges(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity)
    harness = Harness(executor_identity, harness_identity)
    (validation,) = of(StartValidation, mux.receive(harness.msg1, 0.0))
    actions = mux.validation_finished(validation.validation_id, False, 0.0)
    assert resets(actions) == [harness.stream_id]
    assert of(OpenStream, actions) == [] and mux.failures == 1


def test_oversized_authorization_never_reaches_the_registry(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity)
    initiator = HandshakeInitiator(
        harness_identity, executor_identity.public_key, relay_prologue(ENV, REG, "s")
    )
    raw = handshake_frame("s", initiator.write_message1(b"a" * 4097)).encode()
    actions = mux.receive(raw, 0.0)
    assert of(StartValidation, actions) == [] and resets(actions) == ["s"]
    assert mux.failures == 1


def test_wrong_executor_key_is_reset_and_charged(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity)
    impostor = Harness(NoiseIdentity.generate(), harness_identity)
    actions = mux.receive(impostor.msg1, 0.0)
    assert resets(actions) == [impostor.stream_id] and mux.failures == 1


def test_failure_budget_starts_a_cooldown_that_refuses_everything(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity)
    for _ in range(7):
        assert len(resets(garbage_handshake(mux, 1.0))) == 1
    # A success in between does not refund the budget (checked against codex 0.169.0).
    establish(mux, Harness(executor_identity, harness_identity), 1.0)
    garbage_handshake(mux, 1.0)
    assert mux.in_cooldown(1.0)
    valid = Harness(executor_identity, harness_identity)
    actions = mux.receive(valid.msg1, 5.0)
    assert resets(actions) == [valid.stream_id] and of(StartValidation, actions) == []
    # Refusals during the cooldown neither charge nor extend it.
    for _ in range(10):
        garbage_handshake(mux, 10.9)
    assert mux.next_deadline() == 11.0
    assert mux.poll(11.0) == []
    assert not mux.in_cooldown(11.0) and mux.failures == 0
    establish(mux, Harness(executor_identity, harness_identity), 11.0)


def test_stream_and_validation_limits(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity, max_streams=2, max_validations=1)
    first = Harness(executor_identity, harness_identity)
    (validation,) = of(StartValidation, mux.receive(first.msg1, 0.0))
    second = Harness(executor_identity, harness_identity)
    assert resets(mux.receive(second.msg1, 0.0)) == [second.stream_id]  # validations full
    mux.validation_finished(validation.validation_id, True, 0.0)
    establish(mux, Harness(executor_identity, harness_identity))
    third = Harness(executor_identity, harness_identity)
    assert resets(mux.receive(third.msg1, 0.0)) == [third.stream_id]  # streams full
    assert mux.failures == 0 and mux.active_streams == 2


def test_stream_limit_is_checked_again_after_validation(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity, max_streams=1)
    late = Harness(executor_identity, harness_identity)
    (validation,) = of(StartValidation, mux.receive(late.msg1, 0.0))
    establish(mux, Harness(executor_identity, harness_identity))
    actions = mux.validation_finished(validation.validation_id, True, 0.0)
    assert resets(actions) == [late.stream_id] and of(OpenStream, actions) == []


# --------------------------------------------------------------------------- lifecycle


def test_end_stream_resets_once_and_ignores_stale_handles(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity)
    harness = Harness(executor_identity, harness_identity, stream_id="reused")
    handle, _ = establish(mux, harness)
    actions = mux.end_stream(handle, 0.0)
    assert resets(actions) == ["reused"]
    assert of(CloseStream, actions) == [CloseStream(handle, "session ended")]
    assert mux.end_stream(handle, 0.0) == []
    # MAIN has no tombstones: the id may open again, and the old handle must not touch it.
    again, _ = establish(mux, Harness(executor_identity, harness_identity, stream_id="reused"))
    assert again != handle
    assert mux.end_stream(handle, 0.0) == [] and mux.send_message(handle, b"{}", 0.0) == []
    assert mux.is_open(again)


def test_idle_stream_is_reset_and_closed(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = ExecutorMux(
        executor_identity,
        environment_id=ENV,
        executor_registration_id=REG,
        stream_config=StreamConfig(idle_timeout=600.0),
    )
    harness = Harness(executor_identity, harness_identity)
    handle, _ = establish(mux, harness, 0.0)
    assert mux.next_deadline() == 600.0
    actions = mux.poll(600.0)
    assert resets(actions) == [harness.stream_id]
    assert of(CloseStream, actions) == [CloseStream(handle, "idle timeout")]


def test_close_cancels_validations_and_closes_streams(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity)
    handle, _ = establish(mux, Harness(executor_identity, harness_identity))
    (validation,) = of(StartValidation, mux.receive(Harness(executor_identity, harness_identity).msg1, 0.0))
    actions = mux.close()
    assert actions == [
        CancelValidation(validation.validation_id),
        CloseStream(handle, "socket closed"),
    ]
    assert mux.receive(data_frame("x", 0, b"x").encode(), 0.0) == []


def test_executor_retransmits_to_an_acking_harness(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity)
    harness = Harness(executor_identity, harness_identity)
    handle, _ = establish(mux, harness)
    sent = mux.send_message(handle, b'{"id":1,"result":{}}', 0.0)  # lost on the way
    assert mux.next_deadline() == 0.5
    assert mux.poll(0.5) == sent


def test_unmarked_harness_gets_reference_behaviour(
    executor_identity: NoiseIdentity, harness_identity: NoiseIdentity
) -> None:
    mux = new_mux(executor_identity)
    harness = Harness(executor_identity, harness_identity, config=StreamConfig(reliable=False))
    handle, opened = establish(mux, harness)
    msg2 = [decode_frame(a.data) for a in of(SendFrame, opened)]
    assert [(f.kind, f.ack, f.ack_bits) for f in msg2] == [(FrameKind.HANDSHAKE, 0, 0)]
    sent = mux.send_message(handle, b'{"id":1,"result":{}}', 0.0)
    assert decode_frame(of(SendFrame, sent)[0].data).ack_bits == 0
    assert mux.next_deadline() is None and mux.poll(1000.0) == []

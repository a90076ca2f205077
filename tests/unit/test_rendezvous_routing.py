"""The rendezvous routing table and frame inspection, without sockets."""

from __future__ import annotations

import pytest
from execwire_rendezvous.frames import FrameKind, inspect_frame, reset_frame
from execwire_rendezvous.routing import (
    HARNESS_DISCONNECTED,
    Action,
    Endpoint,
    RoutingTable,
)

from execwire.protocol.codex.exec_server.relay.v1 import relay_pb2 as pb

ENV = "env-1"
REG = "reg-1"


def resume(stream: str) -> bytes:
    return pb.RelayMessageFrame(
        version=1, stream_id=stream, resume=pb.RelayResume()
    ).SerializeToString()


def handshake(stream: str, payload: bytes = b"msg1") -> bytes:
    return pb.RelayMessageFrame(
        version=1, stream_id=stream, handshake=pb.RelayHandshake(payload=payload)
    ).SerializeToString()


def data(stream: str, seq: int = 0, payload: bytes = b"ciphertext") -> bytes:
    return pb.RelayMessageFrame(
        version=1,
        stream_id=stream,
        data=pb.RelayData(seq=seq, segment_count=1, payload=payload),
    ).SerializeToString()


def reset(stream: str, reason: str = "noise_relay_protocol_error") -> bytes:
    return reset_frame(stream, reason)


def decode(frame: bytes) -> pb.RelayMessageFrame:
    return pb.RelayMessageFrame.FromString(frame)


@pytest.fixture
def table() -> RoutingTable:
    return RoutingTable()


@pytest.fixture
def executor(table: RoutingTable) -> Endpoint:
    return table.attach_executor(ENV, REG).endpoint


# ---------------------------------------------------------------------- frame inspection


def test_inspect_frame_reads_stream_and_kind() -> None:
    info = inspect_frame(handshake("s-1"))
    assert info is not None
    assert (info.stream_id, info.kind) == ("s-1", FrameKind.HANDSHAKE)
    assert inspect_frame(data("s-2")) == type(info)("s-2", FrameKind.DATA)


@pytest.mark.parametrize(
    "frame",
    [
        b"\xff\xff\xff",  # undecodable
        pb.RelayMessageFrame(version=2, stream_id="s", resume=pb.RelayResume()).SerializeToString(),
        pb.RelayMessageFrame(version=1, stream_id="", resume=pb.RelayResume()).SerializeToString(),
        pb.RelayMessageFrame(
            version=1, stream_id="  ", resume=pb.RelayResume()
        ).SerializeToString(),
        pb.RelayMessageFrame(
            version=1, stream_id="x" * 129, resume=pb.RelayResume()
        ).SerializeToString(),
        pb.RelayMessageFrame(version=1, stream_id="s").SerializeToString(),  # no body
    ],
)
def test_unroutable_frames_are_dropped(
    table: RoutingTable, executor: Endpoint, frame: bytes
) -> None:
    assert inspect_frame(frame) is None
    harness = table.attach_harness(ENV, REG)
    assert table.route_from_harness(harness, frame).action is Action.DROP
    assert table.route_from_executor(executor, frame).action is Action.DROP


def test_reset_frame_encoding() -> None:
    frame = decode(reset_frame("s-1", HARNESS_DISCONNECTED))
    assert frame.version == 1
    assert frame.stream_id == "s-1"
    assert frame.WhichOneof("body") == "reset"
    assert frame.reset.reason == "harness_disconnected"
    assert (frame.ack, frame.ack_bits) == (0, 0)


# ---------------------------------------------------------------------- claiming and routing


def test_resume_claims_and_frames_go_to_the_executor(
    table: RoutingTable, executor: Endpoint
) -> None:
    harness = table.attach_harness(ENV, REG)
    for frame in (resume("s-1"), handshake("s-1"), data("s-1")):
        route = table.route_from_harness(harness, frame)
        assert route.action is Action.FORWARD
        assert route.target is executor
    assert table.owner(ENV, "s-1") is harness


def test_handshake_alone_claims(table: RoutingTable, executor: Endpoint) -> None:
    harness = table.attach_harness(ENV, REG)
    assert table.route_from_harness(harness, handshake("s-1")).action is Action.FORWARD
    assert table.owner(ENV, "s-1") is harness


@pytest.mark.parametrize("kind", ["data", "ack", "heartbeat", "reset"])
def test_only_resume_or_handshake_claims(
    table: RoutingTable, executor: Endpoint, kind: str
) -> None:
    harness = table.attach_harness(ENV, REG)
    frames = {
        "data": data("s-1"),
        "ack": pb.RelayMessageFrame(
            version=1, stream_id="s-1", ack_frame=pb.RelayAck()
        ).SerializeToString(),
        "heartbeat": pb.RelayMessageFrame(
            version=1, stream_id="s-1", heartbeat=pb.RelayHeartbeat()
        ).SerializeToString(),
        "reset": reset("s-1"),
    }
    route = table.route_from_harness(harness, frames[kind])
    assert route.action is Action.DROP
    assert route.reason == "unclaimed_stream"
    assert table.owner(ENV, "s-1") is None


def test_a_claimed_stream_id_is_refused_to_another_harness(
    table: RoutingTable, executor: Endpoint
) -> None:
    first = table.attach_harness(ENV, REG)
    second = table.attach_harness(ENV, REG)
    table.route_from_harness(first, resume("s-1"))
    route = table.route_from_harness(second, handshake("s-1"))
    assert route.action is Action.REFUSE
    assert route.reply is not None
    assert decode(route.reply).reset.reason == "stream_id_in_use"
    # Data on someone else's stream is dropped without a reply.
    route = table.route_from_harness(second, data("s-1"))
    assert route.action is Action.DROP
    assert table.owner(ENV, "s-1") is first


def test_executor_frames_go_to_the_claiming_harness_only(
    table: RoutingTable, executor: Endpoint
) -> None:
    one = table.attach_harness(ENV, REG)
    two = table.attach_harness(ENV, REG)
    table.route_from_harness(one, handshake("a"))
    table.route_from_harness(two, handshake("b1"))
    table.route_from_harness(two, handshake("b2"))
    assert table.route_from_executor(executor, data("a")).target is one
    assert table.route_from_executor(executor, data("b1")).target is two
    assert table.route_from_executor(executor, handshake("b2")).target is two
    unclaimed = table.route_from_executor(executor, data("nobody"))
    assert unclaimed.action is Action.DROP
    assert unclaimed.reason == "unclaimed_stream"


def test_environments_are_separate(table: RoutingTable, executor: Endpoint) -> None:
    other_executor = table.attach_executor("env-2", "reg-2").endpoint
    here = table.attach_harness(ENV, REG)
    there = table.attach_harness("env-2", "reg-2")
    table.route_from_harness(here, handshake("same"))
    route = table.route_from_harness(there, handshake("same"))
    assert route.action is Action.FORWARD
    assert route.target is other_executor
    assert table.route_from_executor(executor, data("same")).target is here
    assert table.route_from_executor(other_executor, data("same")).target is there


def test_harness_reset_releases_the_claim_but_executor_reset_does_not(
    table: RoutingTable, executor: Endpoint
) -> None:
    harness = table.attach_harness(ENV, REG)
    table.route_from_harness(harness, handshake("s-1"))
    assert table.route_from_executor(executor, reset("s-1")).target is harness
    assert table.owner(ENV, "s-1") is harness
    route = table.route_from_harness(harness, reset("s-1", "bye"))
    assert route.action is Action.FORWARD
    assert table.owner(ENV, "s-1") is None
    # Released: another harness may claim the id now.
    other = table.attach_harness(ENV, REG)
    assert table.route_from_harness(other, handshake("s-1")).action is Action.FORWARD


def test_stream_limit_per_harness() -> None:
    table = RoutingTable(max_streams_per_harness=2)
    table.attach_executor(ENV, REG)
    harness = table.attach_harness(ENV, REG)
    table.route_from_harness(harness, handshake("a"))
    table.route_from_harness(harness, handshake("b"))
    route = table.route_from_harness(harness, handshake("c"))
    assert route.action is Action.REFUSE
    assert route.reply is not None
    assert decode(route.reply).reset.reason == "too_many_streams"


# ---------------------------------------------------------------------- disconnects


def test_harness_disconnect_synthesizes_one_reset_per_claimed_stream(
    table: RoutingTable, executor: Endpoint
) -> None:
    harness = table.attach_harness(ENV, REG)
    for stream in ("s-1", "s-2", "s-3"):
        table.route_from_harness(harness, resume(stream))
    table.route_from_harness(harness, reset("s-2", "done"))  # already ended by the harness
    detached = table.detach_harness(harness)
    assert detached.executor is executor
    frames = [decode(frame) for _, frame in detached.resets]
    assert [f.stream_id for f in frames] == ["s-1", "s-3"]
    assert all(f.reset.reason == HARNESS_DISCONNECTED and f.version == 1 for f in frames)
    assert [info.kind for info, _ in detached.resets] == [FrameKind.RESET, FrameKind.RESET]
    assert table.owner(ENV, "s-1") is None
    assert table.route_from_executor(executor, data("s-1")).action is Action.DROP


def test_harness_without_streams_detaches_silently(table: RoutingTable, executor: Endpoint) -> None:
    harness = table.attach_harness(ENV, REG)
    detached = table.detach_harness(harness)
    assert detached.executor is None
    assert detached.resets == []


def test_executor_disconnect_closes_its_harnesses_without_resets(
    table: RoutingTable, executor: Endpoint
) -> None:
    one = table.attach_harness(ENV, REG)
    two = table.attach_harness(ENV, REG)
    table.route_from_harness(one, handshake("a"))
    close = table.detach_executor(executor)
    assert set(close) == {one, two}
    assert one.closing and two.closing
    assert table.route_from_harness(one, data("a")).action is Action.DROP
    assert table.detach_harness(one).resets == []
    assert table.executor(ENV) is None


def test_a_new_executor_socket_replaces_the_old_one(
    table: RoutingTable, executor: Endpoint
) -> None:
    harness = table.attach_harness(ENV, REG)
    table.route_from_harness(harness, handshake("a"))
    attached = table.attach_executor(ENV, REG)
    assert attached.close == [executor, harness]
    assert table.executor(ENV) is attached.endpoint
    # The old socket's late frames and detach change nothing.
    assert table.route_from_executor(executor, data("a")).action is Action.DROP
    assert table.detach_executor(executor) == []
    assert table.executor(ENV) is attached.endpoint


def test_retire_registration_closes_endpoints_of_older_registrations(
    table: RoutingTable, executor: Endpoint
) -> None:
    harness = table.attach_harness(ENV, REG)
    table.route_from_harness(harness, handshake("a"))
    close = table.retire_registration(ENV, "reg-2")
    assert close == [executor, harness]
    assert table.executor(ENV) is None
    assert table.detach_harness(harness).resets == []
    assert table.retire_registration("unknown", "reg") == []


# ---------------------------------------------------------------------- holding


def test_frames_wait_for_the_executor_and_flush_in_order(table: RoutingTable) -> None:
    harness = table.attach_harness(ENV, REG)
    frames = [resume("s-1"), handshake("s-1"), data("s-1")]
    for frame in frames:
        assert table.route_from_harness(harness, frame).action is Action.HOLD
    assert table.held_count(ENV) == 3
    attached = table.attach_executor(ENV, REG)
    assert [held.data for held in attached.flush] == frames
    assert all(held.source is harness for held in attached.flush)
    assert table.held_count(ENV) == 0
    assert table.route_from_executor(attached.endpoint, data("s-1")).target is harness


def test_harness_leaving_before_the_executor_discards_its_held_frames(table: RoutingTable) -> None:
    leaving = table.attach_harness(ENV, REG)
    staying = table.attach_harness(ENV, REG)
    table.route_from_harness(leaving, handshake("gone"))
    table.route_from_harness(staying, handshake("kept"))
    detached = table.detach_harness(leaving)
    assert detached.resets == []  # the executor never saw the stream
    attached = table.attach_executor(ENV, REG)
    assert [held.info.stream_id for held in attached.flush] == ["kept"]


def test_held_frames_are_bounded() -> None:
    table = RoutingTable(max_held_frames=2)
    harness = table.attach_harness(ENV, REG)
    table.route_from_harness(harness, resume("s"))
    table.route_from_harness(harness, handshake("s"))
    assert table.route_from_harness(harness, data("s")).action is Action.OVERFLOW


def test_executor_of_another_registration_does_not_take_held_frames(table: RoutingTable) -> None:
    harness = table.attach_harness(ENV, "old")
    table.route_from_harness(harness, handshake("s"))
    attached = table.attach_executor(ENV, "new")
    assert attached.close == [harness]
    assert attached.flush == []


def test_idle_environments_are_forgotten(table: RoutingTable) -> None:
    executor = table.attach_executor(ENV, REG).endpoint
    harness = table.attach_harness(ENV, REG)
    table.detach_harness(harness)
    table.detach_executor(executor)
    assert table._environments == {}

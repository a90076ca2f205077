"""ProcessCursor: exactly-once, in-order delivery from notifications and catch-up reads."""

from __future__ import annotations

from typing import Literal

from execwire.process_cursor import CursorEvent, OutputChunk, OutputGap, ProcessCursor
from execwire.protocol import models

PID = "p1"


def out(
    seq: int, data: bytes = b"x", stream: Literal["stdout", "stderr", "pty"] = "stdout"
) -> OutputChunk:
    return OutputChunk(seq, stream, data)


def exited(seq: int, code: int = 0) -> models.ProcessExitedNotification:
    return models.ProcessExitedNotification(process_id=PID, seq=seq, exit_code=code)


def closed(seq: int) -> models.ProcessClosedNotification:
    return models.ProcessClosedNotification(process_id=PID, seq=seq)


def read(
    chunks: list[int],
    next_seq: int,
    *,
    is_exited: bool = False,
    is_closed: bool = False,
    code: int | None = None,
) -> models.ReadResponse:
    return models.ReadResponse(
        chunks=[models.ProcessOutputChunk(seq=s, stream="stdout", chunk=b"r") for s in chunks],
        next_seq=next_seq,
        exited=is_exited,
        exit_code=code,
        closed=is_closed,
    )


def shape(events: list[CursorEvent]) -> list[tuple[str, int | None]]:
    result: list[tuple[str, int | None]] = []
    for event in events:
        if isinstance(event, OutputGap):
            result.append(("gap", event.first_seq))
        elif isinstance(event, OutputChunk):
            result.append(("out", event.seq))
        elif isinstance(event, models.ProcessExitedNotification):
            result.append(("exited", event.seq))
        else:
            result.append(("closed", event.seq))
    return result


def test_in_order_notifications_pass_through_and_duplicates_are_dropped() -> None:
    cursor = ProcessCursor(PID)
    assert shape(cursor.accept(out(1))) == [("out", 1)]
    assert shape(cursor.accept(out(2))) == [("out", 2)]
    assert cursor.accept(out(2)) == []
    assert cursor.accept(out(1)) == []
    assert shape(cursor.accept(exited(3, 7))) == [("exited", 3)]
    assert shape(cursor.accept(closed(4))) == [("closed", 4)]
    assert cursor.closed_seen and cursor.accept(out(5)) == []


def test_later_notifications_wait_for_the_hole_to_fill() -> None:
    cursor = ProcessCursor(PID)
    assert cursor.accept(out(2)) == [] and cursor.has_gap
    assert cursor.accept(out(3)) == []
    assert shape(cursor.accept(out(1))) == [("out", 1), ("out", 2), ("out", 3)]
    assert not cursor.has_gap


def test_catch_up_read_fills_the_detached_hole_exactly_once() -> None:
    cursor = ProcessCursor(PID)
    cursor.accept(out(1))
    cursor.accept(out(2))
    # Detached: 3..5 were never pushed. After the resume 6 is pushed before the read returns.
    assert cursor.accept(out(6)) == []
    events = cursor.apply_read(read([3, 4, 5, 6], next_seq=7))
    assert shape(events) == [("out", 3), ("out", 4), ("out", 5), ("out", 6)]
    assert cursor.accept(out(6)) == [] and cursor.last_seq == 6


def test_read_overlapping_delivered_notifications_adds_nothing() -> None:
    cursor = ProcessCursor(PID)
    for seq in (1, 2, 3):
        cursor.accept(out(seq))
    assert cursor.apply_read(read([2, 3], next_seq=4)) == []


def test_exit_and_close_seqs_are_inferred_from_a_read() -> None:
    cursor = ProcessCursor(PID)
    cursor.accept(out(1))
    events = cursor.apply_read(read([2], next_seq=5, is_exited=True, is_closed=True, code=3))
    assert shape(events) == [("out", 2), ("exited", 3), ("closed", 4)]
    exit_event = events[1]
    assert isinstance(exit_event, models.ProcessExitedNotification) and exit_event.exit_code == 3


def test_exit_racing_ahead_of_output_is_placed_where_the_server_recorded_it() -> None:
    cursor = ProcessCursor(PID)
    # The reference can record exit (seq 2) before the last chunk (seq 3).
    events = cursor.apply_read(read([1, 3], next_seq=5, is_exited=True, is_closed=True, code=0))
    assert shape(events) == [("out", 1), ("exited", 2), ("out", 3), ("closed", 4)]


def test_evicted_output_becomes_a_gap_event_in_its_place() -> None:
    cursor = ProcessCursor(PID)
    cursor.accept(out(1))
    # 2..9 evicted; 10..12 retained; exit 13, close 14.
    events = cursor.apply_read(read([10, 11, 12], next_seq=15, is_exited=True, is_closed=True))
    assert shape(events) == [
        ("gap", 2), ("out", 10), ("out", 11), ("out", 12), ("exited", 13), ("closed", 14)
    ]
    gap = events[0]
    assert isinstance(gap, OutputGap) and (gap.last_seq, gap.lost_events) == (9, 8)


def test_eviction_while_still_running() -> None:
    cursor = ProcessCursor(PID)
    cursor.accept(out(1))
    events = cursor.apply_read(read([5, 6], next_seq=7))
    assert shape(events) == [("gap", 2), ("out", 5), ("out", 6)]
    assert shape(cursor.accept(out(7))) == [("out", 7)]


def test_held_exit_notification_is_not_mistaken_for_loss() -> None:
    cursor = ProcessCursor(PID)
    cursor.accept(out(1))
    cursor.accept(exited(3, 1))  # pushed after the resume; 2 was produced while detached
    events = cursor.apply_read(read([2], next_seq=4, is_exited=True, code=1))
    assert shape(events) == [("out", 2), ("exited", 3)]


def test_notifications_beyond_the_read_are_released_after_it() -> None:
    cursor = ProcessCursor(PID)
    cursor.accept(out(1))
    cursor.accept(out(5))  # 4 and 5 come after the read's snapshot; 5 overtook 4
    events = cursor.apply_read(read([2, 3], next_seq=4))
    assert shape(events) == [("out", 2), ("out", 3)]
    assert cursor.has_gap
    assert shape(cursor.accept(out(4))) == [("out", 4), ("out", 5)]


def test_read_of_a_finished_process_with_everything_seen_is_empty() -> None:
    cursor = ProcessCursor(PID)
    for event in (out(1), exited(2), closed(3)):
        cursor.accept(event)
    assert cursor.apply_read(read([1], next_seq=4, is_exited=True, is_closed=True)) == []


def test_vanished_process_reports_an_open_ended_gap() -> None:
    cursor = ProcessCursor(PID, last_seq=4)
    events = cursor.vanish()
    assert len(events) == 1
    gap = events[0]
    assert isinstance(gap, OutputGap) and (gap.first_seq, gap.last_seq) == (5, None)
    assert cursor.vanish() == [] and cursor.accept(out(5)) == []


def test_attach_after_seq_skips_earlier_output() -> None:
    cursor = ProcessCursor(PID, last_seq=2)
    assert shape(cursor.apply_read(read([3], next_seq=4))) == [("out", 3)]


def test_advance_takes_only_the_next_seq_with_nothing_held() -> None:
    cursor = ProcessCursor(PID)
    assert cursor.advance(1) and cursor.last_seq == 1
    assert not cursor.advance(1) and not cursor.advance(3)  # duplicate, hole
    assert cursor.accept(out(3)) == [] and cursor.has_gap
    assert not cursor.advance(2)  # 3 is held: accept must release it
    assert shape(cursor.accept(out(2))) == [("out", 2), ("out", 3)]
    cursor.accept(closed(4))
    assert not cursor.advance(5)


def test_read_chunks_come_out_as_output_chunks() -> None:
    cursor = ProcessCursor(PID)
    events = cursor.apply_read(read([1], next_seq=2))
    assert events == [OutputChunk(1, "stdout", b"r")]

"""OutputBuffer: seq numbering, retention and the reference's read/cursor rules."""

from __future__ import annotations

import sys

import pytest

from execwire_server.output_buffer import OutputBuffer


def _seqs(chunks: list) -> list[int]:  # type: ignore[type-arg]
    return [chunk.seq for chunk in chunks]


def test_every_event_takes_the_next_seq_and_closed_is_last() -> None:
    buffer = OutputBuffer()
    assert buffer.append("stdout", b"event output\n").seq == 1
    assert buffer.append("stderr", b"event err\n").seq == 2
    assert buffer.record_exit(7) == 3
    assert buffer.record_closed() == 4
    assert (buffer.exited, buffer.exit_code, buffer.closed, buffer.next_seq) == (True, 7, True, 5)


def test_output_after_exit_is_legal_but_closed_must_follow_exit() -> None:
    buffer = OutputBuffer()
    with pytest.raises(RuntimeError):
        buffer.record_closed()
    buffer.record_exit(0)
    assert buffer.append("stdout", b"late").seq == 2
    assert buffer.record_closed() == 3


def test_read_without_budget_returns_everything_after_the_cursor() -> None:
    buffer = OutputBuffer()
    for index in range(5):
        buffer.append("stdout", bytes([65 + index]))
    chunks, next_seq = buffer.read(after_seq=2, max_bytes=None)
    assert _seqs(chunks) == [3, 4, 5]
    assert next_seq == 6


def test_budget_always_returns_the_first_chunk_then_stays_within_it() -> None:
    buffer = OutputBuffer()
    for size in (10, 10, 10, 10):
        buffer.append("stdout", b"x" * size)
    chunks, next_seq = buffer.read(after_seq=0, max_bytes=0)
    assert _seqs(chunks) == [1] and next_seq == 2
    chunks, next_seq = buffer.read(after_seq=0, max_bytes=5)
    assert _seqs(chunks) == [1] and next_seq == 2
    chunks, next_seq = buffer.read(after_seq=0, max_bytes=25)
    assert _seqs(chunks) == [1, 2] and next_seq == 3
    chunks, next_seq = buffer.read(after_seq=0, max_bytes=30)
    assert _seqs(chunks) == [1, 2, 3] and next_seq == 4


def test_cursor_with_budget_and_nothing_to_return_is_the_process_next_seq() -> None:
    buffer = OutputBuffer()
    buffer.append("stdout", b"a")
    buffer.record_exit(0)
    assert buffer.read(after_seq=1, max_bytes=100) == ([], 3)
    assert buffer.read(after_seq=99, max_bytes=None) == ([], 3)


def test_retention_evicts_oldest_bytes_leaving_a_seq_gap() -> None:
    buffer = OutputBuffer(max_bytes=100, max_chunks=1000)
    for _ in range(30):
        buffer.append("stdout", b"x" * 10)
    chunks, next_seq = buffer.read(after_seq=0, max_bytes=None)
    assert _seqs(chunks) == list(range(21, 31))
    assert buffer.retained_bytes == 100
    assert buffer.first_retained_seq == 21
    assert next_seq == 31


def test_retention_also_bounds_the_number_of_chunks() -> None:
    buffer = OutputBuffer(max_bytes=1 << 20, max_chunks=3)
    for _ in range(5000):
        buffer.append("stdout", b"y")
    chunks, _ = buffer.read(after_seq=0, max_bytes=None)
    assert _seqs(chunks) == [4998, 4999, 5000]


@pytest.mark.parametrize(("chunk_bytes", "chunks"), [(64 << 10, 2000), (8 << 10, 5000), (2, 5000)])
def test_evicted_output_is_released(chunk_bytes: int, chunks: int) -> None:
    """Only the retention budget (plus evicted chunks up to as much again) stays alive."""
    buffer = OutputBuffer(max_bytes=1 << 20)
    sent = [bytes([index % 256]) * chunk_bytes for index in range(chunks)]
    for data in sent:
        buffer.append("stdout", data)
    unpinned = min(sys.getrefcount(data) for data in [bytes([1]) * 2])  # the same references
    pinned = sum(len(data) for data in sent if sys.getrefcount(data) > unpinned)
    assert pinned <= 2 * (1 << 20) + chunk_bytes
    assert buffer.read(after_seq=chunks - 1, max_bytes=None)[0][0].seq == chunks


def test_long_poll_condition() -> None:
    buffer = OutputBuffer()
    assert not buffer.has_news(0)
    buffer.append("stdout", b"a")
    assert buffer.has_news(0)
    assert not buffer.has_news(1)
    buffer.record_exit(0)
    assert buffer.has_news(1)  # the exit is news to a caller at seq 1
    assert not buffer.has_news(2)
    buffer.record_closed()
    assert buffer.has_news(3) and buffer.has_news(100)  # closed: every read returns at once

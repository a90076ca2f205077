"""Tests for execwire.relay.ordering: the MAIN receive reorder buffer."""

from __future__ import annotations

import random

import pytest

from execwire.relay.ordering import MAX_SEQ, OrderingError, ReorderBuffer


def test_in_order_records_are_released_immediately() -> None:
    buffer = ReorderBuffer()
    for seq in range(5):
        assert buffer.push(seq, b"%d" % seq) == [b"%d" % seq]
    assert buffer.next_expected == 5
    assert buffer.pending_count == buffer.pending_bytes == 0


def test_gap_holds_records_until_filled() -> None:
    buffer = ReorderBuffer()
    assert buffer.push(2, b"c") == []
    assert buffer.push(1, b"b") == []
    assert buffer.push(4, b"e") == []
    assert sorted(buffer.pending_seqs) == [1, 2, 4]
    assert buffer.pending_bytes == 3
    assert buffer.push(0, b"a") == [b"a", b"b", b"c"]
    assert buffer.next_expected == 3
    assert buffer.push(3, b"d") == [b"d", b"e"]
    assert buffer.pending_count == buffer.pending_bytes == 0


def test_duplicates_are_ignored_and_never_replace_the_first_copy() -> None:
    buffer = ReorderBuffer()
    assert buffer.push(1, b"first") == []
    assert buffer.push(1, b"second") == []
    assert buffer.push(0, b"zero") == [b"zero", b"first"]
    assert buffer.push(0, b"zero again") == []
    assert buffer.push(1, b"late") == []
    assert buffer.next_expected == 2


def test_reorder_window_distance() -> None:
    buffer = ReorderBuffer()
    assert buffer.push(64, b"x") == []
    with pytest.raises(OrderingError, match="window"):
        buffer.push(65, b"x")
    shifted = ReorderBuffer(next_expected=10)
    assert shifted.push(74, b"x") == []
    with pytest.raises(OrderingError, match="window"):
        shifted.push(75, b"x")
    assert shifted.push(3, b"old") == []


def test_pending_count_and_bytes_limits() -> None:
    buffer = ReorderBuffer(max_distance=100, max_pending=3)
    for seq in (1, 2, 3):
        buffer.push(seq, b"x")
    with pytest.raises(OrderingError, match="full"):
        buffer.push(4, b"x")
    by_bytes = ReorderBuffer()
    by_bytes.push(1, bytes(1024 * 1024 - 10))
    assert by_bytes.push(2, bytes(10)) == []
    with pytest.raises(OrderingError, match="full"):
        by_bytes.push(3, b"!")
    # A duplicate of a buffered record is still just ignored when full.
    assert by_bytes.push(2, b"dup") == []


def test_seq_range() -> None:
    with pytest.raises(OrderingError):
        ReorderBuffer().push(-1, b"x")
    with pytest.raises(OrderingError):
        ReorderBuffer().push(MAX_SEQ + 1, b"x")
    assert ReorderBuffer(next_expected=MAX_SEQ).push(MAX_SEQ, b"x") == [b"x"]
    with pytest.raises(ValueError):
        ReorderBuffer(max_pending=0)


def test_random_permutations_within_window_release_everything_once() -> None:
    rng = random.Random(7)
    buffer = ReorderBuffer()
    released: list[bytes] = []
    order = list(range(2000))
    # Shuffle within blocks of 32 so no record is more than 64 ahead, plus duplicates.
    for block in range(0, len(order), 32):
        chunk = order[block : block + 32]
        rng.shuffle(chunk)
        order[block : block + 32] = chunk
    for seq in order:
        released += buffer.push(seq, seq.to_bytes(4, "big"))
        if rng.random() < 0.2:
            released += buffer.push(seq, b"dup")
    assert released == [seq.to_bytes(4, "big") for seq in range(2000)]

"""Seq-numbered process events with bounded output retention (I/O-free).

Every event of a process consumes the next number of one counter starting at 1: each output
chunk, then the exit, then "closed" (always last). Output chunks are retained for
`process/read` up to a byte and a chunk budget, oldest evicted first; an evicted range is a
silent seq gap, as in the reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "RETAINED_OUTPUT_BYTES",
    "RETAINED_OUTPUT_CHUNKS",
    "OutputBuffer",
    "OutputChunk",
    "Stream",
]

RETAINED_OUTPUT_BYTES: Final = 1024 * 1024
RETAINED_OUTPUT_CHUNKS: Final = 50_000

Stream = Literal["stdout", "stderr", "pty"]


@dataclass(frozen=True, slots=True)
class OutputChunk:
    """One read from a process's stdout, stderr or PTY."""

    seq: int
    stream: Stream
    data: bytes


class OutputBuffer:
    """The event counter and retained output of one process."""

    def __init__(
        self,
        max_bytes: int = RETAINED_OUTPUT_BYTES,
        max_chunks: int = RETAINED_OUTPUT_CHUNKS,
    ) -> None:
        self._max_bytes = max_bytes
        self._max_chunks = max_chunks
        # A list with a moving head: eviction is O(1) amortized and reads can bisect by seq.
        self._chunks: list[OutputChunk] = []
        self._head = 0
        self._retained_bytes = 0
        self._evicted_bytes = 0  # still referenced by the list, before `_head`
        self.next_seq = 1
        self.exit_code: int | None = None
        self.exit_seq: int | None = None
        self.closed_seq: int | None = None

    @property
    def exited(self) -> bool:
        """The exit has been recorded."""
        return self.exit_seq is not None

    @property
    def closed(self) -> bool:
        """The exit has been recorded and every output stream reached EOF."""
        return self.closed_seq is not None

    @property
    def retained_bytes(self) -> int:
        """Output bytes currently retained."""
        return self._retained_bytes

    @property
    def first_retained_seq(self) -> int | None:
        """Seq of the oldest retained chunk, None when nothing is retained."""
        return self._chunks[self._head].seq if self._head < len(self._chunks) else None

    def append(self, stream: Stream, data: bytes) -> OutputChunk:
        """Record an output chunk and evict what no longer fits."""
        chunk = OutputChunk(self._take_seq(), stream, data)
        self._chunks.append(chunk)
        self._retained_bytes += len(data)
        while self._retained_bytes > self._max_bytes or len(self._chunks) - self._head > self._max_chunks:
            evicted = len(self._chunks[self._head].data)
            self._retained_bytes -= evicted
            self._evicted_bytes += evicted
            self._head += 1
        # Evicted chunks must not stay referenced: with 1 MiB chunks, a thousand of them
        # would pin a gigabyte. Dropping the head once it holds the byte budget's worth (or
        # half the list) keeps that garbage within the budget, O(1) amortized.
        if self._head and (self._evicted_bytes >= self._max_bytes or self._head * 2 > len(self._chunks)):
            del self._chunks[: self._head]
            self._head = 0
            self._evicted_bytes = 0
        return chunk

    def record_exit(self, exit_code: int) -> int:
        """Record the exit; returns its seq."""
        if self.exit_seq is not None:
            raise RuntimeError("exit already recorded")
        self.exit_code = exit_code
        self.exit_seq = self._take_seq()
        return self.exit_seq

    def record_closed(self) -> int:
        """Record that the process is closed; returns its seq (the last one)."""
        if self.exit_seq is None or self.closed_seq is not None:
            raise RuntimeError("closed must follow exit, once")
        self.closed_seq = self._take_seq()
        return self.closed_seq

    def read(self, after_seq: int, max_bytes: int | None) -> tuple[list[OutputChunk], int]:
        """Retained chunks with seq > after_seq, and the cursor the reference returns.

        With a byte budget the first eligible chunk is always returned, then chunks while the
        total stays within the budget; the cursor is then the last returned seq + 1. Without
        a budget (or with nothing returned) the cursor is the process's next seq.
        """
        start = self._first_index_after(after_seq)
        if max_bytes is None:
            return self._chunks[start:], self.next_seq
        selected: list[OutputChunk] = []
        total = 0
        for chunk in self._chunks[start:]:
            if selected and (total >= max_bytes or total + len(chunk.data) > max_bytes):
                break
            selected.append(chunk)
            total += len(chunk.data)
        return selected, (selected[-1].seq + 1 if selected else self.next_seq)

    def has_news(self, after_seq: int) -> bool:
        """Would a read with this cursor return at once (the long-poll condition)?"""
        if self.closed:
            return True
        if self.exited and after_seq < self.next_seq - 1:
            return True
        return self._first_index_after(after_seq) < len(self._chunks)

    def _first_index_after(self, after_seq: int) -> int:
        low, high = self._head, len(self._chunks)
        while low < high:
            middle = (low + high) // 2
            if self._chunks[middle].seq <= after_seq:
                low = middle + 1
            else:
                high = middle
        return low

    def _take_seq(self) -> int:
        seq = self.next_seq
        self.next_seq += 1
        return seq

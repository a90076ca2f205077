"""`CompletedCommand`: what `Executor.run` returns, and the capped buffers that build it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CompletedCommand", "OutputCapture"]


def _preview(data: bytes, limit: int = 60) -> str:
    if len(data) <= limit:
        return repr(data)
    return f"{data[:limit]!r}...({len(data)} bytes)"


@dataclass(frozen=True, slots=True, repr=False)
class CompletedCommand:
    """The outcome of `Executor.run`.

    A non-zero exit is a result, not an error (unless `run(check=True)`). With
    `max_output_bytes`, each of `stdout`, `stderr` and `output` keeps its **last**
    `max_output_bytes` bytes (the end of a log is where errors are) and the matching
    `*_truncated` flag is set. For a `tty=True` run the terminal's output is in `stdout`
    (a PTY has one merged stream) and `stderr` is empty.
    """

    argv: tuple[str, ...]
    process_id: str
    exit_code: int
    """The exit status; 128+N when killed by signal N (a killed PTY process reports 1)."""
    stdout: bytes
    stderr: bytes
    output: bytes
    """stdout, stderr and PTY output interleaved in the order the server recorded them."""
    stdout_truncated: bool
    stderr_truncated: bool
    output_truncated: bool
    timed_out: bool
    """`run(timeout=...)` elapsed and the process was terminated."""
    sandbox_denied: bool
    """The server classified the exit as a sandbox denial."""

    def __repr__(self) -> str:
        flags = "".join(
            f", {name}=True"
            for name in ("timed_out", "stdout_truncated", "stderr_truncated", "sandbox_denied")
            if getattr(self, name)
        )
        return (
            f"CompletedCommand(argv={list(self.argv)!r}, exit_code={self.exit_code}, "
            f"stdout={_preview(self.stdout)}, stderr={_preview(self.stderr)}{flags})"
        )

    @property
    def ok(self) -> bool:
        """Exited 0 and did not time out."""
        return self.exit_code == 0 and not self.timed_out

    @property
    def stdout_text(self) -> str:
        """stdout decoded as UTF-8 (invalid bytes replaced)."""
        return self.stdout.decode("utf-8", "replace")

    @property
    def stderr_text(self) -> str:
        """stderr decoded as UTF-8 (invalid bytes replaced)."""
        return self.stderr.decode("utf-8", "replace")

    @property
    def output_text(self) -> str:
        """The interleaved output decoded as UTF-8 (invalid bytes replaced)."""
        return self.output.decode("utf-8", "replace")

    def check(self) -> CompletedCommand:
        """Raise `CommandFailed` unless `ok`; returns self for chaining."""
        from .errors import CommandFailed

        if not self.ok:
            raise CommandFailed(self)
        return self


class OutputCapture:
    """Bytes of one stream, keeping only the last `limit` bytes when a limit is set."""

    __slots__ = ("_data", "_limit", "total")

    def __init__(self, limit: int | None) -> None:
        if limit is not None and limit < 0:
            raise ValueError("max_output_bytes must not be negative")
        self._data = bytearray()
        self._limit = limit
        self.total = 0
        """Bytes seen, including the ones dropped."""

    def add(self, data: bytes) -> None:
        self.total += len(data)
        self._data += data
        limit = self._limit
        # Trim in batches: deleting from the front of a bytearray moves everything after it.
        if limit is not None and len(self._data) > 2 * limit + 65536:
            del self._data[: len(self._data) - limit]

    @property
    def truncated(self) -> bool:
        return self._limit is not None and self.total > self._limit

    def value(self) -> bytes:
        limit = self._limit
        if limit is not None and len(self._data) > limit:
            return bytes(self._data[len(self._data) - limit :])
        return bytes(self._data)

"""Whether a sandboxed process's exit looks like the sandbox refused it (`sandboxDenied`).

The rule of codex 0.169.0: only a non-zero exit can be a denial; it is one when the output
mentions a denial (`permission denied`, `read-only file system`, `operation not
permitted`, `seccomp`, `sandbox`, `landlock`, `failed to write file`, in any case);
otherwise exits 2, 126 and 127 are the command's own failures and only death by SIGSYS
(159, a seccomp kill) counts.
"""

from __future__ import annotations

from typing import Final

__all__ = ["DENIAL_PHRASES", "DenialScanner", "is_denial"]

DENIAL_PHRASES: Final = (
    b"operation not permitted",
    b"permission denied",
    b"read-only file system",
    b"seccomp",
    b"sandbox",
    b"landlock",
    b"failed to write file",
)
_COMMAND_FAILURES: Final = frozenset({2, 126, 127})
_SIGSYS_EXIT: Final = 128 + 31
_OVERLAP: Final = max(len(phrase) for phrase in DENIAL_PHRASES) - 1


class DenialScanner:
    """Watches a process's output, read by read, for a denial phrase (I/O-free)."""

    def __init__(self) -> None:
        self.seen = False
        self._tail = b""

    def feed(self, data: bytes) -> None:
        """One read of any stream; a phrase cut between two reads is still found."""
        if self.seen:
            return
        text = (self._tail + data).lower()
        self.seen = any(phrase in text for phrase in DENIAL_PHRASES)
        self._tail = text[-_OVERLAP:]


def is_denial(exit_code: int, mentioned: bool) -> bool:
    """`sandboxDenied` for a sandboxed process that exited with `exit_code`; `mentioned`:
    its output held a denial phrase."""
    if exit_code == 0:
        return False
    if mentioned:
        return True
    if exit_code in _COMMAND_FAILURES:
        return False
    return exit_code == _SIGSYS_EXIT

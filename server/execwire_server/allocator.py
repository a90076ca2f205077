"""Keep large freed buffers mapped, so the next bulk message does not page-fault them in.

glibc serves every allocation above its mmap threshold (at most 32 MiB) with a fresh
``mmap`` and gives it back on free. A 64 MiB ``fs/readFile`` or ``fs/writeFile`` moves a
few such buffers (the file, its base64, the message), and touching a fresh mapping costs
the kernel a fault and a page clear per 4 KiB: measured on the benchmark machine, encoding
32 MiB as base64 takes 25 ms in a fresh mapping and 3 ms in reused heap memory. The cost
is memory the process keeps after a transfer, bounded by the trim threshold set here.

Threads get arenas of their own, which serve large blocks with ``mmap`` whatever the main
arena's settings: the filesystem thread pool, where file buffers are made, must share the
main arena for the retention to reach them (one arena: Python's threads hardly contend for
it, they take turns on the GIL anyway).
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import platform
from collections.abc import Callable
from typing import Final

__all__ = ["DEFAULT_RETAIN_MIB", "IDLE_TRIM_SECONDS", "IdleTrim", "retain_freed_memory"]

IDLE_TRIM_SECONDS: Final = 5.0
"""A server without traffic for this long gives its freed heap back to the system."""

DEFAULT_RETAIN_MIB = 256
"""Free heap memory kept for reuse before glibc hands it back (roughly four 64 MiB
transfers' worth of buffers)."""

# mallopt(3) parameter numbers (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_M_ARENA_MAX = -8


def retain_freed_memory(retain_mib: int) -> bool:
    """Serve large buffers from the heap and keep up to `retain_mib` MiB of freed heap
    for reuse. True when applied; False on a C library without glibc's ``mallopt``
    or when `retain_mib` is 0 (the allocator's defaults then stay)."""
    if retain_mib <= 0 or platform.system() != "Linux":
        return False
    try:
        # The C library already loaded into this process (find_library would run ldconfig).
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False  # musl and others have no mallopt
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    threshold = min(retain_mib << 20, 2**31 - 1)
    # Both or neither: without a trim threshold the heap would give large blocks back on
    # free anyway, and without MMAP_MAX=0 they would never come from the heap.
    trim_set: int = mallopt(_M_TRIM_THRESHOLD, threshold)
    if trim_set != 1:
        return False
    mmap_set: int = mallopt(_M_MMAP_MAX, 0)
    arenas_set: int = mallopt(_M_ARENA_MAX, 1)
    return mmap_set == 1 and arenas_set == 1


def _malloc_trim() -> Callable[[], object] | None:
    if platform.system() != "Linux":
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


class IdleTrim:
    """Trim when idle, keep while busy: the retention above saves page faults between the
    messages of a transfer, but an idle server should not sit on hundreds of MiB.

    `busy()` (one attribute store) marks traffic; `run()` checks every `idle_seconds` and,
    after a whole quiet period following traffic, collects cycles and hands free heap
    pages back (glibc ``malloc_trim``, in a thread: it can take milliseconds).
    """

    __slots__ = ("_idle_seconds", "_recent", "_trim", "_trimmed")

    def __init__(self, idle_seconds: float = IDLE_TRIM_SECONDS) -> None:
        self._idle_seconds = idle_seconds
        self._recent = False
        self._trimmed = True
        self._trim = _malloc_trim()

    def busy(self) -> None:
        """There was traffic."""
        self._recent = True
        self._trimmed = False

    async def run(self) -> None:
        """Trim after each quiet period that follows traffic, until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self._idle_seconds)
            if self._recent:
                self._recent = False
                continue
            if not self._trimmed:
                self._trimmed = True
                gc.collect()
                if self._trim is not None:
                    await loop.run_in_executor(None, self._trim)

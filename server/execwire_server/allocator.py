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

import ctypes
import platform

__all__ = ["DEFAULT_RETAIN_MIB", "retain_freed_memory"]

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

"""The server's allocator tuning: large freed buffers stay mapped for reuse."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from execwire_server.allocator import retain_freed_memory

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)

# Allocates and frees a 64 MiB buffer (in a worker thread, as the filesystem calls do,
# or in the main thread), then prints how much of it is still resident.
_PROBE = """
import sys
from concurrent.futures import ThreadPoolExecutor
from execwire_server.allocator import retain_freed_memory
applied = retain_freed_memory(int(sys.argv[1]))
def rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096
def allocate_and_free():
    buffer = b"x" * (64 << 20)
    del buffer
before = rss()
if sys.argv[2] == "thread":
    with ThreadPoolExecutor(1) as pool:
        pool.submit(allocate_and_free).result()
else:
    allocate_and_free()
print(applied, (rss() - before) >> 20)
"""


def _probe(retain_mib: int, where: str = "main") -> tuple[str, int]:
    output = subprocess.run(
        [sys.executable, "-c", _PROBE, str(retain_mib), where],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return output[0], int(output[1])


def test_freed_large_buffer_stays_resident_for_reuse() -> None:
    applied, retained_mib = _probe(256)
    assert applied == "True"
    assert retained_mib >= 60


def test_buffer_freed_in_a_worker_thread_stays_resident_too() -> None:
    applied, retained_mib = _probe(256, "thread")
    assert applied == "True"
    assert retained_mib >= 60


def test_zero_keeps_the_allocator_defaults() -> None:
    applied, retained_mib = _probe(0)
    assert applied == "False"
    assert retained_mib < 8  # glibc unmapped the buffer on free


def test_negative_or_zero_is_not_applied_in_process() -> None:
    assert retain_freed_memory(0) is False
    assert retain_freed_memory(-5) is False

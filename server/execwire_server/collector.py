"""Keep the cyclic garbage collector off the server's hot paths.

A session's objects are freed by reference counting: serving one leaves no reference
cycles behind (a test checks it). The collector runs anyway, by default every 700 net
container allocations, and each of its full collections walks every tracked object,
including all the modules and generated models loaded at start-up. Measured on the
benchmark machine, 200 concurrent sessions spent about a sixth of the server's CPU time
in it. So the server freezes what start-up loaded out of the collector's sight and lets
the young generation grow to YOUNG_GENERATION_THRESHOLD objects before a collection:
cycles made on rare paths (errors) are still collected, only later.
"""

from __future__ import annotations

import gc
from typing import Final

__all__ = ["YOUNG_GENERATION_THRESHOLD", "quiet_garbage_collector"]

YOUNG_GENERATION_THRESHOLD: Final = 50_000


def quiet_garbage_collector() -> None:
    """Freeze the objects alive now and raise the young generation's threshold."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)

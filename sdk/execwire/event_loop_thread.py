"""`LoopThread`: one asyncio event loop in a daemon thread, driven from blocking code.

The sync facade (`execwire.sync`) runs every call of the async implementation on this
loop and blocks the calling thread for the result, so both APIs share one implementation.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, Final, ParamSpec, TypeVar

__all__ = ["LoopThread", "shared_loop"]

T = TypeVar("T")
P = ParamSpec("P")

# After an interrupted call (Ctrl-C), how long to let the cancelled coroutine clean up
# (e.g. `run()` terminating its remote process) before giving control back.
CANCEL_GRACE: Final = 5.0


class LoopThread:
    """An event loop running forever in its own daemon thread."""

    def __init__(self, name: str = "execwire-sync") -> None:
        self._loop = asyncio.new_event_loop()
        self._closing: set[asyncio.Future[Any]] = set()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the loop and block until it is done."""
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError(
                "the execwire sync API was called from its own event loop thread; "
                "use the async API (execwire.Executor) inside coroutines"
            )
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result()
        except BaseException:
            if not future.done():
                future.cancel()
                concurrent.futures.wait([future], timeout=CANCEL_GRACE)
            raise

    def call(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Call a plain function on the loop thread (objects of the async API are not
        thread-safe) and return its result."""

        async def invoke() -> T:
            return function(*args, **kwargs)

        return self.run(invoke())

    def iterate(self, source: AsyncIterator[T]) -> Iterator[T]:
        """Iterate an async iterator from blocking code, one item per loop round trip."""

        async def step() -> tuple[bool, T | None]:
            try:
                return False, await anext(source)
            except StopAsyncIteration:
                return True, None

        try:
            while True:
                finished, item = self.run(step())
                if finished:
                    return
                yield item  # type: ignore[misc]  # not finished: step() returned an item
        finally:
            close = getattr(source, "aclose", None)
            if close is not None:
                if threading.current_thread() is self._thread:
                    # Garbage-collected on the loop thread itself: cannot block, schedule it.
                    task = asyncio.ensure_future(close(), loop=self._loop)
                    self._closing.add(task)
                    task.add_done_callback(self._closing.discard)
                elif self.alive:  # at interpreter exit the loop thread is frozen: skip
                    self.run(close())

    @property
    def alive(self) -> bool:
        """The loop can still run work (false during interpreter shutdown)."""
        return self._thread.is_alive() and not sys.is_finalizing()


_shared: LoopThread | None = None
_shared_lock = threading.Lock()


def shared_loop() -> LoopThread:
    """The process-wide loop thread of the sync API (started on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = LoopThread()
        return _shared

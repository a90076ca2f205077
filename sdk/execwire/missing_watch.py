"""Waiting for paths that do not exist yet (`fs/watchMissing`), from `Executor.watch_missing`.

    watch = await executor.watch_missing(["/srv/app/ready.flag"])
    if watch.watching:
        await watch.wait()        # the flag (or a directory above it) appeared or changed

One watch per connection: a new one replaces the previous (which then never fires).
"""

from __future__ import annotations

import asyncio

__all__ = ["MissingWatch"]


class MissingWatch:
    """A watch on missing paths: `watching` says whether the executor took it."""

    def __init__(self, watch_id: int, watching: bool, changed: asyncio.Future[None] | None) -> None:
        self._watch_id = watch_id
        self._watching = watching
        self._changed = changed

    def __repr__(self) -> str:
        return f"MissingWatch(watch_id={self._watch_id}, watching={self._watching})"

    @property
    def watch_id(self) -> int:
        """The id the watch was made under."""
        return self._watch_id

    @property
    def watching(self) -> bool:
        """False when the executor refused the watch: a path exists or cannot come to exist."""
        return self._watching

    async def wait(self, timeout: float | None = None) -> bool:
        """Wait for the change; False when `timeout` (seconds) passed first, or when the
        executor did not take the watch."""
        if self._changed is None:
            return False
        try:
            await asyncio.wait_for(asyncio.shield(self._changed), timeout)
        except TimeoutError:
            return False
        return True

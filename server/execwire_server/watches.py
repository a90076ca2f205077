"""`execwire/watch`: changes below a path, debounced and sent as `execwire/changed`.

Each watch runs `watchfiles.awatch` (the Rust `notify` crate: inotify on Linux, in a thread
of its own) in a task of the connection. Changes are batched: a batch goes out once no new
change came for `debounceMs` (or after `MAX_BATCH_WAIT_MS` of steady changes). Every change
is reported, `.git` included: the client decides what it ignores. Under a restricted
sandbox a watch needs read access to its path, and changes below denied paths are dropped.
Watches end with the connection (`close_all`).

What watchfiles cannot do shows through: a directory is watched from when it is seen, so
what is made in a new directory before that is not reported; and a name that is not UTF-8
stops its watcher, so the watch reports its root as modified and starts again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Coroutine
from collections.abc import Set as AbstractSet
from typing import Any, Final, Literal

import orjson

from execwire import pathuri

from .errors import INVALID_REQUEST, NOT_FOUND, RpcError
from .sandbox.policy import SandboxPolicy, is_within

__all__ = ["DEFAULT_DEBOUNCE_MS", "MAX_WATCHES", "Watches", "readable"]

MAX_WATCHES: Final = 64
"""Watches one connection may hold at once."""
DEFAULT_DEBOUNCE_MS: Final = 50
MAX_BATCH_WAIT_MS: Final = 1000
"""Under a steady stream of changes a batch still goes out this often."""

_KINDS: Final[dict[int, Literal["added", "modified", "deleted"]]] = {
    1: "added",  # watchfiles.Change, an IntEnum: watchfiles is imported at the first watch
    2: "modified",
    3: "deleted",
}
_MODIFIED: Final = 2

logger = logging.getLogger(__name__)


def readable(policy: SandboxPolicy | None, path: bytes) -> bool:
    """Whether a sandboxed reader may see `path` (the deepest grant above it decides)."""
    if policy is None or policy.unrestricted:
        return True
    access: str | None = "read" if policy.full_read else None
    for grant in policy.grants:  # parents come before what they contain
        if is_within(path, grant.path):
            access = grant.access
    return access in ("read", "write")


class _Watch:
    def __init__(self, watch_id: str, root: bytes, policy: SandboxPolicy | None) -> None:
        self.watch_id = watch_id
        self.root = root
        self.policy = policy
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None


class Watches:
    """The watches of one connection; `close_all` when it ends."""

    def __init__(self, send: Callable[[bytes], Coroutine[Any, Any, None]]) -> None:
        self._send = send
        self._watches: dict[str, _Watch] = {}

    async def watch(
        self,
        watch_id: str,
        root: bytes,
        *,
        recursive: bool,
        debounce_ms: int | None,
        policy: SandboxPolicy | None,
    ) -> None:
        """Start watching `root` (raises the documented errors); changes follow as
        `execwire/changed` notifications."""
        if watch_id in self._watches:
            raise RpcError(INVALID_REQUEST, f"watch {watch_id} already exists")
        if len(self._watches) >= MAX_WATCHES:
            raise RpcError(INVALID_REQUEST, f"at most {MAX_WATCHES} watches may be active per connection")
        if not readable(policy, os.path.realpath(root)):
            raise RpcError(INVALID_REQUEST, f"the sandbox does not allow reading {os.fsdecode(root)}")
        if not os.path.exists(root):
            raise RpcError(NOT_FOUND, "No such file or directory (os error 2)")
        step = DEFAULT_DEBOUNCE_MS if debounce_ms is None else max(1, min(debounce_ms, MAX_BATCH_WAIT_MS))
        watch = _Watch(watch_id, root, policy)
        task = asyncio.create_task(
            self._run(watch, recursive=recursive, step=step), name=f"execwire watch {watch_id}"
        )
        # The task's first step installs the watcher (inotify, synchronously) before it
        # waits for changes in a thread: after it, a change made is seen, and a path that
        # vanished meanwhile has failed the task.
        await asyncio.sleep(0)
        if task.done():
            error = task.exception()
            raise _watch_error(error) if isinstance(error, Exception) else RpcError(
                INVALID_REQUEST, "the watch ended before it started"
            )
        watch.task = task
        self._watches[watch_id] = watch

    def unwatch(self, watch_id: str) -> None:
        """Stop a watch (unknown ids are fine); nothing of it is sent afterwards."""
        watch = self._watches.pop(watch_id, None)
        if watch is not None:
            watch.stop.set()
            if watch.task is not None:
                watch.task.cancel()

    def close_all(self) -> None:
        """Stop every watch."""
        for watch_id in list(self._watches):
            self.unwatch(watch_id)

    async def _run(self, watch: _Watch, *, recursive: bool, step: int) -> None:
        import watchfiles

        while True:
            changes = watchfiles.awatch(
                os.fsdecode(watch.root),
                watch_filter=None,
                debounce=max(MAX_BATCH_WAIT_MS, step),
                step=step,
                stop_event=watch.stop,
                recursive=recursive,
                ignore_permission_denied=True,
            )
            try:
                async for batch in changes:
                    if self._watches.get(watch.watch_id) is not watch:
                        return
                    message = self._changed_message(watch, batch)
                    if message is not None:
                        await self._send(message)
                return  # stopped
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if watch.task is None:
                    raise  # not installed: `watch` reports it
                if not _is_undecodable_name(error):
                    logger.warning("watch %s ended: %s", watch.watch_id, error)
                    return
            # watchfiles gives up on a name that is not UTF-8: say the watched path changed
            # (its entries are to be looked at again) and watch on.
            root_changed = {(_MODIFIED, os.fsdecode(watch.root))}
            message = self._changed_message(watch, root_changed)
            if message is not None:
                await self._send(message)

    def _changed_message(self, watch: _Watch, batch: AbstractSet[tuple[int, str]]) -> bytes | None:
        changes = []
        for change, path in sorted(batch, key=lambda item: (item[1], int(item[0]))):
            native = os.fsencode(path)
            if not readable(watch.policy, native):
                continue
            with contextlib.suppress(pathuri.PathUriError, ValueError):
                changes.append({"path": pathuri.from_native_path(native), "kind": _KINDS[int(change)]})
        if not changes:
            return None
        return orjson.dumps(
            {"method": "execwire/changed", "params": {"watchId": watch.watch_id, "changes": changes}}
        )


def _is_undecodable_name(error: Exception) -> bool:
    errors = error.exceptions if isinstance(error, BaseExceptionGroup) else (error,)
    return any("Unable to decode path" in str(inner) for inner in errors)


def _watch_error(error: Exception) -> RpcError:
    if isinstance(error, FileNotFoundError):
        return RpcError(NOT_FOUND, "No such file or directory (os error 2)")
    return RpcError(INVALID_REQUEST, f"cannot watch: {error}")

"""`fs/watchMissing`: tell the client once when a path it waits for may have appeared.

As codex 0.169.0: one watch per connection; a new watch needs a larger `watchId` than the
last accepted one and replaces it; `watching` is false (and nothing changes) for an id that
is not larger, no paths, a path that exists, or one that cannot come to exist (foreign to
this host, or below a file). The watch fires one `fs/missingChanged` when the next missing
component of a path appears in its nearest existing directory, or when that directory is
removed or moved; changes of siblings do not count.

Linux inotify through ctypes (four system calls; no library needed), one descriptor per
active watch, read on the event loop.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import os
import struct
from collections.abc import Callable, Coroutine
from typing import Any, Final

import orjson

from execwire import pathuri

__all__ = ["MissingWatches"]

_IN_NONBLOCK: Final = os.O_NONBLOCK
_IN_CLOEXEC: Final = os.O_CLOEXEC
_IN_CREATE: Final = 0x100
_IN_MOVED_TO: Final = 0x80
_IN_DELETE_SELF: Final = 0x400
_IN_MOVE_SELF: Final = 0x800
_IN_ONLYDIR: Final = 0x01000000
_MASK: Final = _IN_CREATE | _IN_MOVED_TO | _IN_DELETE_SELF | _IN_MOVE_SELF | _IN_ONLYDIR
_EVENT: Final = struct.Struct("iIII")


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _waiting_point(path: bytes) -> tuple[bytes, bytes] | None:
    """(nearest existing directory, the component of `path` to appear in it), or None when
    `path` exists or cannot come to exist."""
    if os.path.lexists(path):
        return None
    child = path
    parent = os.path.dirname(path)
    while not os.path.lexists(parent):
        child, parent = parent, os.path.dirname(parent)
    if not os.path.isdir(parent):
        return None
    return parent, os.path.basename(child)


class _Watch:
    """One inotify descriptor for the directories a watch waits in."""

    def __init__(self, watch_id: int, points: list[tuple[bytes, bytes]]) -> None:
        self.watch_id = watch_id
        libc = _libc()
        self._fd: int = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if self._fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self._names: dict[int, set[bytes]] = {}
        try:
            for directory, name in points:
                descriptor = libc.inotify_add_watch(self._fd, directory, _MASK)
                if descriptor < 0:
                    raise OSError(ctypes.get_errno(), "inotify_add_watch failed")
                self._names.setdefault(descriptor, set()).add(name)
        except BaseException:
            os.close(self._fd)
            raise

    @property
    def fd(self) -> int:
        return self._fd

    def fired(self) -> bool:
        """Read what is pending; True when it concerns a watched path."""
        try:
            data = os.read(self._fd, 65536)
        except BlockingIOError:
            return False
        offset = 0
        while offset + _EVENT.size <= len(data):
            descriptor, mask, _cookie, length = _EVENT.unpack_from(data, offset)
            name = data[offset + _EVENT.size : offset + _EVENT.size + length].rstrip(b"\0")
            offset += _EVENT.size + length
            if mask & (_IN_DELETE_SELF | _IN_MOVE_SELF):
                return True
            if name in self._names.get(descriptor, ()):
                return True
        return False

    def close(self) -> None:
        os.close(self._fd)


class MissingWatches:
    """The missing-path watch of one connection; `close` when it ends."""

    def __init__(self, send: Callable[[bytes], Coroutine[Any, Any, None]]) -> None:
        self._send = send
        self._last_id = 0
        self._watch: _Watch | None = None
        self._notifying: set[asyncio.Task[None]] = set()

    def watch(self, watch_id: int, missing: list[str]) -> bool:
        """Start watching `missing` under `watch_id`; the `watching` answer."""
        if watch_id <= self._last_id or not missing:
            return False
        points: list[tuple[bytes, bytes]] = []
        for uri in missing:
            try:
                point = _waiting_point(pathuri.to_native_path(uri))
            except pathuri.PathUriError:
                return False
            if point is None:
                return False
            points.append(point)
        try:
            watch = _Watch(watch_id, points)
        except OSError as error:
            if error.errno in (errno.EMFILE, errno.ENOSPC, errno.ENOMEM):
                return False  # out of inotify resources: say it is not watched
            raise
        self.close()
        self._last_id = watch_id
        self._watch = watch
        asyncio.get_running_loop().add_reader(watch.fd, self._readable, watch)
        return True

    def _readable(self, watch: _Watch) -> None:
        if watch is not self._watch or not watch.fired():
            return
        self._stop(watch)
        message = orjson.dumps(
            {"method": "fs/missingChanged", "params": {"watchId": watch.watch_id}}
        )
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(self._send(message))
        self._notifying.add(task)
        task.add_done_callback(self._notifying.discard)

    def _stop(self, watch: _Watch) -> None:
        asyncio.get_running_loop().remove_reader(watch.fd)
        watch.close()
        if self._watch is watch:
            self._watch = None

    def close(self) -> None:
        """Stop the current watch, if any."""
        if self._watch is not None:
            self._stop(self._watch)

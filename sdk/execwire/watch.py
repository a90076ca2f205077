"""Watching remote files change (`execwire/watch`), from `Executor.watch`.

    async for change in executor.watch("/srv/app"):
        print(change.kind, change.path)        # added /srv/app/new.txt

Changes come debounced (the server waits `debounce_ms` of quiet, default 50 ms, then sends
what it saw), in path order within a batch. Leaving the loop stops the watch (at once
with `contextlib.aclosing`, otherwise when the iterator is collected). An execwire
extension: the reference exec-server has no such method (`UnsupportedByServer`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Literal

from .errors import ExecWireError
from .filesystem import remote_path_from_uri
from .protocol import models

if TYPE_CHECKING:
    from .client import ExecServerClient

__all__ = ["FileChange", "watch_changes"]


@dataclass(frozen=True, slots=True)
class FileChange:
    """One change below a watched path."""

    kind: Literal["added", "modified", "deleted"]
    uri: str
    """The changed path as the server spelled it (a file: URI)."""

    @property
    def path(self) -> PurePosixPath:
        """The changed path on the executor."""
        return remote_path_from_uri(self.uri)


async def watch_changes(
    client: ExecServerClient,
    uri: str,
    *,
    recursive: bool,
    debounce_ms: int | None,
    sandbox: models.FileSystemSandboxContext | None,
) -> AsyncIterator[FileChange]:
    """The changes below `uri` until the iterator is closed (see the module)."""
    internal = client.internal
    internal.require_extension("execwire/watch")
    watch_id = uuid.uuid4().hex
    batches = internal.watch(watch_id)  # before asking: changes may follow the answer at once
    watching = False
    try:
        await client.execwire_watch(
            models.WatchParams(
                watch_id=watch_id,
                path=uri,
                recursive=recursive,
                debounce_ms=debounce_ms,
                sandbox=sandbox,
            )
        )
        watching = True
        while True:
            batch = await batches.get()
            if isinstance(batch, BaseException):
                raise batch  # the watch ended with its connection: watch again if resumed
            for change in batch.changes:
                yield FileChange(change.kind, change.path)
    finally:
        internal.watch_done(watch_id)
        if watching and client.connected:
            try:
                await client.execwire_unwatch(models.UnwatchParams(watch_id=watch_id))
            except ExecWireError:
                pass  # the connection is going: its watches end with it

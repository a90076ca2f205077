"""execwire's watch extension: `execwire/watch` and `execwire/unwatch`, whose changes go out
as `execwire/changed` notifications.

A mixin of `Connection` (which implements the generated `RequestHandler`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from execwire.protocol import models

from .filesystem import native_path
from .handlers import filesystem_policy
from .watches import Watches

if TYPE_CHECKING:
    from .server import ExecServer

__all__ = ["WatchHandlers"]


class WatchHandlers:
    """The watches of a connection."""

    _server: ExecServer
    _watches: Watches

    async def execwire_watch(self, params: models.WatchParams) -> models.EmptyResponse:
        """Start watching a path."""
        await self._watches.watch(
            params.watch_id,
            native_path(params.path),
            recursive=params.recursive,
            debounce_ms=params.debounce_ms,
            policy=filesystem_policy(params.sandbox, self._server.executor_environment),
        )
        return models.EmptyResponse()

    async def execwire_unwatch(self, params: models.UnwatchParams) -> models.EmptyResponse:
        """Stop a watch."""
        self._watches.unwatch(params.watch_id)
        return models.EmptyResponse()

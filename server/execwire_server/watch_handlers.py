"""execwire's watch extension: `execwire/watch` and `execwire/unwatch`, whose changes go out
as `execwire/changed` notifications.

A mixin of `Connection` (which implements the generated `RequestHandler`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from execwire.protocol import models

from .errors import INTERNAL_ERROR, RpcError

if TYPE_CHECKING:
    from .server import ExecServer

__all__ = ["WatchHandlers"]


class WatchHandlers:
    """The watches of a connection."""

    _server: ExecServer

    async def execwire_watch(self, params: models.WatchParams) -> models.EmptyResponse:
        """Start watching a path."""
        raise RpcError(INTERNAL_ERROR, "execwire/watch is not implemented yet")

    async def execwire_unwatch(self, params: models.UnwatchParams) -> models.EmptyResponse:
        """Stop a watch."""
        raise RpcError(INTERNAL_ERROR, "execwire/unwatch is not implemented yet")

"""execwire's file-transfer extensions over `fs/open` handles: `execwire/fileDigest`,
`execwire/commitFile` and `execwire/discardFile`.

A mixin of `Connection` (which implements the generated `RequestHandler`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from execwire.protocol import models

from .errors import INTERNAL_ERROR, RpcError
from .file_handles import FileHandles

if TYPE_CHECKING:
    from .server import ExecServer

__all__ = ["FileTransferHandlers"]


class FileTransferHandlers:
    """Digests, checked commits and discards of a connection's file handles."""

    _server: ExecServer
    _files: FileHandles

    async def execwire_file_digest(
        self, params: models.FileDigestParams
    ) -> models.FileDigestResponse:
        """Size and SHA-256 of a handle's content."""
        raise RpcError(INTERNAL_ERROR, "execwire/fileDigest is not implemented yet")

    async def execwire_commit_file(self, params: models.CommitFileParams) -> models.EmptyResponse:
        """Close a replace handle if its content has the expected size and SHA-256."""
        raise RpcError(INTERNAL_ERROR, "execwire/commitFile is not implemented yet")

    async def execwire_discard_file(self, params: models.DiscardFileParams) -> models.EmptyResponse:
        """Close a handle, dropping a replace handle's new content."""
        raise RpcError(INTERNAL_ERROR, "execwire/discardFile is not implemented yet")

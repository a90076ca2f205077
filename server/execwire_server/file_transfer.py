"""execwire's file-transfer extensions over `fs/open` handles: `execwire/fileDigest`,
`execwire/commitFile` and `execwire/discardFile`.

A mixin of `Connection` (which implements the generated `RequestHandler`). The handles
and their digests live in `file_handles.FileHandles`: from its first `execwire/fileDigest`
on, a handle hashes the blocks read or written in order as they pass, so asking right
after opening a replace handle makes the digest of its whole new content (and the commit)
cost no second read; handles nobody asks about are not hashed at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from execwire.protocol import models

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
        """Size and SHA-256 of a handle's content: a read handle's file, or what a replace
        handle was written (-32004 for an unknown handle)."""
        size, sha256 = await self._files.digest(params.handle_id)
        return models.FileDigestResponse(size=size, sha256=sha256)

    async def execwire_commit_file(self, params: models.CommitFileParams) -> models.EmptyResponse:
        """Close a replace handle if its content has the expected size and SHA-256; on a
        mismatch the new content is removed, the file left as it was (-32602)."""
        await self._files.commit(params.handle_id, params.size, params.sha256)
        return models.EmptyResponse()

    async def execwire_discard_file(self, params: models.DiscardFileParams) -> models.EmptyResponse:
        """Close a handle, dropping a replace handle's new content (unknown ids are fine)."""
        await self._files.discard(params.handle_id)
        return models.EmptyResponse()

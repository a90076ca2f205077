"""The requests of a connection beyond processes: files (including handles and missing-path
watches), HTTP, the executor's configuration and capability discovery.

A mixin of `Connection`, which owns the state used here (the server, the connection's file
handles, HTTP streams and watch) and sets it up in its `__init__`.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

from execwire import jsonrpc
from execwire.protocol import models

from . import capability_roots
from .capability_discovery import discover_capabilities
from .environment_config import read_environment_config
from .file_handles import FileHandles
from .filesystem import native_path
from .http_requests import HttpRequests
from .missing_watch import MissingWatches
from .sandbox.policy import SandboxPolicy, resolve
from .sandbox.runtime import refuse_unenforceable

if TYPE_CHECKING:
    from .server import ExecServer

__all__ = ["ResourceHandlers", "filesystem_policy"]


def filesystem_policy(
    sandbox: models.FileSystemSandboxContext | None, environment: Mapping[str, str]
) -> SandboxPolicy | None:
    """The policy a file operation runs under; None: directly (no or unrestricted intent,
    as the reference)."""
    if sandbox is None:
        return None
    refuse_unenforceable(sandbox)
    policy = resolve(sandbox, purpose="fs", command_cwd=None, environment=environment)
    return None if policy.unrestricted else policy


class ResourceHandlers:
    """`fs/*`, `http/request`, `environmentConfig/read` and capability discovery."""

    _server: ExecServer
    _files: FileHandles
    _http: HttpRequests
    _missing: MissingWatches

    # -- filesystem ------------------------------------------------------------------------

    def _filesystem_policy(
        self, sandbox: models.FileSystemSandboxContext | None
    ) -> SandboxPolicy | None:
        return filesystem_policy(sandbox, self._server.executor_environment)

    async def fs_read_file(self, params: models.FsReadFileParams) -> models.FsReadFileResponse:
        """Read a whole file (as a model; requests are answered by `fs_read_file_reply`)."""
        policy = self._filesystem_policy(params.sandbox)
        text = await self._server.filesystem.read_file_message(params, b"", b"", policy)
        return models.FsReadFileResponse(data_base64=text.decode("ascii"))

    async def fs_read_file_reply(self, request_id: int | str, params: models.FsReadFileParams) -> bytes:
        """`fs_read_file`'s reply, encoded: the same bytes `orjson` makes of the result,
        but the base64 (89 MB for a 64 MiB file) is written once, into the reply itself."""
        policy = self._filesystem_policy(params.sandbox)
        prefix, suffix = jsonrpc.file_reply_frame(request_id)
        return await self._server.filesystem.read_file_message(params, prefix, suffix, policy)

    async def fs_write_file(self, params: models.FsWriteFileParams) -> models.EmptyResponse:
        """Create or truncate a file."""
        return await self.fs_write_file_bulk(params, None)

    async def fs_write_file_bulk(
        self, params: models.FsWriteFileParams, data: bytes | None
    ) -> models.EmptyResponse:
        """Create or truncate a file with `data` (None: decode `dataBase64`)."""
        policy = self._filesystem_policy(params.sandbox)
        return await self._server.filesystem.write_file(params, data, policy)

    async def fs_create_directory(self, params: models.FsCreateDirectoryParams) -> models.EmptyResponse:
        """Create a directory."""
        policy = self._filesystem_policy(params.sandbox)
        return await self._server.filesystem.create_directory(params, policy)

    async def fs_get_metadata(self, params: models.FsGetMetadataParams) -> models.FsGetMetadataResponse:
        """Stat a path."""
        policy = self._filesystem_policy(params.sandbox)
        return await self._server.filesystem.get_metadata(params, policy)

    async def fs_read_directory(
        self, params: models.FsReadDirectoryParams
    ) -> models.FsReadDirectoryResponse:
        """List a directory."""
        policy = self._filesystem_policy(params.sandbox)
        return await self._server.filesystem.read_directory(params, policy)

    async def fs_remove(self, params: models.FsRemoveParams) -> models.EmptyResponse:
        """Remove a path."""
        policy = self._filesystem_policy(params.sandbox)
        return await self._server.filesystem.remove(params, policy)

    async def fs_copy(self, params: models.FsCopyParams) -> models.EmptyResponse:
        """Copy a path."""
        policy = self._filesystem_policy(params.sandbox)
        return await self._server.filesystem.copy(params, policy)

    async def fs_canonicalize(
        self, params: models.FsCanonicalizeParams
    ) -> models.FsCanonicalizeResponse:
        """Resolve an existing path."""
        policy = self._filesystem_policy(params.sandbox)
        return await self._server.filesystem.canonicalize(params, policy)

    async def fs_walk(self, params: models.FsWalkParams) -> models.FsWalkResponse:
        """List a tree breadth-first."""
        policy = self._filesystem_policy(params.sandbox)
        return await self._server.filesystem.walk(params, policy)

    async def execwire_walk_tree(self, params: models.FsWalkTreeParams) -> models.FsWalkTreeResponse:
        """List a tree breadth-first, answered as a tree."""
        policy = self._filesystem_policy(params.sandbox)
        return await self._server.filesystem.walk_tree(params, policy)

    async def fs_open(self, params: models.FsOpenParams) -> models.FsOpenResponse:
        """Open a file under a handle of this connection."""
        operation = functools.partial(
            self._server.filesystem.operation, self._filesystem_policy(params.sandbox)
        )
        await self._files.open(params.handle_id, native_path(params.path), params.mode, operation)
        return models.FsOpenResponse(handle_id=params.handle_id)

    async def fs_read_block(self, params: models.FsReadBlockParams) -> models.FsReadBlockResponse:
        """Read a block through a handle."""
        data, eof = await self._files.read_block(params.handle_id, params.offset, params.len)
        return models.FsReadBlockResponse(chunk=data, eof=eof)

    async def fs_write_block(self, params: models.FsWriteBlockParams) -> models.EmptyResponse:
        """Write a block through a replace handle."""
        return await self.fs_write_block_bulk(params, params.chunk)

    async def fs_write_block_bulk(
        self, params: models.FsWriteBlockParams, data: bytes
    ) -> models.EmptyResponse:
        """Write `data` (the block, already decoded) through a replace handle."""
        await self._files.write_block(params.handle_id, params.offset, data)
        return models.EmptyResponse()

    async def fs_close(self, params: models.FsCloseParams) -> models.EmptyResponse:
        """Close a handle."""
        await self._files.close(params.handle_id)
        return models.EmptyResponse()

    async def fs_watch_missing(
        self, params: models.FsWatchMissingParams
    ) -> models.FsWatchMissingResponse:
        """Watch paths that do not exist yet (one watch per connection)."""
        return models.FsWatchMissingResponse(
            watching=self._missing.watch(params.watch_id, params.missing)
        )

    # -- http ------------------------------------------------------------------------------

    async def http_request(self, params: models.HttpRequestParams) -> models.HttpRequestResponse:
        """Make an HTTP request from the executor."""
        return await self._http.request(params)

    async def environment_config_read(
        self, params: models.EnvironmentConfigReadParams
    ) -> models.EnvironmentConfigReadResponse:
        """The executor's Codex configuration layers for a cwd."""
        cwd = native_path(params.cwd)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._server.filesystem_executor,
            read_environment_config,
            params,
            cwd,
            self._server.executor_environment,
        )

    # -- capability discovery --------------------------------------------------------------

    async def capabilities_discover_v2(
        self, params: models.CapabilitiesDiscoverV2Params
    ) -> models.CapabilitiesDiscoverV2Response:
        """Installed skills; the first answer is kept for the server's lifetime."""
        server = self._server
        if server.installed_capabilities is None:
            loop = asyncio.get_running_loop()
            server.installed_capabilities = await loop.run_in_executor(
                server.filesystem_executor, discover_capabilities, server.executor_environment
            )
        return server.installed_capabilities

    async def capability_roots_discover_v1(
        self, params: models.CapabilityRootsDiscoverParams
    ) -> models.CapabilityRootsDiscoverResponse:
        """Find plugin manifests, configs and skills below roots."""
        filesystem = self._server.filesystem

        def ops_for(sandbox: models.FileSystemSandboxContext | None) -> capability_roots.FileOps:
            policy = self._filesystem_policy(sandbox)
            return lambda name, *args: filesystem.operation(policy, name, *args)

        return await capability_roots.discover(params, ops_for)

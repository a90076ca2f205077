# Generated from schema/exec-server.openrpc.json by `make codegen` (codegen/generate.py); do not edit.
"""Typed method table of the exec-server JSON-RPC API.

`REQUESTS` and `NOTIFICATIONS` describe every method: its params and result models and its
lifecycle family. A server implements `RequestHandler` and serves a request with
`REQUESTS[method].invoke(handler, params)`; a client derives from `ClientStubs`, which has
one typed coroutine per request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Generic, Literal, Protocol, TypeAlias, TypeVar

from execwire.wire import WireModel

from . import models

ParamsT = TypeVar("ParamsT", bound=WireModel)
ResultT = TypeVar("ResultT", bound=WireModel)


@dataclass(frozen=True, slots=True)
class RequestSpec(Generic[ParamsT, ResultT]):
    """A request method: its models, its lifecycle family and how a handler serves it."""

    method: str
    python_name: str
    family: str | None
    """Lifecycle gate: `client must call initialize before using <family> methods`."""
    params_type: type[ParamsT]
    result_type: type[ResultT]
    params_unit: bool
    """The reference decodes the params as unit: absent, null or {}."""
    rust_name: str
    """The reference's params type name, as its decode errors spell it."""
    invoke: Callable[[RequestHandler, ParamsT], Awaitable[ResultT]]
    extension: bool = False
    """An execwire extension: unknown (-32601) to a session that did not ask for it."""
    invoke_reply: Callable[[RequestHandler, int | str, ParamsT], Awaitable[bytes]] | None = None
    """Serves the request with its whole reply encoded by the handler (`<name>_reply`): the
    bytes the generated path would make of the result, built without the detour."""
    bulk_member: str | None = None
    """The params member that carries the request's bulk data as base64 (a server may cut
    it out of the message and decode it from the bytes)."""
    invoke_bulk: Callable[[RequestHandler, ParamsT, bytes], Awaitable[ResultT]] | None = None
    """Serves the request with `bulk_member` already decoded (`<name>_bulk`)."""


@dataclass(frozen=True, slots=True)
class NotificationSpec(Generic[ParamsT]):
    """A notification method and who sends it."""

    method: str
    direction: Literal["client-to-server", "server-to-client"]
    params_type: type[ParamsT]
    rust_name: str


class RequestHandler(Protocol):
    """The server side of the API: one coroutine per request method."""

    async def initialize(
        self, params: models.InitializeParams
    ) -> models.InitializeResponse:
        """Open or resume a session on this connection."""
        ...

    async def environment_info(
        self, params: models.EnvironmentInfoParams
    ) -> models.EnvironmentInfo:
        """Describe the executor host: shell, cwd, home, temp dirs, capabilities."""
        ...

    async def environment_status(
        self, params: models.EnvironmentStatusParams
    ) -> models.EnvironmentStatusResponse:
        """Report whether the executor is ready."""
        ...

    async def process_start(
        self, params: models.ExecParams
    ) -> models.ExecResponse:
        """Start a process (pipes or a PTY) under a client-chosen process id."""
        ...

    async def process_read(
        self, params: models.ReadParams
    ) -> models.ReadResponse:
        """Read retained output after a seq cursor, optionally long-polling."""
        ...

    async def process_write(
        self, params: models.WriteParams
    ) -> models.WriteResponse:
        """Write bytes to a process's stdin (idempotent per writeId)."""
        ...

    async def process_signal(
        self, params: models.SignalParams
    ) -> models.EmptyResponse:
        """Interrupt a process (SIGINT to its process group)."""
        ...

    async def process_terminate(
        self, params: models.TerminateParams
    ) -> models.TerminateResponse:
        """Kill a process and its whole process group."""
        ...

    async def fs_read_file(
        self, params: models.FsReadFileParams
    ) -> models.FsReadFileResponse:
        """Read a whole file (at most 512 MiB) as base64."""
        ...

    async def fs_read_file_reply(
        self, request_id: int | str, params: models.FsReadFileParams
    ) -> bytes:
        """`fs_read_file`'s whole reply to `request_id`, encoded."""
        ...

    async def fs_write_file(
        self, params: models.FsWriteFileParams
    ) -> models.EmptyResponse:
        """Create or truncate a file with the given bytes."""
        ...

    async def fs_write_file_bulk(
        self, params: models.FsWriteFileParams, data: bytes
    ) -> models.EmptyResponse:
        """`fs_write_file` with `dataBase64` already decoded into `data`."""
        ...

    async def fs_create_directory(
        self, params: models.FsCreateDirectoryParams
    ) -> models.EmptyResponse:
        """Create a directory (recursive by default, like mkdir -p)."""
        ...

    async def fs_get_metadata(
        self, params: models.FsGetMetadataParams
    ) -> models.FsGetMetadataResponse:
        """Stat a path (following symlinks; isSymlink comes from lstat)."""
        ...

    async def fs_read_directory(
        self, params: models.FsReadDirectoryParams
    ) -> models.FsReadDirectoryResponse:
        """List a directory's entries (no . or ..; unreadable entries skipped)."""
        ...

    async def fs_remove(
        self, params: models.FsRemoveParams
    ) -> models.EmptyResponse:
        """Remove a file, symlink or directory (recursive and force by default)."""
        ...

    async def fs_copy(
        self, params: models.FsCopyParams
    ) -> models.EmptyResponse:
        """Copy a file, symlink or (with recursive) a directory tree."""
        ...

    async def fs_canonicalize(
        self, params: models.FsCanonicalizeParams
    ) -> models.FsCanonicalizeResponse:
        """Resolve an existing path to its canonical absolute form (symlinks, . and .. resolved)."""
        ...

    async def fs_walk(
        self, params: models.FsWalkParams
    ) -> models.FsWalkResponse:
        """List a directory tree breadth-first, children in name order, within limits."""
        ...

    async def execwire_walk_tree(
        self, params: models.FsWalkTreeParams
    ) -> models.FsWalkTreeResponse:
        """fs/walk answered as a tree: the same entries in the same order, each a name below its parent (an execwire extension)."""
        ...

    async def execwire_resize(
        self, params: models.ResizeParams
    ) -> models.EmptyResponse:
        """Resize the terminal of a PTY process (an execwire extension)."""
        ...

    async def execwire_close_stdin(
        self, params: models.CloseStdinParams
    ) -> models.EmptyResponse:
        """Close the stdin of a pipe process started with pipeStdin, so it reads end of file (an execwire extension)."""
        ...

    async def execwire_signal(
        self, params: models.ExecwireSignalParams
    ) -> models.EmptyResponse:
        """Send a signal to a process's whole process group (an execwire extension of process/signal)."""
        ...

    async def execwire_list_processes(
        self, params: models.ListProcessesParams
    ) -> models.ListProcessesResponse:
        """The processes of this session, running or retained (an execwire extension)."""
        ...

    async def execwire_file_digest(
        self, params: models.FileDigestParams
    ) -> models.FileDigestResponse:
        """Size and SHA-256 of a handle's content: what a read handle's file holds, or what a replace handle was written (an execwire extension)."""
        ...

    async def execwire_commit_file(
        self, params: models.CommitFileParams
    ) -> models.EmptyResponse:
        """Close a replace handle, letting its content take the file's place only if it has the expected size and SHA-256 (an execwire extension)."""
        ...

    async def execwire_discard_file(
        self, params: models.DiscardFileParams
    ) -> models.EmptyResponse:
        """Close a handle without effect: a replace handle's new content is removed and the file stays as it was (an execwire extension)."""
        ...

    async def execwire_watch(
        self, params: models.WatchParams
    ) -> models.EmptyResponse:
        """Watch a file or directory tree for changes, delivered as execwire/changed notifications (an execwire extension)."""
        ...

    async def execwire_unwatch(
        self, params: models.UnwatchParams
    ) -> models.EmptyResponse:
        """Stop a watch; unknown watch ids are fine (an execwire extension)."""
        ...

    async def fs_open(
        self, params: models.FsOpenParams
    ) -> models.FsOpenResponse:
        """Open a file under a client-chosen handle id, to read or to replace it block by block."""
        ...

    async def fs_read_block(
        self, params: models.FsReadBlockParams
    ) -> models.FsReadBlockResponse:
        """Read up to len bytes (1..=1 MiB) at offset from a read handle; eof when fewer came."""
        ...

    async def fs_write_block(
        self, params: models.FsWriteBlockParams
    ) -> models.EmptyResponse:
        """Write a chunk (1..=1 MiB) at offset through a replace handle."""
        ...

    async def fs_write_block_bulk(
        self, params: models.FsWriteBlockParams, data: bytes
    ) -> models.EmptyResponse:
        """`fs_write_block` with `chunk` already decoded into `data`."""
        ...

    async def fs_close(
        self, params: models.FsCloseParams
    ) -> models.EmptyResponse:
        """Close a handle (a replace handle's content takes the file's place); unknown ids are fine."""
        ...

    async def fs_watch_missing(
        self, params: models.FsWatchMissingParams
    ) -> models.FsWatchMissingResponse:
        """Watch paths that do not exist yet: one fs/missingChanged when one appears or a directory above it changes."""
        ...

    async def http_request(
        self, params: models.HttpRequestParams
    ) -> models.HttpRequestResponse:
        """Make an HTTP(S) request from the executor; the body comes in the answer, or streamed as http/request/bodyDelta notifications."""
        ...

    async def capability_roots_discover_v1(
        self, params: models.CapabilityRootsDiscoverParams
    ) -> models.CapabilityRootsDiscoverResponse:
        """Find plugin manifests, MCP/app configs and skills below roots, with their contents."""
        ...

    async def capabilities_discover_v2(
        self, params: models.CapabilitiesDiscoverV2Params
    ) -> models.CapabilitiesDiscoverV2Response:
        """Installed skills (and plugins) of the executor, with their frontmatter; the first answer is kept for the server's lifetime."""
        ...

    async def environment_config_read(
        self, params: models.EnvironmentConfigReadParams
    ) -> models.EnvironmentConfigReadResponse:
        """The executor's Codex configuration layers (system, user, trusted project) for a cwd, cut to the requested key paths."""
        ...


async def _invoke_initialize(
    handler: RequestHandler, params: models.InitializeParams
) -> models.InitializeResponse:
    return await handler.initialize(params)


async def _invoke_environment_info(
    handler: RequestHandler, params: models.EnvironmentInfoParams
) -> models.EnvironmentInfo:
    return await handler.environment_info(params)


async def _invoke_environment_status(
    handler: RequestHandler, params: models.EnvironmentStatusParams
) -> models.EnvironmentStatusResponse:
    return await handler.environment_status(params)


async def _invoke_process_start(
    handler: RequestHandler, params: models.ExecParams
) -> models.ExecResponse:
    return await handler.process_start(params)


async def _invoke_process_read(
    handler: RequestHandler, params: models.ReadParams
) -> models.ReadResponse:
    return await handler.process_read(params)


async def _invoke_process_write(
    handler: RequestHandler, params: models.WriteParams
) -> models.WriteResponse:
    return await handler.process_write(params)


async def _invoke_process_signal(
    handler: RequestHandler, params: models.SignalParams
) -> models.EmptyResponse:
    return await handler.process_signal(params)


async def _invoke_process_terminate(
    handler: RequestHandler, params: models.TerminateParams
) -> models.TerminateResponse:
    return await handler.process_terminate(params)


async def _invoke_fs_read_file(
    handler: RequestHandler, params: models.FsReadFileParams
) -> models.FsReadFileResponse:
    return await handler.fs_read_file(params)


async def _invoke_fs_read_file_reply(
    handler: RequestHandler, request_id: int | str, params: models.FsReadFileParams
) -> bytes:
    return await handler.fs_read_file_reply(request_id, params)


async def _invoke_fs_write_file(
    handler: RequestHandler, params: models.FsWriteFileParams
) -> models.EmptyResponse:
    return await handler.fs_write_file(params)


async def _invoke_fs_write_file_bulk(
    handler: RequestHandler, params: models.FsWriteFileParams, data: bytes
) -> models.EmptyResponse:
    return await handler.fs_write_file_bulk(params, data)


async def _invoke_fs_create_directory(
    handler: RequestHandler, params: models.FsCreateDirectoryParams
) -> models.EmptyResponse:
    return await handler.fs_create_directory(params)


async def _invoke_fs_get_metadata(
    handler: RequestHandler, params: models.FsGetMetadataParams
) -> models.FsGetMetadataResponse:
    return await handler.fs_get_metadata(params)


async def _invoke_fs_read_directory(
    handler: RequestHandler, params: models.FsReadDirectoryParams
) -> models.FsReadDirectoryResponse:
    return await handler.fs_read_directory(params)


async def _invoke_fs_remove(
    handler: RequestHandler, params: models.FsRemoveParams
) -> models.EmptyResponse:
    return await handler.fs_remove(params)


async def _invoke_fs_copy(
    handler: RequestHandler, params: models.FsCopyParams
) -> models.EmptyResponse:
    return await handler.fs_copy(params)


async def _invoke_fs_canonicalize(
    handler: RequestHandler, params: models.FsCanonicalizeParams
) -> models.FsCanonicalizeResponse:
    return await handler.fs_canonicalize(params)


async def _invoke_fs_walk(
    handler: RequestHandler, params: models.FsWalkParams
) -> models.FsWalkResponse:
    return await handler.fs_walk(params)


async def _invoke_execwire_walk_tree(
    handler: RequestHandler, params: models.FsWalkTreeParams
) -> models.FsWalkTreeResponse:
    return await handler.execwire_walk_tree(params)


async def _invoke_execwire_resize(
    handler: RequestHandler, params: models.ResizeParams
) -> models.EmptyResponse:
    return await handler.execwire_resize(params)


async def _invoke_execwire_close_stdin(
    handler: RequestHandler, params: models.CloseStdinParams
) -> models.EmptyResponse:
    return await handler.execwire_close_stdin(params)


async def _invoke_execwire_signal(
    handler: RequestHandler, params: models.ExecwireSignalParams
) -> models.EmptyResponse:
    return await handler.execwire_signal(params)


async def _invoke_execwire_list_processes(
    handler: RequestHandler, params: models.ListProcessesParams
) -> models.ListProcessesResponse:
    return await handler.execwire_list_processes(params)


async def _invoke_execwire_file_digest(
    handler: RequestHandler, params: models.FileDigestParams
) -> models.FileDigestResponse:
    return await handler.execwire_file_digest(params)


async def _invoke_execwire_commit_file(
    handler: RequestHandler, params: models.CommitFileParams
) -> models.EmptyResponse:
    return await handler.execwire_commit_file(params)


async def _invoke_execwire_discard_file(
    handler: RequestHandler, params: models.DiscardFileParams
) -> models.EmptyResponse:
    return await handler.execwire_discard_file(params)


async def _invoke_execwire_watch(
    handler: RequestHandler, params: models.WatchParams
) -> models.EmptyResponse:
    return await handler.execwire_watch(params)


async def _invoke_execwire_unwatch(
    handler: RequestHandler, params: models.UnwatchParams
) -> models.EmptyResponse:
    return await handler.execwire_unwatch(params)


async def _invoke_fs_open(
    handler: RequestHandler, params: models.FsOpenParams
) -> models.FsOpenResponse:
    return await handler.fs_open(params)


async def _invoke_fs_read_block(
    handler: RequestHandler, params: models.FsReadBlockParams
) -> models.FsReadBlockResponse:
    return await handler.fs_read_block(params)


async def _invoke_fs_write_block(
    handler: RequestHandler, params: models.FsWriteBlockParams
) -> models.EmptyResponse:
    return await handler.fs_write_block(params)


async def _invoke_fs_write_block_bulk(
    handler: RequestHandler, params: models.FsWriteBlockParams, data: bytes
) -> models.EmptyResponse:
    return await handler.fs_write_block_bulk(params, data)


async def _invoke_fs_close(
    handler: RequestHandler, params: models.FsCloseParams
) -> models.EmptyResponse:
    return await handler.fs_close(params)


async def _invoke_fs_watch_missing(
    handler: RequestHandler, params: models.FsWatchMissingParams
) -> models.FsWatchMissingResponse:
    return await handler.fs_watch_missing(params)


async def _invoke_http_request(
    handler: RequestHandler, params: models.HttpRequestParams
) -> models.HttpRequestResponse:
    return await handler.http_request(params)


async def _invoke_capability_roots_discover_v1(
    handler: RequestHandler, params: models.CapabilityRootsDiscoverParams
) -> models.CapabilityRootsDiscoverResponse:
    return await handler.capability_roots_discover_v1(params)


async def _invoke_capabilities_discover_v2(
    handler: RequestHandler, params: models.CapabilitiesDiscoverV2Params
) -> models.CapabilitiesDiscoverV2Response:
    return await handler.capabilities_discover_v2(params)


async def _invoke_environment_config_read(
    handler: RequestHandler, params: models.EnvironmentConfigReadParams
) -> models.EnvironmentConfigReadResponse:
    return await handler.environment_config_read(params)


REQUESTS: Final[Mapping[str, RequestSpec[Any, Any]]] = {
    "initialize": RequestSpec(
        method="initialize",
        python_name="initialize",
        family=None,
        params_type=models.InitializeParams,
        result_type=models.InitializeResponse,
        params_unit=False,
        rust_name="InitializeParams",
        invoke=_invoke_initialize,
        extension=False,
    ),
    "environment/info": RequestSpec(
        method="environment/info",
        python_name="environment_info",
        family="environment info",
        params_type=models.EnvironmentInfoParams,
        result_type=models.EnvironmentInfo,
        params_unit=True,
        rust_name="unit",
        invoke=_invoke_environment_info,
        extension=False,
    ),
    "environment/status": RequestSpec(
        method="environment/status",
        python_name="environment_status",
        family="environment status",
        params_type=models.EnvironmentStatusParams,
        result_type=models.EnvironmentStatusResponse,
        params_unit=True,
        rust_name="unit",
        invoke=_invoke_environment_status,
        extension=False,
    ),
    "process/start": RequestSpec(
        method="process/start",
        python_name="process_start",
        family="exec",
        params_type=models.ExecParams,
        result_type=models.ExecResponse,
        params_unit=False,
        rust_name="WireExecParams",
        invoke=_invoke_process_start,
        extension=False,
    ),
    "process/read": RequestSpec(
        method="process/read",
        python_name="process_read",
        family="exec",
        params_type=models.ReadParams,
        result_type=models.ReadResponse,
        params_unit=False,
        rust_name="ReadParams",
        invoke=_invoke_process_read,
        extension=False,
    ),
    "process/write": RequestSpec(
        method="process/write",
        python_name="process_write",
        family="exec",
        params_type=models.WriteParams,
        result_type=models.WriteResponse,
        params_unit=False,
        rust_name="WriteParams",
        invoke=_invoke_process_write,
        extension=False,
    ),
    "process/signal": RequestSpec(
        method="process/signal",
        python_name="process_signal",
        family="exec",
        params_type=models.SignalParams,
        result_type=models.EmptyResponse,
        params_unit=False,
        rust_name="SignalParams",
        invoke=_invoke_process_signal,
        extension=False,
    ),
    "process/terminate": RequestSpec(
        method="process/terminate",
        python_name="process_terminate",
        family="exec",
        params_type=models.TerminateParams,
        result_type=models.TerminateResponse,
        params_unit=False,
        rust_name="TerminateParams",
        invoke=_invoke_process_terminate,
        extension=False,
    ),
    "fs/readFile": RequestSpec(
        method="fs/readFile",
        python_name="fs_read_file",
        family="filesystem",
        params_type=models.FsReadFileParams,
        result_type=models.FsReadFileResponse,
        params_unit=False,
        rust_name="WireFsReadFileParams",
        invoke=_invoke_fs_read_file,
        extension=False,
        invoke_reply=_invoke_fs_read_file_reply,
    ),
    "fs/writeFile": RequestSpec(
        method="fs/writeFile",
        python_name="fs_write_file",
        family="filesystem",
        params_type=models.FsWriteFileParams,
        result_type=models.EmptyResponse,
        params_unit=False,
        rust_name="WireFsWriteFileParams",
        invoke=_invoke_fs_write_file,
        extension=False,
        bulk_member="dataBase64",
        invoke_bulk=_invoke_fs_write_file_bulk,
    ),
    "fs/createDirectory": RequestSpec(
        method="fs/createDirectory",
        python_name="fs_create_directory",
        family="filesystem",
        params_type=models.FsCreateDirectoryParams,
        result_type=models.EmptyResponse,
        params_unit=False,
        rust_name="WireFsCreateDirectoryParams",
        invoke=_invoke_fs_create_directory,
        extension=False,
    ),
    "fs/getMetadata": RequestSpec(
        method="fs/getMetadata",
        python_name="fs_get_metadata",
        family="filesystem",
        params_type=models.FsGetMetadataParams,
        result_type=models.FsGetMetadataResponse,
        params_unit=False,
        rust_name="WireFsGetMetadataParams",
        invoke=_invoke_fs_get_metadata,
        extension=False,
    ),
    "fs/readDirectory": RequestSpec(
        method="fs/readDirectory",
        python_name="fs_read_directory",
        family="filesystem",
        params_type=models.FsReadDirectoryParams,
        result_type=models.FsReadDirectoryResponse,
        params_unit=False,
        rust_name="WireFsReadDirectoryParams",
        invoke=_invoke_fs_read_directory,
        extension=False,
    ),
    "fs/remove": RequestSpec(
        method="fs/remove",
        python_name="fs_remove",
        family="filesystem",
        params_type=models.FsRemoveParams,
        result_type=models.EmptyResponse,
        params_unit=False,
        rust_name="WireFsRemoveParams",
        invoke=_invoke_fs_remove,
        extension=False,
    ),
    "fs/copy": RequestSpec(
        method="fs/copy",
        python_name="fs_copy",
        family="filesystem",
        params_type=models.FsCopyParams,
        result_type=models.EmptyResponse,
        params_unit=False,
        rust_name="WireFsCopyParams",
        invoke=_invoke_fs_copy,
        extension=False,
    ),
    "fs/canonicalize": RequestSpec(
        method="fs/canonicalize",
        python_name="fs_canonicalize",
        family="filesystem",
        params_type=models.FsCanonicalizeParams,
        result_type=models.FsCanonicalizeResponse,
        params_unit=False,
        rust_name="WireFsCanonicalizeParams",
        invoke=_invoke_fs_canonicalize,
        extension=False,
    ),
    "fs/walk": RequestSpec(
        method="fs/walk",
        python_name="fs_walk",
        family="filesystem",
        params_type=models.FsWalkParams,
        result_type=models.FsWalkResponse,
        params_unit=False,
        rust_name="WireFsWalkParams",
        invoke=_invoke_fs_walk,
        extension=False,
    ),
    "execwire/walkTree": RequestSpec(
        method="execwire/walkTree",
        python_name="execwire_walk_tree",
        family="filesystem",
        params_type=models.FsWalkTreeParams,
        result_type=models.FsWalkTreeResponse,
        params_unit=False,
        rust_name="WireFsWalkParams",
        invoke=_invoke_execwire_walk_tree,
        extension=True,
    ),
    "execwire/resize": RequestSpec(
        method="execwire/resize",
        python_name="execwire_resize",
        family="exec",
        params_type=models.ResizeParams,
        result_type=models.EmptyResponse,
        params_unit=False,
        rust_name="ResizeParams",
        invoke=_invoke_execwire_resize,
        extension=True,
    ),
    "execwire/closeStdin": RequestSpec(
        method="execwire/closeStdin",
        python_name="execwire_close_stdin",
        family="exec",
        params_type=models.CloseStdinParams,
        result_type=models.EmptyResponse,
        params_unit=False,
        rust_name="CloseStdinParams",
        invoke=_invoke_execwire_close_stdin,
        extension=True,
    ),
    "execwire/signal": RequestSpec(
        method="execwire/signal",
        python_name="execwire_signal",
        family="exec",
        params_type=models.ExecwireSignalParams,
        result_type=models.EmptyResponse,
        params_unit=False,
        rust_name="ExecwireSignalParams",
        invoke=_invoke_execwire_signal,
        extension=True,
    ),
    "execwire/listProcesses": RequestSpec(
        method="execwire/listProcesses",
        python_name="execwire_list_processes",
        family="exec",
        params_type=models.ListProcessesParams,
        result_type=models.ListProcessesResponse,
        params_unit=True,
        rust_name="unit",
        invoke=_invoke_execwire_list_processes,
        extension=True,
    ),
    "execwire/fileDigest": RequestSpec(
        method="execwire/fileDigest",
        python_name="execwire_file_digest",
        family="filesystem",
        params_type=models.FileDigestParams,
        result_type=models.FileDigestResponse,
        params_unit=False,
        rust_name="FileDigestParams",
        invoke=_invoke_execwire_file_digest,
        extension=True,
    ),
    "execwire/commitFile": RequestSpec(
        method="execwire/commitFile",
        python_name="execwire_commit_file",
        family="filesystem",
        params_type=models.CommitFileParams,
        result_type=models.EmptyResponse,
        params_unit=False,
        rust_name="CommitFileParams",
        invoke=_invoke_execwire_commit_file,
        extension=True,
    ),
    "execwire/discardFile": RequestSpec(
        method="execwire/discardFile",
        python_name="execwire_discard_file",
        family="filesystem",
        params_type=models.DiscardFileParams,
        result_type=models.EmptyResponse,
        params_unit=False,
        rust_name="DiscardFileParams",
        invoke=_invoke_execwire_discard_file,
        extension=True,
    ),
    "execwire/watch": RequestSpec(
        method="execwire/watch",
        python_name="execwire_watch",
        family="filesystem",
        params_type=models.WatchParams,
        result_type=models.EmptyResponse,
        params_unit=False,
        rust_name="WatchParams",
        invoke=_invoke_execwire_watch,
        extension=True,
    ),
    "execwire/unwatch": RequestSpec(
        method="execwire/unwatch",
        python_name="execwire_unwatch",
        family="filesystem",
        params_type=models.UnwatchParams,
        result_type=models.EmptyResponse,
        params_unit=False,
        rust_name="UnwatchParams",
        invoke=_invoke_execwire_unwatch,
        extension=True,
    ),
    "fs/open": RequestSpec(
        method="fs/open",
        python_name="fs_open",
        family="filesystem",
        params_type=models.FsOpenParams,
        result_type=models.FsOpenResponse,
        params_unit=False,
        rust_name="WireFsOpenParams",
        invoke=_invoke_fs_open,
        extension=False,
    ),
    "fs/readBlock": RequestSpec(
        method="fs/readBlock",
        python_name="fs_read_block",
        family="filesystem",
        params_type=models.FsReadBlockParams,
        result_type=models.FsReadBlockResponse,
        params_unit=False,
        rust_name="FsReadBlockParams",
        invoke=_invoke_fs_read_block,
        extension=False,
    ),
    "fs/writeBlock": RequestSpec(
        method="fs/writeBlock",
        python_name="fs_write_block",
        family="filesystem",
        params_type=models.FsWriteBlockParams,
        result_type=models.EmptyResponse,
        params_unit=False,
        rust_name="FsWriteBlockParams",
        invoke=_invoke_fs_write_block,
        extension=False,
        bulk_member="chunk",
        invoke_bulk=_invoke_fs_write_block_bulk,
    ),
    "fs/close": RequestSpec(
        method="fs/close",
        python_name="fs_close",
        family="filesystem",
        params_type=models.FsCloseParams,
        result_type=models.EmptyResponse,
        params_unit=False,
        rust_name="FsCloseParams",
        invoke=_invoke_fs_close,
        extension=False,
    ),
    "fs/watchMissing": RequestSpec(
        method="fs/watchMissing",
        python_name="fs_watch_missing",
        family="filesystem",
        params_type=models.FsWatchMissingParams,
        result_type=models.FsWatchMissingResponse,
        params_unit=False,
        rust_name="FsWatchMissingParams",
        invoke=_invoke_fs_watch_missing,
        extension=False,
    ),
    "http/request": RequestSpec(
        method="http/request",
        python_name="http_request",
        family="http",
        params_type=models.HttpRequestParams,
        result_type=models.HttpRequestResponse,
        params_unit=False,
        rust_name="HttpRequestParams",
        invoke=_invoke_http_request,
        extension=False,
    ),
    "capabilityRoots/discoverV1": RequestSpec(
        method="capabilityRoots/discoverV1",
        python_name="capability_roots_discover_v1",
        family="capability discovery",
        params_type=models.CapabilityRootsDiscoverParams,
        result_type=models.CapabilityRootsDiscoverResponse,
        params_unit=False,
        rust_name="WireCapabilityRootsDiscoverParams",
        invoke=_invoke_capability_roots_discover_v1,
        extension=False,
    ),
    "capabilities/discoverV2": RequestSpec(
        method="capabilities/discoverV2",
        python_name="capabilities_discover_v2",
        family="capability discovery",
        params_type=models.CapabilitiesDiscoverV2Params,
        result_type=models.CapabilitiesDiscoverV2Response,
        params_unit=False,
        rust_name="DiscoverV2CapabilitiesRequest",
        invoke=_invoke_capabilities_discover_v2,
        extension=False,
    ),
    "environmentConfig/read": RequestSpec(
        method="environmentConfig/read",
        python_name="environment_config_read",
        family="environment config",
        params_type=models.EnvironmentConfigReadParams,
        result_type=models.EnvironmentConfigReadResponse,
        params_unit=False,
        rust_name="EnvironmentConfigReadParams",
        invoke=_invoke_environment_config_read,
        extension=False,
    ),
}
"""Every request method of the API, by method name."""

NOTIFICATIONS: Final[Mapping[str, NotificationSpec[Any]]] = {
    "initialized": NotificationSpec(
        method="initialized",
        direction="client-to-server",
        params_type=models.InitializedParams,
        rust_name="InitializedParams",
    ),
    "process/output": NotificationSpec(
        method="process/output",
        direction="server-to-client",
        params_type=models.ProcessOutputNotification,
        rust_name="ExecOutputDeltaNotification",
    ),
    "process/exited": NotificationSpec(
        method="process/exited",
        direction="server-to-client",
        params_type=models.ProcessExitedNotification,
        rust_name="ExecExitedNotification",
    ),
    "process/closed": NotificationSpec(
        method="process/closed",
        direction="server-to-client",
        params_type=models.ProcessClosedNotification,
        rust_name="ExecClosedNotification",
    ),
    "execwire/changed": NotificationSpec(
        method="execwire/changed",
        direction="server-to-client",
        params_type=models.WatchChangedNotification,
        rust_name="WatchChangedNotification",
    ),
    "fs/missingChanged": NotificationSpec(
        method="fs/missingChanged",
        direction="server-to-client",
        params_type=models.FsMissingChangedNotification,
        rust_name="FsMissingChangedNotification",
    ),
    "http/request/bodyDelta": NotificationSpec(
        method="http/request/bodyDelta",
        direction="server-to-client",
        params_type=models.HttpRequestBodyDeltaNotification,
        rust_name="HttpRequestBodyDeltaNotification",
    ),
}
"""Every notification method of the API, by method name."""

ServerNotification: TypeAlias = (
    models.ProcessOutputNotification
    | models.ProcessExitedNotification
    | models.ProcessClosedNotification
    | models.WatchChangedNotification
    | models.FsMissingChangedNotification
    | models.HttpRequestBodyDeltaNotification
)
"""The params of every notification a server sends; the type says which method it is."""

SERVER_NOTIFICATION_METHODS: Final[Mapping[type[WireModel], str]] = {
    models.ProcessOutputNotification: "process/output",
    models.ProcessExitedNotification: "process/exited",
    models.ProcessClosedNotification: "process/closed",
    models.WatchChangedNotification: "execwire/changed",
    models.FsMissingChangedNotification: "fs/missingChanged",
    models.HttpRequestBodyDeltaNotification: "http/request/bodyDelta",
}
"""Method name of each server notification params type."""

ERROR_CODES: Final[Mapping[str, int]] = {
    "InvalidRequest": -32600,
    "MethodNotFound": -32601,
    "InvalidParams": -32602,
    "InternalError": -32603,
    "NotFound": -32004,
    "SessionAlreadyAttached": -32010,
    "SessionExpired": -32600,
}
"""The JSON-RPC error codes the API uses, by the schema's error names."""

ERROR_MESSAGE_PREFIXES: Final[Mapping[str, str]] = {
    "SessionExpired": "unknown session id",
}
"""The errors that share a code with another, told apart by how their message begins."""


class ClientStubs:
    """One typed coroutine per request; a connection provides `_request` and `_notify`."""

    async def _request(
        self, method: str, params: WireModel | None, result_type: type[ResultT]
    ) -> ResultT:
        raise NotImplementedError

    async def _notify(self, method: str, params: WireModel | None) -> None:
        raise NotImplementedError

    async def initialize(
        self, params: models.InitializeParams
    ) -> models.InitializeResponse:
        """Open or resume a session on this connection."""
        return await self._request("initialize", params, models.InitializeResponse)

    async def environment_info(self) -> models.EnvironmentInfo:
        """Describe the executor host: shell, cwd, home, temp dirs, capabilities."""
        return await self._request("environment/info", None, models.EnvironmentInfo)

    async def environment_status(self) -> models.EnvironmentStatusResponse:
        """Report whether the executor is ready."""
        return await self._request("environment/status", None, models.EnvironmentStatusResponse)

    async def process_start(
        self, params: models.ExecParams
    ) -> models.ExecResponse:
        """Start a process (pipes or a PTY) under a client-chosen process id."""
        return await self._request("process/start", params, models.ExecResponse)

    async def process_read(
        self, params: models.ReadParams
    ) -> models.ReadResponse:
        """Read retained output after a seq cursor, optionally long-polling."""
        return await self._request("process/read", params, models.ReadResponse)

    async def process_write(
        self, params: models.WriteParams
    ) -> models.WriteResponse:
        """Write bytes to a process's stdin (idempotent per writeId)."""
        return await self._request("process/write", params, models.WriteResponse)

    async def process_signal(
        self, params: models.SignalParams
    ) -> models.EmptyResponse:
        """Interrupt a process (SIGINT to its process group)."""
        return await self._request("process/signal", params, models.EmptyResponse)

    async def process_terminate(
        self, params: models.TerminateParams
    ) -> models.TerminateResponse:
        """Kill a process and its whole process group."""
        return await self._request("process/terminate", params, models.TerminateResponse)

    async def fs_read_file(
        self, params: models.FsReadFileParams
    ) -> models.FsReadFileResponse:
        """Read a whole file (at most 512 MiB) as base64."""
        return await self._request("fs/readFile", params, models.FsReadFileResponse)

    async def fs_write_file(
        self, params: models.FsWriteFileParams
    ) -> models.EmptyResponse:
        """Create or truncate a file with the given bytes."""
        return await self._request("fs/writeFile", params, models.EmptyResponse)

    async def fs_create_directory(
        self, params: models.FsCreateDirectoryParams
    ) -> models.EmptyResponse:
        """Create a directory (recursive by default, like mkdir -p)."""
        return await self._request("fs/createDirectory", params, models.EmptyResponse)

    async def fs_get_metadata(
        self, params: models.FsGetMetadataParams
    ) -> models.FsGetMetadataResponse:
        """Stat a path (following symlinks; isSymlink comes from lstat)."""
        return await self._request("fs/getMetadata", params, models.FsGetMetadataResponse)

    async def fs_read_directory(
        self, params: models.FsReadDirectoryParams
    ) -> models.FsReadDirectoryResponse:
        """List a directory's entries (no . or ..; unreadable entries skipped)."""
        return await self._request("fs/readDirectory", params, models.FsReadDirectoryResponse)

    async def fs_remove(
        self, params: models.FsRemoveParams
    ) -> models.EmptyResponse:
        """Remove a file, symlink or directory (recursive and force by default)."""
        return await self._request("fs/remove", params, models.EmptyResponse)

    async def fs_copy(
        self, params: models.FsCopyParams
    ) -> models.EmptyResponse:
        """Copy a file, symlink or (with recursive) a directory tree."""
        return await self._request("fs/copy", params, models.EmptyResponse)

    async def fs_canonicalize(
        self, params: models.FsCanonicalizeParams
    ) -> models.FsCanonicalizeResponse:
        """Resolve an existing path to its canonical absolute form (symlinks, . and .. resolved)."""
        return await self._request("fs/canonicalize", params, models.FsCanonicalizeResponse)

    async def fs_walk(
        self, params: models.FsWalkParams
    ) -> models.FsWalkResponse:
        """List a directory tree breadth-first, children in name order, within limits."""
        return await self._request("fs/walk", params, models.FsWalkResponse)

    async def execwire_walk_tree(
        self, params: models.FsWalkTreeParams
    ) -> models.FsWalkTreeResponse:
        """fs/walk answered as a tree: the same entries in the same order, each a name below its parent (an execwire extension)."""
        return await self._request("execwire/walkTree", params, models.FsWalkTreeResponse)

    async def execwire_resize(
        self, params: models.ResizeParams
    ) -> models.EmptyResponse:
        """Resize the terminal of a PTY process (an execwire extension)."""
        return await self._request("execwire/resize", params, models.EmptyResponse)

    async def execwire_close_stdin(
        self, params: models.CloseStdinParams
    ) -> models.EmptyResponse:
        """Close the stdin of a pipe process started with pipeStdin, so it reads end of file (an execwire extension)."""
        return await self._request("execwire/closeStdin", params, models.EmptyResponse)

    async def execwire_signal(
        self, params: models.ExecwireSignalParams
    ) -> models.EmptyResponse:
        """Send a signal to a process's whole process group (an execwire extension of process/signal)."""
        return await self._request("execwire/signal", params, models.EmptyResponse)

    async def execwire_list_processes(self) -> models.ListProcessesResponse:
        """The processes of this session, running or retained (an execwire extension)."""
        return await self._request("execwire/listProcesses", None, models.ListProcessesResponse)

    async def execwire_file_digest(
        self, params: models.FileDigestParams
    ) -> models.FileDigestResponse:
        """Size and SHA-256 of a handle's content: what a read handle's file holds, or what a replace handle was written (an execwire extension)."""
        return await self._request("execwire/fileDigest", params, models.FileDigestResponse)

    async def execwire_commit_file(
        self, params: models.CommitFileParams
    ) -> models.EmptyResponse:
        """Close a replace handle, letting its content take the file's place only if it has the expected size and SHA-256 (an execwire extension)."""
        return await self._request("execwire/commitFile", params, models.EmptyResponse)

    async def execwire_discard_file(
        self, params: models.DiscardFileParams
    ) -> models.EmptyResponse:
        """Close a handle without effect: a replace handle's new content is removed and the file stays as it was (an execwire extension)."""
        return await self._request("execwire/discardFile", params, models.EmptyResponse)

    async def execwire_watch(
        self, params: models.WatchParams
    ) -> models.EmptyResponse:
        """Watch a file or directory tree for changes, delivered as execwire/changed notifications (an execwire extension)."""
        return await self._request("execwire/watch", params, models.EmptyResponse)

    async def execwire_unwatch(
        self, params: models.UnwatchParams
    ) -> models.EmptyResponse:
        """Stop a watch; unknown watch ids are fine (an execwire extension)."""
        return await self._request("execwire/unwatch", params, models.EmptyResponse)

    async def fs_open(
        self, params: models.FsOpenParams
    ) -> models.FsOpenResponse:
        """Open a file under a client-chosen handle id, to read or to replace it block by block."""
        return await self._request("fs/open", params, models.FsOpenResponse)

    async def fs_read_block(
        self, params: models.FsReadBlockParams
    ) -> models.FsReadBlockResponse:
        """Read up to len bytes (1..=1 MiB) at offset from a read handle; eof when fewer came."""
        return await self._request("fs/readBlock", params, models.FsReadBlockResponse)

    async def fs_write_block(
        self, params: models.FsWriteBlockParams
    ) -> models.EmptyResponse:
        """Write a chunk (1..=1 MiB) at offset through a replace handle."""
        return await self._request("fs/writeBlock", params, models.EmptyResponse)

    async def fs_close(
        self, params: models.FsCloseParams
    ) -> models.EmptyResponse:
        """Close a handle (a replace handle's content takes the file's place); unknown ids are fine."""
        return await self._request("fs/close", params, models.EmptyResponse)

    async def fs_watch_missing(
        self, params: models.FsWatchMissingParams
    ) -> models.FsWatchMissingResponse:
        """Watch paths that do not exist yet: one fs/missingChanged when one appears or a directory above it changes."""
        return await self._request("fs/watchMissing", params, models.FsWatchMissingResponse)

    async def http_request(
        self, params: models.HttpRequestParams
    ) -> models.HttpRequestResponse:
        """Make an HTTP(S) request from the executor; the body comes in the answer, or streamed as http/request/bodyDelta notifications."""
        return await self._request("http/request", params, models.HttpRequestResponse)

    async def capability_roots_discover_v1(
        self, params: models.CapabilityRootsDiscoverParams
    ) -> models.CapabilityRootsDiscoverResponse:
        """Find plugin manifests, MCP/app configs and skills below roots, with their contents."""
        return await self._request("capabilityRoots/discoverV1", params, models.CapabilityRootsDiscoverResponse)

    async def capabilities_discover_v2(
        self, params: models.CapabilitiesDiscoverV2Params
    ) -> models.CapabilitiesDiscoverV2Response:
        """Installed skills (and plugins) of the executor, with their frontmatter; the first answer is kept for the server's lifetime."""
        return await self._request("capabilities/discoverV2", params, models.CapabilitiesDiscoverV2Response)

    async def environment_config_read(
        self, params: models.EnvironmentConfigReadParams
    ) -> models.EnvironmentConfigReadResponse:
        """The executor's Codex configuration layers (system, user, trusted project) for a cwd, cut to the requested key paths."""
        return await self._request("environmentConfig/read", params, models.EnvironmentConfigReadResponse)

    async def initialized(self) -> None:
        """Client notification that completes the handshake; its params are ignored."""
        await self._notify("initialized", models.InitializedParams())

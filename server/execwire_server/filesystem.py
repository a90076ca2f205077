"""The ``fs/*`` methods, with the behaviour, codes and messages of ``codex exec-server`` 0.169.0.

This module is the protocol side: PathUris, base64 and result models. The operations
themselves live in `fs_ops` (native paths, standard library only). Without a sandbox, every
blocking step of one request (path conversion, base64, system calls) runs as a single
function in a worker thread, so the event loop never waits on the disk. Under a restricted
sandbox the operation runs inside the request's bubblewrap view instead
(`SandboxRuntime.run_file_operation`), so the kernel applies the same mounts a sandboxed
process sees: symlinks, ``..``, hard links and ``/proc/*/root`` resolve there, and a write
outside the writable roots fails with ``Read-only file system (os error 30)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import PrivateAttr

from execwire import base64_strict
from execwire.pathuri import (
    FALLBACK_PREFIX,
    PathUriHostError,
    from_native_path,
    path_segment,
    to_native_path,
)
from execwire.protocol import models

from . import fs_ops
from .errors import INVALID_REQUEST, RpcError
from .fs_ops import DEFAULT_MAX_READ_BYTES

if TYPE_CHECKING:
    from .sandbox.policy import SandboxPolicy
    from .sandbox.runtime import SandboxRuntime

__all__ = ["DEFAULT_MAX_READ_BYTES", "FileSystem", "native_path"]

_T = TypeVar("_T")


def native_path(uri: str) -> bytes:
    """A request's PathUri as a native path; a URI foreign to this host is -32600."""
    try:
        path: bytes = to_native_path(uri)
    except PathUriHostError as error:
        # fs handlers report a URI foreign to this host as invalid input (-32600); NUL
        # (`%00`) URIs never get here, params decoding already rejected them (-32602).
        raise RpcError(INVALID_REQUEST, str(error)) from None
    return path


def _decode_write_data(data_base64: str) -> bytes:
    try:
        return base64_strict.decode(data_base64)
    except base64_strict.Base64DecodeError as error:
        raise RpcError(
            INVALID_REQUEST, f"fs/writeFile requires valid base64 dataBase64: {error}"
        ) from None


def _read_file_message(uri: str, no_follow: bool, limit: int, prefix: bytes, suffix: bytes) -> bytes:
    data = fs_ops.read_file(native_path(uri), no_follow, limit)
    return base64_strict.encode_framed(prefix, data, suffix)


def _write_file(uri: str, data_base64: str | None, decoded: bytes | None, no_follow: bool) -> None:
    # The reference decodes the data before it looks at the path.
    data = decoded if decoded is not None else _decode_write_data(data_base64 or "")
    fs_ops.write_file(native_path(uri), data, no_follow)


def _metadata_model(metadata: fs_ops.Metadata) -> models.FsGetMetadataResponse:
    return models.FsGetMetadataResponse(
        is_directory=metadata.is_directory,
        is_file=metadata.is_file,
        is_symlink=metadata.is_symlink,
        size=metadata.size,
        created_at_ms=metadata.created_at_ms,
        modified_at_ms=metadata.modified_at_ms,
    )


def _directory_model(entries: list[fs_ops.DirectoryEntry]) -> models.FsReadDirectoryResponse:
    return models.FsReadDirectoryResponse(
        entries=[
            models.FsDirectoryEntry(
                file_name=entry.file_name, is_directory=entry.is_directory, is_file=entry.is_file
            )
            for entry in entries
        ]
    )


def _get_metadata(uri: str, no_follow: bool) -> models.FsGetMetadataResponse:
    return _metadata_model(fs_ops.get_metadata(native_path(uri), no_follow))


def _read_directory(uri: str) -> models.FsReadDirectoryResponse:
    return _directory_model(fs_ops.read_directory(native_path(uri)))


def _create_directory(uri: str, recursive: bool, no_follow: bool) -> None:
    fs_ops.create_directory(native_path(uri), recursive, no_follow)


def _remove(uri: str, recursive: bool, force: bool, no_follow: bool) -> None:
    fs_ops.remove(native_path(uri), recursive, force, no_follow)


def _canonicalize(uri: str) -> models.FsCanonicalizeResponse:
    return models.FsCanonicalizeResponse(path=from_native_path(fs_ops.canonicalize(native_path(uri))))


class WalkReply(models.FsWalkResponse):
    """An `fs/walk` answer kept in its wire form: up to 50 000 entries as models would cost
    more than the walk itself (they are validated and serialized one by one). Only the
    connection reads it, through `to_wire`; the model fields stay empty."""

    _wire: dict[str, Any] = PrivateAttr(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        return self._wire


class WalkTreeReply(models.FsWalkTreeResponse):
    """An `execwire/walkTree` answer kept in its wire form (see `WalkReply`)."""

    _wire: dict[str, Any] = PrivateAttr(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        return self._wire


def _walk_errors(errors: list[tuple[bytes, str]]) -> list[dict[str, str]]:
    return [{"path": from_native_path(path), "message": text} for path, text in errors]


def _walk_model(listing: fs_ops.WalkListing) -> models.FsWalkResponse:
    groups, errors, truncated = listing
    reply = WalkReply.model_construct(entries=[], errors=[], truncated=truncated)
    # from_native_path makes canonical PathUris: nothing left to validate.
    reply._wire = {
        "entries": [
            {"path": from_native_path(path), "kind": kind}
            for path, kind in fs_ops.walk_entries(groups)
        ],
        "errors": _walk_errors(errors),
        "truncated": truncated,
    }
    return reply


def _walk_tree_root(uri: str) -> tuple[bytes, str]:
    """The native root of an `execwire/walkTree` and its spelling as the entries' paths
    begin; refuses the roots without a tree form."""
    root = native_path(uri)
    spelled = from_native_path(root)
    if spelled == "file:///" or spelled.startswith(FALLBACK_PREFIX):
        raise RpcError(INVALID_REQUEST, f"execwire/walkTree cannot list {spelled}: use fs/walk")
    return root, spelled


def _walk_tree_model(root: str, listing: fs_ops.WalkListing) -> models.FsWalkTreeResponse:
    groups, errors, truncated = listing
    reply = WalkTreeReply.model_construct(root="", groups=[], errors=[], truncated=truncated)
    reply._wire = {
        "root": root,
        "groups": [
            {"parent": parent, "kinds": kinds, "names": [path_segment(name) for name in names]}
            for parent, _, names, kinds in groups
        ],
        "errors": _walk_errors(errors),
        "truncated": truncated,
    }
    return reply


def _walk(uri: str, options: models.WalkOptions) -> models.FsWalkResponse:
    return _walk_model(fs_ops.walk(native_path(uri), *_walk_arguments(options)))


def _walk_tree(
    root: bytes, spelled: str, options: models.WalkOptions
) -> models.FsWalkTreeResponse:
    return _walk_tree_model(spelled, fs_ops.walk(root, *_walk_arguments(options)))


def _walk_arguments(options: models.WalkOptions) -> tuple[int, int, int, bool, bool]:
    return (
        options.max_depth,
        options.max_directories,
        options.max_entries,
        options.follow_directory_symlinks,
        options.prune_hidden_directories,
    )


def _copy(source_uri: str, destination_uri: str, recursive: bool) -> None:
    fs_ops.copy(native_path(source_uri), native_path(destination_uri), recursive)


class FileSystem:
    """Handlers of the ``fs/*`` requests.

    Each call is one hop to ``executor`` (the loop's default executor when None), or, with
    a restricted `policy`, one run of the sandbox's file helper through `sandbox`.
    ``max_read_bytes`` is the ``fs/readFile`` size limit.
    """

    def __init__(
        self,
        executor: ThreadPoolExecutor | None = None,
        max_read_bytes: int = DEFAULT_MAX_READ_BYTES,
        sandbox: SandboxRuntime | None = None,
    ) -> None:
        self._executor = executor
        self._max_read_bytes = max_read_bytes
        self._sandbox = sandbox

    async def _run(self, function: Callable[..., _T], *args: object) -> _T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fs_ops.guarded, function, *args)

    async def operation(self, policy: SandboxPolicy | None, name: str, *args: Any) -> Any:
        """Run the `fs_ops` function `name` on native paths, directly or in the sandbox."""
        if policy is None:
            return await self._run(getattr(fs_ops, name), *args)
        return await self._sandboxed(policy, name, *args)

    async def _sandboxed(
        self, policy: SandboxPolicy, operation: str, *args: Any, data: bytes = b""
    ) -> Any:
        if self._sandbox is None:
            raise RpcError(INVALID_REQUEST, "sandboxed file operations are not configured")
        return await self._sandbox.run_file_operation(policy, operation, list(args), data)

    async def read_file_message(
        self,
        params: models.FsReadFileParams,
        prefix: bytes,
        suffix: bytes,
        policy: SandboxPolicy | None = None,
    ) -> bytes:
        """``fs/readFile``: the whole file as base64, written straight into the message
        that carries it, between `prefix` and `suffix` (built once, off the event loop)."""
        no_follow = params.follow_symlinks is False
        if policy is None:
            return await self._run(
                _read_file_message, params.path, no_follow, self._max_read_bytes, prefix, suffix
            )
        path = native_path(params.path)
        data = await self._sandboxed(policy, "read_file", path, no_follow, self._max_read_bytes)
        return await self._run(base64_strict.encode_framed, prefix, data, suffix)

    async def write_file(
        self,
        params: models.FsWriteFileParams,
        decoded: bytes | None = None,
        policy: SandboxPolicy | None = None,
    ) -> models.EmptyResponse:
        """``fs/writeFile``: create or truncate, then write the decoded bytes (`decoded`
        when the caller already decoded ``dataBase64``, which is then ignored)."""
        no_follow = params.follow_symlinks is False
        if policy is None:
            data_base64 = params.data_base64 if decoded is None else None
            await self._run(_write_file, params.path, data_base64, decoded, no_follow)
            return models.EmptyResponse()
        if decoded is None:
            decoded = await self._run(_decode_write_data, params.data_base64)
        path = native_path(params.path)
        await self._sandboxed(policy, "write_file", path, no_follow, data=decoded)
        return models.EmptyResponse()

    async def create_directory(
        self, params: models.FsCreateDirectoryParams, policy: SandboxPolicy | None = None
    ) -> models.EmptyResponse:
        """``fs/createDirectory``: ``mkdir -p`` unless ``recursive`` is false."""
        recursive = params.recursive is not False
        no_follow = params.follow_symlinks is False
        if policy is None:
            await self._run(_create_directory, params.path, recursive, no_follow)
        else:
            path = native_path(params.path)
            await self._sandboxed(policy, "create_directory", path, recursive, no_follow)
        return models.EmptyResponse()

    async def get_metadata(
        self, params: models.FsGetMetadataParams, policy: SandboxPolicy | None = None
    ) -> models.FsGetMetadataResponse:
        """``fs/getMetadata``: type flags, size and times of the path (following links)."""
        no_follow = params.follow_symlinks is False
        if policy is None:
            return await self._run(_get_metadata, params.path, no_follow)
        found = await self._sandboxed(policy, "get_metadata", native_path(params.path), no_follow)
        return _metadata_model(fs_ops.Metadata(*found))

    async def read_directory(
        self, params: models.FsReadDirectoryParams, policy: SandboxPolicy | None = None
    ) -> models.FsReadDirectoryResponse:
        """``fs/readDirectory``: the entries in directory order, unreadable ones left out."""
        if policy is None:
            return await self._run(_read_directory, params.path)
        found = await self._sandboxed(policy, "read_directory", native_path(params.path))
        return _directory_model([fs_ops.DirectoryEntry(*entry) for entry in found])

    async def remove(
        self, params: models.FsRemoveParams, policy: SandboxPolicy | None = None
    ) -> models.EmptyResponse:
        """``fs/remove``: ``rm -rf`` by default (``recursive`` and ``force`` default true)."""
        recursive = params.recursive is not False
        force = params.force is not False
        no_follow = params.follow_symlinks is False
        if policy is None:
            await self._run(_remove, params.path, recursive, force, no_follow)
        else:
            path = native_path(params.path)
            await self._sandboxed(policy, "remove", path, recursive, force, no_follow)
        return models.EmptyResponse()

    async def copy(
        self, params: models.FsCopyParams, policy: SandboxPolicy | None = None
    ) -> models.EmptyResponse:
        """``fs/copy``: a file, a symlink, or (with ``recursive``) a directory tree."""
        if policy is None:
            await self._run(_copy, params.source_path, params.destination_path, params.recursive)
        else:
            source, destination = native_path(params.source_path), native_path(params.destination_path)
            await self._sandboxed(policy, "copy", source, destination, params.recursive)
        return models.EmptyResponse()

    async def canonicalize(
        self, params: models.FsCanonicalizeParams, policy: SandboxPolicy | None = None
    ) -> models.FsCanonicalizeResponse:
        """``fs/canonicalize``: the existing path with every symlink, ``.`` and ``..``
        resolved (as the sandbox sees it, under a restricted intent)."""
        if policy is None:
            return await self._run(_canonicalize, params.path)
        found = await self._sandboxed(policy, "canonicalize", native_path(params.path))
        return models.FsCanonicalizeResponse(path=from_native_path(found))

    async def walk(
        self, params: models.FsWalkParams, policy: SandboxPolicy | None = None
    ) -> models.FsWalkResponse:
        """``fs/walk``: the tree below a directory, breadth-first, within the limits."""
        if policy is None:
            return await self._run(_walk, params.path, params.options)
        return _walk_model(await self._walk_sandboxed(native_path(params.path), params.options, policy))

    async def walk_tree(
        self, params: models.FsWalkTreeParams, policy: SandboxPolicy | None = None
    ) -> models.FsWalkTreeResponse:
        """``execwire/walkTree``: `walk`'s listing, answered as a tree."""
        root, spelled = _walk_tree_root(params.path)
        if policy is None:
            return await self._run(_walk_tree, root, spelled, params.options)
        return _walk_tree_model(spelled, await self._walk_sandboxed(root, params.options, policy))

    async def _walk_sandboxed(
        self, root: bytes, options: models.WalkOptions, policy: SandboxPolicy
    ) -> fs_ops.WalkListing:
        groups, errors, truncated = await self._sandboxed(
            policy, "walk", root, *_walk_arguments(options)
        )
        # The helper's JSON turned tuples into lists.
        return (
            [(parent, directory, names, kinds) for parent, directory, names, kinds in groups],
            [(path, message) for path, message in errors],
            truncated,
        )

"""The executor's files, HTTP and missing-path watches: the part of `Executor` that is
not processes (a mixin; `Executor` sets up the state it uses).

Paths are the server's: absolute, or relative to the server's working directory.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Literal

from . import pathuri, transfer
from .errors import NotFoundError
from .filesystem import (
    DirEntry,
    FileStat,
    RemotePath,
    TreeWalk,
    remote_path_from_uri,
    remote_path_to_uri,
)
from .http import HttpResponse
from .missing_watch import MissingWatch
from .protocol import models
from .remote_file import RemoteFile
from .transfer import LocalFile, Progress

if TYPE_CHECKING:
    from .client import ExecServerClient

__all__ = ["ExecutorFiles"]


class ExecutorFiles:
    """File, HTTP and watch methods of `Executor`."""

    _client: ExecServerClient
    _cwd: PurePosixPath | None
    _missing_watch_id: int


    async def read_bytes(
        self, path: RemotePath, *, sandbox: models.FileSystemSandboxContext | None = None
    ) -> bytes:
        """The whole content of a remote file (the server refuses files over 512 MiB)."""
        params = models.FsReadFileParams(path=self._uri(path), sandbox=sandbox)
        return await self._client.internal.read_file_bytes(params)

    async def read_text(
        self,
        path: RemotePath,
        encoding: str = "utf-8",
        errors: str = "strict",
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> str:
        """A remote file decoded as text."""
        return (await self.read_bytes(path, sandbox=sandbox)).decode(encoding, errors)

    async def write_bytes(
        self,
        path: RemotePath,
        data: bytes,
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> None:
        """Create or truncate a remote file with `data` (its directory must exist)."""
        # The base64 goes straight into the request message, not through the model.
        params = models.FsWriteFileParams(path=self._uri(path), data_base64="", sandbox=sandbox)
        await self._client.internal.write_file_bytes(params, data)

    async def write_text(
        self,
        path: RemotePath,
        text: str,
        encoding: str = "utf-8",
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> None:
        """Create or truncate a remote file with `text`."""
        await self.write_bytes(path, text.encode(encoding), sandbox=sandbox)

    async def mkdir(
        self,
        path: RemotePath,
        *,
        parents: bool = True,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> None:
        """Create a directory: like `mkdir -p` by default (existing directories are fine);
        with `parents=False` a single mkdir that fails if it exists or its parent does not."""
        params = models.FsCreateDirectoryParams(
            path=self._uri(path), recursive=parents, sandbox=sandbox
        )
        await self._client.fs_create_directory(params)

    async def stat(
        self, path: RemotePath, *, sandbox: models.FileSystemSandboxContext | None = None
    ) -> FileStat:
        """Metadata of a remote path; raises `NotFoundError` (a `FileNotFoundError`)."""
        uri = self._uri(path)
        response = await self._client.fs_get_metadata(
            models.FsGetMetadataParams(path=uri, sandbox=sandbox)
        )
        return FileStat.from_wire(remote_path_from_uri(uri), response)

    async def canonicalize(
        self, path: RemotePath, *, sandbox: models.FileSystemSandboxContext | None = None
    ) -> PurePosixPath:
        """The remote path with every symlink, `.` and `..` resolved; it must exist
        (`NotFoundError` otherwise)."""
        response = await self._client.fs_canonicalize(
            models.FsCanonicalizeParams(path=self._uri(path), sandbox=sandbox)
        )
        return remote_path_from_uri(response.path)

    async def walk(
        self,
        path: RemotePath,
        *,
        max_depth: int = 64,
        max_directories: int = 10_000,
        max_entries: int = 50_000,
        follow_directory_symlinks: bool = False,
        skip_hidden_directories: bool = False,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> TreeWalk:
        """The directories and regular files below `path`, breadth-first (one request).

        `max_depth` 0 lists `path`'s children only. The limits' maxima are the defaults;
        reaching one sets `truncated`. Symlinks are left out unless
        `follow_directory_symlinks` (then a link to a directory is one, walked once).
        `skip_hidden_directories` lists dot-directories without entering them.
        """
        uri = self._uri(path)
        options = models.WalkOptions(
            max_depth=max_depth,
            max_directories=max_directories,
            max_entries=max_entries,
            follow_directory_symlinks=follow_directory_symlinks,
            prune_hidden_directories=skip_hidden_directories,
        )
        extensions = self._client.server_extensions
        if (
            extensions is not None
            and extensions.walk_tree
            and uri != "file:///"
            and not uri.startswith(pathuri.FALLBACK_PREFIX)
        ):
            # The same walk, its answer about a sixth of the size and no path to validate.
            tree = await self._client.execwire_walk_tree(
                models.FsWalkTreeParams(path=uri, options=options, sandbox=sandbox)
            )
            return TreeWalk.from_tree(tree)
        response = await self._client.fs_walk(
            models.FsWalkParams(path=uri, options=options, sandbox=sandbox)
        )
        return TreeWalk.from_wire(response)

    async def open_file(
        self,
        path: RemotePath,
        mode: Literal["read", "replace"] = "read",
        *,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> RemoteFile:
        """Open a remote file to read it in blocks, or (`replace`) to write a new content
        that takes its place when closed; use it as an async context manager."""
        handle_id = uuid.uuid4().hex  # 32 bytes, the most a handle id may have
        await self._client.fs_open(
            models.FsOpenParams(handle_id=handle_id, path=self._uri(path), mode=mode, sandbox=sandbox)
        )
        return RemoteFile(self._client, handle_id, mode)

    async def download(
        self,
        remote_path: RemotePath,
        destination: LocalFile,
        *,
        progress: Progress | None = None,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> int:
        """Copy a remote file of any size to `destination` (a local path, or a binary file
        object written at its position); returns the number of bytes.

        The file comes in 1 MiB blocks, several in flight, so memory stays bounded. A path
        is written to a temporary file beside it that takes its place at the end; the size
        and SHA-256 of what arrived are checked against the server's (`ChecksumMismatch`,
        and nothing kept, when they differ). `progress(done, total)` is called after each
        block. Against a server without execwire's extensions (the reference) the copy is
        the same but not checked.
        """
        return await transfer.download(
            self._client, self._uri(remote_path), destination, progress=progress, sandbox=sandbox
        )

    async def upload(
        self,
        source: LocalFile,
        remote_path: RemotePath,
        *,
        progress: Progress | None = None,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> int:
        """Copy `source` (a local path, or a binary file object read from its position to
        its end) to a remote file of any size; returns the number of bytes.

        The data goes in 1 MiB blocks, several in flight, so memory stays bounded, into a
        new file beside the target that takes its place only once the server has checked
        its size and SHA-256 (`ChecksumMismatch` otherwise). Any failure or cancellation
        leaves the target as it was and no partial file behind. `progress(done, total)` is
        called as blocks are acknowledged (total None when unknown, e.g. for a pipe).
        Against a server without execwire's extensions (the reference) the data is
        streamed the same way but not checked, and ends with `fs/close`.
        """
        return await transfer.upload(
            self._client, source, self._uri(remote_path), progress=progress, sandbox=sandbox
        )

    async def http_request(
        self,
        method: str,
        url: str,
        *,
        headers: Sequence[tuple[str, str] | models.HttpHeader] = (),
        body: bytes | None = None,
        timeout: float | None = None,
        follow_redirects: bool = True,
        stream: bool = False,
    ) -> HttpResponse:
        """Make an HTTP(S) request from the executor (`http/request`).

        `headers` are (name, value) pairs, or `models.HttpHeader` to append an executor
        environment variable to a value. `timeout` (seconds) bounds the exchange. With
        `stream`, the answer comes as soon as the headers do and `HttpResponse.body()`
        yields the body as it arrives; otherwise it is in the answer.
        """
        request_id = uuid.uuid4().hex
        parts = self._client.internal.http_body(request_id) if stream else None
        params = models.HttpRequestParams(
            method=method,
            url=url,
            headers=[
                header
                if isinstance(header, models.HttpHeader)
                else models.HttpHeader(name=header[0], value=header[1])
                for header in headers
            ],
            body_base64=body,
            timeout_ms=None if timeout is None else int(timeout * 1000),
            request_id=request_id,
            stream_response=stream,
            redirect_policy="follow" if follow_redirects else "stop",
        )
        try:
            response = await self._client.http_request(params)
        except BaseException:
            self._client.internal.http_body_done(request_id)
            raise
        return HttpResponse(response, client=self._client, request_id=request_id, parts=parts)

    async def watch_missing(self, paths: Sequence[RemotePath]) -> MissingWatch:
        """Watch paths that do not exist yet; `MissingWatch.wait()` returns once one of them
        (or a directory above it) appears or changes. One watch per connection: a new one
        replaces the last."""
        self._missing_watch_id += 1
        watch_id = self._missing_watch_id
        changed = self._client.internal.missing_watch(watch_id)
        try:
            response = await self._client.fs_watch_missing(
                models.FsWatchMissingParams(
                    watch_id=watch_id, missing=[self._uri(path) for path in paths]
                )
            )
        except BaseException:
            self._client.internal.missing_watch_done(watch_id)
            raise
        if not response.watching:
            self._client.internal.missing_watch_done(watch_id)
        return MissingWatch(watch_id, response.watching, changed if response.watching else None)

    async def exists(
        self, path: RemotePath, *, sandbox: models.FileSystemSandboxContext | None = None
    ) -> bool:
        """Whether a remote path exists (following symlinks)."""
        try:
            await self.stat(path, sandbox=sandbox)
        except NotFoundError:
            return False
        return True

    async def listdir(
        self, path: RemotePath, *, sandbox: models.FileSystemSandboxContext | None = None
    ) -> list[DirEntry]:
        """The entries of a remote directory, sorted by name (no `.`/`..`)."""
        uri = self._uri(path)
        response = await self._client.fs_read_directory(
            models.FsReadDirectoryParams(path=uri, sandbox=sandbox)
        )
        directory = remote_path_from_uri(uri)
        return sorted(
            (
                DirEntry(
                    name=entry.file_name,
                    path=directory / entry.file_name,
                    is_file=entry.is_file,
                    is_dir=entry.is_directory,
                )
                for entry in response.entries
            ),
            key=lambda entry: entry.name,
        )

    async def remove(
        self,
        path: RemotePath,
        *,
        recursive: bool = False,
        missing_ok: bool = False,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> None:
        """Remove a file, symlink or empty directory; a whole tree with `recursive=True`.
        A missing path raises `NotFoundError` unless `missing_ok`."""
        params = models.FsRemoveParams(
            path=self._uri(path), recursive=recursive, force=missing_ok, sandbox=sandbox
        )
        await self._client.fs_remove(params)

    async def copy(
        self,
        source: RemotePath,
        destination: RemotePath,
        *,
        recursive: bool = False,
        sandbox: models.FileSystemSandboxContext | None = None,
    ) -> None:
        """Copy a file or symlink on the server; a directory tree needs `recursive=True`."""
        params = models.FsCopyParams(
            source_path=self._uri(source),
            destination_path=self._uri(destination),
            recursive=recursive,
            sandbox=sandbox,
        )
        await self._client.fs_copy(params)

    # -- paths -------------------------------------------------------------------------

    def _require_cwd(self) -> PurePosixPath:
        if self._cwd is None:
            raise ValueError("the server did not report its cwd: pass cwd= explicitly")
        return self._cwd

    def _uri(self, path: RemotePath) -> str:
        return remote_path_to_uri(path, self._cwd)

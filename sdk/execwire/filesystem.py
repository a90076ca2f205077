"""Remote filesystem results (`FileStat`, `DirEntry`) and remote path conversion.

Paths are POSIX paths on the server. The SDK takes `str` or `os.PathLike` and returns
`pathlib.PurePosixPath`; on the wire they are `file:` URIs (`execwire.pathuri`). Relative
paths are resolved against the server's working directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import TypeAlias

from . import pathuri
from .errors import ProtocolError
from .protocol import models

__all__ = [
    "DirEntry",
    "FileStat",
    "RemotePath",
    "TreeWalk",
    "WalkEntry",
    "remote_path_from_uri",
    "remote_path_to_uri",
]

RemotePath: TypeAlias = str | os.PathLike[str]
"""A path on the server: absolute, or relative to the server's working directory."""


def remote_path_to_uri(path: RemotePath, base: PurePosixPath | None) -> str:
    """The PathUri of `path`, resolving a relative path against `base`."""
    posix = PurePosixPath(os.fspath(path))
    if not posix.is_absolute():
        if base is None:
            raise ValueError(f"relative path {posix} needs the server's cwd, which is unknown")
        posix = base / posix
    return pathuri.from_native_path(str(posix))


def remote_path_from_uri(uri: str) -> PurePosixPath:
    """The POSIX path of a PathUri (paths that are not valid UTF-8 keep surrogate escapes)."""
    return PurePosixPath(os.fsdecode(pathuri.to_native_path(uri)))


@dataclass(frozen=True, slots=True)
class FileStat:
    """Metadata of a remote path (size and times follow symlinks; `is_symlink` does not)."""

    path: PurePosixPath
    is_file: bool
    is_dir: bool
    is_symlink: bool
    size: int
    modified_at: datetime
    created_at: datetime | None
    """None where the server cannot report a birth time."""

    @classmethod
    def from_wire(cls, path: PurePosixPath, metadata: models.FsGetMetadataResponse) -> FileStat:
        """Build from an `fs/getMetadata` result."""
        return cls(
            path=path,
            is_file=metadata.is_file,
            is_dir=metadata.is_directory,
            is_symlink=metadata.is_symlink,
            size=metadata.size,
            modified_at=datetime.fromtimestamp(metadata.modified_at_ms / 1000, UTC),
            created_at=(
                datetime.fromtimestamp(metadata.created_at_ms / 1000, UTC)
                if metadata.created_at_ms
                else None
            ),
        )


@dataclass(frozen=True, slots=True)
class DirEntry:
    """One entry of a remote directory listing."""

    name: str
    path: PurePosixPath
    is_file: bool
    is_dir: bool


class WalkEntry:
    """A directory or regular file found by `Executor.walk` (its path is made on first use:
    a walk may list tens of thousands of entries)."""

    __slots__ = ("_path", "_uri", "is_dir")

    def __init__(self, uri: str, is_dir: bool) -> None:
        self._uri = uri
        self._path: PurePosixPath | None = None
        self.is_dir = is_dir
        """A directory (else a regular file)."""

    @property
    def path(self) -> PurePosixPath:
        """The entry's path on the server."""
        if self._path is None:
            self._path = remote_path_from_uri(self._uri)
        return self._path

    @property
    def uri(self) -> str:
        """The entry's path as the PathUri the server sent."""
        return self._uri

    def __repr__(self) -> str:
        return f"WalkEntry(path={str(self.path)!r}, is_dir={self.is_dir})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WalkEntry):
            return NotImplemented
        return (self._uri, self.is_dir) == (other._uri, other.is_dir)

    def __hash__(self) -> int:
        return hash((self._uri, self.is_dir))


@dataclass(frozen=True, slots=True)
class TreeWalk:
    """What `Executor.walk` found: iterate it for the entries (breadth-first, children in
    name order). `errors` maps directories that could not be read to the reason;
    `truncated` says a limit stopped the walk early."""

    entries: tuple[WalkEntry, ...]
    errors: dict[PurePosixPath, str]
    truncated: bool

    def __iter__(self) -> Iterator[WalkEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def from_wire(cls, response: models.FsWalkResponse) -> TreeWalk:
        """Build from an `fs/walk` result."""
        return cls(
            entries=tuple(
                WalkEntry(entry.path, entry.kind == "directory") for entry in response.entries
            ),
            errors={remote_path_from_uri(error.path): error.message for error in response.errors},
            truncated=response.truncated,
        )

    @classmethod
    def from_tree(cls, response: models.FsWalkTreeResponse) -> TreeWalk:
        """Build from an `execwire/walkTree` result (the same entries as `fs/walk`'s);
        raises `ProtocolError` for a tree that does not spell canonical paths."""
        root = response.root
        if root.endswith("/") or root.startswith(pathuri.FALLBACK_PREFIX):
            raise ProtocolError(f"execwire/walkTree answered with a root it cannot have: {root!r}")
        uris: list[str] = []
        kinds = ""
        for group in response.groups:
            parent = group.parent
            if parent == -1:
                base = root
            elif 0 <= parent < len(uris) and kinds[parent] == "d":
                base = uris[parent]
            else:
                raise ProtocolError(f"execwire/walkTree group with a bad parent {parent}")
            if len(group.kinds) != len(group.names) or not pathuri.canonical_segments(group.names):
                raise ProtocolError("execwire/walkTree group whose names are not path segments")
            prefix = base + "/"
            uris.extend([prefix + name for name in group.names])
            kinds += group.kinds
        if kinds.replace("d", "").replace("f", ""):
            raise ProtocolError("execwire/walkTree kinds other than d and f")
        return cls(
            entries=tuple(map(WalkEntry, uris, [kind == "d" for kind in kinds])),
            errors={remote_path_from_uri(error.path): error.message for error in response.errors},
            truncated=response.truncated,
        )

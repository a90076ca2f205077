"""`fs/walk`: a breadth-first listing of a tree, grouped by directory (standard library
only, like `fs_ops`, which lists it among its operations)."""

from __future__ import annotations

import os
import stat
from collections import deque
from collections.abc import Iterator
from typing import Literal

from .errors import INVALID_REQUEST, RpcError, io_error
from .fs_nofollow import check_nul

__all__ = [
    "WALK_ANSWER_BUDGET",
    "WALK_ITEM_OVERHEAD",
    "WALK_MAX_DEPTH",
    "WALK_MAX_DIRECTORIES",
    "WALK_MAX_ENTRIES",
    "WalkGroup",
    "WalkKind",
    "WalkListing",
    "walk",
    "walk_entries",
]

WalkKind = Literal["directory", "file"]
WALK_MAX_DEPTH = 64
WALK_MAX_DIRECTORIES = 10_000
WALK_MAX_ENTRIES = 50_000
WALK_ANSWER_BUDGET = 4 * 1024 * 1024
"""About how large a walk's answer may grow (paths plus `WALK_ITEM_OVERHEAD` each)."""
WALK_ITEM_OVERHEAD = 64


WalkGroup = tuple[int, bytes, list[bytes], str]
"""The children of one directory a walk read, in name order: (the directory's index among
the walk's entries, -1 for the root; its path; the children's names; one letter per child,
"d" for a directory and "f" for a file)."""

WalkListing = tuple[list[WalkGroup], list[tuple[bytes, str]], bool]
"""What `walk` found: (groups in breadth-first order, errors as (directory, message),
truncated). The entries are the groups' children in order (see `walk_entries`)."""


def walk(
    root: bytes,
    max_depth: int,
    max_directories: int,
    max_entries: int,
    follow_directory_symlinks: bool,
    prune_hidden_directories: bool,
) -> WalkListing:
    """Breadth-first listing of a tree (`fs/walk`), grouped by directory.

    Children come in name order; only directories and regular files are reported. Each
    real directory is read at most once (by device and inode), so symlink loops end; the
    limits and an answer budget of about 4 MiB bound the rest.
    """
    if max_directories == 0 or max_entries == 0:
        raise RpcError(INVALID_REQUEST, "filesystem walk limits must be greater than zero")
    if (
        max_depth > WALK_MAX_DEPTH
        or max_directories > WALK_MAX_DIRECTORIES
        or max_entries > WALK_MAX_ENTRIES
    ):
        raise RpcError(
            INVALID_REQUEST,
            f"filesystem walk limits exceed maximums: depth={WALK_MAX_DEPTH}, "
            f"directories={WALK_MAX_DIRECTORIES}, entries={WALK_MAX_ENTRIES}",
        )
    check_nul(root)
    info = os.lstat(root)
    if not stat.S_ISDIR(info.st_mode):
        return [], [], False
    groups: list[WalkGroup] = []
    errors: list[tuple[bytes, str]] = []
    visited = {(info.st_dev, info.st_ino)}
    pending: deque[tuple[bytes, int, int]] = deque([(root, 0, -1)])
    directories_read = entry_count = 0
    budget = WALK_ANSWER_BUDGET
    while pending:
        if directories_read >= max_directories:
            return groups, errors, True
        directory, depth, index = pending.popleft()
        directories_read += 1
        try:
            with os.scandir(directory) as listing:
                children = sorted(listing, key=lambda child: child.name)
        except OSError as error:
            errors.append((directory, io_error(error).message))
            continue
        names: list[bytes] = []
        kinds: list[str] = []
        for child in children:
            kind, identity = _walk_kind(child, follow_directory_symlinks)
            if kind is None:
                continue
            budget -= len(child.path) + WALK_ITEM_OVERHEAD
            if entry_count >= max_entries or budget < 0:
                if names:
                    groups.append((index, directory, names, "".join(kinds)))
                return groups, errors, True
            names.append(child.name)
            kinds.append(kind[0])
            descend = (
                kind == "directory"
                and depth < max_depth
                and not (prune_hidden_directories and child.name.startswith(b"."))
                and identity not in visited
            )
            if descend:
                visited.add(identity)
                pending.append((child.path, depth + 1, entry_count))
            entry_count += 1
        if names:
            groups.append((index, directory, names, "".join(kinds)))
    return groups, errors, False


def walk_entries(groups: list[WalkGroup]) -> Iterator[tuple[bytes, WalkKind]]:
    """The entries of a walk's groups, in order: (path, "directory" | "file")."""
    for _, directory, names, kinds in groups:
        prefix = directory if directory.endswith(b"/") else directory + b"/"
        for name, letter in zip(names, kinds, strict=True):
            yield prefix + name, "directory" if letter == "d" else "file"


def _walk_kind(
    child: os.DirEntry[bytes], follow_directory_symlinks: bool
) -> tuple[WalkKind | None, tuple[int, int]]:
    # The directory entry's type answers without a system call; only directories (and,
    # when followed, links) are stat'ed, for their identity.
    try:
        if child.is_symlink():
            if not follow_directory_symlinks:
                return None, (0, 0)
            target = child.stat()  # follows the link
            if not stat.S_ISDIR(target.st_mode):
                return None, (0, 0)
            return "directory", (target.st_dev, target.st_ino)
        if child.is_file(follow_symlinks=False):
            return "file", (0, 0)
        if child.is_dir(follow_symlinks=False):
            info = child.stat(follow_symlinks=False)
            return "directory", (info.st_dev, info.st_ino)
    except OSError:
        pass  # dangling, looping or gone: not an entry
    return None, (0, 0)

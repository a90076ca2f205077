"""The ``fs/*`` operations on native paths, as ``codex exec-server`` 0.169.0 performs them.

Standard library only (plus `errors`): the same functions serve requests directly, in a
worker thread, and inside the sandbox, where `sandbox.fs_helper` runs one of them under the
request's bubblewrap view of the file system. Protocol concerns (PathUris, base64, models)
stay in `filesystem`.

Two path modes exist, chosen by ``followSymlinks``:

* default (absent or true): plain path-based system calls, as Rust's ``std::fs`` makes
  them (``open``, ``lstat``/``stat``, ``mkdir -p``, ``remove_dir_all`` ...);
* ``followSymlinks: false``: no symbolic link may appear anywhere in the path. Like the
  reference, each directory is opened with ``O_PATH|O_DIRECTORY|O_NOFOLLOW`` from ``/``
  down (`fs_nofollow`), so a symlinked directory fails with ENOTDIR and a symlinked final component with
  ELOOP (or ``path contains a symbolic link`` where the reference stats it).

OS errors are reported as Rust prints them from the musl build: the musl ``strerror``
text plus `` (os error N)``, with the code from :func:`execwire_server.errors.io_error`.
"""

from __future__ import annotations

import ctypes
import errno
import os
import stat
from collections.abc import Callable, Iterator
from typing import NamedTuple, TypeVar

from .errors import INTERNAL_ERROR, INVALID_REQUEST, RpcError, io_error
from .fs_handle_ops import finish_replace, open_handle
from .fs_nofollow import (
    AT_EMPTY_PATH,
    AT_SYMLINK_NOFOLLOW,
    check_nul,
    display_path,
    open_dirs,
    open_nofollow,
    path_components,
    split_last,
    statx_at,
)
from .fs_walk import WalkGroup, WalkKind, WalkListing, walk, walk_entries

# The operations by name, for `FileSystem.operation` and the sandbox's file helper; `walk`
# and the file-handle operations live in modules of their own.
__all__ = [
    "DEFAULT_MAX_READ_BYTES",
    "DirectoryEntry",
    "Metadata",
    "WalkGroup",
    "WalkKind",
    "WalkListing",
    "canonicalize",
    "copy",
    "create_directory",
    "finish_replace",
    "get_metadata",
    "guarded",
    "open_handle",
    "read_directory",
    "read_file",
    "remove",
    "walk",
    "walk_entries",
    "write_file",
]


class Metadata(NamedTuple):
    """What `fs/getMetadata` reports."""

    is_directory: bool
    is_file: bool
    is_symlink: bool
    size: int
    created_at_ms: int
    modified_at_ms: int


class DirectoryEntry(NamedTuple):
    """One `fs/readDirectory` entry."""

    file_name: str
    is_directory: bool
    is_file: bool


DEFAULT_MAX_READ_BYTES = 512 * 1024 * 1024
"""The reference refuses to read files larger than 512 MiB."""

_T = TypeVar("_T")

_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC  # O_NONBLOCK: a FIFO must not hang open()
_NOFOLLOW_WRITE_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_NOCTTY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
)
_READ_CHUNK = 1024 * 1024
_COPY_FILE_RANGE_CHUNK = 1 << 30  # what Rust's kernel_copy asks for per call
_SENDFILE_CHUNK = 0x7FFF_F000  # Linux's per-call maximum, as Rust passes it

_NOT_REGULAR = "path is not a regular file"
_SYMLINK_IN_PATH = "path contains a symbolic link"
_COPY_NEEDS_RECURSIVE = "fs/copy requires recursive: true when sourcePath is a directory"
_COPY_INTO_ITSELF = "fs/copy cannot copy a directory to itself or one of its descendants"
_COPY_UNSUPPORTED = "fs/copy only supports regular files, directories, and symlinks"

def _too_large(limit: int) -> RpcError:
    return RpcError(INVALID_REQUEST, f"file is too large to read: limit is {limit} bytes")


def _epoch_ms(ns: int) -> int:
    """std's ``SystemTime`` → ms since the epoch; a time before the epoch becomes 0."""
    return ns // 1_000_000 if ns >= 0 else 0


# ------------------------------------------------------------------------ data movement




def _read_all(fd: int, size_hint: int, limit: int) -> bytes:
    """Read to EOF, at most ``limit`` bytes; one read (no copy) for a file of known size."""
    chunks: list[bytes] = []
    total = 0
    want = size_hint + 1 if size_hint else _READ_CHUNK
    while True:
        chunk = os.read(fd, min(want, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise _too_large(limit)
        want = _READ_CHUNK
    if len(chunks) == 1:
        return chunks[0]
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written == 0:
            raise RpcError(INTERNAL_ERROR, "failed to write whole buffer")
        view = view[written:]


# errno values for which Rust's kernel_copy falls back from copy_file_range before any byte moved.
_CFR_FALLBACK = frozenset(
    {errno.ENOSYS, errno.EXDEV, errno.EINVAL, errno.EPERM, errno.EOPNOTSUPP, errno.EBADF}
)


def _copy_data(source: int, target: int) -> None:
    """Rust's ``io::copy`` between files: copy_file_range, then sendfile, then read/write."""
    written = 0
    while True:
        try:
            count = os.copy_file_range(source, target, _COPY_FILE_RANGE_CHUNK)
        except OSError as error:
            if error.errno == errno.EOVERFLOW or (error.errno in _CFR_FALLBACK and written == 0):
                break
            raise
        if count == 0:
            if written:
                return
            break  # 0 before any byte: maybe a procfs file that lies about its size
        written += count
    sendfile_written = 0
    while True:
        try:
            count = os.sendfile(target, source, None, _SENDFILE_CHUNK)
        except OSError as error:
            if error.errno in (errno.ENOSYS, errno.EPERM, errno.EOVERFLOW) or (
                error.errno == errno.EINVAL and sendfile_written == 0
            ):
                break
            raise
        if count == 0:
            return
        sendfile_written += count
    while True:
        chunk = os.read(source, _READ_CHUNK)
        if not chunk:
            return
        _write_all(target, chunk)


def _copy_file(source: bytes, destination: bytes) -> None:
    """``std::fs::copy``: byte copy, destination created/truncated with the source's mode."""
    in_fd = os.open(source, os.O_RDONLY | os.O_CLOEXEC)
    try:
        source_stat = os.fstat(in_fd)
        if not stat.S_ISREG(source_stat.st_mode):
            raise RpcError(
                INVALID_REQUEST,
                "the source path is neither a regular file nor a symlink to a regular file",
            )
        mode = stat.S_IMODE(source_stat.st_mode)
        # Opened without O_TRUNC, truncated after the identity check below.
        out_fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, mode)
        try:
            target_stat = os.fstat(out_fd)
            if (target_stat.st_dev, target_stat.st_ino) == (source_stat.st_dev, source_stat.st_ino):
                # Deliberate difference: the reference truncates a file copied onto itself
                # (also via a symlink or hard link) to 0 bytes and returns {}. We return {}
                # and leave the file intact.
                return
            if stat.S_ISREG(target_stat.st_mode):
                os.ftruncate(out_fd, 0)
                os.fchmod(out_fd, mode)  # in case the file already existed
            _copy_data(in_fd, out_fd)
        finally:
            os.close(out_fd)
    finally:
        os.close(in_fd)


def _copy_symlink(source: bytes, destination: bytes) -> None:
    """A new symlink with the same target; an existing destination is EEXIST, as in the reference."""
    os.symlink(os.readlink(source), destination)


def _create_dir_all(path: bytes) -> None:
    """``std::fs::create_dir_all``: an existing directory (also via a symlink) is fine."""
    pending: list[bytes] = []
    current = path
    while True:
        try:
            os.mkdir(current, 0o777)
            break
        except OSError as error:
            if error.errno != errno.ENOENT:
                if os.path.isdir(current):
                    break
                raise
        parent = os.path.dirname(current)
        if parent == current:
            raise RpcError(INTERNAL_ERROR, "failed to create whole tree")
        pending.append(current)
        current = parent
    for directory in reversed(pending):
        try:
            os.mkdir(directory, 0o777)
        except OSError:
            if not os.path.isdir(directory):
                raise


def _is_same_or_inside(source: bytes, destination: bytes) -> bool:
    """Whether ``destination`` is ``source`` or below it, after resolving symlinks.

    The destination may not exist yet: its longest existing prefix is canonicalized and
    the rest appended, as the reference does.
    """
    source_real = os.path.realpath(source, strict=True)
    existing = destination
    rest: list[bytes] = []
    while True:
        try:
            os.stat(existing)
            break
        except OSError:
            parent = os.path.dirname(existing)
            if parent == existing:
                break
            rest.append(os.path.basename(existing))
            existing = parent
    target = os.path.join(os.path.realpath(existing), *reversed(rest))
    return target == source_real or target.startswith(source_real.rstrip(b"/") + b"/")


def _copy_tree(source: bytes, destination: bytes) -> None:
    """Depth-first copy of a directory's entries, in directory order, without recursion.

    Directories are merged into existing ones, files overwritten, symlinks re-created
    (an existing one fails with EEXIST); FIFOs, sockets and devices are skipped.
    """
    stack: list[tuple[Iterator[os.DirEntry[bytes]], bytes]] = []
    try:
        stack.append((os.scandir(source), destination))
        while stack:
            entries, target_dir = stack[-1]
            entry = next(entries, None)
            if entry is None:
                entries.close()  # type: ignore[attr-defined]
                stack.pop()
                continue
            target = os.path.join(target_dir, entry.name)
            if entry.is_dir(follow_symlinks=False):
                _create_dir_all(target)
                stack.append((os.scandir(entry.path), target))
            elif entry.is_file(follow_symlinks=False):
                _copy_file(entry.path, target)
            elif entry.is_symlink():
                _copy_symlink(entry.path, target)
    finally:
        for entries, _ in stack:
            entries.close()  # type: ignore[attr-defined]


_DIR_NOFOLLOW_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _remove_dir_all(path: bytes) -> None:
    """``std::fs::remove_dir_all``: fd-relative, never follows a symlink out of the tree.

    NotFound below the root is ignored (something else removed it first). Iterative, so
    depth is not limited by Python's recursion limit.
    """
    if stat.S_ISLNK(os.lstat(path).st_mode):
        os.unlink(path)
        return
    root_fd = os.open(path, _DIR_NOFOLLOW_FLAGS)
    # (fd of the directory, its entries, its name in the parent level's fd)
    stack: list[tuple[int, Iterator[os.DirEntry[str]], str]] = []
    try:
        stack.append((root_fd, os.scandir(root_fd), ""))
        while stack:
            fd, entries, name = stack[-1]
            entry = next(entries, None)
            if entry is None:
                entries.close()  # type: ignore[attr-defined]
                os.close(fd)
                stack.pop()
                try:
                    if stack:
                        os.rmdir(name, dir_fd=stack[-1][0])
                    else:
                        os.rmdir(path)
                except FileNotFoundError:
                    pass
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    try:
                        child = os.open(entry.name, _DIR_NOFOLLOW_FLAGS, dir_fd=fd)
                    except OSError as error:
                        if error.errno not in (errno.ENOTDIR, errno.ELOOP):
                            raise
                        os.unlink(entry.name, dir_fd=fd)  # replaced by a non-directory
                        continue
                    try:
                        stack.append((child, os.scandir(child), entry.name))
                    except BaseException:
                        os.close(child)
                        raise
                else:
                    os.unlink(entry.name, dir_fd=fd)
            except FileNotFoundError:
                continue
    finally:
        for fd, entries, _ in stack:
            entries.close()  # type: ignore[attr-defined]
            os.close(fd)


# ------------------------------------------------------------------- the operations


def read_file(path: bytes, no_follow: bool, limit: int) -> bytes:
    """The whole file (`fs/readFile`); at most `limit` bytes."""
    if no_follow:
        fd = open_nofollow(path, _READ_FLAGS)
    else:
        check_nul(path)
        fd = os.open(path, _READ_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            if no_follow:
                raise RpcError(INVALID_REQUEST, _NOT_REGULAR)
            raise RpcError(INVALID_REQUEST, f"path `{display_path(path)}` is not a file")
        if info.st_size > limit:
            raise _too_large(limit)
        return _read_all(fd, info.st_size, limit)
    finally:
        os.close(fd)


def write_file(path: bytes, data: bytes, no_follow: bool) -> None:
    """Create or truncate, then write `data` (`fs/writeFile`).

    A regular file's space is reserved before its old content is touched, so a full disk
    or a file size limit fails the call with the old file as it was (the reference has
    truncated it by then). The file keeps its inode, as with the reference's in-place
    write; only its content changes."""
    if no_follow:
        fd = open_nofollow(path, _NOFOLLOW_WRITE_FLAGS, 0o666)
    else:
        check_nul(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        if no_follow and not regular:
            raise RpcError(INVALID_REQUEST, _NOT_REGULAR)
        if regular:
            _reserve(fd, len(data))
        _write_all(fd, data)
        if regular:
            os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def _reserve(fd: int, size: int) -> None:
    """Allocate the file's first `size` bytes (fallocate(2)); a file system without it is
    written as it is. No emulation: glibc's would write zeros over the old content."""
    if size == 0 or _fallocate is None:
        return
    if _fallocate(fd, 0, 0, size) != 0:
        error = ctypes.get_errno()
        if error not in (errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
            raise OSError(error, os.strerror(error))


def _load_fallocate() -> Callable[[int, int, int, int], int] | None:
    try:
        function = ctypes.CDLL(None, use_errno=True).fallocate64
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    function.restype = ctypes.c_int
    return function


_fallocate = _load_fallocate()


def create_directory(path: bytes, recursive: bool, no_follow: bool) -> None:
    """`mkdir -p`, or one `mkdir` (`fs/createDirectory`)."""
    if not no_follow:
        check_nul(path)
        if recursive:
            _create_dir_all(path)
        else:
            os.mkdir(path, 0o777)
        return
    if recursive:
        os.close(open_dirs(path_components(path), create=True))
        return
    if not path_components(path):
        raise RpcError(INTERNAL_ERROR, "directory already exists")  # `/`
    parents, name = split_last(path)
    dir_fd = open_dirs(parents)
    try:
        os.mkdir(name, 0o777, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)


def get_metadata(path: bytes, no_follow: bool) -> Metadata:
    """Type flags, size and times (`fs/getMetadata`)."""
    if no_follow:
        components = path_components(path)
        if components:
            parents, name = split_last(path)
            dir_fd = open_dirs(parents)
            flags = AT_SYMLINK_NOFOLLOW
        else:
            dir_fd, name, flags = open_dirs([]), b"", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW
        try:
            info = statx_at(dir_fd, name, flags)
        finally:
            os.close(dir_fd)
        if stat.S_ISLNK(info.mode):
            raise RpcError(INVALID_REQUEST, _SYMLINK_IN_PATH)
        return Metadata(
            is_directory=stat.S_ISDIR(info.mode),
            is_file=stat.S_ISREG(info.mode),
            is_symlink=False,
            size=info.size,
            created_at_ms=info.btime_ms,
            modified_at_ms=info.mtime_ms,
        )
    check_nul(path)
    link = os.lstat(path)
    target = os.stat(path) if stat.S_ISLNK(link.st_mode) else link
    return Metadata(
        is_directory=stat.S_ISDIR(target.st_mode),
        is_file=stat.S_ISREG(target.st_mode),
        is_symlink=stat.S_ISLNK(link.st_mode),
        size=target.st_size,
        # The reference (a musl build, plain stat) has no birth time on this path.
        created_at_ms=0,
        modified_at_ms=_epoch_ms(target.st_mtime_ns),
    )


def read_directory(path: bytes) -> list[DirectoryEntry]:
    """The entries in directory order, unreadable ones left out (`fs/readDirectory`)."""
    check_nul(path)
    entries: list[DirectoryEntry] = []
    with os.scandir(path) as listing:
        for entry in listing:
            try:
                if entry.is_symlink():
                    # Flags describe the target; a dangling or looping link is left out.
                    mode = os.stat(entry.path).st_mode
                    is_dir, is_file = stat.S_ISDIR(mode), stat.S_ISREG(mode)
                else:
                    is_dir = entry.is_dir(follow_symlinks=False)
                    is_file = entry.is_file(follow_symlinks=False)
            except OSError:
                continue
            entries.append(DirectoryEntry(entry.name.decode("utf-8", "replace"), is_dir, is_file))
    return entries


def remove(path: bytes, recursive: bool, force: bool, no_follow: bool) -> None:
    """`rm -rf` by default (`fs/remove`)."""
    if no_follow:
        if recursive:
            raise RpcError(INTERNAL_ERROR, "recursive no-follow removal is unsupported")
        _remove_nofollow(path, force)
        return
    check_nul(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if force:
            return
        raise
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(path)  # files, FIFOs and symlinks (also to directories) alike
    elif recursive:
        _remove_dir_all(path)
    else:
        os.rmdir(path)


def _remove_nofollow(path: bytes, force: bool) -> None:
    try:
        parents, name = split_last(path)
        dir_fd = open_dirs(parents)
        try:
            mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
            if stat.S_ISLNK(mode):
                raise RpcError(INVALID_REQUEST, _SYMLINK_IN_PATH)
            if stat.S_ISDIR(mode):
                os.rmdir(name, dir_fd=dir_fd)
            else:
                os.unlink(name, dir_fd=dir_fd)
        finally:
            os.close(dir_fd)
    except FileNotFoundError:
        if not force:
            raise


def copy(source: bytes, destination: bytes, recursive: bool) -> None:
    """A file, a symlink, or (with `recursive`) a directory tree (`fs/copy`)."""
    check_nul(source)
    mode = os.lstat(source).st_mode
    if stat.S_ISDIR(mode):
        if not recursive:
            raise RpcError(INVALID_REQUEST, _COPY_NEEDS_RECURSIVE)
        check_nul(destination)
        if _is_same_or_inside(source, destination):
            raise RpcError(INVALID_REQUEST, _COPY_INTO_ITSELF)
        _create_dir_all(destination)
        _copy_tree(source, destination)
    elif stat.S_ISLNK(mode):
        check_nul(destination)
        _copy_symlink(source, destination)
    elif stat.S_ISREG(mode):
        check_nul(destination)
        _copy_file(source, destination)
    else:
        raise RpcError(INVALID_REQUEST, _COPY_UNSUPPORTED)


def canonicalize(path: bytes) -> bytes:
    """The path with every symlink, `.` and `..` resolved; it must exist (`fs/canonicalize`)."""
    check_nul(path)
    return os.path.realpath(path, strict=True)


def guarded(function: Callable[..., _T], *args: object) -> _T:
    """Run one operation, turning OSError into the reference's reply."""
    try:
        return function(*args)
    except OSError as error:
        raise io_error(error) from None

"""`fs/open` and the rename at `fs/close` for `replace` handles (standard library only,
like `fs_ops`, which lists them among its operations so the sandbox's file helper can run
them)."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile

from .errors import INVALID_REQUEST, RpcError
from .fs_nofollow import display_path

__all__ = ["finish_replace", "open_handle"]


def open_handle(path: bytes, mode: str) -> tuple[int, bytes, bytes]:
    """`fs/open`: (descriptor, target, partial). `read` opens an existing regular file;
    `replace` makes a new file beside the target (`partial`, with the target's permissions
    or the umask's), which takes the target's place at `finish_replace`. A dangling symlink
    is not followed."""
    if mode == "read":
        return _open_for_reading(path), path, b""
    return _open_for_replacing(path)


def finish_replace(partial: bytes, target: bytes) -> None:
    """A `replace` handle is closed: its new content takes the target's place (or, when it
    cannot, is removed)."""
    try:
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise


def _open_for_reading(path: bytes) -> int:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise RpcError(INVALID_REQUEST, f"path `{display_path(path)}` is not a file")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_for_replacing(path: bytes) -> tuple[int, bytes, bytes]:
    try:
        target = os.path.realpath(path, strict=True)
        info = os.stat(target)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        mode = stat.S_IMODE(info.st_mode)
        # The reference opens (and truncates) the target here: fail as it does, read-only
        # mount first, then permission, without truncating anything.
        if os.statvfs(target).f_flag & os.ST_RDONLY:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        os.close(os.open(target, os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC))
    except FileNotFoundError:
        if os.path.islink(path):
            raise  # dangling: not followed
        target, mode = os.path.abspath(path), 0o666 & ~_umask()
    directory, name = os.path.split(target)
    fd, partial = tempfile.mkstemp(prefix=b"." + name + b".", suffix=b".execwire", dir=directory)
    os.fchmod(fd, mode)
    return fd, target, os.fsencode(partial)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current

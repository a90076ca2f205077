"""Paths without symbolic links (`followSymlinks: false`) and `statx`, for `fs_ops`.

Like the reference, each directory is opened with ``O_PATH|O_DIRECTORY|O_NOFOLLOW`` from
``/`` down, so a symlinked directory fails with ENOTDIR and a symlinked final component
with ELOOP. Standard library only (it runs inside the sandbox too).
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass

from .errors import INVALID_REQUEST, RpcError

__all__ = [
    "AT_EMPTY_PATH",
    "AT_SYMLINK_NOFOLLOW",
    "DIR_PATH_FLAGS",
    "NUL_IN_PATH",
    "Statx",
    "check_nul",
    "display_path",
    "open_dirs",
    "open_nofollow",
    "oserror",
    "path_components",
    "split_last",
    "statx_at",
]

DIR_PATH_FLAGS = os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NO_ENTRY = "path must name an entry"


def oserror(code: int) -> OSError:
    """An OSError with the code's standard text."""
    return OSError(code, os.strerror(code))


# ------------------------------------------------------------------------------- statx


@dataclass(frozen=True)
class Statx:
    mode: int
    size: int
    mtime_ms: int
    btime_ms: int


AT_EMPTY_PATH = 0x1000
AT_SYMLINK_NOFOLLOW = 0x100
_STATX_BASIC_STATS = 0x7FF
_STATX_BTIME = 0x800
_STATX_SIZE = 256
_STATX_MASK = struct.Struct("=I")
_STATX_MODE = struct.Struct("=H")
_STATX_SIZE_FIELD = struct.Struct("=Q")
_STATX_TIME = struct.Struct("=qI")
_STATX_BTIME_OFFSET = 0x50
_STATX_MTIME_OFFSET = 0x70


def _load_statx() -> Callable[..., int] | None:
    try:
        function = ctypes.CDLL(None, use_errno=True).statx
    except (AttributeError, OSError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_void_p,
    ]
    function.restype = ctypes.c_int
    return function


_statx = _load_statx()


def statx_at(dir_fd: int, name: bytes, flags: int) -> Statx:
    """statx(2), the call the reference's no-follow metadata uses: it reports birth time.

    Times keep their sign here (sec * 1000 + nsec / 10^6), unlike on the default path.
    """
    if _statx is not None:
        buffer = ctypes.create_string_buffer(_STATX_SIZE)
        if _statx(dir_fd, name, flags, _STATX_BASIC_STATS | _STATX_BTIME, buffer) == 0:
            (mask,) = _STATX_MASK.unpack_from(buffer, 0)
            (mode,) = _STATX_MODE.unpack_from(buffer, 0x1C)
            (size,) = _STATX_SIZE_FIELD.unpack_from(buffer, 0x28)
            m_sec, m_nsec = _STATX_TIME.unpack_from(buffer, _STATX_MTIME_OFFSET)
            b_sec, b_nsec = _STATX_TIME.unpack_from(buffer, _STATX_BTIME_OFFSET)
            birth = b_sec * 1000 + b_nsec // 1_000_000 if mask & _STATX_BTIME else 0
            return Statx(mode, size, m_sec * 1000 + m_nsec // 1_000_000, birth)
        code = ctypes.get_errno()
        if code != errno.ENOSYS:
            raise oserror(code)
    # No statx: plain fstatat, without a birth time.
    result = os.stat(name or b".", dir_fd=dir_fd, follow_symlinks=False)
    return Statx(result.st_mode, result.st_size, result.st_mtime_ns // 1_000_000, 0)


# ---------------------------------------------------------------- no-follow path walking


def path_components(path: bytes) -> list[bytes]:
    return [part for part in path.split(b"/") if part]


def open_dirs(components: list[bytes], *, create: bool = False) -> int:
    """Open ``/`` then each component with O_NOFOLLOW|O_DIRECTORY; return the last fd.

    A symlink among them fails with ENOTDIR, a NUL byte with EINVAL (as rustix does). With
    ``create``, a missing directory is made (``mkdirat``) and then opened.
    """
    fd = os.open(b"/", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for name in components:
            if b"\0" in name:
                raise oserror(errno.EINVAL)
            try:
                child = os.open(name, DIR_PATH_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                try:
                    os.mkdir(name, 0o777, dir_fd=fd)
                except FileExistsError:
                    pass  # made concurrently: open it below
                child = os.open(name, DIR_PATH_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def split_last(path: bytes) -> tuple[list[bytes], bytes]:
    """(parent components, final name); ``/`` itself names no entry."""
    components = path_components(path)
    if not components:
        raise RpcError(INVALID_REQUEST, _NO_ENTRY)
    last = components.pop()
    if b"\0" in last:
        # Reached only after the parents open (the reference checks per component).
        os.close(open_dirs(components))
        raise oserror(errno.EINVAL)
    return components, last


def open_nofollow(path: bytes, flags: int, mode: int = 0o777) -> int:
    parents, name = split_last(path)
    dir_fd = open_dirs(parents)
    try:
        return os.open(name, flags | os.O_NOFOLLOW, mode, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)


NUL_IN_PATH = "file name contained an unexpected NUL byte"


def check_nul(path: bytes) -> None:
    """Rust's std refuses paths with NUL before any system call, as InvalidInput."""
    if b"\0" in path:
        raise RpcError(INVALID_REQUEST, NUL_IN_PATH)


def display_path(path: bytes) -> str:
    """``Path::display``: lossy UTF-8."""
    return path.decode("utf-8", "replace")

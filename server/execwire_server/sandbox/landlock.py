"""Landlock, the second layer inside the sandbox (standard library only: runs in there,
on the start-up path of every sandboxed command, so it imports nothing but ctypes).

bubblewrap's mounts already make everything outside the writable roots read-only; a
Landlock domain says the same to the kernel in another way, so one mistake in the mount
arrangement is not a hole. It also scopes signals and (without network) abstract unix
sockets to the sandbox. Applied best-effort: a kernel without Landlock runs the command
under the mounts and seccomp alone; `abi_version` tells which.
"""

from __future__ import annotations

import ctypes
import os

__all__ = ["abi_version", "restrict"]

_SYS_CREATE_RULESET = 444
_SYS_ADD_RULE = 445
_SYS_RESTRICT_SELF = 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1

_EXECUTE = 1 << 0
_WRITE_FILE = 1 << 1
_READ_FILE = 1 << 2
_READ_DIR = 1 << 3
_READ = _EXECUTE | _READ_FILE | _READ_DIR
_NET_BIND_TCP = 1 << 0
_NET_CONNECT_TCP = 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
_SCOPE_SIGNAL = 1 << 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi_version() -> int:
    """The kernel's Landlock ABI (0: none, or not on x86_64/aarch64 Linux)."""
    if os.uname().machine not in ("x86_64", "aarch64"):
        return 0
    result = _libc().syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION)
    return max(int(result), 0)


def _all_fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # EXECUTE .. MAKE_SYM (ABI 1)
    if abi >= 2:
        rights |= 1 << 13  # REFER
    if abi >= 3:
        rights |= 1 << 14  # TRUNCATE
    if abi >= 5:
        rights |= 1 << 15  # IOCTL_DEV
    return rights


def restrict(
    *,
    readable: list[bytes],
    writable: list[bytes],
    network: bool,
) -> int:
    """Confine this process and its future children; returns the ABI applied (0: none).

    `readable` paths may be read and executed below, `writable` ones also changed. Without
    `network`, TCP bind/connect are refused (ABI 4) and abstract unix sockets of others are
    out of reach (ABI 6); signals never reach processes outside (ABI 6).
    """
    abi = abi_version()
    if abi < 1:
        return 0
    libc = _libc()
    everything = _all_fs_rights(abi)
    attr = _RulesetAttr(handled_access_fs=everything)
    size = ctypes.sizeof(ctypes.c_uint64)
    if abi >= 4:
        size = 2 * ctypes.sizeof(ctypes.c_uint64)
        if not network:
            attr.handled_access_net = _NET_BIND_TCP | _NET_CONNECT_TCP
    if abi >= 6:
        size = ctypes.sizeof(_RulesetAttr)
        attr.scoped = _SCOPE_SIGNAL | (0 if network else _SCOPE_ABSTRACT_UNIX_SOCKET)
    ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for paths, rights in ((readable, _READ), (writable, everything), ((b"/dev",), everything)):
            for path in paths:
                _allow(libc, int(ruleset), path, rights)
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS: required, and already set
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(_SYS_RESTRICT_SELF, int(ruleset), 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(int(ruleset))
    return abi


def _allow(libc: ctypes.CDLL, ruleset: int, path: bytes, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # not in this sandbox's view
    try:
        if not os.path.isdir(path):
            # A rule on a file may only carry file rights.
            rights &= _EXECUTE | _WRITE_FILE | _READ_FILE | (1 << 14) | (1 << 15)
        beneath = _PathBeneath(allowed_access=rights, parent_fd=fd)
        if libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(beneath), 0) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path!r}")
    finally:
        os.close(fd)

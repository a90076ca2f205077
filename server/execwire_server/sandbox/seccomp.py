"""The seccomp filter of a sandboxed command: what the namespaces do not cover.

Built with libseccomp (through `pyseccomp`) and handed to bubblewrap as a compiled BPF
program (`bwrap --seccomp FD`), which loads it right before it runs the command. The rules
follow codex 0.169.0's Linux sandbox:

* `restricted` network: no sockets but AF_UNIX ones, and none of the calls that connect,
  accept, bind, listen or pass data over one (a unix socket can be made, never connected),
  no `ptrace`/`process_vm_*`, no io_uring (it makes sockets without `socket()`);
* network allowed but a restricted file system: only VM sockets (a bridge to host
  services outside the file-system sandbox) and io_uring are refused.

A refused call fails with EPERM. Calls from another architecture (32-bit `int 0x80`) kill
the caller: libseccomp's default for a foreign architecture.
"""

from __future__ import annotations

import errno
import functools
import os
import socket
from typing import Final, Literal

__all__ = ["FilterMode", "SeccompUnavailable", "compile_filter", "filter_fd"]

FilterMode = Literal["restricted", "vm-sockets"]

_ALWAYS_DENIED: Final = ("io_uring_setup", "io_uring_enter", "io_uring_register")
_NETWORK_DENIED: Final = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "connect",
    "accept",
    "accept4",
    "bind",
    "listen",
    "getpeername",
    "getsockname",
    "shutdown",
    "sendto",
    "sendmmsg",
    "recvmmsg",
    "getsockopt",
    "setsockopt",
)
_AF_VSOCK: Final = getattr(socket, "AF_VSOCK", 40)


class SeccompUnavailable(RuntimeError):
    """libseccomp cannot be loaded here; the reason is the message."""


@functools.cache
def compile_filter(mode: FilterMode) -> bytes:
    """The BPF program for `mode` (compiled once per process)."""
    try:
        import pyseccomp as seccomp  # loads libseccomp.so.2 through ctypes
    except (ImportError, OSError, RuntimeError) as error:
        raise SeccompUnavailable(f"libseccomp is not available: {error}") from None
    deny = seccomp.ERRNO(errno.EPERM)
    program = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in _ALWAYS_DENIED:
        program.add_rule(deny, name)
    if mode == "restricted":
        for name in _NETWORK_DENIED:
            program.add_rule(deny, name)
        for name in ("socket", "socketpair"):
            program.add_rule(deny, name, seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    else:
        for name in ("socket", "socketpair"):
            program.add_rule(deny, name, seccomp.Arg(0, seccomp.EQ, _AF_VSOCK))
    fd = os.memfd_create("execwire-seccomp-compile", os.MFD_CLOEXEC)
    try:
        with os.fdopen(os.dup(fd), "wb") as sink:
            program.export_bpf(sink)
        os.lseek(fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def filter_fd(mode: FilterMode) -> int:
    """A fresh readable fd holding the program (bubblewrap reads it to the end)."""
    program = compile_filter(mode)
    fd = os.memfd_create("execwire-seccomp", os.MFD_CLOEXEC)
    try:
        os.write(fd, program)
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd

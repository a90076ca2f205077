"""JSON-RPC errors raised by handlers, with the reference's codes and message texts."""

from __future__ import annotations

import errno

__all__ = [
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "NOT_FOUND",
    "SESSION_ALREADY_ATTACHED",
    "SESSION_EXPIRED_PREFIX",
    "RpcError",
    "io_error",
    "io_error_message",
]

# The schema's error table (execwire.protocol.methods.ERROR_CODES), spelled out because
# this module also runs in the sandbox's file helper, which imports the standard library
# only; test_server_errors checks that both agree.
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
NOT_FOUND = -32004
SESSION_ALREADY_ATTACHED = -32010
SESSION_EXPIRED_PREFIX = "unknown session id"


class RpcError(Exception):
    """An error reply: the processor sends ``{"error": {"code", "message"}, "id"}``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"RpcError({self.code}, {self.message!r})"


# musl's strerror texts (src/errno/__strerror.h), which the reference's io errors print; glibc's
# differ for several (ELOOP is "Symbolic link loop", not "Too many levels of symbolic links").
_MUSL_STRERROR: dict[int, str] = {
    errno.EILSEQ: "Illegal byte sequence",
    errno.EDOM: "Domain error",
    errno.ERANGE: "Result not representable",
    errno.ENOTTY: "Not a tty",
    errno.EACCES: "Permission denied",
    errno.EPERM: "Operation not permitted",
    errno.ENOENT: "No such file or directory",
    errno.ESRCH: "No such process",
    errno.EEXIST: "File exists",
    errno.EOVERFLOW: "Value too large for data type",
    errno.ENOSPC: "No space left on device",
    errno.ENOMEM: "Out of memory",
    errno.EBUSY: "Resource busy",
    errno.EINTR: "Interrupted system call",
    errno.EAGAIN: "Resource temporarily unavailable",
    errno.ESPIPE: "Invalid seek",
    errno.EXDEV: "Cross-device link",
    errno.EROFS: "Read-only file system",
    errno.ENOTEMPTY: "Directory not empty",
    errno.ECONNRESET: "Connection reset by peer",
    errno.ETIMEDOUT: "Operation timed out",
    errno.ECONNREFUSED: "Connection refused",
    errno.EHOSTDOWN: "Host is down",
    errno.EHOSTUNREACH: "Host is unreachable",
    errno.EADDRINUSE: "Address in use",
    errno.EPIPE: "Broken pipe",
    errno.EIO: "I/O error",
    errno.ENXIO: "No such device or address",
    errno.ENOTBLK: "Block device required",
    errno.ENODEV: "No such device",
    errno.ENOTDIR: "Not a directory",
    errno.EISDIR: "Is a directory",
    errno.ETXTBSY: "Text file busy",
    errno.ENOEXEC: "Exec format error",
    errno.EINVAL: "Invalid argument",
    errno.E2BIG: "Argument list too long",
    errno.ELOOP: "Symbolic link loop",
    errno.ENAMETOOLONG: "Filename too long",
    errno.ENFILE: "Too many open files in system",
    errno.EMFILE: "No file descriptors available",
    errno.EBADF: "Bad file descriptor",
    errno.ECHILD: "No child process",
    errno.EFAULT: "Bad address",
    errno.EFBIG: "File too large",
    errno.EMLINK: "Too many links",
    errno.ENOLCK: "No locks available",
    errno.EDEADLK: "Resource deadlock would occur",
    errno.ENOTRECOVERABLE: "State not recoverable",
    errno.EOWNERDEAD: "Previous owner died",
    errno.ECANCELED: "Operation canceled",
    errno.ENOSYS: "Function not implemented",
    errno.ENOMSG: "No message of desired type",
    errno.EIDRM: "Identifier removed",
    errno.ENOSTR: "Device not a stream",
    errno.ENODATA: "No data available",
    errno.ETIME: "Device timeout",
    errno.ENOSR: "Out of streams resources",
    errno.ENOLINK: "Link has been severed",
    errno.EPROTO: "Protocol error",
    errno.EBADMSG: "Bad message",
    errno.EBADFD: "File descriptor in bad state",
    errno.ENOTSOCK: "Not a socket",
    errno.EDESTADDRREQ: "Destination address required",
    errno.EMSGSIZE: "Message too large",
    errno.EPROTOTYPE: "Protocol wrong type for socket",
    errno.ENOPROTOOPT: "Protocol not available",
    errno.EPROTONOSUPPORT: "Protocol not supported",
    errno.ESOCKTNOSUPPORT: "Socket type not supported",
    errno.EOPNOTSUPP: "Not supported",
    errno.EPFNOSUPPORT: "Protocol family not supported",
    errno.EAFNOSUPPORT: "Address family not supported by protocol",
    errno.EADDRNOTAVAIL: "Address not available",
    errno.ENETDOWN: "Network is down",
    errno.ENETUNREACH: "Network unreachable",
    errno.ENETRESET: "Connection reset by network",
    errno.ECONNABORTED: "Connection aborted",
    errno.ENOBUFS: "No buffer space available",
    errno.EISCONN: "Socket is connected",
    errno.ENOTCONN: "Socket not connected",
    errno.ESHUTDOWN: "Cannot send after socket shutdown",
    errno.EALREADY: "Operation already in progress",
    errno.EINPROGRESS: "Operation in progress",
    errno.ESTALE: "Stale file handle",
    errno.EREMOTEIO: "Remote I/O error",
    errno.EDQUOT: "Quota exceeded",
    errno.ENOMEDIUM: "No medium found",
    errno.EMEDIUMTYPE: "Wrong medium type",
    errno.EMULTIHOP: "Multihop attempted",
    errno.ENOKEY: "Required key not available",
    errno.EKEYEXPIRED: "Key has expired",
    errno.EKEYREVOKED: "Key has been revoked",
    errno.EKEYREJECTED: "Key was rejected by service",
}


def io_error_message(error: OSError) -> str:
    """The text the reference's io::Error prints: ``No such file or directory (os error 2)``.

    The reference is a musl build, so the texts are musl's (``Symbolic link loop``), not
    the host libc's.
    """
    if error.errno is None:
        return str(error)
    text = _MUSL_STRERROR.get(error.errno, "No error information")
    return f"{text} (os error {error.errno})"


# Rust maps errno values to io::ErrorKind; the reference maps kinds to codes:
# NotFound -> -32004, InvalidInput and PermissionDenied -> -32600, anything else -> -32603.
_CODE_BY_ERRNO = {
    errno.ENOENT: NOT_FOUND,
    errno.EACCES: INVALID_REQUEST,
    errno.EPERM: INVALID_REQUEST,
    errno.EINVAL: INVALID_REQUEST,
}


def io_error(error: OSError) -> RpcError:
    """The reply the reference's filesystem handlers give for an OS error."""
    code = _CODE_BY_ERRNO.get(error.errno or 0, INTERNAL_ERROR)
    return RpcError(code, io_error_message(error))

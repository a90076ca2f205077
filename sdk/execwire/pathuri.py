"""``PathUri``: the ``file:`` URI wire encoding of paths used by the Codex exec-server.

Behaviour matches ``codex exec-server`` 0.169.0 (Rust ``url`` crate parsing plus
codex's own checks), including its error texts:

* :func:`canonicalize` is what the reference does while *decoding* request params
  (errors there are JSON-RPC -32602).
* :func:`to_native_path` is the later conversion to a host path (the reference
  reports its :class:`PathUriHostError` as -32600 for ``fs/*`` and as -32602 with a
  ``cwd URI `<uri>` is not valid on this exec-server host: `` prefix for
  ``process/start``).
* :func:`from_native_path` is how the reference reports paths it produces.

Pure functions, no I/O. International host names use a stdlib approximation of
UTS #46 (such hosts are foreign to a POSIX host anyway).
"""

from __future__ import annotations

import base64
import os
import re
import sys
from urllib.parse import quote, unquote_to_bytes

from .url_hosts import EMPTY_HOST, HostError, parse_host, parse_opaque_host

__all__ = [
    "FALLBACK_PREFIX",
    "HOST_OS",
    "PathUriError",
    "PathUriHostError",
    "canonical_segments",
    "canonicalize",
    "from_native_path",
    "path_segment",
    "to_native_path",
]


def _os_name(platform: str) -> str:
    """Rust ``std::env::consts::OS`` spelling for a ``sys.platform`` value."""
    if platform.startswith("linux"):
        return "linux"
    if platform == "darwin":
        return "macos"
    if platform in ("win32", "cygwin"):
        return "windows"
    for prefix in ("freebsd", "openbsd", "netbsd", "dragonfly", "aix"):
        if platform.startswith(prefix):
            return prefix
    if platform.startswith("sunos"):
        return "solaris"
    return platform


HOST_OS: str = _os_name(sys.platform)

FALLBACK_PREFIX = "file:///%00/bad/path/"
"""Prefix of the opaque form used for paths that have no URI spelling (e.g. NUL bytes)."""


class PathUriError(ValueError):
    """A string that is not a valid PathUri; str(err) is the reference's exact message."""


class PathUriHostError(PathUriError):
    """A valid PathUri that cannot name a path on this (POSIX) host: "'<uri>' is invalid on 'linux'"."""


def _invalid_on_host(uri: str) -> str:
    return f"'{uri}' is invalid on '{HOST_OS}'"


def _uri_error(reason: str) -> PathUriError:
    return PathUriError(f"invalid URI: {reason}")


_BAD_PORT = "invalid port number"
_NO_BASE = "relative URL without a base"

# --------------------------------------------------------------------------- fast path

# Already-canonical local URIs: "file:///" + path made of characters the parser keeps
# verbatim, no leading "//" and no drive-letter-like first segment; then (only when
# needed) no "%00", no malformed escape and no dot segment.
# What the url crate keeps verbatim in a path segment (besides "%", checked apart).
_SEGMENT_CHARS = r"A-Za-z0-9\-._~!$&'()*+,;=:@|^\[\]%"
_FAST = re.compile(rf"file:///(?!/|[A-Za-z](?:[:|]|%3[aA]))[{_SEGMENT_CHARS}/]*")
_FAST_BAD_ESCAPE = re.compile(r"%(?:00|(?![0-9A-Fa-f]{2}))")
_DOT_SEGMENT = re.compile(r"/(?:\.|%2[eE]){1,2}(?:/|\Z)")


def canonicalize(uri: str) -> str:
    """Decode-time validation + canonicalization exactly as the reference deserializes a PathUri.

    Raises :class:`PathUriError` with the reference's message.
    """
    if (
        _FAST.fullmatch(uri) is not None
        and ("%" not in uri or _FAST_BAD_ESCAPE.search(uri) is None)
        and (("/." not in uri and "%2" not in uri) or _DOT_SEGMENT.search(uri, 7) is None)
    ):
        return uri
    return _parse(uri)


# --------------------------------------------------------------------------- URL parser

_C0_AND_SPACE = "".join(chr(i) for i in range(0x21))
_TAB_NEWLINE = "\t\n\r"
_TAB_NEWLINE_TABLE = str.maketrans("", "", _TAB_NEWLINE)
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")
_SPECIAL_NOT_FILE = frozenset({"http", "https", "ws", "wss", "ftp"})
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_SINGLE_DOT = frozenset({".", "%2e", "%2E"})
_DOUBLE_DOT = frozenset(
    {"..", ".%2e", ".%2E", "%2e.", "%2E.", "%2e%2e", "%2e%2E", "%2E%2e", "%2E%2E"}
)
# WHATWG path percent-encode set as implemented by the url crate ('^' and '|' are kept).
_PATH_ENCODE = frozenset(' "#<>?`{}')
_LOWER_DRIVE_FIRST = re.compile(r"/[a-z](?::|%3[aA])(?:/|\Z)")
_DRIVE_FIRST = re.compile(r"/[A-Za-z](?::|%3[aA])(?:/|\Z)")


def _split_scheme(text: str) -> tuple[str, str] | None:
    """(lowercased scheme, raw rest after ':'), skipping tabs/newlines like the url crate."""
    chars: list[str] = []
    for index, char in enumerate(text):
        if char in _TAB_NEWLINE:
            continue
        if char == ":" and chars:
            return "".join(chars).lower(), text[index + 1 :]
        if char not in _SCHEME_CHARS or (not chars and char not in _LETTERS):
            return None
        chars.append(char)
    return None


def _parse(uri: str) -> str:
    split = _split_scheme(uri.strip(_C0_AND_SPACE))
    if split is None:
        raise _uri_error(_NO_BASE)
    scheme, rest = split
    if scheme != "file":
        rest = rest.translate(_TAB_NEWLINE_TABLE)
        if scheme in _SPECIAL_NOT_FILE:
            _check_authority(rest.lstrip("/\\"), special=True)
        elif rest.startswith("//"):
            _check_authority(rest[2:], special=False)
        raise PathUriError(f"unsupported path URI scheme `{scheme}`")

    host, path, end = _parse_file(rest)
    if end < len(rest):
        if rest[end] == "?":
            raise PathUriError("query parameters are not allowed in path URIs")
        raise PathUriError("fragments are not allowed in path URIs")
    serialized = f"file://{host}{path}"
    if b"\0" in unquote_to_bytes(path) and _fallback_payload(serialized) is None:
        raise PathUriError(_invalid_on_host(serialized))
    if not host and _LOWER_DRIVE_FIRST.match(path):
        serialized = f"file:///{path[1].upper()}{path[2:]}"
    return serialized


def _next_char(text: str, pos: int) -> int:
    """Index of the first character at or after ``pos`` that is not a tab/newline."""
    while pos < len(text) and text[pos] in _TAB_NEWLINE:
        pos += 1
    return pos


def _host(text: str) -> str:
    """The host of a `file://host/` URI, parsed as the url crate does (`url_hosts`)."""
    try:
        return parse_host(text)
    except HostError as error:
        raise _uri_error(str(error)) from None


def _parse_file(rest: str) -> tuple[str, str, int]:
    """Split the raw part after ``file:`` into (host, serialized path, end of path)."""
    n = len(rest)
    first = _next_char(rest, 0)
    if first == n or rest[first] not in "/\\":
        return "", *_parse_path(rest, 0, "/")[:2]
    second = _next_char(rest, first + 1)
    if second == n or rest[second] not in "/\\":
        return "", *_parse_path(rest, 0, "")[:2]
    host_start = end = second + 1
    while end < n and rest[end] not in "/\\?#":
        end += 1
    host_text = rest[host_start:end].translate(_TAB_NEWLINE_TABLE)
    if _is_drive_letter(host_text):
        return "", *_parse_path(rest, host_start, "/")[:2]
    host = _host(host_text) if host_text else ""
    if host == "localhost":
        host = ""
    if not host:
        return "", *_parse_path(rest, end, "/")[:2]
    after = _next_char(rest, end)
    start = after + 1 if after < n and rest[after] in "/\\" else end
    path, pos, keeps_host = _parse_path(rest, start, "/", has_host=True)
    return (host if keeps_host else ""), path, pos


def _is_drive_letter(segment: str) -> bool:
    return len(segment) == 2 and segment[0] in _LETTERS and segment[1] in ":|"


def _is_normalized_drive_letter(segment: str) -> bool:
    return len(segment) == 2 and segment[0] in _LETTERS and segment[1] == ":"


def _starts_with_drive_letter(text: str) -> bool:
    return (
        len(text) >= 2
        and text[0] in _LETTERS
        and text[1] in ":|"
        and (len(text) == 2 or text[2] in "/\\?#")
    )


def _encode_path_char(char: str) -> str:
    code = ord(char)
    if 0x20 < code < 0x7F and char not in _PATH_ENCODE:
        return char
    data = char.encode("utf-8", "surrogatepass")
    return "".join(f"%{byte:02X}" for byte in data)


def _parse_path(text: str, pos: int, buf: str, has_host: bool = False) -> tuple[str, int, bool]:
    """The url crate's file path state; ``buf`` is the serialization from the path start.

    Returns the path (leading slashes collapsed), the end position and whether a host
    survives (a leading drive-letter segment drops it).
    """
    n = len(text)
    while True:
        seg_start = flushed = len(buf)
        slash = False
        while pos < n:
            char = text[pos]
            if char in _TAB_NEWLINE:
                # The url crate flushes its pending run here; only flushed text is
                # visible to its drive-letter check below.
                flushed = len(buf)
                pos += 1
                continue
            if char in "/\\":
                buf += "/"
                slash = True
                pos += 1
                break
            if char in "?#":
                break
            if flushed and _is_normalized_drive_letter(buf[1:flushed]):
                buf += "/"
                seg_start += 1
                flushed = len(buf)
            buf += _encode_path_char(char)
            pos += 1
        segment = buf[seg_start:-1] if slash else buf[seg_start:]
        if segment in _DOUBLE_DOT:
            buf = buf[:seg_start]
            if buf.endswith("/"):
                prev = buf.rfind("/", 0, len(buf) - 1)
                if prev >= 0 and not (
                    buf[prev] in "/\\?#" and _starts_with_drive_letter(buf[prev + 1 :])
                ):
                    buf = buf[:-1]
            if buf:
                cut = buf.rfind("/") + 1
                if not _is_normalized_drive_letter(buf[cut:]):
                    buf = buf[:cut]
            if slash and not buf.endswith("/"):
                buf += "/"
        elif segment in _SINGLE_DOT:
            buf = buf[:seg_start]
            if not buf.endswith("/"):
                buf += "/"
        elif seg_start == 1 and _is_drive_letter(segment):
            buf = buf[:1] + segment[0] + ":" + ("/" if slash else "")
            has_host = False
        if not slash:
            break
    return "/" + buf.lstrip("/"), pos, has_host


def _check_authority(text: str, *, special: bool) -> None:
    """Raise the url crate's error for a bad authority of a non-file scheme, if any."""
    stops = "/?#\\" if special else "/?#"
    end = 0
    while end < len(text) and text[end] not in stops:
        end += 1
    at = text.rfind("@", 0, end)
    has_credentials = False
    if at == 0 and len(text) > 1 and text[1] in stops:
        raise _uri_error(EMPTY_HOST)
    if at >= 0:
        has_credentials = text[:at] not in ("", ":")
        text = text[at + 1 :]

    end = 0
    in_brackets = False
    while end < len(text):
        char = text[end]
        if (char == ":" and not in_brackets) or char in stops:
            break
        if char == "[":
            in_brackets = True
        elif char == "]":
            in_brackets = False
        end += 1
    host_text, rest = text[:end], text[end:]
    if special:
        if not host_text:
            raise _uri_error(EMPTY_HOST)
        _host(host_text)
    else:
        try:
            parse_opaque_host(host_text)
        except HostError as error:
            raise _uri_error(str(error)) from None
    empty_host = not host_text
    if empty_host and rest.startswith(":"):
        raise _uri_error(EMPTY_HOST)
    if rest.startswith(":"):
        port = 0
        for char in rest[1:]:
            if "0" <= char <= "9":
                port = port * 10 + ord(char) - 48
                if port > 0xFFFF:
                    raise _uri_error(_BAD_PORT)
            elif char in "/\\?#":
                break
            else:
                raise _uri_error(_BAD_PORT)
    if empty_host and has_credentials:
        raise _uri_error(EMPTY_HOST)


# --------------------------------------------------------------------------- native paths

_B64URL = re.compile(r"[A-Za-z0-9_-]+")
# Characters from_file_path leaves alone (url crate SPECIAL_PATH_SEGMENT complement).
_SEGMENT_SAFE = "!$&'()*+,;=:@[]^|"


def _fallback_payload(uri: str) -> bytes | None:
    """Raw bytes of a canonical ``file:///%00/bad/path/<base64url>`` URI, else None."""
    if not uri.startswith(FALLBACK_PREFIX):
        return None
    payload = uri[len(FALLBACK_PREFIX) :]
    if _B64URL.fullmatch(payload) is None or len(payload) % 4 == 1:
        return None
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii") != payload:
        return None
    return data


def _normalize(path: bytes) -> bytes:
    """Lexical normalization of an absolute path (``.``/``..``/``//``/trailing ``/``)."""
    parts: list[bytes] = []
    for part in path.split(b"/"):
        if part == b".." and parts:
            parts.pop()
        elif part not in (b"", b".", b".."):
            parts.append(part)
    return b"/" + b"/".join(parts)


# A path whose URI is itself plus `file://`: only characters the url crate leaves as they
# are, no empty, `.` or `..` segment, and no drive-letter-like first segment. Both
# conversions take it without parsing (`test_pathuri` checks them against the general code).
_PLAIN_CHARS = r"A-Za-z0-9._~!$&'()*+,;=:@-"
_PLAIN_PATH = re.compile(rf"(?:/[{_PLAIN_CHARS}]+)+")
_PLAIN_PATH_BYTES = re.compile(rf"(?:/[{_PLAIN_CHARS}]+)+".encode())


def _plain(path: str) -> bool:
    return (
        _PLAIN_PATH.fullmatch(path) is not None
        and "/." not in path
        and path[2:3] != ":"
    )


def to_native_path(uri: str) -> bytes:
    """Canonical PathUri -> absolute native POSIX path bytes.

    ``uri`` must be canonical (a result of :func:`canonicalize` or
    :func:`from_native_path`): like the reference, which converts the URL it already
    parsed, a ``file://`` string is not parsed again (re-parsing is not idempotent for
    some drive-letter quirks). Other spellings are canonicalized first.

    Percent-decodes (``%2F`` becomes a separator), normalizes lexically and decodes the
    ``%00/bad/path/`` fallback. Raises :class:`PathUriHostError` for UNC hosts, Windows
    drives and fallbacks that do not round-trip.
    """
    if uri.startswith("file://") and _plain(uri[7:]):
        return uri[7:].encode("ascii")
    return _to_native_path(uri)


def _to_native_path(uri: str) -> bytes:
    canonical = uri if uri.startswith("file://") else canonicalize(uri)
    payload = _fallback_payload(canonical)
    if payload is not None:
        if payload.startswith(b"/"):
            path = _normalize(payload)
            if from_native_path(path) == canonical:
                return path
        raise PathUriHostError(_invalid_on_host(canonical))
    path_part = canonical[7:]
    if not path_part.startswith("/") or _DRIVE_FIRST.match(path_part):
        raise PathUriHostError(_invalid_on_host(canonical))
    return _normalize(unquote_to_bytes(path_part))


def from_native_path(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """Absolute native POSIX path -> canonical PathUri.

    Normalizes lexically, percent-encodes like the url crate (non-UTF-8 bytes
    byte-wise) and uses ``file:///%00/bad/path/<base64url-no-padding>`` for paths
    that have no URI form (NUL bytes, a drive-letter-like first component such as
    ``/c:``). A relative path raises ValueError.
    """
    raw = os.fspath(path)
    data = os.fsencode(raw) if isinstance(raw, str) else raw
    if (
        _PLAIN_PATH_BYTES.fullmatch(data) is not None
        and b"/." not in data
        and data[2:3] != b":"
    ):
        return "file://" + data.decode("ascii")
    return _from_native_path(data)


_PLAIN_NAME_BYTES = re.compile(rf"[{_PLAIN_CHARS}]+".encode())


_TREE_NAMES = re.compile(rf"[{_SEGMENT_CHARS}]+(?:/[{_SEGMENT_CHARS}]+)*")


def canonical_segments(names: list[str]) -> bool:
    """True when every name is one segment a canonical PathUri may hold below a directory
    (no ``/``, not empty, no dot segment, no malformed escape), checked in a few passes
    over all the names at once."""
    if not names:
        return True
    joined = "/".join(names)
    return (
        _TREE_NAMES.fullmatch(joined) is not None
        and joined.count("/") == len(names) - 1
        and ("%" not in joined or _FAST_BAD_ESCAPE.search(joined) is None)
        and _DOT_SEGMENT.search("/" + joined) is None
    )


def path_segment(name: bytes) -> str:
    """A file name (no ``/``, not ``.`` or ``..``) as `from_native_path` spells it inside
    a path: the URI of ``dir/name`` is the URI of ``dir``, ``/``, and this, for any
    directory other than ``/`` whose URI is not a fallback."""
    if _PLAIN_NAME_BYTES.fullmatch(name) is not None:
        return name.decode("ascii")
    return quote(name, safe=_SEGMENT_SAFE)


def _from_native_path(data: bytes) -> str:
    if not data.startswith(b"/"):
        raise ValueError(f"path is not absolute: {os.fsdecode(data)}")
    normalized = _normalize(data)
    if normalized == b"/":
        return "file:///"
    segments = normalized[1:].split(b"/")
    first = segments[0]
    drive_like = len(first) == 2 and first[1:] == b":" and chr(first[0]) in _LETTERS
    if b"\0" not in normalized and not drive_like:
        return "file:///" + "/".join(quote(segment, safe=_SEGMENT_SAFE) for segment in segments)
    return FALLBACK_PREFIX + base64.urlsafe_b64encode(normalized).rstrip(b"=").decode("ascii")

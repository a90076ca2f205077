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
import unicodedata
from urllib.parse import quote, unquote_to_bytes

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


_EMPTY_HOST = "empty host"
_IDNA = "invalid international domain name"
_BAD_PORT = "invalid port number"
_BAD_IPV4 = "invalid IPv4 address"
_BAD_IPV6 = "invalid IPv6 address"
_BAD_DOMAIN_CHAR = "invalid domain character"
_NO_BASE = "relative URL without a base"

# --------------------------------------------------------------------------- fast path

# Already-canonical local URIs: "file:///" + path made of characters the parser keeps
# verbatim, no leading "//" and no drive-letter-like first segment; then (only when
# needed) no "%00", no malformed escape and no dot segment.
_FAST = re.compile(r"file:///(?!/|[A-Za-z](?:[:|]|%3[aA]))[A-Za-z0-9\-._~!$&'()*+,;=:@/|^\[\]%]*")
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
    host = _parse_host(host_text) if host_text else ""
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
        raise _uri_error(_EMPTY_HOST)
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
            raise _uri_error(_EMPTY_HOST)
        _parse_host(host_text)
    else:
        _parse_opaque_host(host_text)
    empty_host = not host_text
    if empty_host and rest.startswith(":"):
        raise _uri_error(_EMPTY_HOST)
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
        raise _uri_error(_EMPTY_HOST)


# --------------------------------------------------------------------------- hosts

# AsciiDenyList::URL (WHATWG forbidden domain code points).
_DOMAIN_DENY = frozenset([chr(i) for i in range(0x20)] + list(" #%/:<>?@[\\]^|\x7f"))
_OPAQUE_DENY = frozenset("\0\t\n\r #/:<>?@[\\]^|")


def _parse_host(text: str) -> str:
    """Host parser for special schemes; returns the serialized host."""
    if text.startswith("["):
        if not text.endswith("]"):
            raise _uri_error(_BAD_IPV6)
        return "[" + _serialize_ipv6(_parse_ipv6(text[1:-1])) + "]"
    domain = _domain_to_ascii(unquote_to_bytes(text.encode("utf-8", "surrogatepass")))
    if not domain:
        raise _uri_error(_EMPTY_HOST)
    if _ends_in_a_number(domain):
        return _parse_ipv4(domain)
    return domain


def _parse_opaque_host(text: str) -> None:
    if text.startswith("["):
        if not text.endswith("]"):
            raise _uri_error(_BAD_IPV6)
        _parse_ipv6(text[1:-1])
    elif any(char in _OPAQUE_DENY for char in text):
        raise _uri_error(_BAD_DOMAIN_CHAR)


def _ipv4_number(text: str) -> int | None:
    """WHATWG IPv4 number parser: None if not a number, -1 if it overflows 32 bits."""
    if not text:
        return None
    radix = 10
    if text[:2] in ("0x", "0X"):
        text, radix = text[2:], 16
    elif len(text) >= 2 and text[0] == "0":
        text, radix = text[1:], 8
    if not text:
        return 0
    digits = {8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}[radix]
    if any(char not in digits for char in text):
        return None
    value = int(text, radix)
    return value if value <= 0xFFFFFFFF else -1


def _ends_in_a_number(domain: str) -> bool:
    parts = domain.split(".")
    last = parts[-1]
    if not last:
        if len(parts) == 1:
            return False
        last = parts[-2]
    if last and all("0" <= char <= "9" for char in last):
        return True
    return _ipv4_number(last) is not None


def _parse_ipv4(domain: str) -> str:
    parts = domain.split(".")
    if parts[-1] == "":
        parts.pop()
    if len(parts) > 4:
        raise _uri_error(_BAD_IPV4)
    numbers: list[int] = []
    for part in parts:
        number = _ipv4_number(part)
        if number is None or number < 0:
            raise _uri_error(_BAD_IPV4)
        numbers.append(number)
    address = numbers.pop()
    if address > 0xFFFFFFFF >> (8 * len(numbers)) or any(n > 255 for n in numbers):
        raise _uri_error(_BAD_IPV4)
    for index, number in enumerate(numbers):
        address += number << (8 * (3 - index))
    return ".".join(str((address >> shift) & 0xFF) for shift in (24, 16, 8, 0))


_HEX = "0123456789abcdefABCDEF"


def _parse_ipv6(text: str) -> list[int]:
    """WHATWG IPv6 parser (as the url crate implements it)."""
    bad = _uri_error(_BAD_IPV6)
    size = len(text)
    pieces = [0] * 8
    index = 0
    compress: int | None = None
    pos = 0
    if size < 2:
        raise bad
    if text[0] == ":":
        if text[1] != ":":
            raise bad
        pos, index, compress = 2, 1, 1
    ipv4 = False
    while pos < size:
        if index == 8:
            raise bad
        if text[pos] == ":":
            if compress is not None:
                raise bad
            pos += 1
            index += 1
            compress = index
            continue
        start = pos
        value = 0
        while pos < size and pos < start + 4 and text[pos] in _HEX:
            value = value * 16 + int(text[pos], 16)
            pos += 1
        if pos < size:
            if text[pos] == ".":
                if pos == start or index > 6:
                    raise bad
                pos = start
                ipv4 = True
                break
            if text[pos] != ":":
                raise bad
            pos += 1
            if pos == size:
                raise bad
        pieces[index] = value
        index += 1
    if ipv4:
        seen = 0
        while pos < size:
            if seen:
                if seen < 4 and text[pos] == ".":
                    pos += 1
                else:
                    raise bad
            number: int | None = None
            while pos < size and "0" <= text[pos] <= "9":
                digit = ord(text[pos]) - 48
                if number is None:
                    number = digit
                elif number == 0:
                    raise bad
                else:
                    number = number * 10 + digit
                    if number > 255:
                        raise bad
                pos += 1
            if number is None:
                raise bad
            pieces[index] = pieces[index] * 0x100 + number
            seen += 1
            if seen in (2, 4):
                index += 1
        if seen != 4:
            raise bad
    if pos < size:
        raise bad
    if compress is not None:
        moved = pieces[compress:index]
        pieces[compress:index] = [0] * len(moved)
        pieces[8 - len(moved) :] = moved
    elif index != 8:
        raise bad
    return pieces


def _serialize_ipv6(pieces: list[int]) -> str:
    best_start, best_len = -1, 1
    index = 0
    while index < 8:
        if pieces[index]:
            index += 1
            continue
        end = index
        while end < 8 and pieces[end] == 0:
            end += 1
        if end - index > best_len:
            best_start, best_len = index, end - index
        index = end
    hexes = [f"{piece:x}" for piece in pieces]
    if best_start < 0:
        return ":".join(hexes)
    return ":".join(hexes[:best_start]) + "::" + ":".join(hexes[best_start + best_len :])


# UTS #46 approximation (the reference uses the idna crate's full, newer tables).
_IDNA_IGNORED = frozenset(
    (0xAD, 0x34F, 0x115F, 0x1160, 0x180B, 0x180C, 0x180D, 0x180F, 0x200B, 0x3164, 0xFEFF, 0xFFA0)
).union(
    range(0x2060, 0x2065),
    range(0x206A, 0x2070),
    range(0xFE00, 0xFE10),
    range(0x1BCA0, 0x1BCA4),
    range(0xE0100, 0xE01F0),
)
_IDNA_SPECIAL = {0x3002: ".", 0xFF0E: ".", 0xFF61: ".", 0x3F2: "\u03c3"}
_IDNA_DOTS = frozenset(".\u3002\uff0e\uff61")
_IDNA_KEEP_CASE = frozenset("\u00df\u03c2")  # deviation characters: valid as-is
_IDNA_DISALLOWED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})
_JOINERS = frozenset("\u200c\u200d")


def _idna_map(text: str) -> str:
    """UTS #46 mapping step (NFKC + case folding); raises for dot-like characters."""
    out: list[str] = []
    for char in text:
        code = ord(char)
        if code in _IDNA_IGNORED:
            continue
        special = _IDNA_SPECIAL.get(code)
        if special is not None:
            out.append(special)
            continue
        mapped = unicodedata.normalize("NFKC", char)
        if code > 0x7F and any(c in _IDNA_DOTS for c in mapped):
            raise _uri_error(_IDNA)
        folded = "".join(c if c in _IDNA_KEEP_CASE else c.casefold() for c in mapped)
        out.append(unicodedata.normalize("NFKC", folded))
    return unicodedata.normalize("NFC", "".join(out))


def _label_is_valid(label: str) -> bool:
    if unicodedata.category(label[0]).startswith("M"):
        return False
    for index, char in enumerate(label):
        if char in _JOINERS:
            if index == 0 or unicodedata.combining(label[index - 1]) != 9:
                return False
        elif unicodedata.category(char) in _IDNA_DISALLOWED_CATEGORIES or char in "\ufffc\ufffd":
            return False
    return True


def _bidi_label_ok(label: str) -> bool:
    """RFC 5893 rules for one label of a bidi domain name."""
    classes = [unicodedata.bidirectional(char) for char in label]
    first = classes[0]
    trailing = list(classes)
    while len(trailing) > 1 and trailing[-1] == "NSM":
        trailing.pop()
    if first in ("R", "AL"):
        allowed = {"R", "AL", "AN", "EN", "ES", "CS", "ET", "ON", "BN", "NSM"}
        return (
            all(cls in allowed for cls in classes)
            and trailing[-1] in ("R", "AL", "EN", "AN")
            and not ("EN" in classes and "AN" in classes)
        )
    if first == "L":
        allowed = {"L", "EN", "ES", "CS", "ET", "ON", "BN", "NSM"}
        return all(cls in allowed for cls in classes) and trailing[-1] in ("L", "EN")
    return False


def _domain_to_ascii(raw: bytes) -> str:
    """``idna::domain_to_ascii_cow(raw, AsciiDenyList::URL)``, approximately for non-ASCII."""
    bad = _uri_error(_IDNA)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad from None
    mapped = text.lower() if text.isascii() else _idna_map(text)
    if any(char in _DOMAIN_DENY for char in mapped):
        raise bad
    if mapped.isascii() and "xn--" not in mapped:
        return mapped
    labels: list[str] = []
    unicode_labels: list[str] = []
    for label in mapped.split("."):
        if label.startswith("xn--"):
            try:
                decoded = label[4:].encode("ascii").decode("punycode")
            except (UnicodeError, ValueError):
                raise bad from None
            if not decoded or decoded.isascii() or _idna_map(decoded) != decoded:
                raise bad
            if any(char in _DOMAIN_DENY for char in decoded):
                raise bad
            labels.append(label)
            unicode_labels.append(decoded)
        elif label.isascii():
            labels.append(label)
            unicode_labels.append(label)
        else:
            labels.append("xn--" + label.encode("punycode").decode("ascii"))
            unicode_labels.append(label)
    if not all(_label_is_valid(label) for label in unicode_labels if label):
        raise bad
    rtl = {"R", "AL", "AN"}
    if any(unicodedata.bidirectional(char) in rtl for label in unicode_labels for char in label):
        if not all(_bidi_label_ok(label) for label in unicode_labels if label):
            raise bad
    return ".".join(labels)


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
_PLAIN_PATH = re.compile(r"(?:/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+")
_PLAIN_PATH_BYTES = re.compile(rb"(?:/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+")


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


_PLAIN_NAME_BYTES = re.compile(rb"[A-Za-z0-9._~!$&'()*+,;=:@-]+")


_TREE_NAMES = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@|^\[\]%]+(?:/[A-Za-z0-9\-._~!$&'()*+,;=:@|^\[\]%]+)*")


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

"""URL hosts as the url crate parses them (WHATWG): domains through IDNA, IPv4 in every
legacy spelling, IPv6, and opaque hosts. `pathuri` uses it for `file://host/...` URIs;
a host that does not parse raises `HostError`, whose text is the crate's reason.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote_to_bytes

__all__ = ["EMPTY_HOST", "HostError", "parse_host", "parse_opaque_host"]


class HostError(ValueError):
    """A host the url crate refuses; `str(error)` is its reason (e.g. "empty host")."""


EMPTY_HOST = "empty host"
_IDNA = "invalid international domain name"
_BAD_IPV4 = "invalid IPv4 address"
_BAD_IPV6 = "invalid IPv6 address"
_BAD_DOMAIN_CHAR = "invalid domain character"


# AsciiDenyList::URL (WHATWG forbidden domain code points).
_DOMAIN_DENY = frozenset([chr(i) for i in range(0x20)] + list(" #%/:<>?@[\\]^|\x7f"))
_OPAQUE_DENY = frozenset("\0\t\n\r #/:<>?@[\\]^|")


def parse_host(text: str) -> str:
    """Host parser for special schemes; returns the serialized host."""
    if text.startswith("["):
        if not text.endswith("]"):
            raise HostError(_BAD_IPV6)
        return "[" + _serialize_ipv6(_parse_ipv6(text[1:-1])) + "]"
    domain = _domain_to_ascii(unquote_to_bytes(text.encode("utf-8", "surrogatepass")))
    if not domain:
        raise HostError(EMPTY_HOST)
    if _ends_in_a_number(domain):
        return _parse_ipv4(domain)
    return domain


def parse_opaque_host(text: str) -> None:
    if text.startswith("["):
        if not text.endswith("]"):
            raise HostError(_BAD_IPV6)
        _parse_ipv6(text[1:-1])
    elif any(char in _OPAQUE_DENY for char in text):
        raise HostError(_BAD_DOMAIN_CHAR)


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
        raise HostError(_BAD_IPV4)
    numbers: list[int] = []
    for part in parts:
        number = _ipv4_number(part)
        if number is None or number < 0:
            raise HostError(_BAD_IPV4)
        numbers.append(number)
    address = numbers.pop()
    if address > 0xFFFFFFFF >> (8 * len(numbers)) or any(n > 255 for n in numbers):
        raise HostError(_BAD_IPV4)
    for index, number in enumerate(numbers):
        address += number << (8 * (3 - index))
    return ".".join(str((address >> shift) & 0xFF) for shift in (24, 16, 8, 0))


_HEX = "0123456789abcdefABCDEF"


def _parse_ipv6(text: str) -> list[int]:
    """WHATWG IPv6 parser (as the url crate implements it)."""
    bad = HostError(_BAD_IPV6)
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
            raise HostError(_IDNA)
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
    bad = HostError(_IDNA)
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

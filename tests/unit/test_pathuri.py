"""Tests for execwire.pathuri: the PathUri wire encoding of paths.

The tables below were observed on codex 0.169.0 (`codex exec-server --listen ws://...`,
npm @openai/codex@0.169.0, linux-x64) by sending ``fs/getMetadata``/``fs/readFile``/
``fs/canonicalize`` and ``process/start`` requests. They are plain data: the tests need
neither the reference binary nor the network.
"""

from __future__ import annotations

import os
import random
import re
from pathlib import PurePosixPath

import pytest

from execwire.pathuri import (
    HOST_OS,
    PathUriError,
    PathUriHostError,
    canonicalize,
    from_native_path,
    to_native_path,
)


def _here(message: str) -> str:
    """Observed messages name 'linux'; adapt them if the suite runs on another POSIX host."""
    return message.replace("'linux'", f"'{HOST_OS}'")


# Observed on codex 0.169.0. Decode-time rejections: the reference answers -32602 with
# exactly this message, both for an fs ``path`` and for a ``process/start`` ``cwd``
# (params decoding fails before any handler runs). Includes the url crate's parse
# errors, the scheme check, query/fragment, encoded NUL outside the fallback namespace
# (quoting the URL *before* the drive letter is upper-cased, see ``file:///c:/%00``) and
# malformed ``%00/bad/path/`` fallbacks. Credentials and ports in file URIs never reach
# codex's own "credentials/ports are not allowed" checks: the url crate already fails
# on the host ("invalid international domain name").
DECODE_ERRORS: list[tuple[str, str]] = [
    ("", "invalid URI: relative URL without a base"),
    ("tmp", "invalid URI: relative URL without a base"),
    ("/tmp", "invalid URI: relative URL without a base"),
    ("//x/y", "invalid URI: relative URL without a base"),
    ("#f", "invalid URI: relative URL without a base"),
    ("1a:x", "invalid URI: relative URL without a base"),
    ("+a:x", "invalid URI: relative URL without a base"),
    ("a_b:x", "invalid URI: relative URL without a base"),
    (":x", "invalid URI: relative URL without a base"),
    ("file", "invalid URI: relative URL without a base"),
    ("\x7ffile:///", "invalid URI: relative URL without a base"),
    ("http://x/tmp", "unsupported path URI scheme `http`"),
    ("https:x", "unsupported path URI scheme `https`"),
    ("http://u@x/", "unsupported path URI scheme `http`"),
    ("http:/\\\\x", "unsupported path URI scheme `http`"),
    ("c:/x", "unsupported path URI scheme `c`"),
    ("C:\\x", "unsupported path URI scheme `c`"),
    ("foo:bar", "unsupported path URI scheme `foo`"),
    ("FOO:X", "unsupported path URI scheme `foo`"),
    ("a+b-c.d:x", "unsupported path URI scheme `a+b-c.d`"),
    ("x:", "unsupported path URI scheme `x`"),
    ("javascript:alert(1)", "unsupported path URI scheme `javascript`"),
    ("foo://a%b/", "unsupported path URI scheme `foo`"),
    ("foo://a/b?c#d", "unsupported path URI scheme `foo`"),
    ("http://", "invalid URI: empty host"),
    ("http:", "invalid URI: empty host"),
    ("ws:", "invalid URI: empty host"),
    ("http://u@/", "invalid URI: empty host"),
    ("http://:80/", "invalid URI: empty host"),
    ("http://a b/", "invalid URI: invalid international domain name"),
    ("http://%zz/", "invalid URI: invalid international domain name"),
    ("http://a%00/", "invalid URI: invalid international domain name"),
    ("http://a:x/", "invalid URI: invalid port number"),
    ("ws://a:99999/", "invalid URI: invalid port number"),
    ("wss://1.2.3.4.5/", "invalid URI: invalid IPv4 address"),
    ("ftp://[x]/", "invalid URI: invalid IPv6 address"),
    ("foo://[", "invalid URI: invalid IPv6 address"),
    ("foo://[::1/", "invalid URI: invalid IPv6 address"),
    ("foo://a b/", "invalid URI: invalid domain character"),
    ("foo://a<b/", "invalid URI: invalid domain character"),
    ("foo://a:99999/", "invalid URI: invalid port number"),
    ("foo://a:x/", "invalid URI: invalid port number"),
    ("foo://u@/", "invalid URI: empty host"),
    ("foo://@/", "invalid URI: empty host"),
    ("file://u@localhost/x", "invalid URI: invalid international domain name"),
    ("file://u:p@localhost/x", "invalid URI: invalid international domain name"),
    ("file://@localhost/x", "invalid URI: invalid international domain name"),
    ("file://localhost:80/x", "invalid URI: invalid international domain name"),
    ("file://localhost:/x", "invalid URI: invalid international domain name"),
    ("file://host:80/x", "invalid URI: invalid international domain name"),
    ("file://a b/x", "invalid URI: invalid international domain name"),
    ("file://%/x", "invalid URI: invalid international domain name"),
    ("file://xn--/x", "invalid URI: invalid international domain name"),
    ("file://xn--a/x", "invalid URI: invalid international domain name"),
    ("file://xn--ab--c/x", "invalid URI: invalid international domain name"),
    ("file://%ff/x", "invalid URI: invalid international domain name"),
    ("file://a^b/x", "invalid URI: invalid international domain name"),
    ("file://a%2fb/x", "invalid URI: invalid international domain name"),
    ("file://a\x7fb/x", "invalid URI: invalid international domain name"),
    ("file://]/x", "invalid URI: invalid international domain name"),
    ("file://[::1", "invalid URI: invalid IPv6 address"),
    ("file://[::1]:80/x", "invalid URI: invalid IPv6 address"),
    ("file://[::1%eth0]/x", "invalid URI: invalid IPv6 address"),
    ("file://[1:2:3:4:5:6:7:8:9]/x", "invalid URI: invalid IPv6 address"),
    ("file://[]/x", "invalid URI: invalid IPv6 address"),
    ("file://[/x", "invalid URI: invalid IPv6 address"),
    ("file://1.2.3.4.5/x", "invalid URI: invalid IPv4 address"),
    ("file://999.1.1.1/x", "invalid URI: invalid IPv4 address"),
    ("file://09/x", "invalid URI: invalid IPv4 address"),
    ("file://08/x", "invalid URI: invalid IPv4 address"),
    ("file://a.1/x", "invalid URI: invalid IPv4 address"),
    ("file://a.0x/x", "invalid URI: invalid IPv4 address"),
    ("file://a.b.c.08/x", "invalid URI: invalid IPv4 address"),
    ("file://4294967296/x", "invalid URI: invalid IPv4 address"),
    ("file://0x100000000/x", "invalid URI: invalid IPv4 address"),
    ("file://1.16777216/x", "invalid URI: invalid IPv4 address"),
    ("file://1.2.65536/x", "invalid URI: invalid IPv4 address"),
    ("file://%C2%AD/x", "invalid URI: empty host"),
    ("file://\ufeff/x", "invalid URI: empty host"),
    ("file://\u0301a/x", "invalid URI: invalid international domain name"),
    ("file://a\u200db/x", "invalid URI: invalid international domain name"),
    ("file://\u0627a/x", "invalid URI: invalid international domain name"),
    ("file://\u0661/x", "invalid URI: invalid international domain name"),
    ("file://\xa0/x", "invalid URI: invalid international domain name"),
    ("file://a\u3000b/x", "invalid URI: invalid international domain name"),
    ("file://\U000e0001/x", "invalid URI: invalid international domain name"),
    ("file://\ufffd/x", "invalid URI: invalid international domain name"),
    ("file://a.xn--/x", "invalid URI: invalid international domain name"),
    ("file://\ufe19b/x", "invalid URI: invalid international domain name"),
    ("file://\u2024/x", "invalid URI: invalid international domain name"),
    ("file:///etc/hostname?x=1", "query parameters are not allowed in path URIs"),
    ("file:///etc/hostname?", "query parameters are not allowed in path URIs"),
    ("file:///etc/hostname#", "fragments are not allowed in path URIs"),
    ("file:///etc/hostname#f", "fragments are not allowed in path URIs"),
    ("file:///etc/hostname?#", "query parameters are not allowed in path URIs"),
    ("file:///x%00y?q", "query parameters are not allowed in path URIs"),
    ("file:///x%00y#f", "fragments are not allowed in path URIs"),
    ("file:///%00/bad/path/YQ?", "query parameters are not allowed in path URIs"),
    ("file:///etc/%00x", "'file:///etc/%00x' is invalid on 'linux'"),
    ("file://localhost/etc/%00x", "'file:///etc/%00x' is invalid on 'linux'"),
    ("FILE://LOCALHOST/a/./b/../%00", "'file:///a/%00' is invalid on 'linux'"),
    ("file:/a b/%00", "'file:///a%20b/%00' is invalid on 'linux'"),
    ("file:a/%00", "'file:///a/%00' is invalid on 'linux'"),
    ("file:////a//b/%00", "'file:///a//b/%00' is invalid on 'linux'"),
    ("file:///a/%2e%2E/%00", "'file:///%00' is invalid on 'linux'"),
    ("file://h/%00", "'file://h/%00' is invalid on 'linux'"),
    ("file:///C:/%00", "'file:///C:/%00' is invalid on 'linux'"),
    ("file:///c:/%00", "'file:///c:/%00' is invalid on 'linux'"),
    ("file:///c|/%00", "'file:///c|/%00' is invalid on 'linux'"),
    ("file:///C|/%00", "'file:///C|/%00' is invalid on 'linux'"),
    ("file:///C:x/%00", "'file:///C:x/%00' is invalid on 'linux'"),
    ("file:///%00%00", "'file:///%00%00' is invalid on 'linux'"),
    ("file:c:c|%25%00", "'file:///c:c|%25%00' is invalid on 'linux'"),
    ("file://C|/%00", "'file:///C:/%00' is invalid on 'linux'"),
    ("file:///C%7C/%00", "'file:///C%7C/%00' is invalid on 'linux'"),
    ("file:///a/c:/%00", "'file:///a/c:/%00' is invalid on 'linux'"),
    ("file:///C:/x|/%00", "'file:///C:/x|/%00' is invalid on 'linux'"),
    ("file:///tmp/%00", "'file:///tmp/%00' is invalid on 'linux'"),
    ("file:///%00/bad/path/", "'file:///%00/bad/path/' is invalid on 'linux'"),
    ("file:///%00/bad/path/not*base64", "'file:///%00/bad/path/not*base64' is invalid on 'linux'"),
    ("file:///%00/bad/path/YQ==", "'file:///%00/bad/path/YQ==' is invalid on 'linux'"),
    ("file:///%00/bad/path/YR", "'file:///%00/bad/path/YR' is invalid on 'linux'"),
    ("file:///%00/bad/path/YQ/extra", "'file:///%00/bad/path/YQ/extra' is invalid on 'linux'"),
    ("file:///%00/other/YQ", "'file:///%00/other/YQ' is invalid on 'linux'"),
    ("file:///%00/BAD/path/YQ", "'file:///%00/BAD/path/YQ' is invalid on 'linux'"),
    ("file:///%00/bad/path/YQ/", "'file:///%00/bad/path/YQ/' is invalid on 'linux'"),
    ("file:///%00/bad/path/Y", "'file:///%00/bad/path/Y' is invalid on 'linux'"),
    ("file:///%00/bad/path/YQ%3D%3D", "'file:///%00/bad/path/YQ%3D%3D' is invalid on 'linux'"),
    ("file:///%00/bad/path/Y+", "'file:///%00/bad/path/Y+' is invalid on 'linux'"),
    ("file://h/%00/bad/path/YQ", "'file://h/%00/bad/path/YQ' is invalid on 'linux'"),
]

# Observed on codex 0.169.0. Valid PathUris that are foreign to a POSIX host (an
# authority means a UNC host; a first segment ``X:``/``X%3A`` means a Windows drive; a
# fallback must decode to a normalized absolute POSIX path containing NUL). The second
# column is the canonical form quoted by the reference: fs methods answer -32600
# ``'<canonical>' is invalid on 'linux'``; process/start answers -32602 ``cwd URI
# `<canonical>` is not valid on this exec-server host: '<canonical>' is invalid on
# 'linux'``. These rows also pin down canonicalization (host IDNA/IPv4/IPv6 forms, dot
# segments, percent-encoding, drive letters upper-cased, url crate quirks).
HOST_FOREIGN: list[tuple[str, str]] = [
    ("file://otherhost/etc/hostname", "file://otherhost/etc/hostname"),
    ("file:///C:/x", "file:///C:/x"),
    ("file:///c:/x", "file:///C:/x"),
    ("file://127.0.0.1/x", "file://127.0.0.1/x"),
    ("file://[::1]/x", "file://[::1]/x"),
    ("file://[::1]", "file://[::1]/"),
    ("file://0x7f.1/x", "file://127.0.0.1/x"),
    ("file://Host/x", "file://host/x"),
    ("file://ex%41mple/x", "file://example/x"),
    ("file://\xfc/x", "file://xn--tda/x"),
    ("file://\xdc/x", "file://xn--tda/x"),
    ("file://%C3%9C/x", "file://xn--tda/x"),
    ("file://xn--tda/x", "file://xn--tda/x"),
    ("file://XN--TDA/x", "file://xn--tda/x"),
    ("file://\xdf/x", "file://xn--zca/x"),
    ("file://\u03c2/x", "file://xn--3xa/x"),
    ("file://\u0130/x", "file://xn--i-9bb/x"),
    ("file://\uff21/x", "file://a/x"),
    ("file://\u65e5\u672c/x", "file://xn--wgv71a/x"),
    ("file://\U0001f600/x", "file://xn--e28h/x"),
    ("file://a\u3002b/x", "file://a.b/x"),
    ("file://\u210c/x", "file://h/x"),
    ("file://a\xadb/x", "file://ab/x"),
    ("file://localhost./x", "file://localhost./x"),
    ("file://a..b/x", "file://a..b/x"),
    ("file://./x", "file://./x"),
    ("file://%2e/x", "file://./x"),
    ("file://-a/x", "file://-a/x"),
    ("file://_a/x", "file://_a/x"),
    ("file://a*b/x", "file://a*b/x"),
    ('file://a"b/x', 'file://a"b/x'),
    ("file://a{b}/x", "file://a{b}/x"),
    ("file://0/x", "file://0.0.0.0/x"),
    ("file://0x/x", "file://0.0.0.0/x"),
    ("file://1.2.3.4./x", "file://1.2.3.4/x"),
    ("file://1.2.3.4../x", "file://1.2.3.4../x"),
    ("file://4294967295/x", "file://255.255.255.255/x"),
    ("file://0xffffffff/x", "file://255.255.255.255/x"),
    ("file://A.09a/x", "file://a.09a/x"),
    ("file://[::ffff:1.2.3.4]/x", "file://[::ffff:102:304]/x"),
    ("file://[1:0:0:2::3:0]/x", "file://[1::2:0:0:3:0]/x"),
    ("file://[0:0:0:0:0:0:0:0]/x", "file://[::]/x"),
    ("file://[1::]/x", "file://[1::]/x"),
    ("file://[ABCD::ef]/x", "file://[abcd::ef]/x"),
    ("file://[::1.2.3.4]/x", "file://[::102:304]/x"),
    ("file://server/share/x", "file://server/share/x"),
    ("file://SERVER/Share", "file://server/Share"),
    ("file://server", "file://server/"),
    ("file:\\\\server\\share\\x", "file://server/share/x"),
    ("file://h//a", "file://h/a"),
    ("file://h/a/./b/../c", "file://h/a/c"),
    ("file://h/a/%2e/b/%2E%2E/c", "file://h/a/c"),
    ("file://h/a/.%2e/c", "file://h/c"),
    ("file://h/a/b/..", "file://h/a/"),
    ("file://h/a/b/.", "file://h/a/b/"),
    ("file://h/..", "file://h/"),
    ("file://h/a//b", "file://h/a//b"),
    ("file://h/a b", "file://h/a%20b"),
    ("file://h/\xfc", "file://h/%C3%BC"),
    ("file://h/%c3%bc", "file://h/%c3%bc"),
    ("file://h/%zz", "file://h/%zz"),
    ("file://h/%", "file://h/%"),
    ("file://h/a\\b", "file://h/a/b"),
    ('file://h/"<>`{}^|', "file://h/%22%3C%3E%60%7B%7D^|"),
    ("file://h/'", "file://h/'"),
    ("file://h/a!$&()*+,;=:@[]~", "file://h/a!$&()*+,;=:@[]~"),
    ("file://h/\x7f", "file://h/%7F"),
    ("file://h/\x01", "file://h/"),
    ("file://h/\xa0", "file://h/%C2%A0"),
    ("file://h/a/\t b\n/\r", "file://h/a/%20b/"),
    ("file://h/C:/x", "file:///C:/x"),
    ("file://h/c|/x", "file:///C:/x"),
    ("file://h/a/C:/../x", "file://h/a/C:/x"),
    ("file://h/a/C|/x", "file://h/a/C|/x"),
    ("file://h/.../x", "file://h/.../x"),
    ("file://h/a/..%2F/x", "file://h/a/..%2F/x"),
    ("file://h/a/b/%2e%2e/%2E%2e", "file://h/"),
    ("file://h/c%3a/x", "file://h/c%3a/x"),
    ("file://h\n/C:\t\t|", "file://h/C:/|"),
    ("file://..\\/\tc|/d", "file://../c|/d"),
    ("file:C:/x", "file:///C:/x"),
    ("file:/C:/x", "file:///C:/x"),
    ("file://C:/x", "file:///C:/x"),
    ("file://c|/x", "file:///C:/x"),
    ("file:C|", "file:///C:"),
    ("file:c:/x", "file:///C:/x"),
    ("file:c|/x", "file:///C:/x"),
    ("file:/c|/x", "file:///C:/x"),
    ("file:///c:", "file:///C:"),
    ("file:///a:/", "file:///A:/"),
    ("file:///Z:", "file:///Z:"),
    ("file:///C:/", "file:///C:/"),
    ("file:///C:/../..", "file:///C:/"),
    ("file:///C:/a/../../b", "file:///C:/b"),
    ("file://localhost/C:/x", "file:///C:/x"),
    ("file:////C:/x", "file:///C:/x"),
    ("file:///C%3A/x", "file:///C%3A/x"),
    ("file:///c%3a/x", "file:///C%3a/x"),
    ("file:///c%3A", "file:///C%3A"),
    ("file:///c:/a%5Cb", "file:///C:/a%5Cb"),
    ("file:///c:/x%FF", "file:///C:/x%FF"),
    ("file:///c:/a//b", "file:///C:/a//b"),
    ("file:///C:/%2e%2e/x", "file:///C:/x"),
    ("file:///c:/a%2F..%2Fb", "file:///C:/a%2F..%2Fb"),
    ("file:c:\tYQ", "file:///C:/YQ"),
    ("FILE:\\C:\t../..%7C..z", "file:///C:/../..%7C..z"),
    ("file:///%00/bad/path/YQ", "file:///%00/bad/path/YQ"),
    ("file:///%00/bad/path/L3RtcC94", "file:///%00/bad/path/L3RtcC94"),
    (
        "file:///%00/bad/path/XABcAC4AXABDAE8ATQAxAFwA",
        "file:///%00/bad/path/XABcAC4AXABDAE8ATQAxAFwA",
    ),
    ("file:///%00/bad/path/QwA6AA", "file:///%00/bad/path/QwA6AA"),
    ("file:///%00/bad/path/L3gvLi8A", "file:///%00/bad/path/L3gvLi8A"),
    ("file://localhost/%00/bad/path/YQ", "file:///%00/bad/path/YQ"),
    ("FILE:///%00/bad/path/./YQ", "file:///%00/bad/path/YQ"),
    ("file:////%00/bad/path/YQ", "file:///%00/bad/path/YQ"),
]

# Observed on codex 0.169.0: ``fs/readFile`` on a directory reports the native path it
# converted the URI to (``path `<native>` is not a file``); non-UTF-8 bytes were shown
# lossily and are written here as the bytes that exist on disk.
NATIVE: list[tuple[str, bytes]] = [
    ("file:///root/pp/d", b"/root/pp/d"),
    ("file:///root/pp/x%2F..%2Fd", b"/root/pp/d"),
    ("file:///root/pp/x%2f..%2fd", b"/root/pp/d"),
    ("file:///root/pp/d%2F", b"/root/pp/d"),
    ("file:///root/pp/d%2F.", b"/root/pp/d"),
    ("file:///root/pp%2F%2Fd", b"/root/pp/d"),
    ("file:///root/pp/d/", b"/root/pp/d"),
    ("file:///..%2F..%2Froot/pp/d", b"/root/pp/d"),
    ("file:///root%2F..%2F..%2Froot/pp/d", b"/root/pp/d"),
    ("file:///root/pp/a%20b", b"/root/pp/a b"),
    ("file:///root/pp/a b", b"/root/pp/a b"),
    ("file:///root/pp/100%", b"/root/pp/100%"),
    ("file:///root/pp/100%25", b"/root/pp/100%"),
    ("file:///root/pp/q%3Fx", b"/root/pp/q?x"),
    ("file:///root/pp/h%23x", b"/root/pp/h#x"),
    ("file:///root/pp/%C3%BC", b"/root/pp/\xc3\xbc"),
    ("file:///root/pp/%c3%bc", b"/root/pp/\xc3\xbc"),
    ("file:///root/pp/\xfc", b"/root/pp/\xc3\xbc"),
    ("file:///root/pp/%FF", b"/root/pp/\xff"),
    ("file:///root/pp/%ff", b"/root/pp/\xff"),
    ("file:///root/pp/back%5Cslash", b"/root/pp/back\\slash"),
    ("file:///root/pp/c^|[]", b"/root/pp/c^|[]"),
    ("file:///root/pp/a:", b"/root/pp/a:"),
    ("file:///root/pp/Z|", b"/root/pp/Z|"),
    ("file:///root/pp/tab%09x", b"/root/pp/tab\tx"),
    ("file:///root/pp/sp%20", b"/root/pp/sp "),
    ("file:///root/pp/~t", b"/root/pp/~t"),
    ("file://localhost/root/pp/d", b"/root/pp/d"),
    ("file://LOCALHOST/root/pp/d", b"/root/pp/d"),
    ("FILE:///root/pp/d", b"/root/pp/d"),
    ("file:/root/pp/d", b"/root/pp/d"),
    ("file:root/pp/d", b"/root/pp/d"),
    ("file:////root/pp/d", b"/root/pp/d"),
    ("file://///root/pp/d", b"/root/pp/d"),
    ("file:\\\\\\root\\pp\\d", b"/root/pp/d"),
    ("file://%6c%6fcalhost/root/pp/d", b"/root/pp/d"),
    ("file://localhost/root/./pp/d/..//d", b"/root/pp/d"),
    ("file:///root/pp/d/%2e%2E/d", b"/root/pp/d"),
    (" file:///root/pp/d ", b"/root/pp/d"),
    ("\x00file:///root/pp/d\x1f", b"/root/pp/d"),
    ("fi\tle:///root/pp/\td", b"/root/pp/d"),
    ("file://\tlocalhost/root/pp/d", b"/root/pp/d"),
    ("file:", b"/"),
    ("file:/", b"/"),
    ("file://", b"/"),
    ("file:///", b"/"),
    ("file://localhost", b"/"),
    ("file://localhost/", b"/"),
    ("file:///..", b"/"),
    ("file:///%2e%2e/root/pp/d", b"/root/pp/d"),
    ("file:///root/pp/C:/../d", b"/root/pp/C:/d"),
    ("file:///root/pp/d%2F..%2F..%2Fpp/d", b"/root/pp/d"),
]

# Observed on codex 0.169.0: ``fs/canonicalize`` of an existing file reports its
# native path as a PathUri (the reference's native -> URI conversion).
FROM_NATIVE: list[tuple[bytes, str]] = [
    (b"/root/pp/..x", "file:///root/pp/..x"),
    (b"/root/pp/.hidden", "file:///root/pp/.hidden"),
    (b"/root/pp/100%", "file:///root/pp/100%25"),
    (b"/root/pp/A:B", "file:///root/pp/A:B"),
    (b"/root/pp/C:", "file:///root/pp/C:"),
    (b"/root/pp/Z|", "file:///root/pp/Z|"),
    (b"/root/pp/a b", "file:///root/pp/a%20b"),
    (b"/root/pp/a:", "file:///root/pp/a:"),
    (b"/root/pp/ap'os", "file:///root/pp/ap'os"),
    (b"/root/pp/back\\slash", "file:///root/pp/back%5Cslash"),
    (b"/root/pp/c\x01x", "file:///root/pp/c%01x"),
    (b"/root/pp/c^|[]", "file:///root/pp/c^|[]"),
    (b"/root/pp/d", "file:///root/pp/d"),
    (b"/root/pp/del", "file:///root/pp/del"),
    (b"/root/pp/del\x7fx", "file:///root/pp/del%7Fx"),
    (b'/root/pp/e"<>`{}', "file:///root/pp/e%22%3C%3E%60%7B%7D"),
    (b"/root/pp/f", "file:///root/pp/f"),
    (b"/root/pp/h#x", "file:///root/pp/h%23x"),
    (b"/root/pp/nb sp", "file:///root/pp/nb%20sp"),
    (b"/root/pp/pc%41", "file:///root/pp/pc%2541"),
    (b"/root/pp/q?x", "file:///root/pp/q%3Fx"),
    (b"/root/pp/semi;=,@!$&()*+", "file:///root/pp/semi;=,@!$&()*+"),
    (b"/root/pp/sp ", "file:///root/pp/sp%20"),
    (b"/root/pp/tab\tx", "file:///root/pp/tab%09x"),
    (b"/root/pp/~t", "file:///root/pp/~t"),
    (b"/root/pp/\xc3\xbc", "file:///root/pp/%C3%BC"),
    (b"/root/pp/\xf0\x9f\x98\x80", "file:///root/pp/%F0%9F%98%80"),
    (b"/root/pp/\xff", "file:///root/pp/%FF"),
]

# Observed on codex 0.169.0 through symlinks resolved by ``fs/canonicalize``: a first
# component shaped like a Windows drive has no POSIX URI form and uses the fallback;
# ``C|`` is kept verbatim (and reads back as ``/C|``).
FROM_NATIVE_SPECIAL: list[tuple[bytes, str]] = [
    (b"/c:", "file:///%00/bad/path/L2M6"),
    (b"/c:/sub", "file:///%00/bad/path/L2M6L3N1Yg"),
    (b"/C|", "file:///C|"),
    (b"/d%3a", "file:///d%253a"),
]

# Observed on codex 0.169.0: how each request context reports a PathUri problem.
# (uri, fs/* (code, message), process/start cwd (code, message)). A fallback that
# decodes to a path with NUL converts fine and is then refused by the OS-call layer.
CONTEXT_ERRORS: list[tuple[str, tuple[int, str], tuple[int, str]]] = [
    (
        "tmp",
        (-32602, "invalid URI: relative URL without a base"),
        (-32602, "invalid URI: relative URL without a base"),
    ),
    (
        "http://x/",
        (-32602, "unsupported path URI scheme `http`"),
        (-32602, "unsupported path URI scheme `http`"),
    ),
    (
        "file:///x?y",
        (-32602, "query parameters are not allowed in path URIs"),
        (-32602, "query parameters are not allowed in path URIs"),
    ),
    (
        "file://u@h/",
        (-32602, "invalid URI: invalid international domain name"),
        (-32602, "invalid URI: invalid international domain name"),
    ),
    (
        "file:///etc/%00x",
        (-32602, "'file:///etc/%00x' is invalid on 'linux'"),
        (-32602, "'file:///etc/%00x' is invalid on 'linux'"),
    ),
    (
        "file:///%00/bad/path/YR",
        (-32602, "'file:///%00/bad/path/YR' is invalid on 'linux'"),
        (-32602, "'file:///%00/bad/path/YR' is invalid on 'linux'"),
    ),
    (
        "file://h/x",
        (-32600, "'file://h/x' is invalid on 'linux'"),
        (
            -32602,
            "cwd URI `file://h/x` is not valid on this exec-server host: "
            "'file://h/x' is invalid on 'linux'",
        ),
    ),
    (
        "file:///c:/x",
        (-32600, "'file:///C:/x' is invalid on 'linux'"),
        (
            -32602,
            "cwd URI `file:///C:/x` is not valid on this exec-server host: "
            "'file:///C:/x' is invalid on 'linux'",
        ),
    ),
    (
        "file:///C%3A",
        (-32600, "'file:///C%3A' is invalid on 'linux'"),
        (
            -32602,
            "cwd URI `file:///C%3A` is not valid on this exec-server host: "
            "'file:///C%3A' is invalid on 'linux'",
        ),
    ),
    (
        "file:///%00/bad/path/YQ",
        (-32600, "'file:///%00/bad/path/YQ' is invalid on 'linux'"),
        (
            -32602,
            "cwd URI `file:///%00/bad/path/YQ` is not valid on this exec-server host: "
            "'file:///%00/bad/path/YQ' is invalid on 'linux'",
        ),
    ),
    (
        "file:///%00/bad/path/L3gA",
        (-32600, "file name contained an unexpected NUL byte"),
        (-32603, "nul byte found in provided data"),
    ),
]


def _reference_error(uri: str, context: str) -> tuple[int, str] | None:
    """How the reference maps this module's outcomes to JSON-RPC errors (see CONTEXT_ERRORS)."""
    try:
        canonical = canonicalize(uri)
    except PathUriError as err:
        return (-32602, str(err))
    try:
        native = to_native_path(canonical)
    except PathUriHostError as err:
        if context == "fs":
            return (-32600, str(err))
        return (-32602, f"cwd URI `{canonical}` is not valid on this exec-server host: {err}")
    if b"\0" in native:
        if context == "fs":
            return (-32600, "file name contained an unexpected NUL byte")
        return (-32603, "nul byte found in provided data")
    return None


# ---------------------------------------------------------------------------- tests


@pytest.mark.parametrize(("uri", "message"), DECODE_ERRORS)
def test_decode_errors_match_the_reference(uri: str, message: str) -> None:
    with pytest.raises(PathUriError) as caught:
        canonicalize(uri)
    assert not isinstance(caught.value, PathUriHostError)
    assert str(caught.value) == _here(message)


@pytest.mark.parametrize(("uri", "canonical"), HOST_FOREIGN)
def test_host_foreign_uris_decode_then_fail_conversion(uri: str, canonical: str) -> None:
    assert canonicalize(uri) == canonical
    with pytest.raises(PathUriHostError) as caught:
        to_native_path(canonical)
    assert str(caught.value) == _here(f"'{canonical}' is invalid on 'linux'")
    assert isinstance(caught.value, PathUriError)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(("uri", "native"), NATIVE)
def test_conversion_to_native_paths_matches_the_reference(uri: str, native: bytes) -> None:
    assert to_native_path(canonicalize(uri)) == native


@pytest.mark.parametrize(("native", "uri"), FROM_NATIVE + FROM_NATIVE_SPECIAL)
def test_native_paths_encode_like_the_reference(native: bytes, uri: str) -> None:
    assert from_native_path(native) == uri
    assert canonicalize(uri) == uri
    assert to_native_path(uri) == native


@pytest.mark.parametrize(("uri", "fs_error", "cwd_error"), CONTEXT_ERRORS)
def test_error_codes_per_request_context(
    uri: str, fs_error: tuple[int, str], cwd_error: tuple[int, str]
) -> None:
    assert _reference_error(uri, "fs") == (fs_error[0], _here(fs_error[1]))
    assert _reference_error(uri, "cwd") == (cwd_error[0], _here(cwd_error[1]))


def test_spelling_aliases_collapse_to_one_canonical_form() -> None:
    aliases = [
        "file:///workspace/src",
        "FILE:///workspace/src",
        "FiLe:///workspace/src",
        "file:/workspace/src",
        "file:workspace/src",
        "file://localhost/workspace/src",
        "file://LOCALHOST/workspace/src",
        "file://%6c%6fcalhost/workspace/src",
        "file:////workspace/src",
        "file:\\\\\\workspace\\src",
        " file:///workspace/src\n",
        "fi\tle:///work\tspace/src",
        "file:///workspace/./x/../src",
        "file:///workspace/%2e/x/%2E%2e/src",
        "file:///../workspace/src",
    ]
    assert {canonicalize(alias) for alias in aliases} == {"file:///workspace/src"}


def test_percent_escapes_are_kept_verbatim_but_decode_to_the_same_path() -> None:
    assert canonicalize("file:///etc/host%6Eame") == "file:///etc/host%6Eame"
    assert canonicalize("file:///tmp/%c3%bc") == "file:///tmp/%c3%bc"
    assert canonicalize("file:///tmp/\u00fc") == "file:///tmp/%C3%BC"
    assert to_native_path("file:///etc/host%6Eame") == b"/etc/hostname"
    assert to_native_path("file:///tmp/%c3%bc") == to_native_path("file:///tmp/%C3%BC")


def test_encoded_metadata_characters_stay_filename_text() -> None:
    uri = "file:///tmp/a%3Fb%23c%25d"
    assert canonicalize(uri) == uri
    assert to_native_path(uri) == b"/tmp/a?b#c%d"
    assert from_native_path(b"/tmp/a?b#c%d") == uri
    assert canonicalize("file:///tmp/100%25/file") == "file:///tmp/100%25/file"


def test_encoded_separators_and_dots_resolve_only_after_decoding() -> None:
    # %2F survives URL parsing, then becomes a separator and is normalized lexically.
    assert canonicalize("file:///a/x%2F..%2Fb") == "file:///a/x%2F..%2Fb"
    assert to_native_path("file:///a/x%2F..%2Fb") == b"/a/b"
    assert to_native_path("file:///a%2Fb/") == b"/a/b"
    assert to_native_path("file:///%2500") == b"/%00"


def test_drive_letters_are_upper_cased_only_after_the_null_check() -> None:
    assert canonicalize("file:///c:/x") == "file:///C:/x"
    assert canonicalize("file:///c%3a/x") == "file:///C%3a/x"
    assert canonicalize("file:///c:x") == "file:///c:x"  # not a drive segment: POSIX
    with pytest.raises(PathUriError, match=re.escape("'file:///c:/%00'")):
        canonicalize("file:///c:/%00")


def test_to_native_path_does_not_reparse_a_canonical_uri() -> None:
    # 'file://h\n/C:\t\t|' keeps its host (the tab hides the drive letter from the url
    # crate); parsing its canonical text again would drop the host.
    canonical = canonicalize("file://h\n/C:\t\t|")
    assert canonical == "file://h/C:/|"
    with pytest.raises(PathUriHostError) as caught:
        to_native_path(canonical)
    assert str(caught.value) == _here("'file://h/C:/|' is invalid on 'linux'")


def test_to_native_path_canonicalizes_other_spellings_first() -> None:
    assert to_native_path("FILE:/tmp/./x") == b"/tmp/x"
    with pytest.raises(PathUriError, match="relative URL without a base"):
        to_native_path("/tmp/x")


TRICKY_NAMES: list[bytes] = [
    b"/",
    b"/tmp/a b",
    b"/tmp/100%",
    b"/tmp/100%25",
    b"/tmp/q?x#y",
    b"/tmp/%00",
    b"/tmp/%2e%2e",
    b"/tmp/.hidden",
    b"/tmp/..x",
    b"/tmp/...",
    b"/tmp/back\\slash",
    b"/tmp/non-utf8-\xff",
    b"/tmp/\xfe\xff\x80",
    "/tmp/\u00fcn\u00efc\u00f6d\u00e9-\U0001f600".encode(),
    b"/tmp/ctl\x01\x1f\x7f",
    b"/tmp/tab\tnew\nline\rcr",
    b'/tmp/e"<>`{}',
    b"/tmp/'^|[]!$&()*+,;=:@~",
    b"/tmp/C:",
    b"/tmp/c|",
    b"/C|/x",
    b"/c:x",
    b"/cc:",
    b"/1:",
    b"/tmp/null-\0-\xff-byte",
    b"/\0",
    b"/c:",
    b"/c:/sub",
    b"/bad/path/L3RtcC9udWxsLQAt_y1ieXRl",
]


@pytest.mark.parametrize("native", TRICKY_NAMES)
def test_tricky_names_round_trip(native: bytes) -> None:
    uri = from_native_path(native)
    assert canonicalize(uri) == uri
    assert to_native_path(uri) == native


def test_null_bytes_use_the_fallback_namespace() -> None:
    uri = from_native_path(b"/tmp/null-\0-\xff-byte")
    assert uri == "file:///%00/bad/path/L3RtcC9udWxsLQAt_y1ieXRl"
    assert to_native_path(uri) == b"/tmp/null-\0-\xff-byte"
    # A path that merely looks like the namespace is an ordinary path.
    plain = from_native_path("/bad/path/L3RtcC9udWxsLQAt_y1ieXRl")
    assert plain == "file:///bad/path/L3RtcC9udWxsLQAt_y1ieXRl"
    assert to_native_path(plain) == b"/bad/path/L3RtcC9udWxsLQAt_y1ieXRl"


def test_native_inputs_are_normalized_and_may_be_str_or_pathlike() -> None:
    expected = "file:///a/c%20d"
    assert from_native_path("/a/./b/../c d//") == expected
    assert from_native_path(b"//a/b/../c d/.") == expected
    assert from_native_path(PurePosixPath("/a/c d")) == expected
    assert from_native_path(os.fsdecode(b"/tmp/\xff")) == "file:///tmp/%FF"
    assert from_native_path("/..") == "file:///"


@pytest.mark.parametrize("relative", ["", "tmp", "./x", "~/x", b"rel", PurePosixPath("a/b")])
def test_relative_native_paths_are_rejected(relative: str | bytes | PurePosixPath) -> None:
    with pytest.raises(ValueError, match="path is not absolute"):
        from_native_path(relative)


_ALPHABET = [
    "a", "B", "0", "-", ".", "_", "~", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=",
    ":", "@", "|", "^", "[", "]", "/", "//", "%41", "%2e", "%2E", "%2F", "%00", "%25", "%",
    "..", "C:", "c|", "x:", " ", "\t", "\\", "?", "#", "\u00fc", "%zz", "%3a",
]  # fmt: skip


def test_fast_path_agrees_with_the_full_parser() -> None:
    # A leading space forces the full parser (it is stripped like any C0/space).
    rng = random.Random(169)
    for _ in range(4000):
        path = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 8)))
        uri = "file:///" + path
        try:
            expected: str | None = canonicalize(" " + uri)
        except PathUriError as err:
            expected = None
            with pytest.raises(PathUriError, match=re.escape(str(err))):
                canonicalize(uri)
        if expected is not None:
            assert canonicalize(uri) == expected, uri


def test_common_canonical_uris_are_returned_unchanged() -> None:
    for uri in [
        "file:///",
        "file:///home/me/proj",
        "file:///home/me/proj/.git/HEAD",
        "file:///tmp/a%20b/c%25d/%C3%BC",
        "file:///srv/work/",
        "file:///a//b",
        "file:///x/C:/y",
    ]:
        assert canonicalize(uri) is uri


def test_the_plain_path_shortcuts_agree_with_the_general_conversion() -> None:
    import random

    from execwire import pathuri

    alphabet = "abcXYZ019._~!$&'()*+,;=:@-/%é [|^#?"
    rng = random.Random(12)
    cases = ["/", "/a", "/a/b", "/c:", "/c:/x", "/a/./b", "/a/../b", "//a", "/a/", "/.hidden", "/a.b/c"]
    cases += ["/" + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(5000)]
    shortcuts = 0
    for path in cases:
        data = path.encode()
        uri = pathuri.from_native_path(data)
        assert uri == pathuri._from_native_path(data), path
        if uri.startswith(pathuri.FALLBACK_PREFIX):
            continue
        native = pathuri.to_native_path(uri)
        assert native == pathuri._to_native_path(uri), (path, uri)
        shortcuts += uri[7:].encode() == native
    assert shortcuts > 1000  # the shortcut was really taken

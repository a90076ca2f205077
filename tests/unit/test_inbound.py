"""Inbound JSON-RPC diagnosis (execwire_server.inbound, execwire_server.serde_emulation) against codex 0.169.0.

Every expectation in this file was observed on codex-cli 0.169.0 (``codex
exec-server --listen ws://127.0.0.1:0`` and ``--listen stdio``, Linux x86_64
musl) by sending the frame on a fresh connection followed by a probe request.
Outcomes:

* a text: the reference answered ``{"error":{"code":-32600,"message":"failed to
  parse websocket JSON-RPC message from exec-server websocket <peer>: <text>"},
  "id":-1}`` and the connection stayed open;
* ``REQUEST``: it dispatched a request (unknown method -> -32601), still open;
* ``CLOSED``: it closed the TCP connection without replying (a notification or
  a client response/error).

Text frames are given as ``str``, binary frames (e.g. invalid UTF-8) as ``bytes``.
No network or binary is needed to run these tests.
"""

from __future__ import annotations

import orjson
import pytest

from execwire_server.inbound import (
    RECURSION_LIMIT,
    VALUE_LIMIT,
    ErrorResponse,
    Malformed,
    Notification,
    Request,
    Response,
    classify,
    explain,
    is_blank_line,
    json_syntax_error,
    message_shape_error,
    stdio_error_message,
    websocket_error_message,
)

REQUEST = "REQUEST"
CLOSED = "CLOSED"
CLIENT_MESSAGES = (Notification, Response, ErrorResponse)


def _outcome(frame: str | bytes) -> str:
    result = explain(frame)
    if isinstance(result, Malformed):
        return result.message
    if isinstance(result, Request):
        return REQUEST
    assert isinstance(result, CLIENT_MESSAGES)
    return CLOSED


# Hand-written probes, systematic number/type probes, then a sample of ~50k
# randomly mutated frames (one to six per distinct error kind).
OBSERVED: list[tuple[str | bytes, str]] = [
    ("[]", "expected a JSON-RPC object"),
    ("5", "expected a JSON-RPC object"),
    ('"x"', "expected a JSON-RPC object"),
    ("null", "expected a JSON-RPC object"),
    ("true", "expected a JSON-RPC object"),
    ("{}", "missing field `error`"),
    ('{"id":1}', "missing field `error`"),
    ('{"method":5}', "invalid type: number, expected a string"),
    ('{"id":1.5,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"id":null,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"id":[1],"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"id":{},"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"id":true,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"id":9223372036854775807,"method":"x"}', REQUEST),
    (
        '{"id":9223372036854775808,"method":"x"}',
        "data did not match any variant of untagged enum RequestId",
    ),
    ('{"id":-9223372036854775808,"method":"x"}', REQUEST),
    (
        '{"id":-9223372036854775809,"method":"x"}',
        "invalid type: integer `-9223372036854775809` as i128, expected any value",
    ),
    (
        '{"id":18446744073709551615,"method":"x"}',
        "data did not match any variant of untagged enum RequestId",
    ),
    (
        '{"id":18446744073709551616,"method":"x"}',
        "invalid type: integer `18446744073709551616` as u128, expected any value",
    ),
    ('{"id":1e3,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"id":1.0,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"id":-0,"method":"x"}', REQUEST),
    ('{"id":-0.0,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"id":"","method":"x"}', REQUEST),
    ('{"id":1,"method":"x","trace":5}', "invalid type: number, expected struct W3cTraceContext"),
    ('{"id":1,"method":"x","trace":null}', REQUEST),
    ('{"id":1,"method":"x","trace":{}}', REQUEST),
    ('{"id":1,"method":"x","trace":{"traceparent":5}}', "invalid type: number, expected a string"),
    ('{"id":1,"method":"x","trace":{"traceparent":null}}', REQUEST),
    ('{"id":1,"method":"x","trace":{"traceparent":"a","tracestate":"b","extra":1}}', REQUEST),
    ('{"id":1,"method":"x","trace":[]}', REQUEST),
    (
        '{"id":1,"method":"x","trace":"s"}',
        'invalid type: string "s", expected struct W3cTraceContext',
    ),
    ('{"id":1,"method":"x","params":null}', REQUEST),
    ('{"id":1,"method":"x","params":5}', REQUEST),
    ('{"id":1,"method":"x","jsonrpc":"2.0"}', REQUEST),
    ('{"id":1,"method":"x","jsonrpc":5}', REQUEST),
    ('{"id":1,"method":null}', "invalid type: null, expected a string"),
    ('{"id":1,"method":5}', "invalid type: number, expected a string"),
    ('{"id":1,"method":[]}', "invalid type: sequence, expected a string"),
    ('{"id":1,"method":""}', REQUEST),
    ('{"method":"x"}', CLOSED),
    ('{"method":"x","params":5}', CLOSED),
    ('{"method":"x","id":null}', "data did not match any variant of untagged enum RequestId"),
    ('{"method":"x","trace":5}', CLOSED),
    ('{"method":"x","trace":{"traceparent":5}}', CLOSED),
    ('{"method":null}', "invalid type: null, expected a string"),
    ('{"method":[]}', "invalid type: sequence, expected a string"),
    ('{"id":1,"error":{}}', "missing field `code`"),
    ('{"id":1,"error":{"code":"x","message":"m"}}', 'invalid type: string "x", expected i64'),
    ('{"id":1,"error":{"code":1,"message":"m"}}', CLOSED),
    ('{"id":1,"error":{"code":1}}', "missing field `message`"),
    ('{"id":1,"error":{"message":"m"}}', "missing field `code`"),
    ('{"id":1,"error":{"code":1.5,"message":"m"}}', "invalid number"),
    ('{"id":1,"error":{"code":1,"message":5}}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":1,"message":"m","data":5}}', CLOSED),
    ('{"id":1,"error":null}', "invalid type: null, expected struct JSONRPCErrorError"),
    ('{"id":1,"error":5}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"id":1,"error":[]}', "invalid length 0, expected struct JSONRPCErrorError with 3 elements"),
    (
        '{"id":1,"error":[1,"m"]}',
        "invalid length 2, expected struct JSONRPCErrorError with 3 elements",
    ),
    ('{"id":1,"error":[1,null,"m"]}', CLOSED),
    ('{"error":{"code":1,"message":"m"}}', "missing field `id`"),
    (
        '{"id":null,"error":{"code":1,"message":"m"}}',
        "data did not match any variant of untagged enum RequestId",
    ),
    (
        '{"id":1.5,"error":{"code":1,"message":"m"}}',
        "data did not match any variant of untagged enum RequestId",
    ),
    ('{"result":1}', "missing field `id`"),
    ('{"id":1,"result":null}', CLOSED),
    ('{"id":1,"result":1}', CLOSED),
    ('{"id":null,"result":1}', "data did not match any variant of untagged enum RequestId"),
    ('{"id":1.5,"result":1}', "data did not match any variant of untagged enum RequestId"),
    ('{"id":[],"result":1}', "data did not match any variant of untagged enum RequestId"),
    ('{"id":1,"result":1,"error":{"code":1,"message":"m"}}', CLOSED),
    ('{"id":1,"result":1,"error":5}', CLOSED),
    ('{"id":1,"error":{"code":1,"message":"m"},"result":1}', CLOSED),
    ('{"id":1,"method":"x","result":1}', REQUEST),
    ('{"method":"x","result":1}', CLOSED),
    ('{"method":5,"result":1,"id":1}', "invalid type: number, expected a string"),
    ('{"method":5,"id":1}', "invalid type: number, expected a string"),
    (
        '{"method":5,"error":{"code":1,"message":"m"},"id":1}',
        "invalid type: number, expected a string",
    ),
    ('{"a":1}', "missing field `error`"),
    ('{"params":1}', "missing field `error`"),
    ('{"trace":1}', "missing field `error`"),
    ('{"id":"a"}', "missing field `error`"),
    ('{"id":1,"id":2,"method":"x"}', "duplicate JSON object key `id` at line 1 column 12"),
    (
        '{"method":"x","method":"y","id":1}',
        "duplicate JSON object key `method` at line 1 column 22",
    ),
    ('{"method":5,"method":"x","id":1}', "duplicate JSON object key `method` at line 1 column 20"),
    ('{"method":"x","method":5,"id":1}', "duplicate JSON object key `method` at line 1 column 22"),
    ('{"id":1,"result":1,"result":2}', "duplicate JSON object key `result` at line 1 column 27"),
    (
        '{"id":1,"error":{"code":1,"code":2,"message":"m"}}',
        "duplicate JSON object key `code` at line 1 column 32",
    ),
    ("[1]", "expected a JSON-RPC object"),
    ('[{"id":1,"method":"x"}]', "expected a JSON-RPC object"),
    ('[1,"x"]', "expected a JSON-RPC object"),
    ('[1,"x",null]', "expected a JSON-RPC object"),
    ("1.5", "expected a JSON-RPC object"),
    ("-1", "expected a JSON-RPC object"),
    ('""', "expected a JSON-RPC object"),
    ('{"id":"s","method":"x"}', REQUEST),
    ('{"ID":1,"method":"x"}', CLOSED),
    ('{"Id":1,"Method":"x"}', "missing field `error`"),
    ("", "EOF while parsing a value at line 1 column 0"),
    (" ", "EOF while parsing a value at line 1 column 1"),
    ("\n", "EOF while parsing a value at line 2 column 0"),
    ("\n\n ", "EOF while parsing a value at line 3 column 1"),
    ("\t", "EOF while parsing a value at line 1 column 1"),
    ("{", "EOF while parsing an object at line 1 column 1"),
    ("[", "EOF while parsing a list at line 1 column 1"),
    ("[1", "EOF while parsing a list at line 1 column 2"),
    ("[1,", "EOF while parsing a value at line 1 column 3"),
    ("[1,]", "trailing comma at line 1 column 4"),
    ("[1 2]", "expected `,` or `]` at line 1 column 4"),
    ('{"a"', "EOF while parsing an object at line 1 column 4"),
    ('{"a":', "EOF while parsing a value at line 1 column 5"),
    ('{"a":1', "EOF while parsing an object at line 1 column 6"),
    ('{"a":1,', "EOF while parsing a value at line 1 column 7"),
    ('{"a":1,}', "trailing comma at line 1 column 8"),
    ('{"a" 1}', "expected `:` at line 1 column 6"),
    ('{"a":1 "b":2}', "expected `,` or `}` at line 1 column 8"),
    ("{1:2}", "key must be a string at line 1 column 2"),
    ("{,}", "key must be a string at line 1 column 2"),
    ("{]", "key must be a string at line 1 column 2"),
    ("[}", "expected value at line 1 column 2"),
    ("]", "expected value at line 1 column 1"),
    ("}", "expected value at line 1 column 1"),
    ('"abc', "EOF while parsing a string at line 1 column 4"),
    ('"ab\\', "EOF while parsing a string at line 1 column 4"),
    ('"\\q"', "invalid escape at line 1 column 3"),
    ('"\\u12"', "EOF while parsing a string at line 1 column 6"),
    ('"\\u12', "EOF while parsing a string at line 1 column 5"),
    ('"\\uZZZZ"', "invalid escape at line 1 column 7"),
    ('"\\uD800"', "unexpected end of hex escape at line 1 column 8"),
    ('"\\uDC00"', "lone leading surrogate in hex escape at line 1 column 7"),
    ('"\\uD800\\u0041"', "lone leading surrogate in hex escape at line 1 column 13"),
    ('"\\uD800\\n"', "unexpected end of hex escape at line 1 column 9"),
    ('"\\uD800x"', "unexpected end of hex escape at line 1 column 8"),
    ('"\\uD800\\', "EOF while parsing a string at line 1 column 8"),
    ('"\\uD800', "EOF while parsing a string at line 1 column 7"),
    ('"\\uD800\\uDC00"', "expected a JSON-RPC object"),
    (
        '"a\tb"',
        "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 3",
    ),
    (
        '"a\nb"',
        "control character (\\u0000-\\u001F) found while parsing a string at line 2 column 0",
    ),
    (
        '"\x00"',
        "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 2",
    ),
    (
        '"\x1f"',
        "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 2",
    ),
    ('"\x7f"', "expected a JSON-RPC object"),
    ("nul", "EOF while parsing a value at line 1 column 3"),
    ("nulx", "expected ident at line 1 column 4"),
    ("nullx", "expected a JSON-RPC object"),
    ("null x", "expected a JSON-RPC object"),
    ("tru", "EOF while parsing a value at line 1 column 3"),
    ("trux", "expected ident at line 1 column 4"),
    ("fals", "EOF while parsing a value at line 1 column 4"),
    ("falsy", "expected ident at line 1 column 5"),
    ("x", "expected value at line 1 column 1"),
    ("n", "EOF while parsing a value at line 1 column 1"),
    ("N", "expected value at line 1 column 1"),
    ("NaN", "expected value at line 1 column 1"),
    ("Infinity", "expected value at line 1 column 1"),
    ("-Infinity", "invalid number at line 1 column 2"),
    ("+1", "expected value at line 1 column 1"),
    (".5", "expected value at line 1 column 1"),
    ("-", "EOF while parsing a value at line 1 column 1"),
    ("-x", "invalid number at line 1 column 2"),
    ("01", "invalid number at line 1 column 2"),
    ("00", "invalid number at line 1 column 2"),
    ("-01", "invalid number at line 1 column 3"),
    ("1.", "EOF while parsing a value at line 1 column 2"),
    ("1.x", "invalid number at line 1 column 3"),
    ("1e", "EOF while parsing a value at line 1 column 2"),
    ("1e+", "EOF while parsing a value at line 1 column 3"),
    ("1ex", "invalid number at line 1 column 3"),
    ("1E5", "expected a JSON-RPC object"),
    ("1e400", "expected a JSON-RPC object"),
    ("-1e400", "expected a JSON-RPC object"),
    ("1.5e-400", "expected a JSON-RPC object"),
    ("123456789012345678901234567890", "expected a JSON-RPC object"),
    ("-123456789012345678901234567890", "expected a JSON-RPC object"),
    ("0x10", "expected a JSON-RPC object"),
    ("1_0", "expected a JSON-RPC object"),
    ("{} x", "missing field `error`"),
    ("{}{}", "missing field `error`"),
    ("{} ", "missing field `error`"),
    ("{}\n", "missing field `error`"),
    (" {} ", "missing field `error`"),
    ("{}\n\n x", "missing field `error`"),
    ("[] ]", "expected a JSON-RPC object"),
    ("[1]]", "expected a JSON-RPC object"),
    ("{}}", "missing field `error`"),
    ("\ufeff{}", "expected value at line 1 column 1"),
    ('{"id":1,"method":"x"} ', REQUEST),
    ('{"id":1,"method":"x"}\n', REQUEST),
    ('{"id":1,"method":"x"} x', "trailing characters at line 1 column 23"),
    ("é", "expected value at line 1 column 1"),
    ('"é" x', "expected a JSON-RPC object"),
    ('{"é":1,é}', "key must be a string at line 1 column 9"),
    ('["é"\nxx', "expected `,` or `]` at line 2 column 1"),
    (
        '\n\n"ab\ncd"',
        "control character (\\u0000-\\u001F) found while parsing a string at line 4 column 0",
    ),
    ("\r\n{1}", "key must be a string at line 2 column 2"),
    ("\r{1}", "key must be a string at line 1 column 3"),
    ("\x0c{}", "expected value at line 1 column 1"),
    ("\x0b{}", "expected value at line 1 column 1"),
    ("\xa0{}", "expected value at line 1 column 1"),
    ("{/*c*/}", "key must be a string at line 1 column 2"),
    ("// c\n{}", "expected value at line 1 column 1"),
    ("'a'", "expected value at line 1 column 1"),
    ("{'a':1}", "key must be a string at line 1 column 2"),
    ("[1,,2]", "expected value at line 1 column 4"),
    ("[,1]", "expected value at line 1 column 2"),
    ('{"a":1,,"b":2}', "key must be a string at line 1 column 8"),
    ('{"a"::1}', "expected value at line 1 column 6"),
    ('{"a":}', "expected value at line 1 column 6"),
    ('{"a":]', "expected value at line 1 column 6"),
    (
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        "expected a JSON-RPC object",
    ),
    (
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        "recursion limit exceeded at line 1 column 128",
    ),
    (
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        "recursion limit exceeded at line 1 column 128",
    ),
    (
        "     [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        "recursion limit exceeded at line 1 column 133",
    ),
    ('{"id":1,"id" :2}', "duplicate JSON object key `id` at line 1 column 13"),
    ('{"id":1,"id"\n:2}', "duplicate JSON object key `id` at line 2 column 0"),
    ('{"a":{"b":1,"b":2}}', "duplicate JSON object key `b` at line 1 column 15"),
    ('{"a":{"b":1,"b" \n\n  :2}}', "duplicate JSON object key `b` at line 3 column 2"),
    ('[{"b":1,"b":2}]', "duplicate JSON object key `b` at line 1 column 11"),
    ('{"a":1,"b":2,"a":3}', "duplicate JSON object key `a` at line 1 column 16"),
    ('{"\\u0061":1,"a":2}', "duplicate JSON object key `a` at line 1 column 15"),
    ('{"a":1,"a"}', "duplicate JSON object key `a` at line 1 column 11"),
    ('{"a":1,"a" x}', "duplicate JSON object key `a` at line 1 column 11"),
    ('{"a":1,"a":', "duplicate JSON object key `a` at line 1 column 10"),
    (
        '{"id":1,"method":"x","params":{"k":1,"k":2}}',
        "duplicate JSON object key `k` at line 1 column 40",
    ),
    (b"\xff", "expected value at line 1 column 1"),
    (b'"\xff"', "invalid unicode code point at line 1 column 3"),
    (b'{"a":"\xff"}', "invalid unicode code point at line 1 column 8"),
    (b'"a\xc3"', "invalid unicode code point at line 1 column 4"),
    (b'"\xed\xa0\x80"', "invalid unicode code point at line 1 column 5"),
    (b"[\xff]", "expected value at line 1 column 2"),
    (b"{} \xff", "missing field `error`"),
    (b"\xef\xbb\xbf{}", "expected value at line 1 column 1"),
    (b'"\xc3\xa9" \xff', "expected a JSON-RPC object"),
    (b'"\\u00e9\xff"', "invalid unicode code point at line 1 column 9"),
    (b'{"id":1,"method":"x"}', REQUEST),
    (b"", "EOF while parsing a value at line 1 column 0"),
    (b'"\xf4\x90\x80\x80"', "invalid unicode code point at line 1 column 6"),
    (b'"\xc0\x80"', "invalid unicode code point at line 1 column 4"),
    (b'"ab\xff', "EOF while parsing a string at line 1 column 4"),
    (b'"\xffab', "EOF while parsing a string at line 1 column 4"),
    (b'"\xff\\q"', "invalid escape at line 1 column 4"),
    ('{"id":0,"method":"x"}', REQUEST),
    ('{"method":0}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":0,"message":"m"}}', CLOSED),
    ('{"id":1,"method":"x","trace":{"traceparent":0}}', "invalid type: number, expected a string"),
    ('{"id":1,"method":"x","trace":0}', "invalid type: number, expected struct W3cTraceContext"),
    ('{"id":1,"error":0}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"method":-0}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":-0,"message":"m"}}', CLOSED),
    ('{"id":1,"method":"x","trace":{"traceparent":-0}}', "invalid type: number, expected a string"),
    ('{"id":1,"method":"x","trace":-0}', "invalid type: number, expected struct W3cTraceContext"),
    ('{"id":1,"error":-0}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"id":5,"method":"x"}', REQUEST),
    ('{"id":1,"error":{"code":5,"message":"m"}}', CLOSED),
    ('{"id":-5,"method":"x"}', REQUEST),
    ('{"method":-5}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":-5,"message":"m"}}', CLOSED),
    ('{"id":1,"method":"x","trace":{"traceparent":-5}}', "invalid type: number, expected a string"),
    ('{"id":1,"method":"x","trace":-5}', "invalid type: number, expected struct W3cTraceContext"),
    ('{"id":1,"error":-5}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"method":1.5}', "invalid type: number, expected a string"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":1.5}}',
        "invalid type: number, expected a string",
    ),
    ('{"id":1,"method":"x","trace":1.5}', "invalid type: number, expected struct W3cTraceContext"),
    ('{"id":1,"error":1.5}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"id":1.50,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"method":1.50}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":1.50,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":1.50}}',
        "invalid type: number, expected a string",
    ),
    ('{"id":1,"method":"x","trace":1.50}', "invalid type: number, expected struct W3cTraceContext"),
    ('{"id":1,"error":1.50}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"method":1.0}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":1.0,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":1.0}}',
        "invalid type: number, expected a string",
    ),
    ('{"id":1,"method":"x","trace":1.0}', "invalid type: number, expected struct W3cTraceContext"),
    ('{"id":1,"error":1.0}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"method":1e3}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":1e3,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":1e3}}',
        "invalid type: number, expected a string",
    ),
    ('{"id":1,"method":"x","trace":1e3}', "invalid type: number, expected struct W3cTraceContext"),
    ('{"id":1,"error":1e3}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"id":1E3,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"method":1E3}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":1E3,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":1E3}}',
        "invalid type: number, expected a string",
    ),
    ('{"id":1,"method":"x","trace":1E3}', "invalid type: number, expected struct W3cTraceContext"),
    ('{"id":1,"error":1E3}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"id":1e400,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"method":1e400}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":1e400,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":1e400}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":1e400}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    ('{"id":1,"error":1e400}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"id":-1e400,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"method":-1e400}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":-1e400,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":-1e400}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":-1e400}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    ('{"id":1,"error":-1e400}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"id":1.5e-400,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"method":1.5e-400}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":1.5e-400,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":1.5e-400}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":1.5e-400}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    ('{"id":1,"error":1.5e-400}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"id":1e-7,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"method":1e-7}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":1e-7,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":1e-7}}',
        "invalid type: number, expected a string",
    ),
    ('{"id":1,"method":"x","trace":1e-7}', "invalid type: number, expected struct W3cTraceContext"),
    ('{"id":1,"error":1e-7}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"id":0.1,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"method":0.1}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":0.1,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":0.1}}',
        "invalid type: number, expected a string",
    ),
    ('{"id":1,"method":"x","trace":0.1}', "invalid type: number, expected struct W3cTraceContext"),
    ('{"id":1,"error":0.1}', "invalid type: number, expected struct JSONRPCErrorError"),
    (
        '{"id":100000000000000000000,"method":"x"}',
        "invalid type: integer `100000000000000000000` as u128, expected any value",
    ),
    ('{"method":100000000000000000000}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":100000000000000000000,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":100000000000000000000}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":100000000000000000000}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"error":100000000000000000000}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    ('{"method":9223372036854775807}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":9223372036854775807,"message":"m"}}', CLOSED),
    (
        '{"id":1,"method":"x","trace":{"traceparent":9223372036854775807}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":9223372036854775807}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"error":9223372036854775807}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    ('{"method":9223372036854775808}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":9223372036854775808,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":9223372036854775808}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":9223372036854775808}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"error":9223372036854775808}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    ('{"method":-9223372036854775808}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":-9223372036854775808,"message":"m"}}', CLOSED),
    (
        '{"id":1,"method":"x","trace":{"traceparent":-9223372036854775808}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":-9223372036854775808}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"error":-9223372036854775808}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    ('{"method":-9223372036854775809}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":-9223372036854775809,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":-9223372036854775809}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":-9223372036854775809}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"error":-9223372036854775809}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    ('{"method":18446744073709551615}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":18446744073709551615,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":18446744073709551615}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":18446744073709551615}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"error":18446744073709551615}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    ('{"method":18446744073709551616}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":18446744073709551616,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":18446744073709551616}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":18446744073709551616}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"error":18446744073709551616}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    (
        '{"id":-18446744073709551616,"method":"x"}',
        "invalid type: integer `-18446744073709551616` as i128, expected any value",
    ),
    ('{"method":-18446744073709551616}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":-18446744073709551616,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":-18446744073709551616}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":-18446744073709551616}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"error":-18446744073709551616}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    (
        '{"id":170141183460469231731687303715884105727,"method":"x"}',
        "invalid type: integer `170141183460469231731687303715884105727` as u128, expected any value",
    ),
    (
        '{"method":170141183460469231731687303715884105727}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"error":{"code":170141183460469231731687303715884105727,"message":"m"}}',
        "invalid number",
    ),
    (
        '{"id":1,"method":"x","trace":{"traceparent":170141183460469231731687303715884105727}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":170141183460469231731687303715884105727}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"error":170141183460469231731687303715884105727}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    (
        '{"id":170141183460469231731687303715884105728,"method":"x"}',
        "invalid type: integer `170141183460469231731687303715884105728` as u128, expected any value",
    ),
    (
        '{"method":170141183460469231731687303715884105728}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"error":{"code":170141183460469231731687303715884105728,"message":"m"}}',
        "invalid number",
    ),
    (
        '{"id":1,"method":"x","trace":{"traceparent":170141183460469231731687303715884105728}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":170141183460469231731687303715884105728}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"error":170141183460469231731687303715884105728}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    (
        '{"id":-170141183460469231731687303715884105728,"method":"x"}',
        "invalid type: integer `-170141183460469231731687303715884105728` as i128, expected any value",
    ),
    (
        '{"method":-170141183460469231731687303715884105728}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"error":{"code":-170141183460469231731687303715884105728,"message":"m"}}',
        "invalid number",
    ),
    (
        '{"id":1,"method":"x","trace":{"traceparent":-170141183460469231731687303715884105728}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":-170141183460469231731687303715884105728}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"error":-170141183460469231731687303715884105728}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    (
        '{"id":-170141183460469231731687303715884105729,"method":"x"}',
        "data did not match any variant of untagged enum RequestId",
    ),
    (
        '{"method":-170141183460469231731687303715884105729}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"error":{"code":-170141183460469231731687303715884105729,"message":"m"}}',
        "invalid number",
    ),
    (
        '{"id":1,"method":"x","trace":{"traceparent":-170141183460469231731687303715884105729}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":-170141183460469231731687303715884105729}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"error":-170141183460469231731687303715884105729}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    (
        '{"id":340282366920938463463374607431768211455,"method":"x"}',
        "invalid type: integer `340282366920938463463374607431768211455` as u128, expected any value",
    ),
    (
        '{"method":340282366920938463463374607431768211455}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"error":{"code":340282366920938463463374607431768211455,"message":"m"}}',
        "invalid number",
    ),
    (
        '{"id":1,"method":"x","trace":{"traceparent":340282366920938463463374607431768211455}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":340282366920938463463374607431768211455}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"error":340282366920938463463374607431768211455}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    (
        '{"id":340282366920938463463374607431768211456,"method":"x"}',
        "data did not match any variant of untagged enum RequestId",
    ),
    (
        '{"method":340282366920938463463374607431768211456}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"error":{"code":340282366920938463463374607431768211456,"message":"m"}}',
        "invalid number",
    ),
    (
        '{"id":1,"method":"x","trace":{"traceparent":340282366920938463463374607431768211456}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":340282366920938463463374607431768211456}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"error":340282366920938463463374607431768211456}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    (
        '{"id":1000000000000000000000000000000000000000000000,"method":"x"}',
        "data did not match any variant of untagged enum RequestId",
    ),
    (
        '{"method":1000000000000000000000000000000000000000000000}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"error":{"code":1000000000000000000000000000000000000000000000,"message":"m"}}',
        "invalid number",
    ),
    (
        '{"id":1,"method":"x","trace":{"traceparent":1000000000000000000000000000000000000000000000}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":1000000000000000000000000000000000000000000000}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"error":1000000000000000000000000000000000000000000000}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    (
        '{"id":-1000000000000000000000000000000000000000000000,"method":"x"}',
        "data did not match any variant of untagged enum RequestId",
    ),
    (
        '{"method":-1000000000000000000000000000000000000000000000}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"error":{"code":-1000000000000000000000000000000000000000000000,"message":"m"}}',
        "invalid number",
    ),
    (
        '{"id":1,"method":"x","trace":{"traceparent":-1000000000000000000000000000000000000000000000}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":-1000000000000000000000000000000000000000000000}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"error":-1000000000000000000000000000000000000000000000}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    ('{"id":123.456,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"method":123.456}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":123.456,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":123.456}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":123.456}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    ('{"id":1,"error":123.456}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"id":3.0e2,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"method":3.0e2}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":3.0e2,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":3.0e2}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":3.0e2}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    ('{"id":1,"error":3.0e2}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"method":-0.0}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":-0.0,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":-0.0}}',
        "invalid type: number, expected a string",
    ),
    ('{"id":1,"method":"x","trace":-0.0}', "invalid type: number, expected struct W3cTraceContext"),
    ('{"id":1,"error":-0.0}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"id":0e0,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"method":0e0}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":0e0,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":0e0}}',
        "invalid type: number, expected a string",
    ),
    ('{"id":1,"method":"x","trace":0e0}', "invalid type: number, expected struct W3cTraceContext"),
    ('{"id":1,"error":0e0}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"id":1e-0,"method":"x"}', "data did not match any variant of untagged enum RequestId"),
    ('{"method":1e-0}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":1e-0,"message":"m"}}', "invalid number"),
    (
        '{"id":1,"method":"x","trace":{"traceparent":1e-0}}',
        "invalid type: number, expected a string",
    ),
    ('{"id":1,"method":"x","trace":1e-0}', "invalid type: number, expected struct W3cTraceContext"),
    ('{"id":1,"error":1e-0}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"method":5,"id":1.5}', "invalid type: number, expected a string"),
    ('{"id":1.5,"method":5}', "data did not match any variant of untagged enum RequestId"),
    ('{"method":5,"id":null,"trace":5}', "invalid type: number, expected a string"),
    ('{"trace":5,"method":5,"id":1}', "invalid type: number, expected struct W3cTraceContext"),
    ('{"trace":5,"id":1,"method":"x"}', "invalid type: number, expected struct W3cTraceContext"),
    ('{"trace":5,"id":1.5,"method":"x"}', "invalid type: number, expected struct W3cTraceContext"),
    (
        '{"id":1.5,"trace":5,"method":"x"}',
        "data did not match any variant of untagged enum RequestId",
    ),
    ('{"error":5,"id":1.5}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"id":1.5,"error":5}', "data did not match any variant of untagged enum RequestId"),
    ('{"result":1,"id":1.5}', "data did not match any variant of untagged enum RequestId"),
    ('{"error":{"message":5,"code":"x"}}', "invalid type: number, expected a string"),
    ('{"error":{"code":"x","message":5}}', 'invalid type: string "x", expected i64'),
    ('{"error":{"message":5,"code":1},"id":1}', "invalid type: number, expected a string"),
    (
        '{"error":{"data":1,"message":5,"code":"x"},"id":1}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":{"tracestate":5,"traceparent":true}}',
        "invalid type: number, expected a string",
    ),
    (
        '{"id":1,"method":"x","trace":{"traceparent":true,"tracestate":5}}',
        "invalid type: boolean `true`, expected a string",
    ),
    ('{"zz":1,"method":5,"aa":2,"id":1}', "invalid type: number, expected a string"),
    ('{"id":1,"method":"x","trace":["a"]}', REQUEST),
    ('{"id":1,"method":"x","trace":["a","b"]}', REQUEST),
    (
        '{"id":1,"method":"x","trace":["a","b","c"]}',
        "invalid length 3, expected fewer elements in array",
    ),
    ('{"id":1,"method":"x","trace":[5]}', "invalid type: number, expected a string"),
    ('{"id":1,"method":"x","trace":[null,5]}', "invalid type: number, expected a string"),
    (
        '{"id":1,"method":"x","trace":true}',
        "invalid type: boolean `true`, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"method":"x","trace":"a\\"b\\\\c\\n\\t\\r\\u0000\\u007f\\u00a0\\u0301\\u200b\\ud83d\\ude00\'e\\u00e9\\u0007"}',
        'invalid type: string "a\\"b\\\\c\\n\\t\\r\\0\\u{7f}\\u{a0}\\u{301}\\u{200b}😀\'eé\\u{7}", expected struct W3cTraceContext',
    ),
    (
        '{"id":1,"error":{"code":"\\u0301x","message":"m"}}',
        'invalid type: string "\\u{301}x", expected i64',
    ),
    (
        '{"id":1,"error":{"code":"x\\u0301","message":"m"}}',
        'invalid type: string "x\\u{301}", expected i64',
    ),
    (
        '{"id":1,"error":{"code":"\\u200d\\u200c\\ufeff\\u2028\\ue000\\u0378\\uffff","message":"m"}}',
        'invalid type: string "\\u{200d}\\u{200c}\\u{feff}\\u{2028}\\u{e000}\\u{378}\\u{ffff}", expected i64',
    ),
    ('{"id":1,"error":{"code":null,"message":"m"}}', "invalid type: null, expected i64"),
    ('{"id":1,"error":{"code":true,"message":"m"}}', "invalid type: boolean `true`, expected i64"),
    (
        '{"id":1,"error":{"code":false,"message":"m"}}',
        "invalid type: boolean `false`, expected i64",
    ),
    ('{"id":1,"error":{"code":[],"message":"m"}}', "invalid type: sequence, expected i64"),
    ('{"id":1,"error":{"code":{},"message":"m"}}', "invalid type: map, expected i64"),
    ('{"id":1,"error":[1]}', "invalid length 2, expected struct JSONRPCErrorError with 3 elements"),
    ('{"id":1,"error":[1,2,"m",4]}', "invalid length 4, expected fewer elements in array"),
    ('{"id":1,"error":["x",2,"m"]}', 'invalid type: string "x", expected i64'),
    ('{"id":1,"error":[1,2,3]}', "invalid type: number, expected a string"),
    ('{"id":1,"error":{"code":1,"message":"m","data":null}}', CLOSED),
    ('{"id":1,"error":{"code":1,"message":null}}', "invalid type: null, expected a string"),
    (
        '{"id":1,"error":{"code":1,"message":"m","code":2}}',
        "duplicate JSON object key `code` at line 1 column 46",
    ),
    ('{"a\\"b":1,"a\\"b":2}', 'duplicate JSON object key `a"b` at line 1 column 16'),
    ('{"a\\nb":1,"a\\nb":2}', "duplicate JSON object key `a\nb` at line 1 column 16"),
    ('{"\\u0000":1,"\\u0000":2}', "duplicate JSON object key `\x00` at line 1 column 20"),
    ('{"é\\u0301":1,"é\\u0301":2}', "duplicate JSON object key `é́` at line 1 column 24"),
    ('{"":1,"":2}', "duplicate JSON object key `` at line 1 column 8"),
    ('{"method":"x"} x', "trailing characters at line 1 column 16"),
    ('{"method":"x"}x', "trailing characters at line 1 column 15"),
    ('{"id":1,"result":1} x', "trailing characters at line 1 column 21"),
    ('{"id":1,"result":1}]', "trailing characters at line 1 column 20"),
    ('{"id":1,"method":"x"}}', "trailing characters at line 1 column 22"),
    ('{"method":"x","params":{"a":1,"a":2}}', "duplicate JSON object key `a` at line 1 column 33"),
    ('{"method":"x","params":1.5e999}', CLOSED),
    ('{"id":1,"method":"x","params":[1e400, 123456789012345678901234567890]}', REQUEST),
    ('{"method":"initialized"}', CLOSED),
    ('{"id":true,"result":1}', "data did not match any variant of untagged enum RequestId"),
    ('{"id":1,"method":true}', "invalid type: boolean `true`, expected a string"),
    ('{"id":1,"method":{}}', "invalid type: map, expected a string"),
    ('{"id":"x","method":"x","params":null,"trace":null,"jsonrpc":"2.0"}', REQUEST),
    ('{"id":1,"method":"x","id":2}', "duplicate JSON object key `id` at line 1 column 25"),
    ('{"id":1,"error":{"code":1,"message":"m","zz":1}}', CLOSED),
    ('{"result":1,"error":{"code":1,"message":"m"}}', "missing field `id`"),
    ('{"id":1,"result":1,"method":"x"}', REQUEST),
    ('{"result":1,"method":"x"}', CLOSED),
    ('{"method":"x","id":1,"params":{"x":[1,2,{"y":null}]}}', REQUEST),
    ('{"method":"s"}', CLOSED),
    ('{"method":"/q"}', CLOSED),
    ('{"method":"zq"}', CLOSED),
    ('{"method":"z\x7fz/q"}', CLOSED),
    (b'{"ide": "a", "method": "zz/q", "params": 3.25}', CLOSED),
    ('{"result":[],"trace":{"traceparent":[{"k":-0},false]},"x":[],"id":1}', CLOSED),
    (b"[", "EOF while parsing a list at line 1 column 1"),
    ("[[[", "EOF while parsing a list at line 1 column 3"),
    ('{"a":1,"b":2,"c":{"d":[', "EOF while parsing a list at line 1 column 23"),
    ("[true", "EOF while parsing a list at line 1 column 5"),
    ('"', "EOF while parsing a string at line 1 column 1"),
    ('{\n\t"i": "a",\n\t"method": "zz', "EOF while parsing a string at line 3 column 14"),
    ('{"id":"abc","result":{"', "EOF while parsing a string at line 1 column 23"),
    (b'[1,{"a":"b"},"c\\"d,.5e-3]', "EOF while parsing a string at line 1 column 25"),
    ("\r", "EOF while parsing a value at line 1 column 1"),
    ("t", "EOF while parsing a value at line 1 column 1"),
    ('{\n\t"é": {\n\t\t"日本": {},\n\t\t"zz/q":', "EOF while parsing a value at line 4 column 9"),
    ('{\n\r\n"id": 1,\n', "EOF while parsing a value at line 4 column 0"),
    ('{"id":', "EOF while parsing a value at line 1 column 6"),
    (b"{", "EOF while parsing an object at line 1 column 1"),
    (
        '{\n\t"id": 1,\n\t"method": "zz/éq",\n\t"params": 1',
        "EOF while parsing an object at line 4 column 12",
    ),
    ("\r{", "EOF while parsing an object at line 1 column 2"),
    (b'[\n 3.25,\n null,\n {\n  "q\\"r": {\n ', "EOF while parsing an object at line 6 column 1"),
    ('{"id":1,"method":"z/q"}', REQUEST),
    ('{"id":1,"method":"zz/q"}', REQUEST),
    ('{"method":"zz/q","id":1}', REQUEST),
    ('{"id":1,"method":"zz/q","trace":{"traparent":"00-ab","tracestate":"x=y"}}', REQUEST),
    ('{"id":"a","method":"zz/q"}', REQUEST),
    ('{"id":1,"method":"z7/q","trace":{"traceparent":"00-ab","tracestate":"x=y"}}', REQUEST),
    ('"\t', "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 2"),
    (
        b'"\x01"',
        "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 2",
    ),
    (
        '"\x01日本',
        "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 2",
    ),
    (
        '{"id":1,"method":"zz/q","\nparams":"é😀\\u2028"}',
        "control character (\\u0000-\\u001F) found while parsing a string at line 2 column 0",
    ),
    (
        b'{"x":{"\tdata":"\\u00e9"}method":"zz/q"error":{},"result":[1,9223372036854775808,1E2]}',
        "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 8",
    ),
    (
        '{"id": 1, "method": "zz/", "params\r": []}',
        "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 35",
    ),
    ('{"id":{}}', "data did not match any variant of untagged enum RequestId"),
    ('{"id":[]}', "data did not match any variant of untagged enum RequestId"),
    (
        b'{"id":{"error":{"result":{"error":1}},"jsonrpc":9223372036854775808},"result":""}',
        "data did not match any variant of untagged enum RequestId",
    ),
    (b'{"result":"","id":[]}', "data did not match any variant of untagged enum RequestId"),
    (
        '{"id":[],"params":1e400,"result":{"data":[]}}',
        "data did not match any variant of untagged enum RequestId",
    ),
    ('{"x":-0,"x":-0}', "duplicate JSON object key `x` at line 1 column 11"),
    ('{"x":-1,"x":-1}', "duplicate JSON object key `x` at line 1 column 11"),
    ('{"id":1,"id":1}', "duplicate JSON object key `id` at line 1 column 12"),
    ('{"id":-5,"id":-5}', "duplicate JSON object key `id` at line 1 column 13"),
    ('{"id":{},"id":{}}', "duplicate JSON object key `id` at line 1 column 13"),
    ("[1r", "expected `,` or `]` at line 1 column 3"),
    ("[1[", "expected `,` or `]` at line 1 column 3"),
    ("[{}x", "expected `,` or `]` at line 1 column 4"),
    (
        b'{"id":7,"er"params":ror":{"code":-32600,"mes\xed\xa0\x80sage":"boom","data":[1]}}"trace":',
        "expected `:` at line 1 column 13",
    ),
    (
        '{\n\r\n"id": 1,\n\r\n"method": "zz/",\n\r\n"params: 1, "params": null\n}',
        "expected `:` at line 7 column 14",
    ),
    ('{"method"}', "expected `:` at line 1 column 10"),
    ("1", "expected a JSON-RPC object"),
    ("6", "expected a JSON-RPC object"),
    ("3", "expected a JSON-RPC object"),
    (b'"0041\\ud800\\udc00\\t"', "expected a JSON-RPC object"),
    (
        "[\n\r\n[\n\r\n\r\n[\n\r\n\r\n\r\n[\n\r\n\r\n\r\n\r\nnull,\n\r\n\r\n\r\n\r\n3.25\n\r\n\r\n\r\n]\n\r\n\r\n],\n\r\n\r\ntrue\n\r\n]\n]",
        "expected a JSON-RPC object",
    ),
    (b"true", "expected a JSON-RPC object"),
    ("t}", "expected ident at line 1 column 2"),
    ("t{", "expected ident at line 1 column 2"),
    ("nl", "expected ident at line 1 column 2"),
    ('{"method": tre\\u}', "expected ident at line 1 column 14"),
    (
        '{"id":1,"method":"zz/q","params":{"a":[1,2.5,-3e2,true,nu"su00e9\\ud83d\\ude00"],"b}}}',
        "expected ident at line 1 column 58",
    ),
    (b"nll", "expected ident at line 1 column 2"),
    ("e", "expected value at line 1 column 1"),
    (".", "expected value at line 1 column 1"),
    ("E", "expected value at line 1 column 1"),
    (
        '{"trace":{},"params":[{"tracestate":{"code":+9223372036854775808,"id":{}},"jsonrpc":-1',
        "expected value at line 1 column 45",
    ),
    ('l[1,{"a":"b"},"c\\"d0.', "expected value at line 1 column 1"),
    (
        '{\n\r\n"id": "a",\n\r\n"method":x "zz/q",\n\r\n"params": []\n}',
        "expected value at line 5 column 10",
    ),
    ('"\\日本"', "invalid escape at line 1 column 3"),
    ('"nx\\y"', "invalid escape at line 1 column 5"),
    ('"\\u00\x7f4', "invalid escape at line 1 column 7"),
    ('{"\\params":{},"method":"zz/Eq"}', "invalid escape at line 1 column 4"),
    ('"\\u0041\\ud"data":80"result":0\\uc00\\t"', "invalid escape at line 1 column 13"),
    ('"\\u0041\\ud800\\udc\\u0\\t"', "invalid escape at line 1 column 19"),
    ('{"error":[]}', "invalid length 0, expected struct JSONRPCErrorError with 3 elements"),
    (
        '{"error":[],"id":1,"params":{"data":[]}}',
        "invalid length 0, expected struct JSONRPCErrorError with 3 elements",
    ),
    (
        '{"error":[],"id":1,"params":-0.0}',
        "invalid length 0, expected struct JSONRPCErrorError with 3 elements",
    ),
    (
        '{"params":{"data":"x:y","k":true},"error":[],"id":-5,"trace":[]}',
        "invalid length 0, expected struct JSONRPCErrorError with 3 elements",
    ),
    ('{"error":[-1]}', "invalid length 2, expected struct JSONRPCErrorError with 3 elements"),
    (
        '{"params":"","trace":{"q":-1,"tracestate":"","traceparent":[]},"error":[-0,-1]}',
        "invalid length 2, expected struct JSONRPCErrorError with 3 elements",
    ),
    ('{"error":[9223372036854775808],"x":1,"id":1}', "invalid number"),
    ('{"error":{"q":"x:y","code":1e400,"data":-0},"params":[]}', "invalid number"),
    (
        '{"x":"\\u00e9","error":{"code":9223372036854775808,"q":"","message":[]},"id":-1}',
        "invalid number",
    ),
    (
        '{"error":{"code":-9223372036854775809,"q":[{"message":[]}]},"id":"a","params":[]}',
        "invalid number",
    ),
    ("--", "invalid number at line 1 column 2"),
    ("-,", "invalid number at line 1 column 2"),
    ("-:", "invalid number at line 1 column 2"),
    (
        '{\n "id": "a",\n "method": "zz/q",\n "params": 1e, "params": "\\ud83d\\ude00"\\u\n}',
        "invalid number at line 4 column 14",
    ),
    ('[1,-{7\u2028"a":"b"},"c\\"d",-0.5e-3]', "invalid number at line 1 column 5"),
    ("-é10000000000000000000", "invalid number at line 1 column 2"),
    ('{"method":true}', "invalid type: boolean `true`, expected a string"),
    ('{"a:b": {}, "method": true, "x\\\\y": 1}', "invalid type: boolean `true`, expected a string"),
    (
        b'{"result":-1,"x":true,"method":false,"id":null}',
        "invalid type: boolean `false`, expected a string",
    ),
    (
        '{\n "method": false,\n "日本": [\n  {\n   "Ω": 3.25\n },\n  true\n ]\n}-',
        "invalid type: boolean `false`, expected a string",
    ),
    (
        '{"result":{"error":-1,"params":[[]]},"params":"s","method":false}',
        "invalid type: boolean `false`, expected a string",
    ),
    (
        '{"method":"zz/q","params":true,"trace":{"traceparent":false,"tracestate":"x:y"},"id":"a"}',
        "invalid type: boolean `false`, expected a string",
    ),
    ('{"error":[true,[]],"trace":{}}1e400', "invalid type: boolean `true`, expected i64"),
    ('{"error":false}', "invalid type: boolean `false`, expected struct JSONRPCErrorError"),
    ('{"x":1,"error":true}', "invalid type: boolean `true`, expected struct JSONRPCErrorError"),
    (
        '{"x":null,"error":false}',
        "invalid type: boolean `false`, expected struct JSONRPCErrorError",
    ),
    (
        '{"params":{},"error":false}',
        "invalid type: boolean `false`, expected struct JSONRPCErrorError",
    ),
    ('{"id":1,"error":false}', "invalid type: boolean `false`, expected struct JSONRPCErrorError"),
    (
        '{"method":"zz/q","trace":true,"id":"a"}',
        "invalid type: boolean `true`, expected struct W3cTraceContext",
    ),
    (
        '{"id":-9223372036854775809}',
        "invalid type: integer `-9223372036854775809` as i128, expected any value",
    ),
    (
        '{"id":-92233737203685477808,"med":"zz/q"}',
        "invalid type: integer `-92233737203685477808` as i128, expected any value",
    ),
    (
        b'{"id":-92233720368547765808,"methtod":"/q"}',
        "invalid type: integer `-92233720368547765808` as i128, expected any value",
    ),
    (
        '{"id":-92239223372036854775808,"method":"zz/q"}',
        "invalid type: integer `-92239223372036854775808` as i128, expected any value",
    ),
    (
        '{"result":{},"id":-9223372036854775809,"x":["s",1e400]}',
        "invalid type: integer `-9223372036854775809` as i128, expected any value",
    ),
    (
        '{"id":-92233720368547475808,"method":"zz/q"}z/q"}',
        "invalid type: integer `-92233720368547475808` as i128, expected any value",
    ),
    (
        b'{"id":18446744073709551616}',
        "invalid type: integer `18446744073709551616` as u128, expected any value",
    ),
    (
        '{"id": 100000000000000000000}',
        "invalid type: integer `100000000000000000000` as u128, expected any value",
    ),
    (
        '{\n\r\n"id": 100000000000000000000\n}',
        "invalid type: integer `100000000000000000000` as u128, expected any value",
    ),
    (
        '{"method":"zz/q","id":18446744073709551616,"x":{"trace":{}}}',
        "invalid type: integer `18446744073709551616` as u128, expected any value",
    ),
    (
        '{"x":9223372036854775808,"trace":false,"id":18446744073709551616}',
        "invalid type: integer `18446744073709551616` as u128, expected any value",
    ),
    (
        '{"id":{"message":18446744073709551616}}',
        "invalid type: integer `18446744073709551616` as u128, expected any value",
    ),
    ('{"method":{}}', "invalid type: map, expected a string"),
    (b'{\n "method": {}\n}', "invalid type: map, expected a string"),
    ('{"method":{}}d":{}}', "invalid type: map, expected a string"),
    ('{"x":false,"method":{"trace":1e400},"result":false}', "invalid type: map, expected a string"),
    (b'{"method":{"trace":{},"params":-0.0},"id":"a"}', "invalid type: map, expected a string"),
    (
        '{"method":{"tracestate":{},"method":{"error":{"params":true,"result":-1},"trace":[0]}}}',
        "invalid type: map, expected a string",
    ),
    ('{"error":[{}],"id":"a"}', "invalid type: map, expected i64"),
    ('{"error":[{"id":"x:y"}]}', "invalid type: map, expected i64"),
    ('{"error":[{},1E2,1e400]}', "invalid type: map, expected i64"),
    (
        '{"error":[{},[["x:y","\\u00e9"],18446744073709551616],[-1]],"id":{}}',
        "invalid type: map, expected i64",
    ),
    (
        '{"error":{"trace":1E2,"code":{"code":[1e400,[]],"result":-1,"tracestate":[]}}}',
        "invalid type: map, expected i64",
    ),
    (
        '{"id":"s","error":{"data":-0,"code":{"k":{"tracestate":1.5,"params":1e400}},"message":[]}}',
        "invalid type: map, expected i64",
    ),
    (b'{\n\n\t"method": null\n}', "invalid type: null, expected a string"),
    ('{"error":[1,{},null]}', "invalid type: null, expected a string"),
    ('{"method":null,"id":1}', "invalid type: null, expected a string"),
    ('{"error":{"q":0,"message":null,"data":""}}', "invalid type: null, expected a string"),
    (b'{\n "\\t": "",\n "method": null\n}', "invalid type: null, expected a string"),
    ('{"method":null,"trace":{},"result":{}}', "invalid type: null, expected a string"),
    ('{"x":1E2,"error":{"code":null}}', "invalid type: null, expected i64"),
    ('{"error":null,"params":true}', "invalid type: null, expected struct JSONRPCErrorError"),
    ('{"id":"a","trace":-1,"error":null}', "invalid type: null, expected struct JSONRPCErrorError"),
    (
        '{"trace":{"traceparent":{},"q":[{}]},"id":-5,"params":-0,"error":null}',
        "invalid type: null, expected struct JSONRPCErrorError",
    ),
    ('{"method":-1}', "invalid type: number, expected a string"),
    (b'{"method":1.5}', "invalid type: number, expected a string"),
    (b'{"method":-0.0}', "invalid type: number, expected a string"),
    ('{"params":-1,"x":1e400,"method":1}', "invalid type: number, expected a string"),
    (
        '{"result":[],"params":true,"method":18446744073709551616,"error":[true,-0]}',
        "invalid type: number, expected a string",
    ),
    (
        '{"method":"zz/q","trace":{"tracestate":-9223372036854775809,"traceparent":{}},"id":-5}',
        "invalid type: number, expected a string",
    ),
    ('{"error":1}', "invalid type: number, expected struct JSONRPCErrorError"),
    ('{"error":-1}', "invalid type: number, expected struct JSONRPCErrorError"),
    (b'{"error":-0}', "invalid type: number, expected struct JSONRPCErrorError"),
    (
        '{"error":-0,"trace":{"trace":[{"id":0}]}}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    (
        '{"error":9223372036854775808,"x":[-1,[]],"id":1}',
        "invalid type: number, expected struct JSONRPCErrorError",
    ),
    ('{"error":-0.0,"x":-0.0}', "invalid type: number, expected struct JSONRPCErrorError"),
    (
        '{"error":{},"trace":-0,"method":"zz/q","id":1e400}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"id":1,"params":{"data":[]},"trace":1e400,"method":"zz/q"}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"method":"","id":"a","trace":18446744073709551616,"error":0}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"trace":0,"method":9223372036854775808,"id":"a","error":{"message":1E2}}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"params":[],"trace":1e400,"method":"zz/q","id":{"traceparent":[],"method":-0}}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (
        '{"trace":-9223372036854775809,"method":"x:y","error":-0.0,"id":"a"}',
        "invalid type: number, expected struct W3cTraceContext",
    ),
    (b'{"method":[]}', "invalid type: sequence, expected a string"),
    ('{\n "method": []\n}', "invalid type: sequence, expected a string"),
    (b'{\n "method": [],\n "x\\\\y": []\n}[', "invalid type: sequence, expected a string"),
    (
        '{"method":[{},[]],"x":{"traceparent":1E2,"params":18446744073709551616}}',
        "invalid type: sequence, expected a string",
    ),
    (
        '{"id":"a","trace":{"traceparent":[],"tracestate":9223372036854775808},"method":"zz/q"}',
        "invalid type: sequence, expected a string",
    ),
    ('{"error":{"code":[0]}}', "invalid type: sequence, expected i64"),
    (b'{"error":[[false]],"trace":""}', "invalid type: sequence, expected i64"),
    ('{"error":[[{}],[],[]],"trace":1}', "invalid type: sequence, expected i64"),
    ('{"error":{"code":[],"message":"s"}}', "invalid type: sequence, expected i64"),
    (
        b'{"params":9223372036854775808,"trace":0,"id":-5,"error":{"code":[[1E2,true,[]],[]]}}',
        "invalid type: sequence, expected i64",
    ),
    ('{"error":{"q":[],"code":[["x:y"]]}}', "invalid type: sequence, expected i64"),
    (b'{"error":["x:y"]}', 'invalid type: string "x:y", expected i64'),
    ('{"error":{"code":"s","q":{}},"id":1}', 'invalid type: string "s", expected i64'),
    ('{"error":{"code":"\\u00e9","data":{}}}', 'invalid type: string "é", expected i64'),
    (
        '{"x":9223372036854775808,"error":["x:y",0],"id":1,"params":[]}',
        'invalid type: string "x:y", expected i64',
    ),
    (
        '{"params":{"id":{"tracestate":{}}},"error":{"code":"\\u00e9"}}',
        'invalid type: string "é", expected i64',
    ),
    (b'{"error":"x:y"}', 'invalid type: string "x:y", expected struct JSONRPCErrorError'),
    ('{"x":[],"error":""}', 'invalid type: string "", expected struct JSONRPCErrorError'),
    ('{"params":0,"error":""}', 'invalid type: string "", expected struct JSONRPCErrorError'),
    (
        '{"error":"x:y","params":{"message":"\\u00e9","code":[]},"x":[-0.0]}',
        'invalid type: string "x:y", expected struct JSONRPCErrorError',
    ),
    (
        '{"x":"","trace":{"tracestate":-9223372036854775809},"params":"x:y","error":"x:y"}',
        'invalid type: string "x:y", expected struct JSONRPCErrorError',
    ),
    (
        '{"error":"","id":{},"trace":[null]}',
        'invalid type: string "", expected struct JSONRPCErrorError',
    ),
    (
        '{"trace":"\\u00e9","id":1,"method":"x:y","error":"x:y"}',
        'invalid type: string "é", expected struct W3cTraceContext',
    ),
    (b'{"\x80a":1,', "invalid unicode code point at line 1 column 5"),
    (b'{"\x80":[7,"', "invalid unicode code point at line 1 column 4"),
    (b'{"\x80dat[a":', "invalid unicode code point at line 1 column 9"),
    (
        b'{"method":-1,"id":{"tracestate":1E2,"me\xffssage":{}},"error":{"code":[]}}',
        "invalid unicode code point at line 1 column 46",
    ),
    (b'{"erro\xed\xa0\x80r":{}}', "invalid unicode code point at line 1 column 11"),
    (
        b'{"\x80id":-93372036854775808,"method3":"zz/q',
        "invalid unicode code point at line 1 column 6",
    ),
    ("{:", "key must be a string at line 1 column 2"),
    ("{8", "key must be a string at line 1 column 2"),
    ("{{", "key must be a string at line 1 column 2"),
    (
        '{"id":7,"error":{3coode":-32600,"message":"boom","data":[1]}}',
        "key must be a string at line 1 column 18",
    ),
    (
        '{id": "a", "method": "zz/q", "params": [false, {"x\\\\y": {"id": true}, "method": {}}]}',
        "key must be a string at line 1 column 2",
    ),
    (
        '{\n  "id": 1,\n { "method": "zz/q,\n  "params": "x\\\\y"\n}',
        "key must be a string at line 3 column 2",
    ),
    ('{"er\\udc00ror":}', "lone leading surrogate in hex escape at line 1 column 10"),
    ('{"m\\udc00ethod":}', "lone leading surrogate in hex escape at line 1 column 9"),
    (b'"\\u004d800\\udc00"', "lone leading surrogate in hex escape at line 1 column 16"),
    (
        '{"re\\udc00sul":{"tracestate":"\\u00e90e9","data":{"result":-1},"tracestate":1,"k":{}}}',
        "lone leading surrogate in hex escape at line 1 column 10",
    ),
    (
        '{"method":"q","p\\udc00rams:[{"k":"v"},[],"x"]}',
        "lone leading surrogate in hex escape at line 1 column 22",
    ),
    ('"\\u0041x[ud800\\udc00\\t"', "lone leading surrogate in hex escape at line 1 column 20"),
    (b"{}", "missing field `error`"),
    ('{"id":"a"}a"}', "missing field `error`"),
    ('{"id":-9223372036854775808,"metruethod":"zz/q"}', "missing field `error`"),
    ('{\n  "\\u03a9": {}\n}', "missing field `error`"),
    ('{"method":"zz/q0"}E:', "trailing characters at line 1 column 19"),
    (b'{"method":"zz/q"}zz/q"}', "trailing characters at line 1 column 18"),
    (b'{"id":1,"method":"zz/q"}\xf4\x90\x80\x80', "trailing characters at line 1 column 25"),
    (b'{"error":{},"method":"zz/q"}\xf4\x90\x80\x80', "trailing characters at line 1 column 29"),
    (
        '{\n\r\n"id": 1,\n\r\n"method": "zz/q",\n\r\n"params": [\n\r\n\r\nnull,\n\r\n\r\n[]\n\r\n]\n}ms": ',
        "trailing characters at line 16 column 2",
    ),
    ('{"error":null,"method":"zz/q","x":0}"x":0}', "trailing characters at line 1 column 37"),
    ('[\n\r\n"日本",\n]', "trailing comma at line 4 column 1"),
    ('{"id": 1,} "', "trailing comma at line 1 column 10"),
    ('[["", [[],] []', "trailing comma at line 1 column 11"),
    ('{\n  "id": 1,\n  "method": "zz/q",\n}  "params": []\n}', "trailing comma at line 4 column 1"),
    (
        b'{\n\t"id": "a",\n\t"method": "zz/q",\n\t"params": 1, }"params": []\n}',
        "trailing comma at line 4 column 15",
    ),
    (
        '{\n\t"id": 1,\n\t}"meethod": "zz/q",\n\t"params": 3.25\n}',
        "trailing comma at line 3 column 2",
    ),
    ('"\\ud800"', "unexpected end of hex escape at line 1 column 8"),
    ('"041\\ud800l\\ud', "unexpected end of hex escape at line 1 column 11"),
    ('"\\u0041\\ud8041\\ud800\\trueudc00\\t"', "unexpected end of hex escape at line 1 column 14"),
    (
        '{"id":7,"error":{"code":-32600,"message":"bo\\ud800m"9,"data":[1]}}',
        "unexpected end of hex escape at line 1 column 51",
    ),
    ('{"method":"/q\\ud800","params":[{"k"', "unexpected end of hex escape at line 1 column 20"),
]


@pytest.mark.parametrize(("frame", "expected"), OBSERVED)
def test_observed_frames(frame: str | bytes, expected: str) -> None:
    assert _outcome(frame) == expected
    # A binary frame carrying the same bytes is parsed the same way.
    if isinstance(frame, str):
        assert _outcome(frame.encode()) == expected


@pytest.mark.parametrize(
    ("frame", "expected"),
    [(f, e) for f, e in OBSERVED if " at line " in e and not e.startswith("trailing characters")],
)
def test_json_syntax_error_gives_the_parse_errors(frame: str | bytes, expected: str) -> None:
    assert json_syntax_error(frame) == expected


def test_json_syntax_error_checks_the_whole_document() -> None:
    assert json_syntax_error(b'{"id":1}') is None
    assert json_syntax_error(b" [1, 2.5e400, -0] \r\n") is None
    assert json_syntax_error(b"") == "EOF while parsing a value at line 1 column 0"
    # The reference reports the shape first when there is trailing data...
    assert explain(b"{} x") == Malformed("missing field `error`")
    # ...but the document itself is not valid JSON.
    assert json_syntax_error(b"{} x") == "trailing characters at line 1 column 4"


# Big frames near the 262144-value limit.  Keys do not count; the root does.
# The check runs as a value starts, so the position is that value's first byte
# (after serde_json's end_seq/end_map, which may eat a `}` or a `,`).
def _zeros(count: int) -> str:
    return ",".join(["0"] * count)


_L = VALUE_LIMIT
_TOO_MANY = "JSON-RPC message exceeds the limit of 262144 JSON values"
LIMIT_CASES: list[tuple[str, str]] = [
    ("[" + _zeros(_L - 1) + "]", "expected a JSON-RPC object"),
    ("[" + _zeros(_L) + "]", f"{_TOO_MANY} at line 1 column 524287"),
    ("[" + ", ".join(["0"] * _L) + " ]", f"{_TOO_MANY} at line 1 column 786430"),
    ("[" + ",".join(["1.5"] * _L) + "]", f"{_TOO_MANY} at line 1 column 1048573"),
    ("[\n" + ",\n".join(["0"] * _L) + "]", f"{_TOO_MANY} at line 262145 column 0"),
    ("[" + _zeros(_L - 2) + ',{"a": 0}]', f"{_TOO_MANY} at line 1 column 524291"),
    ("[" + _zeros(_L - 2) + ',{"a":}]', f"{_TOO_MANY} at line 1 column 524291"),
    ("[" + _zeros(_L - 2) + ',{"a":  }]', f"{_TOO_MANY} at line 1 column 524293"),
    ("[" + _zeros(_L - 2) + ',{"a":,"b":1}]', f"{_TOO_MANY} at line 1 column 524290"),
    ("[" + _zeros(_L - 2) + ',{"a": \n\n ]', f"{_TOO_MANY} at line 3 column 1"),
    ("[" + _zeros(_L - 1) + ",,1]", f"{_TOO_MANY} at line 1 column 524288"),
    ("[" + _zeros(_L - 1) + ", , \n 1]", f"{_TOO_MANY} at line 2 column 1"),
    ("[" + _zeros(_L - 1) + ",]", "trailing comma at line 1 column 524288"),
    ("[" + _zeros(_L - 1) + ',"\\uD800"]', f"{_TOO_MANY} at line 1 column 524287"),
    ("[" + _zeros(_L - 1) + "] x", "expected a JSON-RPC object"),
    ("[" + _zeros(_L - 2) + ',{"a":1,"a":2}]', f"{_TOO_MANY} at line 1 column 524290"),
    (
        "[" + _zeros(_L - 3) + ',{"a":1,"a":2}]',
        "duplicate JSON object key `a` at line 1 column 524293",
    ),
    ("[" * 100 + _zeros(_L - 99) + "]" * 100, f"{_TOO_MANY} at line 1 column 524188"),
    (
        '{"a":' * 100 + "[" + _zeros(_L - 100) + "]" + "}" * 100,
        f"{_TOO_MANY} at line 1 column 524587",
    ),
    ('{"id":1,"method":"x","params":[' + _zeros(_L - 4) + "]}", REQUEST),
    (
        '{"id":1,"method":"x","params":[' + _zeros(_L - 3) + "]}",
        f"{_TOO_MANY} at line 1 column 524311",
    ),
    (
        '{"id":1,"method":"x","params":[' + _zeros(_L - 5) + '],"params":1}',
        "duplicate JSON object key `params` at line 1 column 524318",
    ),
    (
        '{"id":1,"method":"x","params":[' + _zeros(_L - 5) + "]} x",
        "trailing characters at line 1 column 524312",
    ),
    ('{"method":"x","params":[' + _zeros(_L - 5) + "]}", CLOSED),
]


@pytest.mark.parametrize(("frame", "expected"), LIMIT_CASES, ids=range(len(LIMIT_CASES)))
def test_value_limit(frame: str, expected: str) -> None:
    assert _outcome(frame) == expected


def test_value_limit_ignores_keys() -> None:
    members = ",".join(f'"k{i}":0' for i in range(_L - 1))
    assert _outcome("{" + members + "}") == "missing field `error`"


# serde_json's recursion limit: the 128th nested array/object fails, positioned
# at that bracket.  orjson would accept up to 1024.
@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ("[" * 127 + "]" * 127, "expected a JSON-RPC object"),
        ("[" * 128 + "]" * 128, "recursion limit exceeded at line 1 column 128"),
        ("[" * 129, "recursion limit exceeded at line 1 column 128"),
        ('{"a":' * 127 + "1" + "}" * 127, "missing field `error`"),
        ('{"a":' * 128 + "1" + "}" * 128, "recursion limit exceeded at line 1 column 636"),
        (" " * 5 + "[" * 130, "recursion limit exceeded at line 1 column 133"),
    ],
)
def test_recursion_limit(frame: str, expected: str) -> None:
    assert RECURSION_LIMIT == 128
    assert _outcome(frame) == expected


def test_deep_request_params() -> None:
    params = "[" * 126 + "]" * 126  # root object + 126 arrays = 127 levels
    assert _outcome('{"id":1,"method":"x","params":' + params + "}") == REQUEST
    deeper = "[" * 127 + "]" * 127
    frame = '{"id":1,"method":"x","params":' + deeper + "}"
    assert _outcome(frame) == "recursion limit exceeded at line 1 column 157"


def test_classified_fields() -> None:
    assert explain(b'{"id":7,"method":"m","params":{"a":[1]}}') == Request(7, "m", {"a": [1]})
    assert explain('{"id":"s","method":"m","params":null}') == Request("s", "m", None)
    assert explain(b'{"id":-9223372036854775808,"method":"m"}') == Request(-(2**63), "m", None)
    assert explain(b'{"method":"m","params":5,"trace":5}') == Notification("m", 5)
    assert explain(b'{"id":1,"result":null}') == Response(1, None)
    assert explain(b'{"id":1,"result":1,"error":5}') == Response(1, 1)
    assert explain(b'{"id":1,"error":{"code":-1,"message":"m","data":[2]}}') == ErrorResponse(
        1, -1, "m", [2]
    )
    assert explain(b'{"id":1,"error":[3,null,"m"]}') == ErrorResponse(1, 3, "m", None)


def test_numbers_beyond_64_bits_stay_exact() -> None:
    # serde_json runs with arbitrary_precision; orjson would round these to floats.
    frame = b'{"id":1,"method":"m","params":[18446744073709551616,-9223372036854775809,1e400]}'
    result = explain(frame)
    assert isinstance(result, Request)
    params = result.params
    assert isinstance(params, list)
    assert params == [2**64, -(2**63) - 1, float("inf")]
    assert type(params[0]) is int


def test_duplicates_hidden_from_orjson() -> None:
    # orjson keeps the last duplicate; the reference rejects them anywhere.
    assert _outcome(b'{"id":1,"method":"m","params":{"k":"a:b","k":"c"}}') == (
        "duplicate JSON object key `k` at line 1 column 44"
    )
    # An escaped colon decodes to ":" without showing one in the text.
    assert _outcome(b'{"id":1,"method":"m","params":{"a\\u003a":1,"a:":2}}') == (
        "duplicate JSON object key `a:` at line 1 column 47"
    )
    assert explain(b'{"id":1,"method":"m","params":{"a\\u003a":1,"b:":2}}') == Request(
        1, "m", {"a:": 1, "b:": 2}
    )


# classify() on parsed values (the brief's list), with what the reference did.
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([], "expected a JSON-RPC object"),
        (5, "expected a JSON-RPC object"),
        ("x", "expected a JSON-RPC object"),
        (None, "expected a JSON-RPC object"),
        ({}, "missing field `error`"),
        ({"id": 1}, "missing field `error`"),
        ({"method": 5}, "invalid type: number, expected a string"),
        ({"id": 1.5, "method": "x"}, "data did not match any variant of untagged enum RequestId"),
        ({"id": None, "method": "x"}, "data did not match any variant of untagged enum RequestId"),
        ({"id": [1], "method": "x"}, "data did not match any variant of untagged enum RequestId"),
        ({"id": True, "method": "x"}, "data did not match any variant of untagged enum RequestId"),
        ({"id": 2**63, "method": "x"}, "data did not match any variant of untagged enum RequestId"),
        (
            {"id": 2**64, "method": "x"},
            "invalid type: integer `18446744073709551616` as u128, expected any value",
        ),
        (
            {"id": -(2**63) - 1, "method": "x"},
            "invalid type: integer `-9223372036854775809` as i128, expected any value",
        ),
        (
            {"id": [{"a": 2**64}], "method": "x"},
            "invalid type: integer `18446744073709551616` as u128, expected any value",
        ),
        (
            {"id": 2**128, "method": "x"},
            "data did not match any variant of untagged enum RequestId",
        ),
        (
            {"id": 1, "method": "x", "trace": 5},
            "invalid type: number, expected struct W3cTraceContext",
        ),
        (
            {"id": 1, "method": "x", "trace": {"traceparent": 5}},
            "invalid type: number, expected a string",
        ),
        (
            {"id": 1, "method": "x", "trace": ["a", "b", "c"]},
            "invalid length 3, expected fewer elements in array",
        ),
        ({"id": 1, "error": {}}, "missing field `code`"),
        (
            {"id": 1, "error": {"code": "x", "message": "m"}},
            'invalid type: string "x", expected i64',
        ),
        ({"id": 1, "error": {"code": 1.0, "message": "m"}}, "invalid number"),
        ({"id": 1, "error": {"code": 2**63, "message": "m"}}, "invalid number"),
        (
            {"id": 1, "error": []},
            "invalid length 0, expected struct JSONRPCErrorError with 3 elements",
        ),
        (
            {"id": 1, "error": [1]},
            "invalid length 2, expected struct JSONRPCErrorError with 3 elements",
        ),
        ({"id": 1, "error": [1, 2, "m", 4]}, "invalid length 4, expected fewer elements in array"),
        ({"result": 1}, "missing field `id`"),
        ({"error": {"code": 1, "message": "m"}}, "missing field `id`"),
        # Fields are checked in the object's own key order.
        ({"method": 5, "id": 1.5}, "invalid type: number, expected a string"),
        ({"id": 1.5, "method": 5}, "data did not match any variant of untagged enum RequestId"),
        ({"error": 5, "id": 1.5}, "invalid type: number, expected struct JSONRPCErrorError"),
        ({"id": 1.5, "error": 5}, "data did not match any variant of untagged enum RequestId"),
    ],
)
def test_message_shape_error(value: object, expected: str) -> None:
    assert message_shape_error(value) == expected
    assert classify(value) == Malformed(expected)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ({"method": "x"}, Notification),
        ({"method": "x", "trace": {"traceparent": 5}}, Notification),  # lenient trace
        ({"ID": 1, "method": "x"}, Notification),
        ({"id": 1, "result": None}, Response),
        ({"result": 1, "method": "x"}, Notification),
        ({"id": 1, "error": {"code": 1, "message": "m", "zz": 1}}, ErrorResponse),
        ({"id": 1, "error": [1, None, "m"]}, ErrorResponse),
        ({"id": 1, "method": "x", "result": 1}, Request),
        ({"id": 1, "method": "x", "trace": []}, Request),
        ({"id": 1, "method": "x", "trace": {"traceparent": None, "extra": 1}}, Request),
    ],
)
def test_classify_kinds(value: object, kind: type) -> None:
    # Requests were dispatched; the rest closed the connection without a reply.
    assert isinstance(classify(value), kind)
    assert message_shape_error(value) is None


# Rust's `{:?}` of a string in "invalid type: string ..." escapes non-printable
# and Grapheme_Extend code points per Rust's (newer) Unicode tables.
_DEBUG_TRACE = (
    '{"id":1,"method":"x","trace":"a\\"b\\\\c\\n\\t\\r\\u0000\\u007f\\u00a0\\u0301'
    "\\u200b\\ud83d\\ude00'e\\u00e9\\u0007\"}"
)


def test_rust_debug_string() -> None:
    assert _outcome(_DEBUG_TRACE) == (
        'invalid type: string "a\\"b\\\\c\\n\\t\\r\\0\\u{7f}\\u{a0}\\u{301}\\u{200b}\U0001f600\'e\u00e9\\u{7}", '
        "expected struct W3cTraceContext"
    )


ESCAPED_CODE_POINTS = [
    (0x9BE, True),
    (0x9D7, True),
    (0xB3E, True),
    (0xCC0, True),
    (0xCC2, True),
    (0xCC7, True),
    (0x1715, True),
    (0x1734, True),
    (0x1B35, True),
    (0x1B3B, True),
    (0x1BAA, True),
    (0xA953, True),
    (0xA9C0, True),
    (0x302E, True),
    (0xFF9E, True),
    (0x903, False),
    (0x1F3FB, False),
    (0x1F3FF, False),
    (0x111C0, True),
    (0x11235, True),
    (0x1134D, True),
    (0x116B6, True),
    (0x1193D, True),
    (0x1D165, True),
    (0x1D16E, True),
    (0xE0020, True),
    (0xE0100, True),
    (0x20DD, True),
    (0x488, True),
    (0x1F600, False),
    (0x600, True),
    (0xAD, True),
    (0x61C, True),
    (0x180E, True),
    (0x1680, True),
    (0x3000, True),
    (0x2060, True),
    (0xFFF9, True),
    (0xFFFD, False),
    (0x10FFFF, True),
    (0xF0000, True),
    (0x1FAE9, False),
    (0x1FAEA, False),
    (0x31350, False),
    (0x2EBF0, False),
    (0x1E030, False),
    (0x11F00, True),
    (0xCF3, False),
    (0x1F7D9, False),
    (0x897, True),
    (0x10D69, True),
    (0x11B60, True),
    (0x16D40, False),
    (0x1CC00, False),
    (0x2FFFC, True),
    (0x378, True),
    (0x1B4E, False),
]


@pytest.mark.parametrize(("code_point", "escaped"), ESCAPED_CODE_POINTS)
def test_rust_debug_code_points(code_point: int, escaped: bool) -> None:
    frame = orjson.dumps({"id": 1, "error": {"code": f"a{chr(code_point)}b", "message": "m"}})
    shown = f"\\u{{{code_point:x}}}" if escaped else chr(code_point)
    assert _outcome(frame) == f'invalid type: string "a{shown}b", expected i64'


def test_rust_debug_table_size() -> None:
    # Sending every code point once: 954582 came back as \u{..} escapes.
    from execwire_server import serde_emulation

    total = sum(
        end - start + 1
        for start, end in zip(serde_emulation._ESC_STARTS, serde_emulation._ESC_ENDS, strict=True)
    )
    assert total == 954_582


# stdio (`--listen stdio`): lines that Rust's str::trim() empties are skipped
# silently; everything else is parsed like a websocket frame.  A line that is not
# UTF-8 is a read error: the reference then drops the connection (the process
# exits) without replying.
@pytest.mark.parametrize(
    ("line", "blank"),
    [
        ("", True),
        ("   ", True),
        ("\t", True),
        ("\r", True),
        ("\x0b", True),
        ("\x0c", True),
        ("\xa0", True),
        ("\x85", True),
        ("\x85 \t", True),
        ("\u1680", True),
        ("\u2028", True),
        ("\u202f", True),
        ("\u205f", True),
        ("\u3000", True),
        ("\u200b", False),
        ("\x1c", False),
        ("\x1f", False),
        (" \x1c ", False),
        ("\ufeff", False),
    ],
)
def test_stdio_blank_lines(line: str, blank: bool) -> None:
    assert is_blank_line(line) is blank


def test_stdio_texts() -> None:
    assert _outcome(" \x1c ") == "expected value at line 1 column 2"
    assert _outcome("\r{1}") == "key must be a string at line 1 column 3"
    assert stdio_error_message("expected a JSON-RPC object") == (
        "failed to parse JSON-RPC message from exec-server stdio: expected a JSON-RPC object"
    )


def test_websocket_text() -> None:
    assert websocket_error_message(
        "127.0.0.1:43954", "key must be a string at line 1 column 2"
    ) == (
        "failed to parse websocket JSON-RPC message from exec-server websocket "
        "127.0.0.1:43954: key must be a string at line 1 column 2"
    )

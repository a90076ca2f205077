"""Hand-made seeds of each fuzz corpus: well-formed inputs, so the fuzzer starts from the
shapes peers really send and mutates them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson

from execwire.protocol.methods import REQUESTS
from execwire.relay import frames
from execwire.relay.framing import encode_messages
from execwire.relay.noise_keys import NoiseIdentity
from execwire.relay.stream import HarnessHandshake

__all__ = ["write_seeds"]

_MESSAGES = [
    {"id": 1, "method": "initialize", "params": {"clientName": "fuzz", "execwire": {"methods": ["execwire/watch"]}}},
    {"method": "initialized", "params": {}},
    {
        "id": 2,
        "method": "process/start",
        "params": {"processId": "p", "argv": ["sh", "-c", "echo hi"], "cwd": "file:///tmp", "env": {}, "tty": False},
    },
    {"method": "process/output", "params": {"processId": "p", "seq": 1, "stream": "stdout", "chunk": "aGkK"}},
    {"id": 3, "result": {"dataBase64": "aGVsbG8="}},
    {"id": 4, "error": {"code": -32600, "message": "unknown process id p"}},
    {"id": "s", "method": "fs/readFile", "params": {"path": "file:///etc/hostname"}},
]

_PARAMS = {
    "process/start": _MESSAGES[2]["params"],
    "process/write": {"processId": "p", "chunk": "aGk=", "writeId": "w"},
    "fs/walk": {"path": "file:///tmp", "options": {"maxDepth": 2, "maxDirectories": 9, "maxEntries": 9, "followDirectorySymlinks": False}},
    "execwire/watch": {"watchId": "w", "path": "file:///tmp", "debounceMs": 20},
    "execwire/resize": {"processId": "p", "rows": 24, "cols": 80},
}

_URIS = [
    "file:///tmp/a%20b",
    "file://localhost/etc/hosts",
    "file:///C:/Windows",
    "file:///a/../b/./c",
    "file:///%FF%00",
    "file://[::1]/x",
    "file://xn--nxasmq6b/x",
    "http://example.com/",
]


def _write(directory: Path, data: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"seed-{hashlib.sha1(data).hexdigest()[:16]}").write_bytes(data)


def write_seeds(corpus: Path) -> None:
    """Write every target's seeds into `corpus/<target>/`."""
    for message in _MESSAGES:
        encoded = orjson.dumps(message)
        _write(corpus / "jsonrpc_server_inbound", encoded)
        _write(corpus / "jsonrpc_client_inbound", encoded)
    methods = sorted(REQUESTS)
    for method, params in _PARAMS.items():
        _write(corpus / "params_of_every_method", bytes([methods.index(method)]) + orjson.dumps(params))
    for uri in _URIS:
        _write(corpus / "path_uri", uri.encode())
    for frame in (
        frames.data_frame("s-1", 3, b"\x01" * 40, ack=2, ack_bits=1),
        frames.handshake_frame("s-1", b"\x02" * 64),
        frames.reset_frame("s-1"),
        frames.resume_frame("s-1", 7),
        frames.ack_frame("s-1", 5, 3),
        frames.heartbeat_frame("s-1"),
    ):
        _write(corpus / "relay_frame", frame.encode())
    records = encode_messages([orjson.dumps(message) for message in _MESSAGES])
    cut = b"".join(
        bytes([len(piece) - 1]) + piece
        for record in records
        for piece in (record[i : i + 256] for i in range(0, len(record), 256))
    )
    _write(corpus / "record_reassembly", cut)
    executor = NoiseIdentity.generate()
    harness = HarnessHandshake(
        NoiseIdentity.generate(),
        executor.public_key,
        environment_id="env",
        executor_registration_id="reg",
        authorization="authorization",
        stream_id="fuzz-stream",
    )
    for raw in harness.opening_frames():
        frame = frames.decode_frame(raw)
        if frame.kind is frames.FrameKind.HANDSHAKE:
            _write(corpus / "noise_handshake_reader", frame.payload)

"""One file operation inside the sandbox: what `fs/*` runs under a restricted intent.

Run in the same view of the file system a sandboxed process gets, and started the same
way (bubblewrap, then the launcher applies Landlock), as `python -I -S fs_helper.py
REQUEST` (standard library only). REQUEST is `{"operation": name, "args": [...]}` naming a
function of `execwire_server.fs_ops`, with byte strings (paths) as `{"b": str}`
(surrogate-escaped). `write_file` takes its data from stdin.

The answer is one JSON line on stdout, `{"ok": result}` (a path as `{"b": str}`) or
`{"error": [code, message]}` (the reply the reference would send for that error), then,
for `read_file`, the file's bytes. Anything else (a crash) is reported by the server from the exit status and stderr.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

OPERATIONS = frozenset(
    {
        "read_file",
        "write_file",
        "create_directory",
        "get_metadata",
        "read_directory",
        "remove",
        "copy",
        "canonicalize",
    }
)


def decode_argument(value: Any) -> Any:
    """`{"b": text}` → bytes; anything else as is."""
    if isinstance(value, dict) and set(value) == {"b"}:
        return os.fsencode(value["b"])
    return value


def main(argv: list[str]) -> None:
    from execwire_server import fs_ops
    from execwire_server.errors import RpcError, io_error

    request = json.loads(argv[1])
    operation = request["operation"]
    if operation not in OPERATIONS:
        raise SystemExit(f"unknown file operation {operation!r}")
    args = [decode_argument(value) for value in request["args"]]
    if operation == "write_file":
        args.insert(1, sys.stdin.buffer.read())
    out = sys.stdout.buffer
    try:
        result = getattr(fs_ops, operation)(*args)
    except OSError as error:
        failure = io_error(error)
        out.write(json.dumps({"error": [failure.code, failure.message]}).encode() + b"\n")
        return
    except RpcError as error:
        out.write(json.dumps({"error": [error.code, error.message]}).encode() + b"\n")
        return
    if operation == "read_file":
        out.write(b'{"ok": null}\n')
        out.write(result)
    elif isinstance(result, bytes):  # a path
        out.write(json.dumps({"ok": {"b": os.fsdecode(result)}}).encode() + b"\n")
    else:
        out.write(json.dumps({"ok": result}).encode() + b"\n")


if __name__ == "__main__":
    main(sys.argv)

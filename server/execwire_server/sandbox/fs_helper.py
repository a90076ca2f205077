"""One file operation inside the sandbox: what `fs/*` runs under a restricted intent.

Run in the same view of the file system a sandboxed process gets, and started the same
way (bubblewrap, then the launcher applies Landlock), as `python -I -S fs_helper.py
REQUEST` (standard library only). REQUEST is `{"operation": name, "args": [...]}` naming a
function of `execwire_server.fs_ops`, with byte strings (paths) as `{"b": str}`
(surrogate-escaped, `encode_value`), in the arguments and in the result alike. `write_file` takes its data from stdin.

The answer is one JSON line on stdout, `{"ok": result}` or
`{"error": [code, message]}` (the reply the reference would send for that error), then,
for `read_file`, the file's bytes. `open_handle` sends the descriptor it opened over the
Unix socket whose number the request carries as `fd_socket` (SCM_RIGHTS), and answers
the rest of its result. Anything else (a crash) is reported by the server from the exit status and stderr.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

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
        "walk",
        "open_handle",
        "finish_replace",
    }
)


def encode_value(value: Any) -> Any:
    """For JSON: byte strings (paths) become `{"b": surrogate-escaped text}`, at any depth."""
    if isinstance(value, bytes):
        return {"b": os.fsdecode(value)}
    if isinstance(value, list | tuple):
        return [encode_value(item) for item in value]
    return value


def decode_value(value: Any) -> Any:
    """The inverse of `encode_value` (tuples come back as lists)."""
    if isinstance(value, dict) and set(value) == {"b"}:
        return os.fsencode(value["b"])
    if isinstance(value, list):
        return [decode_value(item) for item in value]
    return value


def main(argv: list[str]) -> None:
    from execwire_server import fs_ops
    from execwire_server.errors import RpcError, io_error

    request = json.loads(argv[1])
    operation = request["operation"]
    if operation not in OPERATIONS:
        raise SystemExit(f"unknown file operation {operation!r}")
    args = decode_value(request["args"])
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
    if operation == "open_handle":
        import socket

        fd, *result = result
        try:
            # Family and type given: detecting them would take system calls the sandbox's
            # seccomp filter refuses (getsockname, getsockopt).
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, request["fd_socket"]) as channel:
                socket.send_fds(channel, [b"f"], [fd])
        except BaseException:
            if result[1]:  # a replace handle's partial file: leave nothing behind
                os.unlink(result[1])
            raise
        finally:
            os.close(fd)
        out.write(json.dumps({"ok": encode_value(result)}).encode() + b"\n")
    elif operation == "read_file":
        out.write(b'{"ok": null}\n')
        out.write(result)
    else:
        out.write(json.dumps({"ok": encode_value(result)}).encode() + b"\n")


if __name__ == "__main__":
    # Run as a script without site-packages: the package is found next to this file.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    main(sys.argv)

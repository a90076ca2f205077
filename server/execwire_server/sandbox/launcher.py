"""The last step inside the sandbox: apply Landlock, then exec the command with its arg0.

Run by bubblewrap as `python -I -S launcher.py SPEC... -- COMMAND...`, standard library
only and without site-packages: it is on the path of every sandboxed command, so it
imports as little as it can (no json, no typing) and starts in a few milliseconds.

SPEC, in this order: arg0 (`=VALUE`, or `-` to keep the program's name), the command's
own `LC_CTYPE` (`=VALUE` or `-` for none: Python's locale coercion may have set one, and
the command gets its environment exactly), `net` or `nonet`, then `-r PATH` for each
readable and `-w PATH` for each writable root. The command is looked up on the PATH of
its own environment, as `execvp` does; one that cannot be executed exits 127 (not found)
or 126, with the reason on stderr.
"""

from __future__ import annotations

import os
import sys


def encode_spec(
    *,
    arg0: str | None,
    lc_ctype: str | None,
    network: bool,
    readable: list[bytes],
    writable: list[bytes],
) -> list[bytes]:
    """SPEC for `main` (used by the server), without the closing `--`."""
    spec = [
        b"-" if arg0 is None else b"=" + os.fsencode(arg0),
        b"-" if lc_ctype is None else b"=" + os.fsencode(lc_ctype),
        b"net" if network else b"nonet",
    ]
    for flag, paths in ((b"-r", readable), (b"-w", writable)):
        for path in paths:
            spec += [flag, path]
    return spec


def confine(argv: list[str]) -> tuple[str | None, list[str]]:
    """Apply SPEC (Landlock, `LC_CTYPE`) from the front of `argv`; returns arg0 and what
    follows `--`. A Landlock failure ends the process (exit 101) before anything runs."""
    arg0 = None if argv[0] == "-" else argv[0][1:]
    if argv[1] == "-":
        os.environ.pop("LC_CTYPE", None)
    else:
        os.environ["LC_CTYPE"] = argv[1][1:]
    network = argv[2] == "net"
    readable: list[bytes] = []
    writable: list[bytes] = []
    index = 3
    while argv[index] != "--":
        (readable if argv[index] == "-r" else writable).append(os.fsencode(argv[index + 1]))
        index += 2
    from execwire_server.sandbox import landlock

    try:
        landlock.restrict(readable=readable, writable=writable, network=network)
    except OSError as error:
        sys.stderr.write(f"execwire sandbox: cannot apply landlock: {error}\n")
        os._exit(101)
    return arg0, argv[index + 1 :]


def main(argv: list[str]) -> None:
    arg0, command = confine(argv[1:])
    program = command[0]
    try:
        os.execvp(program, [arg0 if arg0 is not None else program, *command[1:]])
    except OSError as error:
        sys.stderr.write(f"execwire sandbox: failed to execute {program}: {error.strerror}\n")
        os._exit(127 if isinstance(error, FileNotFoundError) else 126)


if __name__ == "__main__":
    # Run as a script without site-packages: the package is found next to this file.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    main(sys.argv)

"""The last step inside the sandbox: apply Landlock, then exec the command with its arg0.

Run by bubblewrap as `python -I -S launcher.py SPEC COMMAND...` (standard library only, no
site-packages: it starts in a few milliseconds). SPEC is JSON:
`{"arg0": str|null, "readable": [path], "writable": [path], "network": bool,
"lc_ctype": str|null}`, paths as surrogate-escaped strings; `lc_ctype` undoes the
`LC_CTYPE` Python's locale coercion may have added, so the command gets its environment
exactly. The command is looked up on the PATH of its own environment, as `execvp` does. A
command that cannot be executed exits 127 (not found) or 126, with the reason on stderr.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

# Run as a script without site-packages: the package is found next to this file.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def confine(spec: dict[str, Any]) -> None:
    """Apply the spec's Landlock domain and restore the command's `LC_CTYPE`; a Landlock
    failure ends the process (exit 101) before anything runs."""
    from execwire_server.sandbox import landlock

    try:
        landlock.restrict(
            readable=[os.fsencode(path) for path in spec["readable"]],
            writable=[os.fsencode(path) for path in spec["writable"]],
            network=spec["network"],
        )
    except OSError as error:
        sys.stderr.write(f"execwire sandbox: cannot apply landlock: {error}\n")
        os._exit(101)
    if spec.get("lc_ctype") is None:
        os.environ.pop("LC_CTYPE", None)
    else:
        os.environ["LC_CTYPE"] = spec["lc_ctype"]


def main(argv: list[str]) -> None:
    spec = json.loads(argv[1])
    command = argv[2:]
    confine(spec)
    program = command[0]
    arguments = [spec["arg0"] if spec["arg0"] is not None else program, *command[1:]]
    try:
        os.execvp(program, arguments)
    except OSError as error:
        sys.stderr.write(f"execwire sandbox: failed to execute {program}: {error.strerror}\n")
        os._exit(127 if isinstance(error, FileNotFoundError) else 126)


if __name__ == "__main__":
    main(sys.argv)

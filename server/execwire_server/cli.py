"""The `execwire-server` entrypoint (placeholder until the server issue lands)."""

import sys


def main() -> int:
    """Refuse to run: the server is not implemented yet."""
    print("execwire-server: not implemented yet (the exec-server core is still to come)", file=sys.stderr)
    return 2

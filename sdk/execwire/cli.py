"""The `execwire` console client (placeholder until the SDK issue lands)."""

import sys


def main() -> int:
    """Refuse to run: the console client is not implemented yet."""
    print("execwire: not implemented yet (the client SDK is still to come)", file=sys.stderr)
    return 2

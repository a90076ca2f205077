"""`make demo`: start a local exec-server on an ephemeral port and run commands through the SDK.

The server is a real `execwire-server` child process listening on 127.0.0.1; the client is
the typed async SDK over a websocket. Run it with `python examples/demo.py`.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

from execwire import Executor


async def demo(url: str) -> None:
    """Run a few commands and file operations on the server at `url`."""
    async with await Executor.connect_websocket(url) as executor:
        print(f"connected to {url}, session {executor.client.session_id}")

        result = await executor.run(["sh", "-c", "echo hello from $(uname -s); echo oops >&2; exit 3"])
        print(f"run: exit {result.exit_code}, stdout {result.stdout!r}, stderr {result.stderr!r}")

        session = await executor.spawn(["sh", "-c", "for i in 1 2 3; do echo tick $i; sleep 0.1; done"])
        async for chunk in session.output():
            print(f"  seq {chunk.seq} {chunk.stream}: {chunk.data!r}")
        print(f"spawn: exit {await session.wait()}")

        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "hello.txt"
            await executor.write_text(path, "written through the exec-server\n")
            print(f"fs: {path} holds {await executor.read_text(path)!r}")


def main() -> None:
    """Start the server, run the demo, stop the server."""
    server = subprocess.Popen(
        [sys.executable, "-m", "execwire_server", "--listen", "ws://127.0.0.1:0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        asyncio.run(demo(url))
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()

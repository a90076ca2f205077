"""Sync quick start. Start a server first: `execwire-server --listen ws://127.0.0.1:8765`."""

import sys

from execwire.sync import Executor

url = sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:8765"
with Executor.connect_websocket(url) as executor:
    result = executor.run(["sh", "-c", "echo hello; echo oops >&2; exit 3"])
    print(f"exit {result.exit_code}, stdout {result.stdout!r}, stderr {result.stderr!r}")
    session = executor.spawn(["sh", "-c", "for i in 1 2 3; do echo tick $i; done"])
    for chunk in session.output():
        print(chunk.stream, chunk.data)
    executor.write_text("/tmp/execwire-hello.txt", "hi there\n")
    print(executor.read_text("/tmp/execwire-hello.txt"), end="")

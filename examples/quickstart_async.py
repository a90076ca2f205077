"""Async quick start. Start a server first: `execwire-server --listen ws://127.0.0.1:8765`."""

import asyncio
import sys

from execwire import Executor


async def main(url: str) -> None:
    async with await Executor.connect_websocket(url) as executor:
        result = await executor.run(["sh", "-c", "echo hello; echo oops >&2; exit 3"])
        print(f"exit {result.exit_code}, stdout {result.stdout!r}, stderr {result.stderr!r}")
        session = await executor.spawn(["sh", "-c", "for i in 1 2 3; do echo tick $i; done"])
        async for chunk in session.output():
            print(chunk.stream, chunk.data)
        await executor.write_text("/tmp/execwire-hello.txt", "hi there\n")
        print(await executor.read_text("/tmp/execwire-hello.txt"), end="")


asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:8765"))

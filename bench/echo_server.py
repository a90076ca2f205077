"""`python -m bench.echo_server`: a loopback `websockets` echo server for the `wsecho` floor.

Prints its URL as the first stdout line, then echoes every message (compression off, no
size limit) until killed.
"""

from __future__ import annotations

import asyncio

from websockets.asyncio.server import ServerConnection, serve


async def _echo(connection: ServerConnection) -> None:
    async for message in connection:
        await connection.send(message)


async def main() -> None:
    async with serve(_echo, "127.0.0.1", 0, compression=None, max_size=None) as server:
        host, port = next(iter(server.sockets)).getsockname()[:2]
        print(f"ws://{host}:{port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())

"""An `ExecSession` nobody keeps releases its route on the client's loop, even when the
client itself is gone by then (no error from the loop, no leak)."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from execwire import Executor


async def test_sessions_outliving_their_client_are_released_quietly() -> None:
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: errors.append(context))
    try:
        executor = await Executor.connect_in_process()
        session = await executor.spawn(["true"])
        await session.wait()
        kept = await executor.spawn(["true"])
        await kept.wait()
        client = executor.client
        route = client.internal.route(kept.process_id)
        await executor.close()
        del executor, client
        del session  # its finalizer schedules the release; the client goes with this frame
        gc.collect()
        for _ in range(3):
            await asyncio.sleep(0)
        del kept
        gc.collect()
        for _ in range(3):
            await asyncio.sleep(0)
        assert errors == []
        assert not route.observed  # released, not leaked
    finally:
        loop.set_exception_handler(previous)

"""`fs/watchMissing` through the SDK (`Executor.watch_missing`) against an embedded server:
what fires, what does not, and which watches are refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

from execwire import Executor


async def test_a_watch_fires_once_when_its_path_appears(tmp_path: Path) -> None:
    async with await Executor.connect_in_process() as executor:
        watch = await executor.watch_missing([tmp_path / "deep" / "flag"])
        assert watch.watching
        (tmp_path / "sibling").write_text("s")
        assert not await watch.wait(timeout=0.3)  # a sibling is not the path
        (tmp_path / "deep").mkdir()  # a directory on the way to it
        assert await watch.wait(timeout=5)


async def test_refused_and_replaced_watches(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("f")
    async with await Executor.connect_in_process() as executor:
        assert not (await executor.watch_missing([tmp_path / "file"])).watching  # exists
        assert not (await executor.watch_missing([tmp_path / "file" / "below"])).watching
        assert not (await executor.watch_missing([])).watching
        first = await executor.watch_missing([tmp_path / "a"])
        second = await executor.watch_missing([tmp_path / "b"])
        assert first.watching and second.watching
        (tmp_path / "a").write_text("a")
        assert not await first.wait(timeout=0.3)  # replaced by the second watch
        (tmp_path / "b").write_text("b")
        assert await second.wait(timeout=5)
        await asyncio.sleep(0)

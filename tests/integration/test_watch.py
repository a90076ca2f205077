"""`execwire/watch`: changes below a path, debounced, through the SDK and on the wire."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from execwire import ClientOptions, Executor, FileChange, Sandbox, UnsupportedByServer
from execwire.errors import InvalidRequestError, NotFoundError
from execwire.sync import Executor as SyncExecutor
from tests.integration.rawclient import ServerProcess, connect


async def collect_until(
    changes: AsyncIterator[FileChange], wanted: set[tuple[str, str]], timeout: float = 10
) -> list[FileChange]:
    """Changes until every (kind, name) of `wanted` was seen."""
    seen: list[FileChange] = []
    async with asyncio.timeout(timeout):
        async for change in changes:
            seen.append(change)
            if wanted <= {(c.kind, c.path.name) for c in seen}:
                return seen
    raise AssertionError(f"the watch ended early: {seen}")


async def unseen_then_seen(
    changes: AsyncIterator[FileChange], unseen: Path, seen: Path
) -> list[FileChange]:
    """Make `unseen` (which the watch must not report), then `seen`; the changes up to
    `seen`'s addition. Closes the watch."""
    async with contextlib.aclosing(changes):
        pending = asyncio.ensure_future(collect_until(changes, {("added", seen.name)}))
        await asyncio.sleep(0.2)
        unseen.write_text("x")
        await asyncio.sleep(0.1)
        seen.write_text("x")
        return await pending


async def test_added_modified_and_deleted_files_are_reported(tmp_path: Path) -> None:
    async with await Executor.connect_in_process() as executor:
        async with contextlib.aclosing(executor.watch(tmp_path, debounce_ms=20)) as changes:
            first = asyncio.ensure_future(anext(changes))  # the watch is set up on first use
            await asyncio.sleep(0.2)
            (tmp_path / "new.txt").write_text("a")
            (tmp_path / "sub").mkdir()
            seen = [await first]
            seen += await collect_until(changes, {("added", "new.txt"), ("added", "sub")} - {(seen[0].kind, seen[0].path.name)})
            # A directory is watched once it is seen: what is made in it from then on counts.
            (tmp_path / "sub" / "deep.txt").write_text("b")
            seen += await collect_until(changes, {("added", "deep.txt")})
            assert {c.uri for c in seen} >= {
                (tmp_path / "new.txt").as_uri(),
                (tmp_path / "sub" / "deep.txt").as_uri(),
            }
            (tmp_path / "new.txt").unlink()
            deleted = await collect_until(changes, {("deleted", "new.txt")})
            assert deleted[-1].path == tmp_path / "new.txt"


async def test_a_watch_that_is_not_recursive_sees_only_direct_entries(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    async with await Executor.connect_in_process() as executor:
        changes = executor.watch(tmp_path, recursive=False, debounce_ms=20)
        seen = await unseen_then_seen(changes, tmp_path / "sub" / "hidden.txt", tmp_path / "top.txt")
        assert "hidden.txt" not in {c.path.name for c in seen}


async def test_changes_below_a_denied_path_are_not_reported(tmp_path: Path) -> None:
    (tmp_path / "secret").mkdir()
    sandbox = Sandbox.read_only(tmp_path, deny=[tmp_path / "secret"])
    async with await Executor.connect_in_process() as executor:
        changes = executor.watch(tmp_path, debounce_ms=20, sandbox=sandbox)
        seen = await unseen_then_seen(changes, tmp_path / "secret" / "key.pem", tmp_path / "open.txt")
        assert all("secret" not in c.uri for c in seen)
        with pytest.raises(InvalidRequestError, match="does not allow reading"):
            await anext(executor.watch(tmp_path / "secret", sandbox=sandbox))


async def test_a_missing_path_is_not_found(tmp_path: Path) -> None:
    async with await Executor.connect_in_process() as executor:
        with pytest.raises(NotFoundError, match="No such file or directory"):
            await anext(executor.watch(tmp_path / "absent"))


async def test_a_server_without_the_extension_is_told_before_anything_is_sent(tmp_path: Path) -> None:
    options = ClientOptions(output_chunk_bytes=None)  # asks for no extension, as the reference
    async with await Executor.connect_in_process(options=options) as executor:
        with pytest.raises(UnsupportedByServer, match="execwire/watch"):
            await anext(executor.watch(tmp_path))


def test_the_blocking_api_iterates_changes(tmp_path: Path) -> None:
    maker = threading.Timer(0.3, (tmp_path / "made.txt").write_text, ["x"])
    with SyncExecutor.connect_in_process() as executor:
        maker.start()
        try:
            for change in executor.watch(tmp_path, debounce_ms=20):
                if change.path.name == "made.txt":
                    break
        finally:
            maker.join()
        assert change.kind == "added"
        assert executor.run(["true"]).exit_code == 0  # leaving the loop left the client usable


async def test_the_wire_answers_and_unwatch_stops_notifications(
    server: ServerProcess, tmp_path: Path
) -> None:
    async with connect(server.url) as raw:
        await raw.result("initialize", {"clientName": "t", "execwire": {"methods": ["execwire/watch", "execwire/unwatch"]}})
        await raw.send({"method": "initialized", "params": {}})
        params = {"watchId": "w1", "path": tmp_path.as_uri(), "debounceMs": 20}
        assert await raw.result("execwire/watch", params) == {}
        duplicate = await raw.request("execwire/watch", params)
        assert duplicate["error"] == {"code": -32600, "message": "watch w1 already exists"}
        empty = await raw.request("execwire/watch", {**params, "watchId": ""})
        assert empty["error"]["code"] == -32602
        missing = await raw.request(
            "execwire/watch", {**params, "watchId": "w2", "path": (tmp_path / "no").as_uri()}
        )
        assert missing["error"] == {"code": -32004, "message": "No such file or directory (os error 2)"}
        (tmp_path / "one.txt").write_text("1")
        changed = await raw.wait_for(lambda m: m.get("method") == "execwire/changed")
        assert changed["params"]["watchId"] == "w1"
        assert {"path": (tmp_path / "one.txt").as_uri(), "kind": "added"} in changed["params"]["changes"]
        assert await raw.result("execwire/unwatch", {"watchId": "w1"}) == {}
        assert await raw.result("execwire/unwatch", {"watchId": "never"}) == {}
        raw.notifications.clear()
        (tmp_path / "two.txt").write_text("2")
        await asyncio.sleep(0.5)
        assert not [m for m in raw.notifications if m.get("method") == "execwire/changed"]


async def test_a_name_that_is_not_utf8_reports_its_directory_and_the_watch_goes_on(
    tmp_path: Path,
) -> None:
    async with await Executor.connect_in_process() as executor:
        changes = executor.watch(tmp_path, debounce_ms=20)
        async with contextlib.aclosing(changes):
            pending = asyncio.ensure_future(anext(changes))
            await asyncio.sleep(0.2)
            with open(os.path.join(os.fsencode(tmp_path), b"bad-\xff.txt"), "wb"):
                pass
            change = await asyncio.wait_for(pending, 10)
            assert (change.kind, change.path) == ("modified", tmp_path)
            await asyncio.sleep(0.2)
            (tmp_path / "good.txt").write_text("x")
            await collect_until(changes, {("added", "good.txt")})


def test_the_cli_prints_changes_as_json_lines(server: ServerProcess, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "execwire.cli", "fs", "watch", "--url", server.url]
    watcher = subprocess.Popen(
        [*command, "--json", "--debounce-ms", "20", str(tmp_path)], stdout=subprocess.PIPE
    )
    try:
        assert watcher.stdout is not None
        deadline = time.monotonic() + 20
        line = b""
        while not line and time.monotonic() < deadline:
            (tmp_path / "cli.txt").write_text(str(time.monotonic()))  # until the watch is up
            ready, _, _ = select.select([watcher.stdout], [], [], 0.2)
            if ready:
                line = watcher.stdout.readline()
        change = json.loads(line)
        assert change["path"] == str(tmp_path / "cli.txt")
        assert change["kind"] in ("added", "modified")
    finally:
        watcher.send_signal(signal.SIGINT)
        assert watcher.wait(10) == 128 + signal.SIGINT

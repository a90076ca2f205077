"""The generated sync facade: up to date with the async API, and working."""

from __future__ import annotations

import threading

import pytest

from codegen import sync_facade
from execwire import ClientClosedError, NotFoundError
from execwire.protocol import models
from execwire.sync import ExecServerClient

from .test_sdk_client import ScriptedConnector, ServerSide, metadata, output, start_params


def test_sync_module_matches_the_async_api() -> None:
    """`python -m codegen.sync_facade` would not change sdk/execwire/sync.py."""
    assert sync_facade.OUTPUT.read_text() == sync_facade.generate(), (
        "sdk/execwire/sync.py is stale: run `make codegen`"
    )


def test_every_public_async_member_has_a_sync_twin() -> None:
    from execwire import client, executor, session, sync

    for module, name in ((client, "ExecServerClient"), (session, "ExecSession"),
                         (executor, "Executor")):
        async_names = {n for n in dir(getattr(module, name)) if not n.startswith("_")}
        sync_names = {n for n in dir(getattr(sync, name)) if not n.startswith("_")}
        assert async_names <= sync_names, name


def test_blocking_calls_iterators_and_errors() -> None:
    async def serve(conn: ServerSide) -> None:
        await conn.handshake()
        conn.reply(await conn.request("fs/getMetadata"), metadata(7))
        conn.error(await conn.request("fs/getMetadata"), -32004, "No such file or directory")
        start = await conn.request("process/start")
        conn.notify("process/output", output(1, b"hi"))
        conn.notify("process/exited", {"processId": "p", "seq": 2, "exitCode": 0})
        conn.notify("process/closed", {"processId": "p", "seq": 3})
        conn.reply(start, {"processId": "p"})

    with ExecServerClient.open(ScriptedConnector(serve)) as client:
        assert threading.current_thread() is threading.main_thread()
        stat = client.fs_get_metadata(models.FsGetMetadataParams(path="file:///a"))
        assert stat.size == 7
        with pytest.raises(NotFoundError):
            client.fs_get_metadata(models.FsGetMetadataParams(path="file:///b"))
        client.process_start(start_params())
        assert [event.seq for event in client.process_events("p")] == [1, 2, 3]
        assert client.connected and client.session_id
    with pytest.raises(ClientClosedError):
        client.environment_info()

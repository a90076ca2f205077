"""ExecServerClient against a scripted in-memory server: id matching, routing, resume."""

from __future__ import annotations

import asyncio
import base64
import gc
import logging
import pickle
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest

from execwire import (
    ClientOptions,
    ExecServerClient,
    ExecTimeout,
    Executor,
    InvalidRequestError,
    NotFoundError,
    OutputLost,
    ProtocolError,
    ReconnectPolicy,
    RequestOutcomeUnknown,
    RpcError,
    SessionAlreadyAttachedError,
    SessionExpiredError,
    TransportError,
    WebSocketConnector,
    jsonrpc,
)
from execwire.errors import rpc_error
from execwire.protocol import models
from execwire.protocol.methods import NOTIFICATIONS, REQUESTS
from execwire.request_table import MAX_RESENDS
from execwire.transports.websocket_dial import _RedactingLogger

SESSION = "0b6c2f7e-4d0e-4d7a-9d55-0c1b8c7d2a11"
FAST = ReconnectPolicy(timeout=10.0, initial_delay=0.001, max_delay=0.01)


class FakeTransport:
    """Client end of an in-memory connection."""

    def __init__(self) -> None:
        self.to_server: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.to_client: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.closed = False

    async def send(self, message: bytes) -> None:
        if self.closed:
            raise TransportError("closed")
        self.to_server.put_nowait(message)

    async def receive(self) -> bytes | None:
        if self.closed:
            return None
        return await self.to_client.get()

    async def close(self) -> None:
        self.abort()

    def abort(self) -> None:
        if not self.closed:
            self.closed = True
            self.to_client.put_nowait(None)
            self.to_server.put_nowait(None)


class ServerSide:
    """What a scripted handler sees of one connection."""

    def __init__(self, transport: FakeTransport) -> None:
        self._transport = transport

    async def receive(self) -> dict[str, Any]:
        message = await asyncio.wait_for(self._transport.to_server.get(), 5)
        assert message is not None, "client disconnected"
        decoded: dict[str, Any] = orjson.loads(message)
        return decoded

    async def request(self, method: str) -> dict[str, Any]:
        message = await self.receive()
        assert message.get("method") == method, message
        return message

    async def handshake(self, *, resume: str | None = None) -> None:
        message = await self.request("initialize")
        assert message["params"].get("resumeSessionId") == resume
        self.reply(message, {"sessionId": SESSION, "environmentInfo": environment()})
        assert (await self.receive())["method"] == "initialized"

    def reply(self, request: dict[str, Any], result: dict[str, Any]) -> None:
        self._send({"id": request["id"], "result": result})

    def error(self, request: dict[str, Any], code: int, message: str) -> None:
        self._send({"id": request["id"], "error": {"code": code, "message": message}})

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"method": method, "params": params})

    def drop(self) -> None:
        self._transport.abort()

    def _send(self, message: dict[str, Any]) -> None:
        self._transport.to_client.put_nowait(orjson.dumps(message))


Handler = Callable[[ServerSide], Awaitable[None]]


class ScriptedConnector:
    """Connection i is served by handlers[i]; the test awaits `done` for each of them."""

    def __init__(self, *handlers: Handler) -> None:
        self._handlers = list(handlers)
        self.tasks: list[asyncio.Task[None]] = []

    @property
    def target(self) -> str:
        return "scripted"

    @property
    def resumable(self) -> bool:
        return True

    async def connect(self) -> FakeTransport:
        if not self._handlers:
            raise TransportError("no more scripted connections")
        transport = FakeTransport()
        self.tasks.append(asyncio.create_task(self._handlers.pop(0)(ServerSide(transport))))
        return transport

    async def aclose(self) -> None:
        for task in self.tasks:
            if not task.done():
                task.cancel()

    async def finished(self) -> None:
        """Every handler ran to completion (re-raises their assertion errors)."""
        await asyncio.wait_for(asyncio.gather(*self.tasks), 5)


def environment() -> dict[str, Any]:
    return {"shell": {"name": "sh", "path": "/bin/sh"}, "cwd": "file:///work"}


def output(seq: int, data: bytes, process_id: str = "p") -> dict[str, Any]:
    chunk = base64.b64encode(data).decode()
    return {"processId": process_id, "seq": seq, "stream": "stdout", "chunk": chunk}


def start_params(process_id: str = "p") -> models.ExecParams:
    return models.ExecParams(
        process_id=process_id, argv=["x"], cwd="file:///work", env={}, tty=False
    )


def metadata(size: int) -> dict[str, Any]:
    return {
        "isDirectory": False, "isFile": True, "isSymlink": False,
        "size": size, "createdAtMs": 0, "modifiedAtMs": 0,
    }


async def test_responses_are_matched_by_id_not_order() -> None:
    async def serve(conn: ServerSide) -> None:
        await conn.handshake()
        first = await conn.request("fs/getMetadata")
        second = await conn.request("fs/getMetadata")
        conn.reply(second, metadata(2))
        conn.reply(first, metadata(1))

    connector = ScriptedConnector(serve)
    client = await ExecServerClient.open(connector)
    a = client.fs_get_metadata(models.FsGetMetadataParams(path="file:///a"))
    b = client.fs_get_metadata(models.FsGetMetadataParams(path="file:///b"))
    results = await asyncio.gather(a, b)
    assert [r.size for r in results] == [1, 2]
    assert client.session_id == SESSION and client.environment is not None
    await connector.finished()
    await client.close()


async def test_output_the_byte_level_decoder_refuses_takes_the_general_path() -> None:
    async def serve(conn: ServerSide) -> None:
        await conn.handshake()
        conn.reply(await conn.request("process/start"), {"processId": "p"})
        conn.notify("process/output", output(1, b"compact "))
        # Pretty-printed, and an escaped processId ("p"): only the general parser reads them.
        conn._transport.to_client.put_nowait(orjson.dumps(
            {"method": "process/output", "params": output(2, b"spaced ")}, option=orjson.OPT_INDENT_2
        ))
        conn._transport.to_client.put_nowait(
            b'{"method":"process/output","params":{"processId":"\\u0070","seq":3,'
            b'"stream":"stdout","chunk":"' + base64.b64encode(b"escaped") + b'"}}'
        )
        conn.notify("process/exited", {"processId": "p", "seq": 4, "exitCode": 0})
        conn.notify("process/closed", {"processId": "p", "seq": 5})

    connector = ScriptedConnector(serve)
    client = await ExecServerClient.open(connector)
    await client.process_start(start_params())
    events = [event async for event in client.process_events("p")]
    chunks = [e.chunk for e in events if isinstance(e, models.ProcessOutputNotification)]
    assert chunks == [b"compact ", b"spaced ", b"escaped"]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    await connector.finished()
    await client.close()


async def test_events_arriving_before_the_start_response_are_routed() -> None:
    async def serve(conn: ServerSide) -> None:
        await conn.handshake()
        start = await conn.request("process/start")
        conn.notify("process/output", output(1, b"early"))
        conn.notify("process/exited", {"processId": "p", "seq": 2, "exitCode": 4})
        conn.notify("process/closed", {"processId": "p", "seq": 3})
        conn.reply(start, {"processId": "p"})

    connector = ScriptedConnector(serve)
    client = await ExecServerClient.open(connector)
    everything = client.events()
    await client.process_start(start_params())
    events = [event async for event in client.process_events("p")]
    assert [type(e).__name__ for e in events] == [
        "ProcessOutputNotification", "ProcessExitedNotification", "ProcessClosedNotification"
    ]
    await client.close()
    assert [event.seq async for event in everything] == [1, 2, 3]


async def test_resume_retries_already_attached_then_catches_up_exactly_once() -> None:
    async def first(conn: ServerSide) -> None:
        await conn.handshake()
        conn.reply(await conn.request("process/start"), {"processId": "p"})
        conn.notify("process/output", output(1, b"a"))
        await asyncio.sleep(0.01)
        conn.drop()

    async def still_attached(conn: ServerSide) -> None:
        request = await conn.request("initialize")
        conn.error(request, -32010, f"session {SESSION} is already attached to another connection")

    async def resumed(conn: ServerSide) -> None:
        await conn.handshake(resume=SESSION)
        read = await conn.request("process/read")
        assert read["params"]["afterSeq"] == 1
        conn.notify("process/output", output(4, b"d"))  # pushed before the read's answer
        conn.reply(read, {
            "chunks": [output(seq, data) for seq, data in ((2, b"b"), (3, b"c"), (4, b"d"))],
            "nextSeq": 5, "exited": False, "exitCode": None, "closed": False, "failure": None,
        })
        conn.notify("process/output", output(5, b"e"))
        conn.notify("process/exited", {"processId": "p", "seq": 6, "exitCode": 0})
        conn.notify("process/closed", {"processId": "p", "seq": 7})

    connector = ScriptedConnector(first, still_attached, resumed)
    client = await ExecServerClient.open(connector, options=ClientOptions(reconnect=FAST))
    await client.process_start(start_params())
    events = [event async for event in client.process_events("p")]
    chunks = [e.chunk for e in events if isinstance(e, models.ProcessOutputNotification)]
    assert chunks == [b"a", b"b", b"c", b"d", b"e"]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6, 7]
    await connector.finished()
    assert client.reconnects == 1 and client.connected
    await client.close()


async def test_evicted_output_raises_output_lost_then_continues() -> None:
    async def first(conn: ServerSide) -> None:
        await conn.handshake()
        conn.reply(await conn.request("process/start"), {"processId": "p"})
        conn.notify("process/output", output(1, b"a"))
        await asyncio.sleep(0.01)
        conn.drop()

    async def resumed(conn: ServerSide) -> None:
        await conn.handshake(resume=SESSION)
        read = await conn.request("process/read")
        conn.reply(read, {
            "chunks": [output(9, b"z")], "nextSeq": 12, "exited": True, "exitCode": 0,
            "closed": True, "failure": None,
        })

    connector = ScriptedConnector(first, resumed)
    client = await ExecServerClient.open(connector, options=ClientOptions(reconnect=FAST))
    await client.process_start(start_params())
    stream = client.process_events("p")
    assert (await anext(stream)).seq == 1
    with pytest.raises(OutputLost) as lost:
        await anext(stream)
    assert (lost.value.first_seq, lost.value.last_seq) == (2, 8)
    assert [type(e).__name__ for e in [e async for e in stream]] == [
        "ProcessOutputNotification", "ProcessExitedNotification", "ProcessClosedNotification"
    ]
    await client.close()


async def test_in_flight_requests_are_resent_only_when_safe() -> None:
    async def first(conn: ServerSide) -> None:
        await conn.handshake()
        await conn.request("fs/readFile")
        await conn.request("fs/writeFile")
        conn.drop()

    async def resumed(conn: ServerSide) -> None:
        await conn.handshake(resume=SESSION)
        conn.reply(await conn.request("fs/readFile"), {"dataBase64": "aGk="})

    connector = ScriptedConnector(first, resumed)
    client = await ExecServerClient.open(connector, options=ClientOptions(reconnect=FAST))
    read = asyncio.create_task(client.fs_read_file(models.FsReadFileParams(path="file:///a")))
    await asyncio.sleep(0)
    write = asyncio.create_task(
        client.fs_write_file(models.FsWriteFileParams(path="file:///a", data_base64=""))
    )
    assert (await read).data_base64 == "aGk="
    with pytest.raises(RequestOutcomeUnknown):
        await write
    await connector.finished()
    await client.close()


async def test_expired_session_is_terminal_for_everyone() -> None:
    async def first(conn: ServerSide) -> None:
        await conn.handshake()
        conn.reply(await conn.request("process/start"), {"processId": "p"})
        conn.drop()

    async def expired(conn: ServerSide) -> None:
        request = await conn.request("initialize")
        conn.error(request, -32600, f"unknown session id {SESSION}")

    connector = ScriptedConnector(first, expired)
    client = await ExecServerClient.open(connector, options=ClientOptions(reconnect=FAST))
    await client.process_start(start_params())
    with pytest.raises(SessionExpiredError):
        async for _ in client.process_events("p"):
            pass
    with pytest.raises(SessionExpiredError):
        await client.environment_info()
    assert not client.connected
    await client.close()


async def test_request_timeout_is_explicit() -> None:
    async def silent(conn: ServerSide) -> None:
        await conn.handshake()
        await conn.request("environment/info")

    connector = ScriptedConnector(silent)
    client = await ExecServerClient.open(connector, options=ClientOptions(request_timeout=0.05))
    with pytest.raises(ExecTimeout) as timeout:
        await client.environment_info()
    assert isinstance(timeout.value, TimeoutError)
    await client.close()


async def test_rpc_errors_carry_code_message_and_method() -> None:
    async def serve(conn: ServerSide) -> None:
        await conn.handshake()
        conn.error(await conn.request("fs/readFile"), -32004, "No such file or directory")
        conn.error(await conn.request("process/read"), -32600, "unknown process id q")

    connector = ScriptedConnector(serve)
    client = await ExecServerClient.open(connector)
    with pytest.raises(FileNotFoundError) as missing:
        await client.fs_read_file(models.FsReadFileParams(path="file:///nope"))
    assert isinstance(missing.value, NotFoundError)
    assert (missing.value.code, missing.value.method) == (-32004, "fs/readFile")
    with pytest.raises(InvalidRequestError) as invalid:
        await client.process_read(models.ReadParams(process_id="q"))
    assert invalid.value.message == "unknown process id q"
    await client.close()


def test_error_classes_by_code_and_pickling() -> None:
    assert type(rpc_error(-32010, "x", "initialize")) is SessionAlreadyAttachedError
    assert type(rpc_error(-32600, "unknown session id s", "initialize")) is SessionExpiredError
    assert type(rpc_error(-1, "odd", "m")) is RpcError
    error = rpc_error(-32004, "gone", "fs/remove")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.code, copy.message, copy.method) == (
        NotFoundError, -32004, "gone", "fs/remove"
    )
    assert str(copy) == "fs/remove failed: gone (code -32004)"


def test_token_never_appears_in_repr_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    connector = WebSocketConnector("ws://127.0.0.1:1", token="s3cr3t-token")
    assert "s3cr3t" not in repr(connector) and "s3cr3t" not in connector.target
    logger = _RedactingLogger(logging.getLogger("test.redact"), {})
    with caplog.at_level(logging.DEBUG, logger="test.redact"):
        logger.debug("> %s: %s", "Authorization", "Bearer s3cr3t-token")
    assert "s3cr3t" not in caplog.text and "<redacted>" in caplog.text


async def test_connection_failure_is_a_transport_error() -> None:
    with pytest.raises(TransportError):
        await ExecServerClient.connect_websocket("ws://127.0.0.1:1", options=ClientOptions(open_timeout=2))


async def test_forgotten_process_still_reaches_event_subscribers() -> None:
    async def serve(conn: ServerSide) -> None:
        await conn.handshake()
        conn.reply(await conn.request("process/start"), {"processId": "p"})
        await conn.request("environment/status")  # the test forgets the process meanwhile
        conn.notify("process/output", output(1, b"late"))
        conn.notify("process/output", output(1, b"late"))  # a duplicate is still dropped
        conn.notify("process/exited", {"processId": "p", "seq": 2, "exitCode": 0})
        conn.notify("process/closed", {"processId": "p", "seq": 3})

    connector = ScriptedConnector(serve)
    client = await ExecServerClient.open(connector)
    everything = client.events()
    await client.process_start(start_params())
    client.forget_process("p")
    with pytest.raises(KeyError):
        client.process_events("p")
    status = asyncio.create_task(client.environment_status())
    seen = []
    async for event in everything:
        seen.append(event.seq)
        if isinstance(event, models.ProcessClosedNotification):
            break
    assert seen == [1, 2, 3]
    status.cancel()
    await client.close()


async def test_initialize_asks_for_larger_chunks_and_reports_what_was_applied() -> None:
    async def serve(conn: ServerSide, asked: dict[str, Any] | None, applied: dict[str, Any] | None) -> None:
        request = await conn.request("initialize")
        assert request["params"].get("execwire") == asked
        result: dict[str, Any] = {"sessionId": SESSION, "environmentInfo": environment()}
        if applied is not None:
            result["execwire"] = applied
        conn.reply(request, result)
        assert (await conn.receive())["method"] == "initialized"

    everything = sorted(name for name, spec in REQUESTS.items() if spec.extension)
    asked = {"outputChunkBytes": 65536, "walkTree": True, "methods": everything}
    bulk = ScriptedConnector(
        lambda conn: serve(
            conn, asked, {"outputChunkBytes": 65536, "walkTree": True, "methods": ["execwire/resize"]}
        )
    )
    client = await ExecServerClient.open(bulk)
    assert client.server_extensions == models.ExecwireExtensions(
        output_chunk_bytes=65536, walk_tree=True, methods=["execwire/resize"]
    )
    assert client.internal.has_extension("execwire/resize")
    assert not client.internal.has_extension("execwire/watch")
    await bulk.finished()
    await client.close()
    reference = ScriptedConnector(
        lambda conn: serve(conn, {**asked, "outputChunkBytes": 8192}, None)
    )
    client = await ExecServerClient.open(reference, options=ClientOptions(output_chunk_bytes=8192))
    assert client.server_extensions is None  # a server without extensions ignores the ask
    await reference.finished()
    await client.close()
    plain = ScriptedConnector(lambda conn: serve(conn, None, None))
    client = await ExecServerClient.open(plain, options=ClientOptions(output_chunk_bytes=None))
    await plain.finished()
    await client.close()
    with pytest.raises(ValueError):
        ExecServerClient(plain, options=ClientOptions(output_chunk_bytes=0))


async def test_a_request_whose_answer_keeps_breaking_the_link_is_not_resent_forever() -> None:
    async def breaks(conn: ServerSide, resume: str | None) -> None:
        await conn.handshake(resume=resume)
        await conn.request("fs/readFile")
        conn.drop()  # e.g. a relay stream reset by an oversized answer

    async def healthy(conn: ServerSide) -> None:
        await conn.handshake(resume=SESSION)
        conn.reply(await conn.request("environment/status"), {"status": "ready"})

    handlers: list[Handler] = [lambda conn: breaks(conn, None)]
    handlers += [lambda conn: breaks(conn, SESSION)] * MAX_RESENDS
    connector = ScriptedConnector(*handlers, healthy)
    client = await ExecServerClient.open(connector, options=ClientOptions(reconnect=FAST))
    with pytest.raises(TransportError) as failed:
        await client.fs_read_file(models.FsReadFileParams(path="file:///huge"))
    assert not isinstance(failed.value, RequestOutcomeUnknown)
    assert f"lost {MAX_RESENDS + 1} times" in str(failed.value)
    assert (await client.environment_status()).status == "ready"  # the session lives on
    await connector.finished()
    await client.close()


async def test_large_file_answers_are_decoded_from_the_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    data = bytes(range(256)) * (6 << 10)  # 1.5 MiB, 2 MiB of base64
    text = base64.b64encode(data).decode()
    bad = "A" * (2 << 20) + "=="  # 4n+2 symbols: the general path must see it

    async def serve(conn: ServerSide) -> None:
        await conn.handshake()
        for answer in (text, text, bad, bad):
            conn.reply(await conn.request("fs/readFile"), {"dataBase64": answer})

    generally_decoded: list[int] = []
    general = jsonrpc.decode

    def spy(message: bytes | str) -> jsonrpc.InboundMessage:
        generally_decoded.append(len(message))
        return general(message)

    monkeypatch.setattr(jsonrpc, "decode", spy)
    connector = ScriptedConnector(serve)
    client = await ExecServerClient.open(connector)
    executor = Executor(client)
    assert await executor.read_bytes("/data.bin") == data
    answer = await client.fs_read_file(models.FsReadFileParams(path="file:///data.bin"))
    assert answer == models.FsReadFileResponse(data_base64=text)
    assert max(generally_decoded) < (1 << 20)  # neither answer went through the JSON parser
    with pytest.raises(ProtocolError):
        await executor.read_bytes("/data.bin")
    answer = await client.fs_read_file(models.FsReadFileParams(path="file:///data.bin"))
    assert answer.data_base64 == bad  # the general path, as before
    await connector.finished()
    await client.close()


async def test_late_file_answers_are_dropped_unparsed(monkeypatch: pytest.MonkeyPatch) -> None:
    data = bytes(range(256)) * (6 << 10)  # 1.5 MiB, 2 MiB of base64
    text = base64.b64encode(data).decode()

    async def serve(conn: ServerSide) -> None:
        await conn.handshake()
        late = [await conn.request("fs/readFile"), await conn.request("fs/readFile")]
        await asyncio.sleep(0.2)  # both requests have timed out
        conn.reply(late[0], {"dataBase64": text})
        head = orjson.dumps({"id": late[1]["id"], "result": {"dataBase64": ""}})[:-3]
        conn._transport.to_client.put_nowait(jsonrpc.FileReply(late[1]["id"], data, head))
        conn.reply(await conn.request("environment/info"), environment())

    generally_decoded: list[int] = []
    general = jsonrpc.decode

    def spy(message: bytes | str) -> jsonrpc.InboundMessage:
        generally_decoded.append(len(message))
        return general(message)

    def never(reply: jsonrpc.FileReply) -> bytes:
        raise AssertionError("a late answer was rebuilt into a message")

    monkeypatch.setattr(jsonrpc, "decode", spy)
    monkeypatch.setattr(jsonrpc.FileReply, "to_message", never)
    connector = ScriptedConnector(serve)
    client = await ExecServerClient.open(connector, options=ClientOptions(request_timeout=0.05))
    for _ in range(2):
        with pytest.raises(ExecTimeout):
            await client.fs_read_file(models.FsReadFileParams(path="file:///data.bin"))
    await asyncio.sleep(0.3)  # the late answers arrive
    assert (await client.environment_info()).cwd == environment()["cwd"]
    assert max(generally_decoded) < (1 << 20)
    await connector.finished()
    await client.close()


async def test_write_bytes_sends_the_data_as_base64() -> None:
    data = bytes(range(256)) * 5000
    received: list[dict[str, Any]] = []

    async def serve(conn: ServerSide) -> None:
        await conn.handshake()
        request = await conn.request("fs/writeFile")
        received.append(request["params"])
        conn.reply(request, {})

    connector = ScriptedConnector(serve)
    client = await ExecServerClient.open(connector)
    await Executor(client).write_bytes("/out.bin", data)
    assert received == [{"path": "file:///out.bin", "dataBase64": base64.b64encode(data).decode()}]
    await connector.finished()
    await client.close()


async def test_events_carry_the_same_models_as_validation_would_build() -> None:
    notifications = [
        ("process/output", output(1, b"\x00\xffbinary")),
        ("process/output", {**output(2, b"err"), "stream": "stderr"}),
        ("process/exited", {"processId": "p", "seq": 3, "exitCode": 2}),
        ("process/closed", {"processId": "p", "seq": 4}),
    ]

    async def serve(conn: ServerSide) -> None:
        await conn.handshake()
        start = await conn.request("process/start")
        for method, params in notifications:
            conn.notify(method, params)
        conn.reply(start, {"processId": "p"})

    connector = ScriptedConnector(serve)
    client = await ExecServerClient.open(connector)
    everything = client.events()
    await client.process_start(start_params())
    expected = [
        NOTIFICATIONS[method].params_type.model_validate(params) for method, params in notifications
    ]
    assert [event async for event in client.process_events("p")] == expected
    await client.close()
    seen = [event async for event in everything]
    assert seen == expected
    assert all(a.model_dump() == b.model_dump() for a, b in zip(seen, expected, strict=True))
    assert [e.__pydantic_fields_set__ for e in seen] == [e.__pydantic_fields_set__ for e in expected]


async def test_an_abandoned_events_iterator_unsubscribes() -> None:
    async def serve(conn: ServerSide) -> None:
        await conn.handshake()

    connector = ScriptedConnector(serve)
    client = await ExecServerClient.open(connector)
    kept = client.events()
    dropped = client.events()
    assert len(client._router.subscribers()) == 2
    del dropped
    gc.collect()
    assert client._router.subscribers() == [kept]
    await client.close()

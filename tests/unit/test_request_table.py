"""The client's request table without any connection: ids, answers, lost links, resends."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from execwire import jsonrpc
from execwire.errors import (
    ClientClosedError,
    InvalidRequestError,
    NotFoundError,
    ProtocolError,
    RequestOutcomeUnknown,
    SessionExpiredError,
    TransportError,
)
from execwire.protocol import models
from execwire.request_table import MAX_RESENDS, PendingRequest, RequestTable

OLD_LINK, NEW_LINK = object(), object()


def _open(
    table: RequestTable, method: str, *, direct: bool = False
) -> tuple[int, PendingRequest, asyncio.Future[Any]]:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def encode(request_id: int) -> bytes:
        return jsonrpc.encode_request(request_id, method, {})

    request_id, pending = table.open(
        method, encode, models.EnvironmentStatusResponse, future, direct=direct
    )
    return request_id, pending, future


def _reply(message: dict[str, Any]) -> jsonrpc.Response | jsonrpc.ErrorReply:
    decoded = jsonrpc.decode(orjson.dumps(message))
    assert isinstance(decoded, jsonrpc.Response | jsonrpc.ErrorReply)
    return decoded


async def test_ids_increase_and_answers_are_matched_by_id_not_order() -> None:
    table = RequestTable()
    first, _, first_future = _open(table, "environment/status")
    second, _, second_future = _open(table, "fs/getMetadata")
    assert second == first + 1 and len(table) == 2
    assert table.answer(_reply({"id": second, "error": {"code": -32004, "message": "gone"}}))
    assert table.answer(_reply({"id": first, "result": {"status": "ready"}}))
    assert first_future.result() == models.EnvironmentStatusResponse(status="ready")
    with pytest.raises(NotFoundError, match="gone") as raised:
        second_future.result()
    assert raised.value.method == "fs/getMetadata"


async def test_answers_nobody_waits_for_are_dropped() -> None:
    table = RequestTable()
    request_id, _, future = _open(table, "environment/status")
    future.cancel()  # the caller timed out
    assert not table.answer(_reply({"id": request_id, "result": {"status": "ready"}}))
    table.close(request_id)
    assert not table.answer(_reply({"id": request_id, "result": {"status": "ready"}}))
    assert not table.answer(_reply({"id": "text", "result": {}}))
    assert table.awaited(request_id) is None and len(table) == 0


async def test_a_result_that_does_not_validate_is_a_protocol_error() -> None:
    table = RequestTable()
    request_id, _, future = _open(table, "environment/status")
    table.answer(_reply({"id": request_id, "result": {"status": 5}}))
    with pytest.raises(ProtocolError, match="invalid result"):
        future.result()


async def test_shared_codes_are_told_apart_by_the_schema_prefix() -> None:
    table = RequestTable()
    expired, _, expired_future = _open(table, "initialize", direct=True)
    refused, _, refused_future = _open(table, "process/read")
    table.answer(_reply({"id": expired, "error": {"code": -32600, "message": "unknown session id x"}}))
    table.answer(_reply({"id": refused, "error": {"code": -32600, "message": "unknown process id p"}}))
    assert type(expired_future.exception()) is SessionExpiredError
    assert type(refused_future.exception()) is InvalidRequestError


async def test_a_lost_link_resends_retry_safe_requests_and_fails_the_others() -> None:
    table = RequestTable()
    _, read, read_future = _open(table, "process/read")
    _, start, start_future = _open(table, "process/start")
    _, waiting, waiting_future = _open(table, "fs/readFile")  # never sent: waits for the link
    _, handshake, handshake_future = _open(table, "initialize", direct=True)
    read.sent_on(OLD_LINK)
    start.sent_on(OLD_LINK)
    handshake.sent_on(OLD_LINK)
    assert read.message and start.message == b""  # only what may be re-sent is kept
    table.transport_ended(OLD_LINK, TransportError("lost"))
    assert isinstance(handshake_future.exception(), TransportError)
    assert not read_future.done() and not start_future.done()
    assert table.after_resume(NEW_LINK) == [read]
    assert read.transport is NEW_LINK and read.resends == 1
    assert isinstance(start_future.exception(), RequestOutcomeUnknown)
    assert not waiting_future.done() and waiting.transport is None
    # Resumed again on the same link (a duplicate resume event): nothing is sent twice.
    assert table.after_resume(NEW_LINK) == []


async def test_a_request_is_resent_at_most_max_resends_times() -> None:
    table = RequestTable()
    _, read, future = _open(table, "process/read")
    read.sent_on(OLD_LINK)
    links = [object() for _ in range(MAX_RESENDS + 1)]
    for link in links[:MAX_RESENDS]:
        assert table.after_resume(link) == [read]
    assert table.after_resume(links[-1]) == []
    with pytest.raises(TransportError, match=f"lost {MAX_RESENDS + 1} times"):
        future.result()


async def test_fail_all_ends_every_waiting_request() -> None:
    table = RequestTable()
    _, _, first = _open(table, "process/read")
    _, _, second = _open(table, "fs/readFile")
    second.set_result(None)
    table.fail_all(ClientClosedError("closed"))
    assert isinstance(first.exception(), ClientClosedError)
    assert second.result() is None

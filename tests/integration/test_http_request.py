"""`http/request` from the executor, through the SDK (`Executor.http_request`) against an
embedded server and a local HTTP/1.1 server: what goes on the wire, buffered and streamed
bodies, redirects, env-var headers, validation, and a client that leaves mid-stream."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

import pytest

from execwire import Executor
from execwire.errors import InvalidParamsError, ServerInternalError
from execwire.protocol import models
from execwire.sync import Executor as SyncExecutor


class HttpServer:
    """Records requests; routes: /hello, /echo (the body back), /redirect, /drip."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, list[tuple[str, str]], bytes]] = []
        self.dripping = asyncio.Event()
        self.drip_closed = asyncio.Event()
        self.url = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        target = head[0].split(" ")[1]
        headers = [tuple(line.split(": ", 1)) for line in head[1:] if line]
        length = int(dict(headers).get("content-length", "0"))
        body = await reader.readexactly(length)
        self.requests.append((head[0], headers, body))  # type: ignore[arg-type]
        if target == "/drip":
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
            await writer.drain()
            self.dripping.set()
            try:
                for _ in range(200):
                    await asyncio.sleep(0.05)
                    writer.write(b"1\r\n.\r\n")
                    await writer.drain()
            except ConnectionError:
                self.drip_closed.set()
            writer.close()
            return
        status, extra, payload = {
            "/hello": ("200 OK", "X-Multi: a\r\nX-Multi: b\r\n", b"hello"),
            "/echo": ("200 OK", "", body),
            "/redirect": ("302 Found", "Location: /hello\r\n", b""),
        }.get(target, ("404 Not Found", "", b"nope"))
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Length: {len(payload)}\r\n{extra}Connection: close\r\n\r\n".encode()
            + payload
        )
        await writer.drain()
        writer.close()


@contextlib.asynccontextmanager
async def http_server() -> AsyncIterator[HttpServer]:
    server = HttpServer()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}"
    async with listener:
        yield server


async def test_buffered_requests_send_what_the_reference_sends() -> None:
    async with http_server() as web, await Executor.connect_in_process() as executor:
        response = await executor.http_request("GET", web.url + "/hello")
        assert response.status == 200 and await response.read() == b"hello"
        assert [v for k, v in response.headers if k == "x-multi"] == ["a", "b"]
        assert web.requests[-1][1] == [("accept", "*/*"), ("host", web.url.removeprefix("http://"))]
        posted = await executor.http_request(
            "POST", web.url + "/echo", headers=[("X-A", "1"), ("X-A", "2")], body=b"payload"
        )
        assert await posted.read() == b"payload"
        assert web.requests[-1][1][:2] == [("x-a", "1"), ("x-a", "2")]
        assert web.requests[-1][1][-1] == ("content-length", "7")
        redirected = await executor.http_request("GET", web.url + "/redirect")
        assert (
            redirected.status == 200 and ("referer", web.url + "/redirect") in web.requests[-1][1]
        )
        stopped = await executor.http_request("GET", web.url + "/redirect", follow_redirects=False)
        assert stopped.status == 302 and stopped.header("Location") == "/hello"


async def test_header_values_from_the_executor_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXECWIRE_TEST_SECRET", "s3cret")
    async with http_server() as web, await Executor.connect_in_process() as executor:
        header = models.HttpHeader(
            name="Authorization", value="Bearer ", value_env_var="EXECWIRE_TEST_SECRET"
        )
        await (await executor.http_request("GET", web.url + "/echo", headers=[header])).read()
        assert ("authorization", "Bearer s3cret") in web.requests[-1][1]
        missing = models.HttpHeader(name="X", value="v", value_env_var="EXECWIRE_TEST_UNSET")
        with pytest.raises(InvalidParamsError, match="requires executor environment variable"):
            await executor.http_request("GET", web.url, headers=[missing])


async def test_validation_and_failures() -> None:
    async with await Executor.connect_in_process() as executor:
        for method, url, text in (
            ("GE T", "http://127.0.0.1:1/", "method is invalid"),
            ("GET", "not a url", "relative URL without a base"),
            ("GET", "ftp://127.0.0.1/x", "only supports http and https URLs, got ftp"),
        ):
            with pytest.raises(InvalidParamsError, match=text):
                await executor.http_request(method, url)
        with pytest.raises(InvalidParamsError, match="header name is invalid"):
            await executor.http_request("GET", "http://127.0.0.1:1/", headers=[("bad name", "v")])
        with pytest.raises(ServerInternalError, match="error sending request"):
            await executor.http_request("GET", "http://127.0.0.1:1/")
        with pytest.raises(ServerInternalError, match="timed out"):
            await executor.http_request("GET", "http://127.0.0.1:1/", timeout=0)


async def test_streamed_bodies_and_a_client_that_leaves() -> None:
    async with http_server() as web:
        executor = await Executor.connect_in_process()
        response = await executor.http_request("GET", web.url + "/hello", stream=True)
        assert await response.read() == b"hello"
        dripping = await executor.http_request("GET", web.url + "/drip", stream=True)
        parts = dripping.body()
        assert await anext(parts) == b"first"
        await executor.close()  # the connection ends: the stream stops, its socket closes
        await asyncio.wait_for(web.drip_closed.wait(), 10)


def test_the_blocking_api_streams_too() -> None:
    async def serve(ready: asyncio.Future[str], stop: asyncio.Event) -> None:
        async with http_server() as web:
            ready.set_result(web.url)
            await stop.wait()

    loop = asyncio.new_event_loop()
    ready: asyncio.Future[str] = loop.create_future()
    stop = asyncio.Event()
    import threading

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(ready, stop),))
    thread.start()
    try:
        while not ready.done():
            os.sched_yield()
        url = ready.result()
        with SyncExecutor.connect_in_process() as executor:
            response = executor.http_request("GET", url + "/hello", stream=True)
            assert b"".join(response.body()) == b"hello"
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join()
        loop.close()

"""`GET /metrics`: what an operator scrapes, in the Prometheus text format."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest
from prometheus_client.parser import text_string_to_metric_families

from execwire import Executor, NotFoundError

from .rawclient import ServerProcess


def scrape(url: str, token: str | None = None) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    request = urllib.request.Request(url.replace("ws://", "http://") + "/metrics")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_sessions_processes_output_and_requests(server: ServerProcess) -> None:
    before = scrape(server.url)
    assert before[("execwire_sessions", ())] == 0
    async with await Executor.connect_websocket(server.url) as executor:
        result = await executor.run(["sh", "-c", "head -c 100000 /dev/zero; exit 2"])
        assert result.exit_code == 2
        with pytest.raises(NotFoundError):
            await executor.read_bytes("/nonexistent/file")
        metrics = scrape(server.url)
    assert metrics[("execwire_sessions", ())] == 1
    assert metrics[("execwire_connections", ())] == 1
    assert metrics[("execwire_processes_started_total", ())] == 1
    assert metrics[("execwire_output_bytes_total", ())] == 100000
    assert metrics[("execwire_requests_total", (("method", "process/start"), ("outcome", "ok")))] == 1
    assert metrics[("execwire_requests_total", (("method", "fs/readFile"), ("outcome", "-32004")))] == 1


def test_metrics_need_the_token_when_there_is_one(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory(env={**os.environ, "EXECWIRE_CONNECTION_TOKEN": "metrics-token"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        scrape(server.url)
    assert refused.value.code == 401
    assert scrape(server.url, "metrics-token")[("execwire_sessions", ())] == 0

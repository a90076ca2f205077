"""`GET /metrics` on the websocket listener, in the Prometheus text format.

The paths that count (a request answered, a chunk of output, a process started) only add
to plain integers in `ServerStats`: no lock, no label lookup. `prometheus_client` reads
them, and the live state (sessions, connections, running processes), when scraped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from execwire.protocol.methods import REQUESTS

if TYPE_CHECKING:
    from .server import ExecServer

__all__ = ["CONTENT_TYPE", "ServerStats", "render"]

CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"


class ServerStats:
    """Counters of one server since it started."""

    __slots__ = ("output_bytes", "processes_started", "requests", "sessions_created")

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str], int] = {}
        """(method, outcome) -> answered requests; outcome "ok" or the error code."""
        self.output_bytes = 0
        self.processes_started = 0
        self.sessions_created = 0

    def answered(self, method: str, outcome: str) -> None:
        """Count one answered request (unknown methods count as "other": the label set
        stays bounded whatever clients send)."""
        key = (method if method in REQUESTS else "other", outcome)
        self.requests[key] = self.requests.get(key, 0) + 1


class _ServerCollector(Collector):
    def __init__(self, server: ExecServer) -> None:
        self._server = server

    def collect(self) -> Iterator[Metric]:
        server, stats = self._server, self._server.stats
        sessions = server.sessions.all()
        yield GaugeMetricFamily("execwire_sessions", "Sessions kept, attached or detached", value=len(sessions))
        yield GaugeMetricFamily(
            "execwire_connections", "Client connections being served", value=server.connection_count
        )
        running = sum(1 for s in sessions for p in s.processes.values() if p.running)
        yield GaugeMetricFamily("execwire_processes_running", "Processes running", value=running)
        yield CounterMetricFamily(
            "execwire_processes_started", "Processes started", value=stats.processes_started
        )
        yield CounterMetricFamily(
            "execwire_sessions_created", "Sessions created", value=stats.sessions_created
        )
        yield CounterMetricFamily(
            "execwire_output_bytes", "Process output bytes streamed", value=stats.output_bytes
        )
        requests = CounterMetricFamily(
            "execwire_requests", "Requests answered, by method and outcome", labels=["method", "outcome"]
        )
        for (method, outcome), count in sorted(stats.requests.items()):
            requests.add_metric([method, outcome], count)
        yield requests


def render(server: ExecServer) -> bytes:
    """The server's metrics, in the Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ServerCollector(server))
    return generate_latest(registry)

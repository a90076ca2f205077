"""Fixtures: a real execwire-server process per test (or per module)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .rawclient import ServerProcess, start_server


@pytest.fixture
def server_factory() -> Iterator[Callable[..., ServerProcess]]:
    """Start servers with extra arguments; all are stopped after the test."""
    started: list[ServerProcess] = []

    def factory(*arguments: str, env: dict[str, str] | None = None) -> ServerProcess:
        server = start_server(*arguments, env=env)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def server(server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    """A server with default settings."""
    return server_factory()

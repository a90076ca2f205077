"""The SDK scenarios of `tests/integration/test_sdk_scenarios.py` against the reference.

The reference is the native codex 0.169.0 binary (`codex exec-server`), over a websocket and
over stdio. Run with `pytest -m interop tests/interop/test_sdk_reference.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from execwire import StdioConnector, WebSocketConnector

from ..integration import test_sdk_scenarios as scenarios
from .servers import BASE_ENV, CODEX_PREFIX, ensure_reference, running_server, scratch_dir

pytestmark = pytest.mark.interop

# The native binary, not the npm wrapper (killing the wrapper would leak this child).
NATIVE_CODEX = (
    CODEX_PREFIX
    / "node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex"
)


@contextlib.asynccontextmanager
async def reference_target(transport: str, workdir: Path) -> AsyncIterator[scenarios.Target]:
    """The reference over `transport`, stopped (with its process group) afterwards."""
    ensure_reference()
    if transport == "websocket":
        async with running_server("reference", workdir) as server:
            yield scenarios.Target(
                f"reference {server.url}", lambda: WebSocketConnector(server.url), True, server.url
            )
        return
    # CODEX_HOME must not live under /tmp, or the reference cannot install its helpers.
    with tempfile.TemporaryDirectory(prefix="sdk-reference-", dir=scratch_dir()) as codex_home:
        env = dict(BASE_ENV, HOME=str(Path.home()), CODEX_HOME=codex_home)
        argv = [str(NATIVE_CODEX), "exec-server", "--listen", "stdio"]
        yield scenarios.Target(
            "reference stdio", lambda: StdioConnector(argv, env=env, cwd=workdir), False
        )


@pytest.mark.parametrize(("name", "transport"), scenarios.cases(("websocket", "stdio")))
async def test_scenario_on_reference(name: str, transport: str, tmp_path: Path) -> None:
    async with reference_target(transport, tmp_path) as target:
        async with asyncio.timeout(scenarios.SCENARIO_LIMIT):
            await scenarios.SCENARIOS[name](target, tmp_path)

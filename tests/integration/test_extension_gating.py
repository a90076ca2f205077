"""execwire's extension methods exist only for a session that asked for them in
`initialize`: any other client meets exactly the reference's -32601."""

from __future__ import annotations

from typing import Any

import pytest

from execwire import ClientOptions, Executor
from execwire.errors import MethodNotFoundError
from execwire.protocol.methods import REQUESTS
from tests.integration.rawclient import ServerProcess, connect

EXTENSIONS = sorted(method for method, spec in REQUESTS.items() if spec.extension)


async def test_the_sdk_asks_for_every_extension_and_gets_them() -> None:
    async with await Executor.connect_in_process() as executor:
        extensions = executor.client.server_extensions
        assert extensions is not None and extensions.methods == EXTENSIONS
        assert executor.client.internal.has_extension("execwire/resize")


@pytest.mark.parametrize("method", [m for m in EXTENSIONS if m != "execwire/walkTree"])
async def test_a_client_that_did_not_ask_meets_the_reference_answer(method: str) -> None:
    spec = REQUESTS[method]
    async with await Executor.connect_in_process(
        options=ClientOptions(output_chunk_bytes=None)
    ) as executor:
        assert executor.client.server_extensions is None
        stub = getattr(executor.client, spec.python_name)
        params: Any = () if spec.params_unit else (spec.params_type.model_construct(),)
        with pytest.raises(MethodNotFoundError, match=f"does not implement `{method}` yet"):
            await stub(*params)


async def test_only_the_methods_asked_for_are_granted(server: ServerProcess) -> None:
    async with connect(server.url) as raw:
        result = await raw.result(
            "initialize",
            {
                "clientName": "t",
                "execwire": {"methods": ["execwire/resize", "execwire/nonsense", "fs/walk"]},
            },
        )
        assert result["execwire"]["methods"] == ["execwire/resize"]
        await raw.send({"method": "initialized", "params": {}})
        refused = await raw.request("execwire/listProcesses", {})
        assert refused["error"] == {
            "code": -32601,
            "message": "exec-server stub does not implement `execwire/listProcesses` yet",
        }
        answered = await raw.request("execwire/resize", {"processId": "none", "rows": 5, "cols": 5})
        assert answered["error"]["code"] != -32601

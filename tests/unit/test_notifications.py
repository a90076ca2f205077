"""The server's hand-encoded notifications equal what the generated models put on the wire."""

from __future__ import annotations

import orjson
import pytest

from execwire.protocol import methods, models
from execwire_server.processes import closed_message, exited_message, output_message


def _envelope(params: models.ProcessOutputNotification | models.ProcessExitedNotification | models.ProcessClosedNotification) -> dict[str, object]:
    return {"method": methods.SERVER_NOTIFICATION_METHODS[type(params)], "params": params.to_wire()}


@pytest.mark.parametrize("process_id", ["p1", "", 'we"ird\\id ü', "\x00\n"])
def test_output_matches_the_model(process_id: str) -> None:
    data = bytes(range(256)) * 3
    encoded = output_message(orjson.dumps(process_id), 17, "stderr", data)
    model = models.ProcessOutputNotification(process_id=process_id, seq=17, stream="stderr", chunk=data)
    assert orjson.loads(encoded) == _envelope(model)
    # Same member order as the reference writes them.
    assert list(orjson.loads(encoded)["params"]) == ["processId", "seq", "stream", "chunk"]


def test_exited_and_closed_match_the_models() -> None:
    pid = orjson.dumps("p")
    exited = models.ProcessExitedNotification(process_id="p", seq=3, exit_code=137, sandbox_denied=False)
    assert orjson.loads(exited_message(pid, 3, 137)) == _envelope(exited)
    closed = models.ProcessClosedNotification(process_id="p", seq=4)
    assert orjson.loads(closed_message(pid, 4)) == _envelope(closed)

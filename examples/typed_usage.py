"""A small user script over the generated protocol layer; `make typecheck` runs mypy --strict on it.

It builds params with snake_case names, reads typed results and notifications, and encodes a
relay frame, the way an orchestrator author would. Run it with `python examples/typed_usage.py`.
"""

from __future__ import annotations

from typing import assert_never

from execwire.protocol import methods, models
from execwire.protocol.codex.exec_server.relay.v1 import relay_pb2


def start_params() -> models.ExecParams:
    """Params of `process/start` for `ls -l` in /tmp."""
    return models.ExecParams(
        process_id="ls-1",
        argv=["ls", "-l"],
        cwd="file:///tmp",
        env={"PATH": "/usr/bin:/bin"},
        tty=False,
        env_policy=models.ExecEnvPolicy(
            inherit="core", ignore_default_excludes=False, exclude=[], set={}, include_only=[]
        ),
    )


def describe(event: methods.ServerNotification) -> str:
    """One line per notification; mypy checks that every kind is handled."""
    if isinstance(event, models.ProcessOutputNotification):
        return f"{event.process_id} #{event.seq} {event.stream}: {event.chunk!r}"
    if isinstance(event, models.ProcessExitedNotification):
        return f"{event.process_id} #{event.seq} exited with {event.exit_code}"
    if isinstance(event, models.ProcessClosedNotification):
        return f"{event.process_id} #{event.seq} closed"
    if isinstance(event, models.FsMissingChangedNotification):
        return f"watch {event.watch_id}: a missing path changed"
    if isinstance(event, models.HttpRequestBodyDeltaNotification):
        return f"http {event.request_id} #{event.seq}: {len(event.delta_base64)} bytes"
    if isinstance(event, models.WatchChangedNotification):
        return f"watch {event.watch_id}: {len(event.changes)} changes"
    assert_never(event)


def total_output(response: models.ReadResponse) -> bytes:
    """Concatenate the stdout chunks of a `process/read` result."""
    return b"".join(chunk.chunk for chunk in response.chunks if chunk.stream == "stdout")


def data_frame(stream_id: str, seq: int, payload: bytes) -> bytes:
    """Encode one relay Data frame."""
    frame = relay_pb2.RelayMessageFrame(
        version=1,
        stream_id=stream_id,
        data=relay_pb2.RelayData(seq=seq, segment_count=1, payload=payload),
    )
    body = frame.WhichOneof("body")
    assert body == "data"
    return frame.SerializeToString()


if __name__ == "__main__":
    params = start_params()
    print(params.to_wire())
    spec = methods.REQUESTS["process/start"]
    print(spec.method, spec.params_type.__name__, "->", spec.result_type.__name__)
    print(describe(models.ProcessOutputNotification(process_id="ls-1", seq=1, stream="stdout", chunk=b"hi\n")))
    read = models.ReadResponse.model_validate(
        {"chunks": [{"seq": 1, "stream": "stdout", "chunk": "aGkK"}], "nextSeq": 2, "exited": False, "closed": False}
    )
    print(total_output(read), len(data_frame("s-1", 0, b"\xaa\xbb")))

"""Every byte-level shortcut against the generated path it stands in for (property tests).

The hot paths skip pydantic and the JSON parser: the server writes `process/output` and
`fs/readFile` answers with byte templates and cuts `fs/writeFile`/`fs/writeBlock` data out
of requests; the SDK decodes `process/output` and `fs/readFile` answers from the bytes and
writes bulk requests straight into the message. For any value the schema allows, each
shortcut must give the same bytes (or the same models) as the generated models and orjson,
and must decline what it does not understand rather than guess.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from execwire import base64_strict, jsonrpc
from execwire.protocol import models
from execwire.protocol.methods import NOTIFICATIONS, REQUESTS
from execwire_server import bulk, inbound
from execwire_server.params import decode_params
from execwire_server.processes import output_message

DATA = st.binary(max_size=3000)
TEXT = st.text(max_size=40)
SEQ = st.integers(min_value=0, max_value=2**64 - 1)
STREAM = st.sampled_from(["stdout", "stderr", "pty"])
REQUEST_ID = st.integers(min_value=0, max_value=2**63 - 1)
PATH = st.sampled_from(["file:///tmp/a", "file:///tmp/a%20b/c", "file:///%C3%A9"])


def _generated_output(process_id: str, seq: int, stream: str, data: bytes) -> bytes:
    model = models.ProcessOutputNotification(process_id=process_id, seq=seq, stream=stream, chunk=data)  # type: ignore[arg-type]
    return jsonrpc.encode_notification("process/output", model.to_wire())


@settings(max_examples=300)
@given(process_id=TEXT, seq=SEQ, stream=STREAM, data=DATA)
def test_process_output_bytes(process_id: str, seq: int, stream: str, data: bytes) -> None:
    fast = output_message(orjson.dumps(process_id), seq, stream, data)
    assert fast == _generated_output(process_id, seq, stream, data)
    # The SDK's decoder reads exactly what the generated model holds; it declines only ids
    # that JSON has to escape (the general path then decodes them).
    decoded = jsonrpc.decode_output(fast)
    if orjson.dumps(process_id) != b'"%b"' % process_id.encode():
        assert decoded in (None, (process_id, seq, stream, data))
        return
    assert decoded == (process_id, seq, stream, data)
    general = jsonrpc.decode(fast)
    assert isinstance(general, jsonrpc.Notification)
    model = NOTIFICATIONS["process/output"].params_type.model_validate(general.params)
    assert (model.process_id, model.seq, model.stream, model.chunk) == decoded


@given(
    message=st.one_of(
        st.binary(max_size=200),
        st.builds(
            lambda pid, seq, stream, chunk: orjson.dumps(
                {"method": "process/output", "params": {"processId": pid, "seq": seq, "stream": stream, "chunk": chunk}}
            ),
            TEXT,
            st.integers(min_value=-(2**63), max_value=2**64 - 1),
            st.one_of(STREAM, TEXT),
            st.one_of(st.builds(lambda d: base64.b64encode(d).decode(), DATA), TEXT),
        ),
    )
)
def test_the_output_decoder_declines_what_it_does_not_understand(message: bytes) -> None:
    decoded = jsonrpc.decode_output(message)
    if decoded is None:
        return
    # Whatever it accepts, the general path decodes to the same notification.
    general = jsonrpc.decode(message)
    assert isinstance(general, jsonrpc.Notification)
    model = models.ProcessOutputNotification.model_validate(general.params)
    assert (model.process_id, model.seq, model.stream, model.chunk) == decoded


@settings(max_examples=200)
@given(request_id=REQUEST_ID, data=DATA)
def test_file_reply_bytes(request_id: int, data: bytes) -> None:
    prefix, suffix = jsonrpc.file_reply_frame(request_id)
    fast = base64_strict.encode_framed(prefix, data, suffix)
    result = models.FsReadFileResponse(data_base64=base64.b64encode(data).decode())
    assert fast == orjson.dumps({"id": request_id, "result": result.to_wire()})
    span = jsonrpc.file_response_span(fast)
    assert span is not None and span[0] == request_id
    assert base64_strict.decode_span(fast, span[1], span[2]) == data
    # Fed in arbitrary fragments, the streaming decoder gives the same data.
    decoder = jsonrpc.FileReplyDecoder.start(fast)
    assert decoder is not None
    rest = fast[len(decoder.head) :]
    cut = len(rest) // 3
    assert decoder.feed(rest[:cut], False) and decoder.feed(rest[cut:], True)
    reply = decoder.reply()
    assert (reply.request_id, reply.data, reply.to_message()) == (request_id, data, fast)


def _bulk_request(method: str, params: dict[str, Any], request_id: int) -> bytes:
    return orjson.dumps({"id": request_id, "method": method, "params": params})


@settings(max_examples=200)
@given(request_id=REQUEST_ID, data=DATA.filter(bool), path=PATH, follow=st.sampled_from([None, True, False]))
def test_bulk_write_file_matches_the_general_path(
    request_id: int, data: bytes, path: str, follow: bool | None
) -> None:
    params = models.FsWriteFileParams(path=path, data_base64="", follow_symlinks=follow)
    sdk_message = jsonrpc.encode_write_file(request_id, params.to_wire(), data)
    generated = models.FsWriteFileParams(
        path=path, data_base64=base64.b64encode(data).decode(), follow_symlinks=follow
    )
    assert orjson.loads(sdk_message) == {"id": request_id, "method": "fs/writeFile", "params": generated.to_wire()}
    _assert_cut_like_general(sdk_message, "dataBase64", data)


@settings(max_examples=200)
@given(request_id=REQUEST_ID, data=DATA.filter(bool), handle=TEXT, offset=SEQ)
def test_bulk_write_block_matches_the_general_path(
    request_id: int, data: bytes, handle: str, offset: int
) -> None:
    params = models.FsWriteBlockParams(handle_id=handle, offset=offset, chunk=data)
    message = jsonrpc.encode_request(request_id, "fs/writeBlock", params.to_wire())
    cut = bulk.cut_write_data(message)
    if cut is None:
        # Declined only for what the cutter cannot prove: the member's name elsewhere in
        # the message, or an escape (a handle id may hold both).
        assert "chunk" in handle or "\\" in message.decode(errors="replace").split('"chunk"')[0]
        return
    _assert_cut_like_general(message, "chunk", data)


def _assert_cut_like_general(message: bytes, member: str, data: bytes) -> None:
    cut = bulk.cut_write_data(message)
    assert cut is not None and cut.member == member
    assert base64_strict.decode_span(message, cut.start, cut.end) == data
    general = inbound.explain(message)
    assert isinstance(general, inbound.Request) and isinstance(cut.request, inbound.Request)
    spec = REQUESTS[general.method]
    assert spec.bulk_member is not None and cut.request.method == general.method
    full = decode_params(spec, general.params)
    partial = decode_params(spec, cut.request.params)
    assert isinstance(full, models.FsWriteFileParams | models.FsWriteBlockParams)
    # The cut request is the general one with the member emptied.
    assert partial == full.model_copy(update={_field(spec.params_type, member): "" if member == "dataBase64" else b""})


def _field(model: type[Any], alias: str) -> str:
    names: list[str] = [name for name, info in model.model_fields.items() if (info.alias or name) == alias]
    return names[0]

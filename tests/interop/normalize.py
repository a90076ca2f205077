"""Make transcripts of two different servers comparable.

What is replaced or regrouped, and why:

* UUIDs (session ids) → `$UUID1`, `$UUID2`, … in order of first appearance;
* the work directory (native path and URI spelling) → `$TMP`;
* the websocket peer `ip:port` in error messages → `ip:$PORT`;
* `environmentInfo` (and the `environment/info` and `environmentConfig/read` results) →
  JSON type names with the key sets kept: each server describes its own host;
* `createdAtMs`/`modifiedAtMs` → `"<ms>"`, the `size` of directories → `"<dir size>"`;
* `fs/readDirectory` entries are sorted by name (filesystem order is arbitrary);
* output chunks (notifications and `process/read`) are base64-decoded;
* process notifications are taken out of the event stream (they interleave with responses
  arbitrarily) and summarised per session/process: text per stream, exit, closed, key sets
  and a seq check (unique, `closed` has the highest seq, no gaps when seen from seq 1). Seq
  values and arrival order are racy (output vs exit, live-findings item 22; the reference
  even delivers output 2 before exited 1, or closed 3 before exited 2) and are not kept;
  stream text is joined in seq order;
* `process/read` chunks are summarised the same way (count, text per stream, seq check);
  for tty processes the chunk count and `nextSeq` are replaced by "<pty chunking>": a pty
  splits one program write into one or several reads at random;
* streamed HTTP bodies (`http/request/bodyDelta`) are taken out of the event stream too and
  summarised per request id: decoded body, frame count, errors, seq/done check.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .scenario import Event, Json, id_key

_UUID = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)
_PEER = re.compile(r"\b(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}\b")
_PROCESS_NOTIFICATIONS = {"process/output", "process/exited", "process/closed"}
_TIMESTAMP_KEYS = {"createdAtMs", "modifiedAtMs"}
LONG_TEXT = 2000
PTY_CHUNKING = "<pty chunking>"


def shorten(text: str) -> Json:
    """Texts longer than LONG_TEXT → length, sha256 and head (keeps transcripts readable)."""
    if len(text) <= LONG_TEXT:
        return text
    digest = hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()
    return {"length": len(text), "sha256": digest, "head": text[:80]}


def json_type(value: Json) -> Json:
    """The JSON type name of `value`; objects keep their keys with typed values."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return {k: json_type(v) for k, v in value.items()}


def decode_chunk(chunk: Json) -> Json:
    """Base64 output chunk → text (undecodable bytes escaped); marks invalid base64."""
    if not isinstance(chunk, str):
        return {"invalid chunk": chunk}
    try:
        data = base64.b64decode(chunk, validate=True)
    except (binascii.Error, ValueError):
        return {"invalid base64": chunk}
    return data.decode("utf-8", errors="backslashreplace")


@dataclass
class _Scrubber:
    """Rewrites host-specific strings (paths, peers, session ids) consistently."""

    paths: list[str]
    sessions: dict[str, str] = field(default_factory=dict)

    def text(self, s: str) -> str:
        for path in self.paths:
            s = s.replace(quote(path), "$TMP").replace(path, "$TMP")
        s = _PEER.sub(r"\1:$PORT", s)
        return _UUID.sub(self._session, s)

    def _session(self, m: re.Match[str]) -> str:
        key = m.group(0)  # case kept: an upper-cased id is a different string on the wire
        if key not in self.sessions:
            self.sessions[key] = f"$UUID{len(self.sessions) + 1}"
        return self.sessions[key]

    def __call__(self, value: Json) -> Json:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, dict):
            return {self.text(k): self(v) for k, v in value.items()}
        return value


@dataclass
class _ProcessLog:
    """Process notifications of one session/process, in arrival order."""

    items: list[tuple[Json, str, dict[str, Json]]] = field(default_factory=list)

    def summary(self) -> dict[str, Json]:
        streams: dict[str, str] = {}
        keys: dict[str, list[str]] = {}
        out: dict[str, Json] = {}
        by_seq = sorted(self.items, key=lambda item: item[0] if isinstance(item[0], int) else 0)
        for _seq, kind, params in by_seq:
            keys[kind] = sorted(set(keys.get(kind, [])) | set(params))
            if kind == "output":
                text = params.get("chunk")
                stream = str(params.get("stream"))
                streams[stream] = streams.get(stream, "") + (
                    text if isinstance(text, str) else json.dumps(text)
                )
            elif kind == "exited":
                out["exited"] = {k: v for k, v in params.items() if k not in ("processId", "seq")}
            elif kind == "closed":
                out["closed"] = True
        out["streams"] = {k: shorten(v) for k, v in streams.items()}
        out["keys"] = keys
        out["seq"] = self.check()
        return out

    def check(self) -> Json:
        """Seq rules: unique seqs, one exit/close, `closed` has the highest seq, dense from 1
        when the first event was seen. Arrival order is free: the reference delivers e.g.
        output 2 before exited 1, or closed 3 before exited 2."""
        seqs = [seq for seq, _, _ in self.items]
        kinds = [kind for _, kind, _ in self.items]
        problems: list[str] = []
        if not all(isinstance(s, int) and not isinstance(s, bool) for s in seqs):
            return [f"non-integer seqs: {seqs}"]
        ordered = sorted(seqs)
        if len(set(seqs)) != len(seqs):
            problems.append(f"repeated seqs: {seqs} ({kinds})")
        if kinds.count("exited") > 1 or kinds.count("closed") > 1:
            problems.append(f"repeated exit/close: {kinds}")
        if "closed" in kinds and seqs[kinds.index("closed")] != ordered[-1]:
            problems.append(f"closed does not have the highest seq: {seqs} ({kinds})")
        if ordered and ordered[0] == 1:
            if ordered != list(range(1, len(seqs) + 1)):
                problems.append(f"gap in seqs: {ordered}")
            if "closed" in kinds and "exited" not in kinds:
                problems.append("closed without exited")
        return problems or "ok"


@dataclass
class _BodyStream:
    """`http/request/bodyDelta` notifications of one streamed response, in arrival order."""

    items: list[dict[str, Json]] = field(default_factory=list)

    def summary(self) -> dict[str, Json]:
        body = ""
        keys: set[str] = set()
        for params in self.items:
            keys |= set(params)
            delta = params.get("deltaBase64")
            body += delta if isinstance(delta, str) else json.dumps(delta)
        seqs = [p.get("seq") for p in self.items]
        dones = [p.get("done") for p in self.items]
        problems: list[str] = []
        if seqs != list(range(1, len(seqs) + 1)):
            problems.append(f"seqs are not 1..n: {seqs}")
        if True in dones[:-1] or (dones and dones[-1] is not True):
            problems.append(f"done is not exactly the last frame: {dones}")
        return {
            "body": shorten(body),
            "frames": len(self.items),
            "keys": sorted(keys),
            "errors": [p.get("error") for p in self.items if p.get("error") is not None],
            "seq": problems or "ok",
        }


def summarize_chunks(chunks: Json) -> Json:
    """`process/read` chunks → count, decoded text per stream, key set and seq check."""
    if not isinstance(chunks, list):
        return chunks
    streams: dict[str, str] = {}
    keys: set[str] = set()
    seqs: list[Json] = []
    for chunk in chunks:
        if not isinstance(chunk, dict):
            return chunks
        keys |= set(chunk)
        seqs.append(chunk.get("seq"))
        text = chunk.get("chunk")
        stream = str(chunk.get("stream"))
        streams[stream] = streams.get(stream, "") + (
            text if isinstance(text, str) else json.dumps(text)
        )
    ok = all(isinstance(s, int) for s in seqs) and all(b > a for a, b in itertools.pairwise(seqs))
    out: dict[str, Json] = {
        "count": len(chunks),
        "streams": {k: shorten(v) for k, v in streams.items()},
    }
    if chunks:
        out["keys"] = sorted(keys)
        out["seqs"] = "increasing" if ok else f"NOT increasing: {seqs}"
    return out


def _generic(value: Json) -> Json:
    """Rules that apply anywhere: timestamps, directory sizes, environmentInfo."""
    if isinstance(value, list):
        return [_generic(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Json] = {}
    for k, v in value.items():
        if k in _TIMESTAMP_KEYS and isinstance(v, int | float) and not isinstance(v, bool):
            out[k] = "<ms>"
        elif k == "environmentInfo":
            out[k] = json_type(v)
        else:
            out[k] = _generic(v)
    if out.get("isDirectory") is True and isinstance(out.get("size"), int):
        out["size"] = "<dir size>"
    return out


def _normalize_result(method: str | None, result: Json, pty: bool = False) -> Json:
    """Per-method rules for a successful response's `result` (`pty`: read of a tty process)."""
    if not isinstance(result, dict):
        return result
    if method in ("environment/info", "environmentConfig/read"):
        return json_type(result)  # host-specific values (home, CODEX_HOME, hostname)
    if method == "process/read" and "chunks" in result:
        chunks = summarize_chunks(result["chunks"])
        result = dict(result, chunks=chunks)
        if pty and isinstance(chunks, dict) and chunks.get("count"):
            # A pty delivers one program write in one or several reads, at random.
            result = dict(result, chunks=dict(chunks, count=PTY_CHUNKING), nextSeq=PTY_CHUNKING)
    if method == "fs/readDirectory" and isinstance(result.get("entries"), list):
        entries = result["entries"]
        result = dict(result, entries=sorted(entries, key=lambda e: json.dumps(e, sort_keys=True)))
    return result


def _decode_output(msg: dict[str, Json], method: str | None) -> dict[str, Json]:
    """Decode base64 chunks in output notifications and read results (before scrubbing)."""
    params = msg.get("params")
    if msg.get("method") == "process/output" and isinstance(params, dict) and "chunk" in params:
        return dict(msg, params=dict(params, chunk=decode_chunk(params["chunk"])))
    if msg.get("method") == "http/request/bodyDelta" and isinstance(params, dict):
        return dict(msg, params=dict(params, deltaBase64=decode_chunk(params.get("deltaBase64"))))
    result = msg.get("result")
    if (
        method == "process/read"
        and isinstance(result, dict)
        and isinstance(result.get("chunks"), list)
    ):
        chunks = [
            dict(c, chunk=decode_chunk(c["chunk"])) if isinstance(c, dict) and "chunk" in c else c
            for c in result["chunks"]
        ]
        return dict(msg, result=dict(result, chunks=chunks))
    return msg


def normalize(transcript: list[Event], workdirs: list[Path] | None = None) -> dict[str, Json]:
    """Turn a raw transcript into `{"events": [...], "processes": {...}}` (see module doc)."""
    paths = sorted(
        {str(p) for p in workdirs or []} | {str(p.resolve()) for p in workdirs or []},
        key=len,
        reverse=True,
    )
    scrub = _Scrubber(paths)
    requests: dict[tuple[Json, str], tuple[str, Json]] = {}  # (conn, id) -> method, params
    ptys: set[tuple[Json, str]] = set()  # (conn, processId key) started with tty:true
    sessions: dict[Json, str] = {}
    processes: dict[str, _ProcessLog] = {}
    bodies: dict[str, list[_BodyStream]] = {}
    events: list[Event] = []
    for raw in transcript:
        conn = raw.get("conn")
        event = dict(raw)
        if "send" in event:
            sent = event["send"]
            if isinstance(sent, dict) and "id" in sent and isinstance(sent.get("method"), str):
                params = sent.get("params")
                requests[(conn, id_key(sent["id"]))] = (sent["method"], params)
                if sent["method"] == "process/start" and isinstance(params, dict):
                    if params.get("tty") is True:
                        ptys.add((conn, id_key(params.get("processId"))))
            events.append(scrub(event))
            continue
        if "recv" not in event or not isinstance(event["recv"], dict):
            for key in ("send_raw", "send_binary", "recv_text"):
                if isinstance(event.get(key), str):
                    event[key] = shorten(scrub(event[key]))
            events.append(scrub(event))
            continue
        msg: dict[str, Any] = event["recv"]
        method, sent_params = (
            requests.get((conn, id_key(msg.get("id"))), (None, None))
            if "id" in msg
            else (None, None)
        )
        pty = isinstance(sent_params, dict) and (conn, id_key(sent_params.get("processId"))) in ptys
        msg = scrub(_decode_output(msg, method))
        params = msg.get("params")
        if msg.get("method") in _PROCESS_NOTIFICATIONS and isinstance(params, dict):
            owner = sessions.get(conn, "no-session")
            key = f"{owner}/{params.get('processId')} (conn {conn})"
            kind = str(msg["method"]).removeprefix("process/")
            processes.setdefault(key, _ProcessLog()).items.append((params.get("seq"), kind, params))
            continue
        if msg.get("method") == "http/request/bodyDelta" and isinstance(params, dict):
            streams = bodies.setdefault(f"{params.get('requestId')} (conn {conn})", [])
            if not streams or params.get("seq") == 1:
                streams.append(_BodyStream())
            streams[-1].items.append(params)
            continue
        if "result" in msg and "method" not in msg:
            if method == "initialize" and isinstance(msg["result"], dict):
                sid = msg["result"].get("sessionId")
                if isinstance(sid, str):
                    sessions[conn] = sid
            msg = dict(msg, result=_normalize_result(method, msg["result"], pty))
        events.append(dict(event, recv=_generic(msg)))
    out: dict[str, Json] = {
        "events": events,
        "processes": {key: log.summary() for key, log in sorted(processes.items())},
    }
    if bodies:
        out["httpBodyStreams"] = {
            f"{key} #{n}": stream.summary()
            for key, streams in sorted(bodies.items())
            for n, stream in enumerate(streams, 1)
        }
    return out


def dumps(value: Json) -> str:
    """Pretty, sorted, stable JSON (what transcripts and diffs use)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

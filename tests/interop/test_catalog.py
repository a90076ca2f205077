"""Offline checks of the interop catalog (no server needed; runs by default)."""

from __future__ import annotations

from .cases import CASES, groups
from .harness import TRANSCRIPTS, transcript_path
from .normalize import normalize


def test_case_names_are_unique_and_grouped() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    assert sum(len(v) for v in groups().values()) == len(CASES)


def test_every_case_has_a_recorded_transcript() -> None:
    missing = [c.name for c in CASES if not transcript_path(c.name).exists()]
    stale = sorted(p.stem for p in TRANSCRIPTS.glob("*.json")) if TRANSCRIPTS.exists() else []
    stale = [n for n in stale if n not in {c.name for c in CASES}]
    assert not missing, f"run `python -m tests.interop.record` for: {missing}"
    assert not stale, f"transcripts without a case: {stale}"


def test_normalizer_groups_racy_process_events() -> None:
    sid = "0b6c2f7e-4d0e-4d7a-9d55-0c1b8c7d2a11"
    events = [
        {"conn": 0, "send": {"id": 1, "method": "initialize", "params": {"clientName": "c"}}},
        {
            "conn": 0,
            "recv": {"id": 1, "result": {"sessionId": sid, "environmentInfo": {"cwd": "x"}}},
        },
        {
            "conn": 0,
            "recv": {
                "method": "process/output",
                "params": {"processId": "p", "seq": 1, "stream": "stdout", "chunk": "aGk="},
            },
        },
        {
            "conn": 0,
            "recv": {
                "method": "process/exited",
                "params": {"processId": "p", "seq": 2, "exitCode": 7},
            },
        },
        {
            "conn": 0,
            "recv": {
                "method": "process/output",
                "params": {"processId": "p", "seq": 3, "stream": "stderr", "chunk": "eA=="},
            },
        },
        {"conn": 0, "recv": {"method": "process/closed", "params": {"processId": "p", "seq": 4}}},
        {
            "conn": 0,
            "recv": {"error": {"code": -32600, "message": f"unknown session id {sid}"}, "id": 2},
        },
    ]
    out = normalize(events)
    assert out["events"][1]["recv"]["result"] == {
        "sessionId": "$UUID1",
        "environmentInfo": {"cwd": "string"},
    }
    assert out["events"][2]["recv"]["error"]["message"] == "unknown session id $UUID1"
    proc = out["processes"]["$UUID1/p (conn 0)"]
    assert proc["streams"] == {"stdout": "hi", "stderr": "x"}
    assert proc["exited"] == {"exitCode": 7} and proc["closed"] is True and proc["seq"] == "ok"

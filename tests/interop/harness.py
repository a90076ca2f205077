"""Run one case against one server kind and return its normalized transcript."""

from __future__ import annotations

from pathlib import Path

from .normalize import normalize
from .scenario import Case, Json, run_case
from .servers import ServerKind, running_server

TRANSCRIPTS = Path(__file__).resolve().parent / "transcripts"


async def run_normalized(kind: ServerKind, case: Case, base: Path) -> dict[str, Json]:
    """Start a fresh `kind` server in `base/kind`, run `case` there, normalize the result."""
    workdir = base / kind
    workdir.mkdir(parents=True, exist_ok=True)
    async with running_server(kind, workdir) as server:
        transcript = await run_case(case, server.url, workdir)
    result = normalize(transcript, [workdir])
    if case.doc:
        result["doc"] = case.doc
    if case.divergence:
        result["divergence"] = case.divergence
    return result


def transcript_path(name: str) -> Path:
    """Where the recorded reference transcript of case `name` lives."""
    return TRANSCRIPTS / f"{name}.json"

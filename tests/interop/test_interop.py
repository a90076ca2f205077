"""Reference vs execwire: every catalog case must give equal normalized transcripts.

Run with `pytest -m interop tests/interop` (deselected by default).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from .cases import CASES, by_name
from .harness import run_normalized
from .normalize import dumps
from .servers import ServerUnavailable

pytestmark = pytest.mark.interop

_unavailable: list[str] = []


def _diff(reference: str, ours: str) -> str:
    lines = difflib.unified_diff(
        reference.splitlines(keepends=True),
        ours.splitlines(keepends=True),
        fromfile="reference",
        tofile="execwire",
        n=4,
    )
    return "".join(lines)


@pytest.mark.parametrize("name", [c.name for c in CASES])
async def test_case_matches_reference(name: str, tmp_path: Path) -> None:
    """Run the case on both servers and compare the normalized transcripts."""
    if _unavailable:
        pytest.skip(_unavailable[0])
    case = by_name(name)
    try:
        ours = await run_normalized("execwire", case, tmp_path)
    except ServerUnavailable as exc:
        _unavailable.append(f"execwire-server is not available yet: {exc}")
        pytest.skip(_unavailable[0])
    reference = await run_normalized("reference", case, tmp_path)
    want, got = dumps(reference), dumps(ours)
    if want != got:
        message = f"{name}: transcripts differ\n{_diff(want, got)}"
        if case.divergence:
            pytest.xfail(f"known divergence ({case.divergence})\n{message}")
        pytest.fail(message, pytrace=False)

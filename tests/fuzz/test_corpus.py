"""Replay every fuzz corpus input through its target (bounded: each input must finish
within a second, which catches a hang as well as a crash)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.fuzz.targets import TARGETS

CORPUS = Path(__file__).resolve().parent / "corpus"
INPUTS = sorted(path for path in CORPUS.glob("*/*") if path.is_file())


def test_every_target_has_a_corpus() -> None:
    assert {path.parent.name for path in INPUTS} == set(TARGETS)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_the_corpus_replays_without_a_crash_or_a_hang(target: str) -> None:
    function = TARGETS[target]
    inputs = [path for path in INPUTS if path.parent.name == target]
    for path in inputs:
        started = time.perf_counter()
        function(path.read_bytes())
        assert time.perf_counter() - started < 1.0, f"{path.name} took too long"

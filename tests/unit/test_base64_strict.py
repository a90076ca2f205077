"""Strict base64: the reference's acceptance rules and error texts, fast path and exact path."""

from __future__ import annotations

import random

import pytest

from execwire import base64_strict

# Observed on codex 0.169.0 (process/write chunk, fs/writeFile dataBase64).
OBSERVED: dict[str, bytes | str] = {
    "": b"",
    "aGk=": b"hi",
    "AA==": b"\x00",
    "AAA=": b"\x00\x00",
    "a": "Invalid input length: 1",
    "aG": "Invalid padding",
    "aGk": "Invalid padding",
    "aGkKaGk": "Invalid padding",
    "Zg": "Invalid padding",
    "Zm9": "Invalid padding",
    "aGk==": "Invalid symbol 61, offset 3.",
    "aGk=aGk=": "Invalid symbol 61, offset 3.",
    "!!!!": "Invalid symbol 33, offset 0.",
    "aG=k": "Invalid symbol 61, offset 2.",
    "====": "Invalid symbol 61, offset 0.",
    "a===": "Invalid symbol 61, offset 1.",
    "YQ=a": "Invalid symbol 61, offset 2.",
    "aGkK=": "Invalid symbol 61, offset 4.",
    "aGk\n": "Invalid symbol 10, offset 3.",
    "aGkK\n": "Invalid symbol 10, offset 4.",
    "aGk=\n": "Invalid symbol 10, offset 4.",
    "aGkK ": "Invalid symbol 32, offset 4.",
    "Zm9v!": "Invalid symbol 33, offset 4.",
    "-_8=": "Invalid symbol 45, offset 0.",
    "aGl=": "Invalid last symbol 108, offset 2.",
    "AB==": "Invalid last symbol 66, offset 1.",
    "AAB=": "Invalid last symbol 66, offset 2.",
}


def _outcome(text: str | bytes) -> bytes | str:
    try:
        return base64_strict.decode(text)
    except base64_strict.Base64DecodeError as error:
        return str(error)


@pytest.mark.parametrize(("text", "expected"), OBSERVED.items())
def test_reference_outcomes(text: str, expected: bytes | str) -> None:
    assert _outcome(text) == expected
    assert _outcome(text.encode()) == expected


def test_fast_path_agrees_with_the_exact_emulation() -> None:
    rng = random.Random(1)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= -_\n\u00e9"
    samples = []
    for _ in range(5000):
        if rng.random() < 0.5:
            text = base64_strict.encode(rng.randbytes(rng.randrange(0, 12)))
            if text and rng.random() < 0.7:
                position = rng.randrange(len(text))
                text = text[:position] + rng.choice(alphabet) + text[position + 1 :]
        else:
            text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 10)))
        samples.append(text)
    for text in samples:
        try:
            exact: bytes | str = base64_strict._decode_exact(text.encode())
        except base64_strict.Base64DecodeError as error:
            exact = str(error)
        assert _outcome(text) == exact, text


def test_round_trip_of_large_data() -> None:
    data = random.Random(2).randbytes(3 * 1024 * 1024 + 1)
    assert base64_strict.decode(base64_strict.encode(data)) == data

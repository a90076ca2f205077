"""`--listen` parsing: the reference's grammar and error texts, shared by both servers' CLIs."""

from __future__ import annotations

import pytest
from execwire_rendezvous.cli import parse_listen

from execwire.listen_address import parse_ip_and_port
from execwire_server.cli import ListenUrl, parse_listen_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ws://127.0.0.1:0", ListenUrl(stdio=False, host="127.0.0.1", port=0)),
        ("ws://[::1]:8765", ListenUrl(stdio=False, host="::1", port=8765)),
        ("stdio", ListenUrl(stdio=True)),
        ("stdio://", ListenUrl(stdio=True)),
    ],
)
def test_accepted_listen_urls(text: str, expected: ListenUrl) -> None:
    assert parse_listen_url(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ws://localhost:1234", "invalid websocket --listen URL `ws://localhost:1234`; expected `ws://IP:PORT`"),
        ("ws://127.0.0.1:99999", "invalid websocket --listen URL `ws://127.0.0.1:99999`; expected `ws://IP:PORT`"),
        ("ws://127.0.0.1", "invalid websocket --listen URL `ws://127.0.0.1`; expected `ws://IP:PORT`"),
        ("http://127.0.0.1:80", "unsupported --listen URL `http://127.0.0.1:80`; expected `ws://IP:PORT` or `stdio`"),
    ],
)
def test_refused_listen_urls_say_why_like_the_reference(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_listen_url(text)
    assert str(info.value) == message


def test_the_rendezvous_takes_the_same_addresses() -> None:
    assert parse_listen("http://127.0.0.1:8700/") == ("127.0.0.1", 8700)
    assert parse_ip_and_port("[0:0::1]:1") == ("::1", 1)
    assert parse_ip_and_port("example.com:80") is None
    with pytest.raises(ValueError):
        parse_listen("localhost:1")

"""Parse `IP:PORT` / `[IPv6]:PORT`, the address form of the listen options."""

from __future__ import annotations

import ipaddress

__all__ = ["parse_ip_and_port"]


def parse_ip_and_port(authority: str) -> tuple[str, int] | None:
    """The normalized IP literal and port of `authority`, or None if it is not `IP:PORT`."""
    if authority.startswith("["):
        host, _, rest = authority[1:].partition("]")
        if not rest.startswith(":"):
            return None
        port_text = rest[1:]
    else:
        host, _, port_text = authority.rpartition(":")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if not port_text.isdigit() or int(port_text) > 65535:
        return None
    return str(address), int(port_text)

"""execwire_server: a Codex-compatible exec-server."""

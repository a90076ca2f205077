"""execwire: typed client SDK for Codex-compatible exec-servers."""

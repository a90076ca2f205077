"""Interop harness: run JSON-RPC scenarios against the pinned reference and execwire.

Modules: `servers` (start/stop server processes), `scenario` (step DSL and runner),
`normalize` (make transcripts comparable), `cases` (the catalog), `record` (write the
reference transcripts to `transcripts/`), `test_interop` (pytest, marker `interop`).
"""

# Generated from schema/ by `make codegen` (codegen/generate.py); do not edit.
"""The generated protocol layer: models, method table and relay protobuf."""

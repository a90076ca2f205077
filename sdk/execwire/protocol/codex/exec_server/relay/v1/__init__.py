# Generated from schema/ by `make codegen` (codegen/generate.py); do not edit.

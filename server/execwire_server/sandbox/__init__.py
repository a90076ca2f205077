"""Sandbox enforcement on Linux: portable intent → bubblewrap, seccomp and Landlock.

`policy` resolves a request's `FileSystemSandboxContext` into host paths, `bwrap` turns
that into a bubblewrap command line, `seccomp` builds the syscall filter, and `runtime`
checks what this host can enforce and wraps commands. `launcher`, `landlock` and
`fs_helper` run *inside* the sandbox: they import nothing beyond the standard library and
`execwire_server.fs_ops`, so this package's `__init__` stays empty of imports.
"""

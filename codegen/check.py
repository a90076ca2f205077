"""Fail when the committed protocol layer differs from what `schema/` generates.

Regenerates into a scratch directory and compares file by file, naming every file that
differs, is missing or is extra. Usage: python -m codegen.check
"""

from __future__ import annotations

import difflib
import sys
import tempfile
from pathlib import Path

from codegen.generate import PROTOCOL_PACKAGE, REPO, SYNC_FACADE, generate, generate_sync_facade


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="execwire-codegen-") as scratch:
        generate(Path(scratch))
        generate_sync_facade(Path(scratch))
        expected = {
            str(PROTOCOL_PACKAGE / k): v for k, v in _files(Path(scratch) / PROTOCOL_PACKAGE).items()
        }
        expected[str(SYNC_FACADE)] = (Path(scratch) / SYNC_FACADE).read_bytes()
    committed = {str(PROTOCOL_PACKAGE / k): v for k, v in _files(REPO / PROTOCOL_PACKAGE).items()}
    if (REPO / SYNC_FACADE).exists():
        committed[str(SYNC_FACADE)] = (REPO / SYNC_FACADE).read_bytes()
    problems: list[str] = []
    for name in sorted(expected.keys() | committed.keys()):
        path = Path(name)
        if name not in committed:
            problems.append(f"{path}: missing (the schema generates it)")
        elif name not in expected:
            problems.append(f"{path}: extra (the schema does not generate it)")
        elif expected[name] != committed[name]:
            diff = difflib.unified_diff(
                committed[name].decode(errors="replace").splitlines(),
                expected[name].decode(errors="replace").splitlines(),
                f"{path} (committed)",
                f"{path} (from schema/)",
                lineterm="",
                n=1,
            )
            problems.append(f"{path}: differs from what schema/ generates\n" + "\n".join(list(diff)[:40]))
    if problems:
        print("codegen drift: generated files do not match schema/ (run `make codegen`):")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print("codegen: generated files match schema/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

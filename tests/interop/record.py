"""Record normalized reference transcripts: `python -m tests.interop.record`.

Runs every case (or the ones named) against the pinned reference only and writes
`tests/interop/transcripts/<case>.json` (pretty, sorted keys, stable). `--out DIR` writes
elsewhere (e.g. to compare two recordings for flakiness with `diff -r`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from .cases import CASES, by_name
from .harness import TRANSCRIPTS, run_normalized
from .normalize import dumps
from .scenario import Case
from .servers import ensure_reference


async def record(cases: list[Case], out: Path, jobs: int) -> int:
    """Record `cases` into `out` with at most `jobs` servers at once; returns failures."""
    out.mkdir(parents=True, exist_ok=True)
    gate = asyncio.Semaphore(jobs)
    failures = 0

    async def one(case: Case) -> None:
        nonlocal failures
        async with gate:
            started = time.monotonic()
            with tempfile.TemporaryDirectory(prefix=f"interop-{case.name}-") as tmp:
                try:
                    result = await run_normalized("reference", case, Path(tmp))
                except Exception as exc:  # report and continue with the other cases
                    failures += 1
                    print(f"FAIL {case.name}: {exc!r}", file=sys.stderr)
                    return
            (out / f"{case.name}.json").write_text(dumps(result))
            print(f"ok   {case.name} ({time.monotonic() - started:.1f}s)", file=sys.stderr)

    await asyncio.gather(*(one(c) for c in cases))
    return failures


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("cases", nargs="*", help="case names (default: all)")
    parser.add_argument("--out", type=Path, default=TRANSCRIPTS, help="output directory")
    parser.add_argument("--jobs", type=int, default=3, help="cases run concurrently")
    args = parser.parse_args(argv)
    ensure_reference()
    cases = [by_name(n) for n in args.cases] if args.cases else list(CASES)
    if not args.cases and args.out.exists():
        known = {c.name for c in CASES}
        for stale in args.out.glob("*.json"):
            if stale.stem not in known:
                stale.unlink()
    return 1 if asyncio.run(record(cases, args.out, args.jobs)) else 0


if __name__ == "__main__":
    sys.exit(main())

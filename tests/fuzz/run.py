"""Coverage-guided fuzzing of `targets.TARGETS` with atheris (libFuzzer), growing the corpus
kept in `tests/fuzz/corpus/<target>/`.

    python -m tests.fuzz.run TARGET [--seconds N]     fuzz one target, new inputs join its corpus
    python -m tests.fuzz.run --all --seconds N         each target in turn (`make fuzz`)
    python -m tests.fuzz.run --seed                    write the hand-made seeds of every corpus

A crash (a target raising anything but its documented error) stops the run with the input
saved as `crash-*` in the current directory: add it to the corpus once fixed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"


def _fuzz(name: str, seconds: int) -> None:
    import atheris

    with atheris.instrument_imports(include=["execwire", "execwire_server", "tests.fuzz"]):
        from tests.fuzz.targets import TARGETS

    target = TARGETS[name]
    corpus = CORPUS / name
    corpus.mkdir(parents=True, exist_ok=True)
    atheris.Setup(
        [sys.argv[0], str(corpus), f"-max_total_time={seconds}", "-timeout=5", "-rss_limit_mb=2048"],
        target,
    )
    atheris.Fuzz()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", nargs="?")
    parser.add_argument("--all", action="store_true", help="every target in turn")
    parser.add_argument("--seconds", type=int, default=60, help="per target (default 60)")
    parser.add_argument("--seed", action="store_true", help="write the hand-made seeds")
    args = parser.parse_args()
    if args.seed:
        from tests.fuzz.seeds import write_seeds

        write_seeds(CORPUS)
        return 0
    if args.all:
        from tests.fuzz.targets import TARGETS

        # One process per target: libFuzzer exits the process at the end of a run.
        for name in TARGETS:
            command = [sys.executable, "-m", "tests.fuzz.run", name, "--seconds", str(args.seconds)]
            if subprocess.run(command, check=False).returncode != 0:
                return 1
        return 0
    if args.target is None:
        parser.error("name a target, or --all, or --seed")
    _fuzz(args.target, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())

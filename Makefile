# execwire developer targets. Every target sets up what it needs (`install` creates .venv).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
BENCH_INSTALLED := $(VENV)/.bench-installed
DOCS_INSTALLED := $(VENV)/.docs-installed

.PHONY: install system-packages codegen check-codegen lint typecheck test demo bench soak interop docs fuzz clean

install: system-packages $(INSTALLED)

## System parts (Debian packages), when missing: bubblewrap and libseccomp for the sandbox
## (without them sandboxed requests are refused with a clear error), ripgrep for the `rg`
## the Codex agent searches with (put on PATH of its commands).
SYSTEM_PACKAGES := bubblewrap libseccomp2 ripgrep
system-packages:
	@if command -v bwrap >/dev/null 2>&1 && command -v rg >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q libseccomp.so.2; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing $(SYSTEM_PACKAGES)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	else echo "warning: install $(SYSTEM_PACKAGES) (sandboxing and rg need them)" >&2; fi

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

## Regenerate sdk/execwire/protocol/ from schema/ (commit the result).
codegen: install
	$(PY) -m codegen.generate

## Fail, naming the file, when sdk/execwire/protocol/ differs from what schema/ generates.
check-codegen: install
	$(PY) -m codegen.check

lint: install
	$(VENV)/bin/ruff check sdk server rendezvous tests codegen examples bench

typecheck: install
	$(VENV)/bin/mypy sdk server rendezvous examples bench

test: install check-codegen lint typecheck
	$(PY) -m pytest -q

## Start a local exec-server on an ephemeral port and run commands through the SDK.
demo: install
	$(PY) examples/demo.py

## Benchmark against the reference, asyncssh and floors; options: make bench BENCH_ARGS="--only exec".
bench: $(BENCH_INSTALLED)
	$(PY) -m bench $(BENCH_ARGS)

$(BENCH_INSTALLED): $(INSTALLED)
	$(PY) -m pip install --quiet -e '.[bench]'
	touch $(BENCH_INSTALLED)

## One server under sustained load (500 sessions of short commands beside 50 streams, 60 s),
## side by side with the reference; options: make soak SOAK_ARGS="--seconds 30 --only execwire".
soak: $(BENCH_INSTALLED)
	$(PY) -m bench.soak $(SOAK_ARGS)

## Compare our server with the pinned reference (installs @openai/codex@0.169.0 into .cache/).
interop: install
	$(PY) -m pytest -m interop -q tests/interop

## Coverage-guided fuzzing (atheris) of every peer-facing decoder, growing tests/fuzz/corpus/
## (which `make test` replays); options: make fuzz FUZZ_SECONDS=300 (per target).
FUZZ_SECONDS ?= 60
fuzz: install
	@$(PY) -m pip install --quiet atheris || { echo "atheris does not install here: only the corpus replay and hypothesis run" >&2; exit 1; }
	$(PY) -m tests.fuzz.run --all --seconds $(FUZZ_SECONDS)

## API reference and architecture page (mkdocs + mkdocstrings) into site/; any warning fails.
docs: $(DOCS_INSTALLED)
	$(VENV)/bin/mkdocs build --strict --quiet

$(DOCS_INSTALLED): $(INSTALLED)
	$(PY) -m pip install --quiet -e '.[docs]'
	touch $(DOCS_INSTALLED)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache

# Two commands do all set-up: `make demo` (the main job) and `make test` (the whole suite).
# Each runs `setup` first, which installs what is missing: uv, the locked Python environment
# and the pinned npm toolchain (anvil). Nothing else needs to be on the machine but Python,
# pip, Node and npm.

SHELL := /bin/bash
# the machine's Python, resolved before the venv goes first on PATH (the venv has no pip or uv)
SYSTEM_PYTHON := $(shell command -v python3)
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/.venv/bin:$(HOME)/.local/bin:$(PATH)
# uv if it is on PATH; otherwise the pip-installed module, which works wherever pip put it
UV ?= $(shell command -v uv >/dev/null 2>&1 && echo uv || echo "$(SYSTEM_PYTHON) -m uv")
export UV  # tests/sdk/test_wheel.py builds and installs the wheel with it
APE := $(UV) run --frozen ape

.PHONY: setup build test demo bench lint typecheck abis clean fuzz

setup:
	@$(UV) --version >/dev/null 2>&1 || $(SYSTEM_PYTHON) -m pip install --quiet --user uv || $(SYSTEM_PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen --all-extras --all-groups
	@command -v anvil >/dev/null 2>&1 || npm ci --no-audit --no-fund
	@anvil --version | head -n 1
	@# the scaled-out keeper's test starts a Redis of its own (Debian's package; as root, like CI)
	@command -v redis-server >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq redis-server)
	@redis-server --version | head -n 1

# ape's incremental compile was seen here to keep a stale LeveragedToken after the contracts
# changed: whenever a contract is newer than the build, compile everything afresh
build: setup
	@if [ ! -f .build/__local__.json ] || [ -n "$$(find contracts -name '*.vy*' -newer .build/__local__.json)" ]; then \
		$(APE) compile --force; fi

# the suite's wall time goes to out/test-seconds.txt, which `make bench` reports
test: build
	@mkdir -p out
	@start=$$(date +%s) && $(APE) test tests && echo "$$(( $$(date +%s) - start ))" > out/test-seconds.txt

demo: build
	$(APE) run demo --network ethereum:local:foundry

# The fuzz suite (tests/fuzz, titanoboa, no anvil) at its deep hypothesis profile: 5,000 examples
# x 50 steps per state machine, random (~40 times the `ci` work). `make test` runs it at `ci`.
# LT_FUZZ_PROFILE=ci|quick|deep overrides; `-p no:ape_test` keeps ape's plugin from starting anvil.
fuzz: setup
	LT_FUZZ_PROFILE=$${LT_FUZZ_PROFILE:-deep} $(UV) run --frozen pytest tests/fuzz -p no:ape_test -q

# writes out/bench-results.md; `make bench PUBLISH=1` writes the tracked bench/results.md
bench: build
	LT_BENCH_PUBLISH=$(PUBLISH) $(APE) run bench --network ethereum:local:foundry

abis: setup
	$(APE) compile
	$(UV) run --frozen python -W ignore::RuntimeWarning -m ltsdk.abis

lint: setup
	$(UV) run --frozen ruff check python scripts tests bench bots
	$(UV) run --frozen ruff format --check python scripts tests bench bots

# pyright in standard mode over the ltsdk package ([tool.pyright] in pyproject.toml)
typecheck: setup
	$(UV) run --frozen pyright

clean:
	rm -rf .build out .pytest_cache

# Two commands do all set-up: `make demo` (the main job) and `make test` (the whole suite).
# `make node`, `make deploy`, `make keeper`, `make market` run the local flow on a node that stays up.
# Each runs `setup` first, which installs what is missing: uv, the locked Python environment
# and the pinned npm toolchain (anvil). Nothing else needs to be on the machine but Python,
# pip, Node and npm.

SHELL := /bin/bash
# the machine's Python, resolved before the venv goes first on PATH (the venv has no pip or uv)
SYSTEM_PYTHON := $(shell command -v python3)
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/.venv/bin:$(HOME)/.local/bin:$(PATH)
# compiled Python modules kept in .cache/pycache (ignored by git), also where the machine sets
# PYTHONDONTWRITEBYTECODE: without it every process the targets start compiles each import again
unexport PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX := $(CURDIR)/.cache/pycache
# uv if it is on PATH; otherwise the pip-installed module, which works wherever pip put it
UV ?= $(shell command -v uv >/dev/null 2>&1 && echo uv || echo "$(SYSTEM_PYTHON) -m uv")
export UV  # tests/sdk/test_wheel.py builds and installs the wheel with it
APE := $(UV) run --frozen ape

# The local node: one anvil that stays up between commands, on NODE_PORT, its state saved to
# .cache/node/state.json (every 30 s and when stopped) and loaded again by the next `make node`.
# ape's foundry provider (ape-config.yaml), the SDK and the CLI default to http://127.0.0.1:8545;
# for another port the targets below pass APE_FOUNDRY_HOST, and the CLI takes --rpc/LT_RPC_URL.
# The mnemonic and account count are ape-config.yaml's `test:` ones, so ape's test accounts sign.
NODE_PORT ?= 8545
NODE_URL := http://127.0.0.1:$(NODE_PORT)
NODE_DIR ?= .cache/node
NODE_MNEMONIC := test test test test test test test test test test test junk
ON_NODE := APE_FOUNDRY_HOST=$(NODE_URL)
# the demo, the benchmarks and the suite run on an anvil of their own (a random free port)
THROWAWAY := APE_FOUNDRY_HOST=auto

.PHONY: setup build test demo bench lint typecheck abis clean fuzz node node-stop node-reset deploy keeper market index \
	dashboard dashboard-stop

setup:
	@$(UV) --version >/dev/null 2>&1 || $(SYSTEM_PYTHON) -m pip install --quiet --user uv || $(SYSTEM_PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen --all-extras --all-groups
	@# anvil, and uPlot (the dashboard's charts, vendored into python/ltsdk/dashboard/static; a test compares)
	@(command -v anvil >/dev/null 2>&1 && [ -f node_modules/uplot/dist/uPlot.iife.min.js ]) || npm ci --no-audit --no-fund
	@anvil --version | head -n 1
	@# the scaled-out keeper's test starts a Redis of its own (Debian's package; as root, like CI)
	@command -v redis-server >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq redis-server)
	@redis-server --version | head -n 1
	@# the dashboard's browser tests drive Debian's headless Chromium (no browser download)
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium)
	@chromium --version 2>/dev/null | head -n 1
	@# the indexer's PostgreSQL test starts a server of its own (Debian's package; binaries in /usr/lib/postgresql/N/bin)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq postgresql)
	@ls /usr/lib/postgresql/*/bin/initdb | tail -n 1

# ape's incremental compile was seen here to keep a stale LeveragedToken after the contracts
# changed: whenever a contract is newer than the build, compile everything afresh
build: setup
	@if [ ! -f .build/__local__.json ] || [ -n "$$(find contracts -name '*.vy*' -newer .build/__local__.json)" ]; then \
		$(APE) compile --force; fi

# The suite in three lanes side by side on the 2 cores: the fuzz suite (tests/fuzz: titanoboa, one
# CPU-bound process, no anvil) and the rest under ape in two sessions, each on an anvil of its own:
# APE_LANE_2's paths, and every other one. One after the other they took 29 and 27 minutes; the
# ape lanes run at a lower priority (nice), so the fuzz lane, the longest single process, keeps a
# core and the ape lanes share the other and whatever their waits leave. Two of the safety state
# machines run in the second ape lane (tests/fuzz/conftest.py makes ape's isolation a no-op there)
# and the fuzz lane deselects them. Lane 1 prints as it runs; the others' output goes to
# out/test-lane-*.log and is printed once all end; each prints its 15 slowest tests; any lane
# failing fails the target. The split balances the lanes of a measured run (here, 2 cores: ape
# lane 1 947 s, ape lane 2 844 s, the fuzz lane 645 s, before the thirty-day path and three fuzz
# machines moved lanes). The suite's wall time goes to out/test-seconds.txt (`make bench`).
FUZZ_IN_APE_LANE := tests/fuzz/test_safety_invariants.py::TestShutdownInvariants \
	tests/fuzz/test_safety_invariants.py::TestTrendInvariants
APE_LANE_2 := tests/deploy tests/index tests/sdk tests/contracts/test_thirty_day_path.py
test: build
	@mkdir -p out
	@start=$$(date +%s); \
	$(UV) run --frozen pytest tests/fuzz $(addprefix --deselect=,$(FUZZ_IN_APE_LANE)) -p no:ape_test -q --durations=15 \
		> out/test-lane-fuzz.log 2>&1 & fuzz_lane=$$!; \
	nice -n 5 env $(THROWAWAY) $(APE) test $(APE_LANE_2) $(FUZZ_IN_APE_LANE) --durations=15 > out/test-lane-ape2.log 2>&1 & ape2_lane=$$!; \
	trap 'kill $$fuzz_lane $$ape2_lane 2>/dev/null' INT TERM; \
	nice -n 5 env $(THROWAWAY) $(APE) test tests --ignore=tests/fuzz $(addprefix --ignore=,$(APE_LANE_2)) --durations=15; ape1_rc=$$?; \
	wait $$ape2_lane; ape2_rc=$$?; wait $$fuzz_lane; fuzz_rc=$$?; \
	for lane in ape2 fuzz; do echo "---------------- lane $$lane (out/test-lane-$$lane.log) ----------------"; \
		cat out/test-lane-$$lane.log; done; \
	echo "$$(( $$(date +%s) - start ))" > out/test-seconds.txt; \
	echo "make test: exit codes ape lane 1 $$ape1_rc, ape lane 2 $$ape2_rc, fuzz lane $$fuzz_rc; $$(cat out/test-seconds.txt) s"; \
	[ $$ape1_rc -eq 0 ] && [ $$ape2_rc -eq 0 ] && [ $$fuzz_rc -eq 0 ]

# writes out/demo-manifest.json, never deployments/local.json (the local node's)
demo: build
	$(THROWAWAY) $(APE) run demo --network ethereum:local:foundry

# needs only anvil (the pinned npm one unless one is on PATH), not the Python environment
node:
	@command -v anvil >/dev/null 2>&1 || npm ci --no-audit --no-fund
	@mkdir -p $(NODE_DIR)
	@if [ -f $(NODE_DIR)/anvil.pid ] && kill -0 "$$(cat $(NODE_DIR)/anvil.pid)" 2>/dev/null; then \
		echo "node already running at $(NODE_URL) (pid $$(cat $(NODE_DIR)/anvil.pid))"; \
	else \
		nohup anvil --port $(NODE_PORT) --mnemonic "$(NODE_MNEMONIC)" --accounts 10 --balance 10000 \
			--block-base-fee-per-gas 0 --gas-price 0 --steps-tracing \
			--state $(NODE_DIR)/state.json --state-interval 30 > $(NODE_DIR)/anvil.log 2>&1 & \
		echo $$! > $(NODE_DIR)/anvil.pid; \
		for _ in $$(seq 300); do grep -q "Listening on" $(NODE_DIR)/anvil.log && break; sleep 0.1; done; \
		if ! grep -q "Listening on" $(NODE_DIR)/anvil.log; then \
			kill "$$(cat $(NODE_DIR)/anvil.pid)" 2>/dev/null; rm -f $(NODE_DIR)/anvil.pid; tail -n 5 $(NODE_DIR)/anvil.log; \
			echo "anvil did not start in 30 s (log: $(NODE_DIR)/anvil.log)"; exit 1; fi; \
		echo "node at $(NODE_URL) (pid $$(cat $(NODE_DIR)/anvil.pid)); log $(NODE_DIR)/anvil.log, state $(NODE_DIR)/state.json"; \
	fi

# SIGTERM: anvil writes its state, then exits
node-stop:
	@if [ -f $(NODE_DIR)/anvil.pid ] && kill -0 "$$(cat $(NODE_DIR)/anvil.pid)" 2>/dev/null; then \
		pid=$$(cat $(NODE_DIR)/anvil.pid); kill $$pid; \
		for _ in $$(seq 300); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; \
		echo "node stopped (state kept in $(NODE_DIR)/state.json)"; \
	else echo "no node running"; fi
	@rm -f $(NODE_DIR)/anvil.pid

# a fresh chain next time: the saved state and the manifest that pointed into it go
node-reset: node-stop
	rm -f $(NODE_DIR)/state.json deployments/local.json

# deploy to the local node (started if needed); a re-run resumes or finds everything deployed.
# VENUE_KIND=async: asynchronous venues and the ERC-7540 token on them (docs/async-token.md)
VENUE_KIND ?= sync
deploy: build node
	$(ON_NODE) $(APE) run deploy --network ethereum:local:foundry --venue-kind $(VENUE_KIND)

keeper: build
	$(ON_NODE) $(APE) run keeper --network ethereum:local:foundry $(ARGS)

market: build
	$(ON_NODE) $(APE) run market --network ethereum:local:foundry $(ARGS)

# the indexer on the local node into out/index.sqlite (ARGS="--db postgresql://..." for PostgreSQL)
index: setup
	$(UV) run --frozen ltsdk index --rpc $(NODE_URL) $(ARGS)

# The dashboard on the local node, with everything it shows running beside it, each in the
# background (pid and log in DASH_DIR; a re-run starts only what is not running): the node and the
# deployment (above), a user invested in every token once (anvil account 3), the keeper with its
# metrics on KEEPER_METRICS_PORT, the market (30 simulated days, a step a second, the clock warped),
# the indexer following the node into DASH_DIR/index.sqlite (a sample per simulated hour), and
# `ltsdk serve` on DASH_PORT.
# `make dashboard-stop` stops them all but the node (`make node-stop`).
DASH_DIR ?= .cache/dashboard
DASH_PORT ?= 8000
KEEPER_METRICS_PORT ?= 9101
SEED_KEY := 0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6# anvil account 3 (the test mnemonic's)
LTSDK := ltsdk --rpc $(NODE_URL)

# $(call background,NAME,COMMAND): run COMMAND in the background unless NAME's pid is alive
define background
	@if [ -f $(DASH_DIR)/$(1).pid ] && kill -0 "$$(cat $(DASH_DIR)/$(1).pid)" 2>/dev/null; then \
		echo "$(1): already running (pid $$(cat $(DASH_DIR)/$(1).pid))"; \
	else \
		nohup $(2) > $(DASH_DIR)/$(1).log 2>&1 & echo $$! > $(DASH_DIR)/$(1).pid; \
		echo "$(1): started (pid $$!, log $(DASH_DIR)/$(1).log)"; \
	fi
endef

dashboard: deploy
	@mkdir -p $(DASH_DIR)
	@if $(LTSDK) --json status | python3 -c 'import json,sys; sys.exit(any(int(s["supply"]) for s in json.load(sys.stdin).values()))'; then \
		$(LTSDK) faucet 100000 0x90F79bf6EB2c4f870365E785982E1f101E93b906 && \
		for symbol in $$($(LTSDK) --json status | python3 -c 'import json,sys; print(*json.load(sys.stdin))'); do \
			LT_PRIVATE_KEY=$(SEED_KEY) $(LTSDK) deposit $$symbol 10000 || exit 1; done; fi
	$(call background,keeper,env $(ON_NODE) $(APE) run keeper --network ethereum:local:foundry --interval 1 --metrics-port $(KEEPER_METRICS_PORT) --journal $(DASH_DIR)/keeper-journal.json)
	$(call background,market,env $(ON_NODE) $(APE) run market --network ethereum:local:foundry --days 30 --pace 1)
	$(call background,index,$(LTSDK) index --db $(DASH_DIR)/index.sqlite --confirmations 1 --interval 3600 --from-block 0)
	$(call background,serve,$(LTSDK) serve --port $(DASH_PORT) --index $(DASH_DIR)/index.sqlite --keeper-metrics http://127.0.0.1:$(KEEPER_METRICS_PORT)/metrics)
	@for _ in $$(seq 100); do curl -sf -o /dev/null http://127.0.0.1:$(DASH_PORT)/ && break; sleep 0.2; done
	@curl -sf -o /dev/null http://127.0.0.1:$(DASH_PORT)/ || (tail -n 5 $(DASH_DIR)/serve.log; echo "the dashboard did not answer"; exit 1)
	@echo "dashboard at http://127.0.0.1:$(DASH_PORT)/  (make dashboard-stop stops it; logs in $(DASH_DIR))"

dashboard-stop:
	@for name in serve index market keeper; do \
		if [ -f $(DASH_DIR)/$$name.pid ] && kill -0 "$$(cat $(DASH_DIR)/$$name.pid)" 2>/dev/null; then \
			kill "$$(cat $(DASH_DIR)/$$name.pid)" && echo "$$name: stopped"; fi; \
		rm -f $(DASH_DIR)/$$name.pid; done

# The fuzz suite (tests/fuzz, titanoboa, no anvil) at its deep hypothesis profile: 5,000 examples
# x 50 steps per state machine, random (~40 times the `ci` work). `make test` runs it at `ci`.
# LT_FUZZ_PROFILE=ci|quick|deep overrides; `-p no:ape_test` keeps ape's plugin from starting anvil.
fuzz: setup
	LT_FUZZ_PROFILE=$${LT_FUZZ_PROFILE:-deep} $(UV) run --frozen pytest tests/fuzz -p no:ape_test -q

# writes out/bench-results.md; `make bench PUBLISH=1` writes the tracked bench/results.md
bench: build
	LT_BENCH_PUBLISH=$(PUBLISH) $(THROWAWAY) $(APE) run bench --network ethereum:local:foundry

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

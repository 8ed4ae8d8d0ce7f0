# Build, lint, validate and test the openai-compliance-filter.
# `make test` = host unit tests + the end-to-end suite through the real Envoy 1.40.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

CARGO       ?= cargo
PYTHON      ?= python3
VENV        := .venv
VPY         := $(VENV)/bin/python
ENVOY       := $(VENV)/bin/envoy
WASM_TARGET := wasm32-wasip1
WASM        := target/$(WASM_TARGET)/release/openai_compliance_filter.wasm
MOCK_PORT   ?= 18080
DEMO_PORT   ?= 10000
ADMIN_PORT  ?= 9901
PYTEST_ARGS ?=

.PHONY: oci wasm-target build venv run demo-ports sdk-node test test-host test-e2e lint validate bench bench-quick profile profile-quick bench-core bench-joins bench-settle bench-vm bench-vm-quick bench-memory vm-deps soak soak-quick fuzz fuzz-smoke

# The toolchain pinned in rust-toolchain.toml. rustup installs a toolchain's listed targets only
# when it installs the toolchain itself, so one installed earlier may lack wasm32-wasip1.
TOOLCHAIN   := $(shell sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)

## wasm-target: add $(WASM_TARGET) to the pinned toolchain when it lacks it (needs rustup)
wasm-target:
	@if command -v rustup >/dev/null && ! rustup target list --installed --toolchain $(TOOLCHAIN) 2>/dev/null | grep -qx '$(WASM_TARGET)'; then \
	  echo "adding the $(WASM_TARGET) target to toolchain $(TOOLCHAIN)"; \
	  rustup target add --toolchain $(TOOLCHAIN) $(WASM_TARGET); \
	fi

## build: the proxy-wasm module ($(WASM))
build: wasm-target
	$(CARGO) build --release --lib --target $(WASM_TARGET)

## oci: the module as an OCI image layout in target/oci (Wasm image compat variant: Istio WasmPlugin, Envoy Gateway)
OCI_TAG ?= $(shell sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -1)
oci: build
	$(PYTHON) scripts/oci_image.py --wasm $(WASM) --out target/oci --tag $(OCI_TAG)

## venv: .venv with Envoy 1.40 and the test tools (only when missing or requirements changed)
venv: $(VENV)/.installed

$(VENV)/.installed: requirements-test.txt
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	$(ENVOY) --version
	touch $@

DEMO_PORTS  := --port $(DEMO_PORT) --admin-port $(ADMIN_PORT) --mock-port $(MOCK_PORT)

## run: the local demo: mock OpenAI on 127.0.0.1:$(MOCK_PORT), Envoy on 127.0.0.1:$(DEMO_PORT)
## (admin $(ADMIN_PORT)); says first, before building, when a port is taken
run: demo-ports build venv
	$(VPY) tests/run_demo.py $(DEMO_PORTS) --envoy $(ENVOY) --config envoy/demo.yaml

demo-ports:
	@$(PYTHON) tests/run_demo.py --check-ports $(DEMO_PORTS)

## test: host unit tests, then the end-to-end suite through Envoy (fails if either fails)
test: test-host test-e2e bench-quick bench-vm-quick soak-quick

test-host:
	$(CARGO) test

test-e2e: build venv sdk-node
	scripts/ensure-tool.sh promtool prometheus
	scripts/ensure-tool.sh docker-registry docker-registry
	scripts/ensure-tool.sh skopeo skopeo
	OCF_WASM=$(WASM) OCF_ENVOY=$(ENVOY) $(VPY) -m pytest tests/e2e $(PYTEST_ARGS)

## sdk-node: the official Node SDK for the e2e suite (tests/sdk-node, `npm ci` from its lockfile)
SDK_NODE := tests/sdk-node
sdk-node: $(SDK_NODE)/node_modules/.installed

$(SDK_NODE)/node_modules/.installed: $(SDK_NODE)/package.json $(SDK_NODE)/package-lock.json
	scripts/ensure-tool.sh node nodejs
	scripts/ensure-tool.sh npm npm
	cd $(SDK_NODE) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## lint: rustfmt, clippy for host (all targets, devkit/ too) and for the wasm library
lint: wasm-target
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy --lib --target $(WASM_TARGET) -- -D warnings

## validate: `envoy --mode validate` on every Envoy bootstrap in envoy/ (loads the real wasm)
validate: build venv
	$(VPY) tests/validate_envoy.py --envoy $(ENVOY) --wasm $(WASM) --policies envoy/policies envoy

## bench: Envoy CPU per request, rps, p50/p99: no filter, buffer filter, the floor, the JSON floor, ours (~28 min); writes BENCHMARKS.md
## (BENCH_ARGS=--profile adds the perf breakdown of `make profile`)
BENCH_ARGS ?=
bench: build venv
	$(PYTHON) bench/run.py --envoy $(ENVOY) --ours $(WASM) --out BENCHMARKS.md $(BENCH_ARGS)

## bench-quick: the bench harness once at a tiny size (run by `make test` so it cannot rot)
bench-quick: build venv
	$(PYTHON) bench/run.py --quick --envoy $(ENVOY) --ours $(WASM)

## profile: where Envoy's CPU goes per request (perf): module per callback, host calls, wasm glue, Envoy, kernel;
## floor and ours, 1/16/256 KB clean and with findings, plus a heavier-policy check (~3 min); writes bench/target/PROFILE.md
PROFILE_ARGS ?= --validate
profile: build venv
	$(PYTHON) bench/cpu_profile.py --envoy $(ENVOY) --ours $(WASM) $(PROFILE_ARGS)

## profile-quick: the profile once at 1 KB, 1 s per config (~15 s; not in `make test`: it needs the kernel to let perf record, which a CI sandbox may forbid)
profile-quick: build venv
	$(PYTHON) bench/cpu_profile.py --quick --envoy $(ENVOY) --ours $(WASM)

## bench-core: the core's native MB/s with every detector on; 10 vs 200 rules; 0 vs 100 000 keywords
## (devkit/src/bin/bench_core.rs: the dev-only crate, not the shipped library)
bench-core:
	$(CARGO) run --release -p ocf-devkit --bin bench_core

## bench-settle: what settling a rewrite costs against the same body clean, sparse and dense values
bench-settle:
	$(CARGO) run --release -p ocf-devkit --bin settle_cost

## bench-joins: what reading a run of message texts across its joins costs against one text, and its growth
bench-joins:
	$(CARGO) run --release -p ocf-devkit --bin joins_cost

# What bench-vm needs: the module, node, the bench bodies.
vm-deps: build
	scripts/ensure-tool.sh node nodejs
	$(PYTHON) bench/bodies.py bench/target/bodies >/dev/null

## bench-vm: the filter's own time per callback and its host calls per request, in Node's V8 without Envoy
## (each body's distinct variants sent in turn, as `make bench` does)
VM_BODIES := chat-1KB-clean chat-16KB-clean chat-16KB-findings chat-256KB-clean chat-256KB-findings
# Restoring pseudonyms in replies: the same policy with and without `restore`, a 16 KiB reply
# echoing the body's placeholders, as JSON and as SSE (CPU time: the machine may be shared).
VM_RESTORE_ON  := {"detectors":{"default_action":{"action":"pseudonymize","restore":true}}}
VM_RESTORE_OFF := {"detectors":{"default_action":"pseudonymize"}}
bench-vm: vm-deps
	$(PYTHON) bench/bodies.py bench/target/bodies --variants >/dev/null
	for b in $(VM_BODIES); do node bench/vm_profile.js $(WASM) "$$(cat bench/target/bodies/$$b.variants)" --requests 2000; done
	for r in json sse; do for p in '$(VM_RESTORE_OFF)' '$(VM_RESTORE_ON)'; do \
	  echo "policy $$p"; node bench/vm_profile.js $(WASM) "$$(cat bench/target/bodies/chat-16KB-findings.variants)" \
	    --requests 2000 --policy "$$p" --reply $$r --cpu-time; done; done

## bench-memory: memory written per request, per callback (64 B lines, 4 KiB pages, the linear memory's
## size) and the heap allocations, in Node's V8 without Envoy; a module built with the `alloc-stats`
## feature (counted allocator; never shipped) into target/alloc-stats
MEM_BODIES := chat-1KB-clean chat-1KB-findings chat-16KB-clean chat-16KB-findings chat-256KB-clean chat-256KB-findings
ALLOC_WASM := target/alloc-stats/$(WASM_TARGET)/release/openai_compliance_filter.wasm
bench-memory: vm-deps
	$(CARGO) build --release --lib --target $(WASM_TARGET) --features alloc-stats --target-dir target/alloc-stats
	$(PYTHON) bench/bodies.py bench/target/bodies --variants >/dev/null
	for b in $(MEM_BODIES); do node bench/vm_profile.js $(ALLOC_WASM) "$$(cat bench/target/bodies/$$b.variants)" --memory; done

## bench-vm-quick: bench-vm once, 50 requests of one body (run by `make test` so it cannot rot)
bench-vm-quick: vm-deps
	node bench/vm_profile.js $(WASM) bench/target/bodies/chat-1KB-findings.json --requests 50

## soak: 100 000 mixed requests through Envoy: errors, upstream bodies, VM memory (SOAK_ARGS=--quick for 2 000)
soak: build venv
	$(CARGO) build --release --bin openai-compliance-filter
	$(VPY) scripts/soak.py --envoy $(ENVOY) --wasm $(WASM) --cli target/release/openai-compliance-filter $(SOAK_ARGS)

## soak-quick: the soak at 2 000 requests (run by `make test` so it cannot rot)
soak-quick:
	$(MAKE) soak SOAK_ARGS=--quick

## fuzz: every cargo-fuzz target for FUZZ_SECONDS each (default 60; the issue asks for 600), one worker
fuzz:
	scripts/fuzz.sh

## fuzz-smoke: every fuzz target for FUZZ_SMOKE_SECONDS each (default 15); run by CI
fuzz-smoke:
	scripts/fuzz.sh smoke

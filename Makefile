# Keyhaven. `make run` serves on ./data; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help
SCHEMATHESIS_VERSION := 4.32.5
PORT ?= 3000
# vitest's JSON and schemathesis' JUnit reports, summed into the closing line of `make test`.
RESULTS := .tmp/results
NEXTJS_APP := tests/compat/nextjs-app

.PHONY: help deps gen check-gen lint typecheck build run test unit contract bench clean

help:
	@echo "make run    start the server on http://127.0.0.1:$(PORT) with data in ./data"
	@echo "make test   install what the tests need, then run the whole suite"
	@echo "make gen    bundle openapi/ and regenerate generated/"
	@echo "make bench  measure the hot paths (writes bench/results/latest.json)"

## Installation: everything the tests need, on a fresh machine.
deps: node_modules/.stamp $(NEXTJS_APP)/node_modules/.stamp .venv/.stamp .chromium.stamp

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# The Next.js application of tests/compat/kinde-nextjs.test.ts is its own npm project (next, react and the Kinde
# Next.js SDK stay out of the root package.json); the test builds it into $(NEXTJS_APP)/.next.
$(NEXTJS_APP)/node_modules/.stamp: $(NEXTJS_APP)/package.json $(NEXTJS_APP)/package-lock.json
	npm ci --prefix $(NEXTJS_APP) --no-audit --no-fund
	@touch $@

.venv/.stamp:
	python3 -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check 'schemathesis==$(SCHEMATHESIS_VERSION)'
	@touch $@

.chromium.stamp:
	@if ! command -v chromium >/dev/null; then \
	  echo "installing Debian's chromium for browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	fi
	@touch $@

## The spec pipeline: openapi/ → generated/openapi.json → generated/client (types, SDK).
gen: node_modules/.stamp
	node scripts/bundle.mjs
	npx openapi-ts

check-gen: gen
	@git diff --quiet --exit-code -- generated && test -z "$$(git status --porcelain -- generated)" || \
	  { echo "generated/ is stale: run 'make gen' and commit it"; git status --short -- generated; exit 1; }

lint: node_modules/.stamp
	npx redocly lint --config openapi/redocly.yaml generated/openapi.json

typecheck: node_modules/.stamp
	npx tsc --noEmit

build: node_modules/.stamp
	node scripts/build.mjs

run: build
	node bin/keyhaven.mjs serve --port $(PORT)

unit: deps
	rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	npx vitest run --reporter=default --reporter=json --outputFile.json=$(RESULTS)/vitest.json

contract: build .venv/.stamp
	rm -rf $(RESULTS)/contract
	KEYHAVEN_CONTRACT_REPORT_DIR="$(abspath $(RESULTS))/contract" bash tests/contract/run.sh

test: deps check-gen lint typecheck unit contract
	@node scripts/test-summary.mjs $(RESULTS)

bench: build
	node bench/run.mjs

clean:
	rm -rf dist .tmp $(NEXTJS_APP)/.next

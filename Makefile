# waops — one command runs the system, one runs the tests.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
export UV_LINK_MODE ?= copy
PACKAGES := waops_contracts waops_messaging waops_observability waops_service_kit waops_sandbox waops_testing \
  waops_devstack webhook_adapter conversation_engine orchestrator core notifier timeline audit

.PHONY: help install run check test test-unit test-integration lint typecheck imports bench chaos catalogue migrate provision clean

help:
	@echo "make run          start the whole system locally (sandbox provider) — Ctrl-C stops it"
	@echo "make test         make check, then unit, service and integration tests (real PostgreSQL and RabbitMQ)"
	@echo "make check        the rules CI holds: ruff (lint, format), mypy --strict, import contracts"
	@echo "make lint         ruff;  make typecheck: mypy;  make imports: import-linter"
	@echo "make bench        benchmarks (write reports under reports/)"
	@echo "make chaos        enquiries under injected faults, a ledger of lost/duplicated replies (reports/chaos.md)"
	@echo "make migrate      provision the database and run every service's migrations"

# Installs uv (from PyPI) when missing, then the workspace from the committed lock file.
install:
	@command -v uv >/dev/null 2>&1 || [ -x "$(UV)" ] || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet
	@./scripts/ensure-broker-plugins.sh

# PROVIDER=meta|360dialog|twilio makes the default channel speak that provider (all played by
# the sandbox); the default, sandbox, speaks Meta's Cloud API formats.
PROVIDER ?= sandbox
run: install
	@$(UV) run --frozen python -m waops_devstack --provider $(PROVIDER)

provision: install
	@$(UV) run --frozen python -c "from waops_service_kit.provision import main; main()"

migrate: provision
	@for s in webhook_adapter conversation_engine orchestrator core notifier timeline audit; do \
	  WAOPS_DATABASE_URL="postgresql://waops_$$s@127.0.0.1:5432/waops" $(UV) run --frozen python -m $$s migrate || exit 1; \
	done

# The rules CI holds, each failing the build: ruff's lint and format, mypy --strict on every
# package (pyproject.toml), and the import contracts (pyproject.toml, [tool.importlinter]).
check: lint typecheck imports

test: check
	@$(UV) run --frozen pytest -p no:cacheprovider libs services tests-integration

test-unit: install
	@$(UV) run --frozen pytest -p no:cacheprovider -m "not integration" libs services

test-integration: install
	@$(UV) run --frozen pytest -p no:cacheprovider tests-integration

lint: install
	@$(UV) run --frozen ruff check .
	@$(UV) run --frozen ruff format --check .

typecheck: install
	@$(UV) run --frozen mypy $(foreach p,$(PACKAGES),-p $(p))

imports: install
	@$(UV) run --frozen lint-imports

bench: install
	@$(UV) run --frozen python -m benchmarks.webhook_ingest
	@$(UV) run --frozen python -m benchmarks.enquiry_ladder

# The whole system under a flow of enquiries while faults are injected (broker cuts, SIGKILLs,
# broker and database outages through proxies, provider storms, duplicate webhooks); a bench
# that reports, never asserts. Flags: make chaos CHAOS_ARGS="--rate 3 --seconds 40".
CHAOS_ARGS ?=
chaos: install
	@$(UV) run --frozen python -m benchmarks.chaos $(CHAOS_ARGS)

# Regenerates docs/events.md from the contracts and the services' registries (a test checks it).
catalogue: install
	@$(UV) run --frozen python scripts/event_catalogue.py

clean:
	rm -rf var .pytest_cache .ruff_cache .mypy_cache

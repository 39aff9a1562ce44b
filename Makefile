# Muninn — one entry point for running, testing and linting the suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS_DIR := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS_DIR)/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
# Policy checks of the deployment (tests/deploy): checkov pins heavy dependencies of its own,
# so it lives in an environment apart from the workspace's lock.
TOOLS_VENV := .venv-tools
CHECKOV_VERSION := 3.3.30
# make test runs whole test modules on this many processes (each module starts its own servers).
TEST_WORKERS ?= 2
MYPY_PACKAGES := muninn_shared muninn_devstack muninn_ops muninn_client muninn_gateway muninn_identity muninn_conversation muninn_memory muninn_scheduler muninn_integrations muninn_byod

export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy

.PHONY: help install run run-demo test test-unit test-integration lint format bench clean sdk

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(TOOLS_DIR)/bin/uv:
	$(PYTHON) -m venv $(TOOLS_DIR)
	$(TOOLS_DIR)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: uv.lock pyproject.toml libs/shared/pyproject.toml libs/devstack/pyproject.toml libs/ops/pyproject.toml clients/python/pyproject.toml $(wildcard services/*/pyproject.toml) | $(UV)
	$(UV) sync --all-packages --frozen
	@touch $@

$(TOOLS_VENV)/bin/checkov: | $(UV)
	$(UV) venv --quiet --allow-existing $(TOOLS_VENV)
	$(UV) pip install --quiet --python $(TOOLS_VENV)/bin/python "checkov==$(CHECKOV_VERSION)"

install: $(VENV)/.synced $(TOOLS_VENV)/bin/checkov ## install every package (editable) and the dev tools into .venv (checkov into .venv-tools)

run: install ## start the whole suite locally (Kafka, MongoDB, every service); gateway on :8080
	$(BIN)/python -m muninn_devstack run

run-demo: install ## like run, plus seeded demo calendar, contacts (Radicale) and mail (pymap) to connect
	$(BIN)/python -m muninn_devstack run --demo

test: install ## run every test: unit, integration (real Kafka/MongoDB protocols) and end-to-end
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

test-unit: install ## only the in-process tests
	$(BIN)/python -m pytest -m "not integration"

test-integration: install ## only the tests against real servers
	$(BIN)/python -m pytest -m integration

lint: install ## ruff, mypy and the architecture's import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(addprefix -p ,$(MYPY_PACKAGES)) -p tools
	$(BIN)/lint-imports --no-cache

format: install ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

sdk: install ## regenerate the Python SDK's models and resources from the services' OpenAPI
	$(BIN)/python -m tools.generate_sdk

bench: install ## run the benchmarks (they print figures; see bench/README.md)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean: ## remove the virtual environment and local data
	rm -rf $(VENV) $(TOOLS_VENV) $(TOOLS_DIR) .muninn

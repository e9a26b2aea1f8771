# One command per habit: run, test, check, bench. Each installs what is missing first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check bench deps clean

deps: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	@echo "Installing Python packages into $(VENV) (about 20 s the first time)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -r requirements.txt --group dev
	touch $@

node_modules/.installed: package.json package-lock.json
	@echo "Installing Azurite from npm (about 20 s the first time)..."
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: deps
	$(BIN)/python -m local.stack

test: deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: deps
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: deps
	$(BIN)/python -m pytest bench --benchmark-only -p no:randomly $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache

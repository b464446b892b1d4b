# CareCover — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := .make
PYTEST_ARGS ?=
SIMULATOR_VEHICLES ?= 8

.PHONY: install assets run worker test lint format bench clean browser constraints

install: $(STAMP)/venv $(STAMP)/assets

$(STAMP)/venv: pyproject.toml constraints.txt
	@mkdir -p $(STAMP)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

# Re-resolve the dependencies in a scratch venv and record the versions as constraints.
constraints:
	rm -rf $(STAMP)/lock && $(PYTHON) -m venv $(STAMP)/lock
	$(STAMP)/lock/bin/python -m pip install --quiet --upgrade pip
	$(STAMP)/lock/bin/python -m pip install --quiet -e '.[dev]'
	( echo "# Versions the test suite last passed with; 'make install' uses this file as pip constraints."; \
	  echo "# Regenerate after changing dependencies: make constraints"; \
	  $(STAMP)/lock/bin/python -m pip freeze --exclude-editable | grep -v '^carecover' ) > constraints.txt
	rm -rf $(STAMP)/lock

$(STAMP)/assets: package.json package-lock.json scripts/copy_assets.sh
	@mkdir -p $(STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	scripts/copy_assets.sh
	@touch $@

assets: $(STAMP)/assets

run: install
	$(BIN)/carecover db upgrade
	$(BIN)/carecover seed --demo --customers 2000 --cities 3
	CARECOVER_SIMULATOR_VEHICLES=$(SIMULATOR_VEHICLES) $(BIN)/carecover serve

worker: install
	$(BIN)/carecover worker

browser:
	scripts/ensure_chromium.sh

# The whole suite on SQLite; again on PostgreSQL when CARECOVER_TEST_DATABASE_URL is set.
test: install browser
	$(BIN)/pytest $(PYTEST_ARGS)
	@if [ -n "$$CARECOVER_TEST_DATABASE_URL" ]; then \
	  echo "== the same suite on $$CARECOVER_TEST_DATABASE_URL =="; \
	  CARECOVER_TEST_DIALECT=postgresql $(BIN)/pytest $(PYTEST_ARGS); \
	fi

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(STAMP) $(VENV) node_modules src/carecover/platform/web/static/vendor

# grocery: `make run` starts the app on SQLite with demo data; `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app grocery
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-dev lint i18n clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.stamp-install: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.stamp-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.stamp-install

install: $(VENV)/.stamp-install

install-dev: $(VENV)/.stamp-dev

run: install
	$(FLASK) db upgrade
	$(FLASK) demo --skip-if-loaded
	@echo "grocery: http://$(HOST):$(PORT)/"
	$(FLASK) run --host $(HOST) --port $(PORT)

# pytest exits 5 when it collected no test: said plainly, and a failure like any other.
test: install-dev
	@$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no test"; fi; exit $$status

# The code is laid out by hand (aligned continuation lines, 120 columns): ruff checks it, it does not reformat it.
lint: install-dev
	$(BIN)/ruff check .

# Extract messages, merge them into the catalogs of every language (fr, nl) and compile them (the .mo files are
# committed). Only files whose messages change are rewritten (tools/i18n.py); I18N_ARGS="--languages fr" limits it.
i18n: install-dev
	$(BIN)/python tools/i18n.py $(I18N_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

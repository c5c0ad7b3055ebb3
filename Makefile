# grocery: `make run` starts the app on SQLite with demo data; `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app grocery
PYBABEL := $(BIN)/pybabel -q
HOST ?= 127.0.0.1
PORT ?= 5000
#: Domain packages with a translation catalog of their own (grocery/<domain>/translations).
DOMAINS := households stock checkout volunteers reports imports
FOUNDATION_SOURCES := $(wildcard grocery/*.py) grocery/auth grocery/admin grocery/audit grocery/settings grocery/main \
	templates/base.html templates/_macros templates/_partials templates/errors templates/auth templates/admin \
	templates/settings templates/main
BABEL_KEYWORDS := -k _l -k lazy_gettext

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

# Extract messages, merge them into the French catalogs and compile them (the .mo files are committed).
i18n: install-dev
	$(PYBABEL) extract --sort-output -w 110 -F grocery/translations/babel.cfg $(BABEL_KEYWORDS) --no-location \
		-o grocery/translations/messages.pot $(FOUNDATION_SOURCES)
	@for d in $(DOMAINS); do \
		if [ -d grocery/$$d ]; then \
			mkdir -p grocery/$$d/translations; \
			$(PYBABEL) extract --sort-output -w 110 -F grocery/translations/babel.cfg $(BABEL_KEYWORDS) --no-location \
				-o grocery/$$d/translations/messages.pot grocery/$$d $$( [ -d templates/$$d ] && echo templates/$$d ); \
		fi; \
	done
	@for pot in grocery/translations/messages.pot grocery/*/translations/messages.pot; do \
		[ -f $$pot ] || continue; dir=$$(dirname $$pot); \
		if [ -f $$dir/fr/LC_MESSAGES/messages.po ]; then \
			$(PYBABEL) update -w 110 --no-fuzzy-matching -i $$pot -d $$dir -l fr; \
		else \
			$(PYBABEL) init -w 110 -i $$pot -d $$dir -l fr; \
		fi; \
		$(PYBABEL) compile -d $$dir -l fr; \
	done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

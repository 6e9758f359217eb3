# Mentor Ready: `make run` serves the site, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# `make run PORT=5301` serves on another port; BASE_URL follows it unless set.
PORT ?= 5000
export FLASK_APP := app

.PHONY: run test test-fast lint scan format install browser-deps bench bench-scale bench-deps clean \
	translations-extract translations-update translations-compile
TRANSLATIONS := app/translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/pybabel compile -d $(TRANSLATIONS)
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/pybabel compile -d $(TRANSLATIONS)
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

## run: create .venv, install, migrate the SQLite database, serve on http://127.0.0.1:$(PORT)
run: $(VENV)/.installed
	$(BIN)/flask db upgrade
	BASE_URL="$${BASE_URL:-http://127.0.0.1:$(PORT)}" $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## test: install test tools and Debian's chromium, then run the suite on SQLite and PostgreSQL
test: $(VENV)/.installed-test browser-deps scan
	$(BIN)/ruff check .
	$(BIN)/flask content check
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "=== PostgreSQL leg: $$TEST_DATABASE_URL ==="; \
	  MENTOR_READY_TEST_DB=postgresql $(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS); \
	else \
	  echo ""; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	  echo "!!! PostgreSQL leg NOT RUN: TEST_DATABASE_URL is not set.                    !!!"; \
	  echo "!!! Only SQLite was tested. Set TEST_DATABASE_URL=postgresql://...           !!!"; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi

## test-fast: the suite on SQLite without the browser tests
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)

## browser-deps: Debian's chromium for the browser tests (never a downloaded browser)
browser-deps:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "!!! /usr/bin/chromium is missing and apt-get cannot run here: browser tests will be skipped"; \
	  echo "!!! (install it with: sudo apt-get install chromium)"; \
	fi

## bench: every page against a bare route, 100 mentors (SQLite; PostgreSQL too with BENCH_POSTGRES_URL)
bench: $(VENV)/.installed bench-deps
	$(BIN)/python bench/run_bench.py --mentors 100 $(BENCH_ARGS)

## bench-scale: the same at 100 and 10,000 mentors, with the staff pages' cost ratio 10k/100
bench-scale: $(VENV)/.installed bench-deps
	$(BIN)/python bench/run_bench.py --mentors 100,10000 $(BENCH_ARGS)

## bench-deps: Debian's wrk, the compiled load generator
bench-deps:
	@if command -v wrk >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Debian's wrk for the bench..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	else \
	  echo "!!! wrk is missing and apt-get cannot run here (install it with: sudo apt-get install wrk)"; \
	  exit 1; \
	fi

## scan: bandit on app/ (fails on medium severity or worse), then pip-audit when an advisory service answers
scan: $(VENV)/.installed-test
	$(BIN)/bandit --quiet --recursive app --severity-level medium
	$(BIN)/python tools/audit_dependencies.py

## translations-extract: collect the interface's marked strings into app/translations/messages.pot
translations-extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-wrap --sort-by-file \
	  --project "Mentor Ready" -o $(TRANSLATIONS)/messages.pot .

## translations-update: merge the extracted strings into each language's messages.po (then translate them)
translations-update: translations-extract
	$(BIN)/pybabel update --no-wrap --ignore-obsolete -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

## translations-compile: the .mo files the app reads (also made at install and when the app starts)
translations-compile: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-artifacts

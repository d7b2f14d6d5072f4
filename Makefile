# The portal's commands. `make run` and `make test` set everything up from nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test translations bench lint format setup compile-translations policy migrate clean

# A stamp file: the virtualenv is reinstalled only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

setup: $(VENV)/.installed compile-translations

compile-translations: $(VENV)/.installed
	$(BIN)/pybabel compile --domain messages --directory locales --statistics 2>&1 | grep -v '^$$' || true

migrate: setup
	$(BIN)/python -m portal migrate

policy: setup
	$(BIN)/python build.py

run: migrate policy
	$(BIN)/python -m portal serve --port $(PORT)

test: setup node_modules/.installed
	$(BIN)/python build.py check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

translations: $(VENV)/.installed
	$(BIN)/pybabel extract --mapping-file babel.cfg --output-file locales/messages.pot \
		--project portal --copyright-holder "Xometry (Shanghai) Technology Co., Ltd." \
		--msgid-bugs-address info@xometry.asia --no-location --sort-output --no-wrap \
		--keyword lazy_gettext --keyword _l --add-comments TRANSLATORS: --ignore-dirs "node_modules var public" .
	for locale in en zh_Hans; do \
		test -f locales/$$locale/LC_MESSAGES/messages.po || \
		$(BIN)/pybabel init --domain messages --input-file locales/messages.pot \
			--output-dir locales --locale $$locale --no-wrap; \
	done
	$(BIN)/pybabel update --domain messages --input-file locales/messages.pot \
		--output-dir locales --no-fuzzy-matching --ignore-obsolete --no-wrap
	$(BIN)/pybabel compile --domain messages --directory locales --statistics

# Needs nothing more than `make run`, plus the `bench` extra it installs (Django and gunicorn for
# the peer in bench/peers/django). Debian's wrk (`apt-get install wrk`, as .ci/run does) loads
# the request benchmark, else a slower Python generator does; PostgreSQL on 127.0.0.1:5432 (user
# postgres, trust), when it answers, gets figures of its own. curl sends and fetches the
# uploads benchmark's 200 MB drawing (else httpx2 does). BENCH_ARGS=requests runs one.
bench: setup $(VENV)/.installed-bench
	$(BIN)/python -m bench $(BENCH_ARGS)

# The benchmark's own extra (the Django peer and gunicorn), with a stamp of its own.
$(VENV)/.installed-bench: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules site/public var .pytest_cache

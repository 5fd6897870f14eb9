# WeiShop: `make run` starts the demo shop, `make test` runs the whole suite.
# Only Python 3.11+ is needed; everything else is installed into .venv.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install dev lint check migrate demo clean bench miniprogram-deps

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

migrate: install
	DEBUG=1 $(PY) manage.py migrate --no-input

demo: migrate
	DEBUG=1 $(PY) manage.py load_demo

run: demo
	@$(PY) devtools/run.py $(HOST) $(PORT)

# One pytest-xdist worker per CPU, at most 4 (each has its own test database and Redis database:
# tests/settings.py). `make test PYTEST_ARGS="-n 0 -x"` runs in one process.
PYTEST_ARGS ?= -n auto --maxprocesses 4

test: dev miniprogram-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# The mini-program's jest tests (run by tests/miniprogram/) need Node: installed from the committed
# lockfile when npm is there; without it those tests skip and say why.
miniprogram-deps:
	@if command -v npm >/dev/null 2>&1; then \
	  [ miniprogram/node_modules/.package-lock.json -nt miniprogram/package-lock.json ] || \
	    (cd miniprogram && npm ci --no-audit --no-fund --loglevel=error); \
	else echo "npm not found: the mini-program tests will skip (apt-get install nodejs npm)"; fi

lint: dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) .ci/layers.py
	$(PY) -m mypy

check: dev
	DEBUG=1 $(PY) manage.py check
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

bench: dev
	$(PY) bench/catalog.py
	$(PY) bench/flash_sale.py

clean:
	rm -rf $(VENV) media staticfiles db.sqlite3 .pytest_cache .ruff_cache miniprogram/node_modules

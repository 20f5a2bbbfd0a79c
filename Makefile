# BZPEER: `make run` sets everything up and serves the site; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := run

PORT ?= 8000
UV_VERSION := 0.13.9
VENV := .venv
TOOLS := .tools
MANAGE := $(VENV)/bin/python manage.py

# Local PostgreSQL and Redis for the test suite (CI starts them when they are down).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bzpeer
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run serve install uv test lint format bench clean

$(TOOLS)/python:
	@mkdir -p $(TOOLS)
	@python=$$(scripts/find-python) && ln -sf "$$python" $(TOOLS)/python
	@echo "Using $$(readlink $(TOOLS)/python)"

# uv from PATH when it is there, else a private copy installed with pip.
uv: $(TOOLS)/python
	@if command -v uv >/dev/null 2>&1; then ln -sf "$$(command -v uv)" $(TOOLS)/uv; \
	elif [ ! -x $(TOOLS)/uv ]; then \
	  $(TOOLS)/python -m venv $(TOOLS)/uv-env && \
	  $(TOOLS)/uv-env/bin/pip install --quiet uv==$(UV_VERSION) && \
	  ln -sf uv-env/bin/uv $(TOOLS)/uv; fi

install: uv
	@UV_PYTHON="$$(readlink $(TOOLS)/python)" $(TOOLS)/uv sync --frozen --quiet

# One command: install, migrate, demo data, static files, serve (with a worker if REDIS_URL is set).
run: export DEBUG ?= 1
run: install
	$(VENV)/bin/python scripts/ensure_database.py
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) collectstatic --noinput --verbosity 0
	PORT=$(PORT) scripts/serve-dev

test: export DATABASE_URL ?= $(TEST_DATABASE_URL)
test: export REDIS_URL ?= $(TEST_REDIS_URL)
test: export SECRET_KEY ?= bzpeer-test-secret-key-not-used-anywhere-else-0123456789
test: export DEBUG := 0
test: export SECURE_SSL_REDIRECT := 0
test: export CACHE_KEY_PREFIX := bzpeer-test
test: install
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(VENV)/bin/pytest $(PYTEST_ARGS)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(VENV)/bin/python scripts/bench.py $(BENCH_ARGS)
	$(VENV)/bin/python scripts/bench_ingest.py $(BENCH_INGEST_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) staticfiles

# BZPEER: `make run` sets everything up and serves the site; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := run

PORT ?= 8000
UV_VERSION := 0.13.9
VENV := .venv
TOOLS := .tools
MANAGE := $(VENV)/bin/python manage.py

SERVICES := $(VENV)/bin/python scripts/services.py
# The suite's own settings: no DEBUG, no HTTPS redirect, a cache prefix of its own.
TEST_ENV := DEBUG=0 SECURE_SSL_REDIRECT=0 CACHE_KEY_PREFIX=bzpeer-test \
	SECRET_KEY=$${SECRET_KEY:-bzpeer-test-secret-key-not-used-anywhere-else-0123456789}
# What `make test-fast` leaves out, and how many processes share the rest.
FAST_MARKERS := not browser and not slow
FAST_WORKERS ?= 4

.PHONY: run install uv test test-fast lint format bench db-stop db-reset clean

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

# One command: install, then scripts/serve-dev starts the database (the project's embedded
# PostgreSQL unless DATABASE_URL is set), migrates, loads the demo and serves.
run: export DEBUG ?= 1
run: install
	PORT=$(PORT) scripts/serve-dev

# The whole suite; scripts/services.py finds or starts PostgreSQL and Redis and installs
# Chromium when they are missing, so this is all a fresh machine needs.
test: install
	$(TEST_ENV) $(MANAGE) collectstatic --noinput --verbosity 0
	$(TEST_ENV) $(SERVICES) run --browser -- $(VENV)/bin/pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory lint

# Everything but the browser and slow tests, in parallel (each worker its own test database
# and Redis database).
test-fast: install
	$(TEST_ENV) $(SERVICES) run -- $(VENV)/bin/pytest -m "$(FAST_MARKERS)" \
		-n $(FAST_WORKERS) $(PYTEST_ARGS)

# Style, formatting, and the import contracts between layers (pyproject.toml).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(SERVICES) run -- $(VENV)/bin/python scripts/bench.py $(BENCH_ARGS)
	$(SERVICES) run -- $(VENV)/bin/python scripts/bench_ingest.py $(BENCH_INGEST_ARGS)

# The project's embedded PostgreSQL: stop it, or delete its data (.pgdata/) to start afresh.
db-stop: install
	$(SERVICES) db stop

db-reset: install
	$(SERVICES) db reset

clean:
	rm -rf $(VENV) $(TOOLS) staticfiles

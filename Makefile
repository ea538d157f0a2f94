# The two commands (README): `make run` and `make test`. Everything else is a helper of those.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SHOPDB_HOST ?= 127.0.0.1
SHOPDB_PORT ?= 5000
SHOPDB_WORKERS ?= 2
DEMO_ASSETS ?= 300

.PHONY: run test install lint bench load schema clean ui dist

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit("ShopDB needs Python 3.11+") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

UI_SOURCES := $(wildcard frontend/package.json frontend/package-lock.json frontend/index.html frontend/vite.config.js) \
	$(shell find frontend/src -type f 2>/dev/null)

# The web UI is optional for the API: without npm (or if the build fails) ShopDB serves the API and
# its / page says how to build the UI.
frontend/dist/index.html: $(UI_SOURCES)
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "warning: npm not found; the web UI is not built (the API works; / says how to build it)" >&2; \
	elif (cd frontend && npm ci --no-audit --no-fund && npm run build); then \
		touch $@; \
	else \
		echo "warning: the web UI build failed; serving the API only" >&2; \
	fi

ui: frontend/dist/index.html

run: install ui
	$(BIN)/shopdb db upgrade
	$(BIN)/shopdb plugin upgrade-all
	$(BIN)/shopdb demo --if-empty --assets $(DEMO_ASSETS)
	@echo "ShopDB on http://$(SHOPDB_HOST):$(SHOPDB_PORT)/  (health: /api/v1/health, API docs: /api/v1/docs)"
	@# The outbox worker (webhook/e-mail deliveries) runs beside gunicorn and stops when it stops.
	$(BIN)/shopdb worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
	$(BIN)/gunicorn --workers $(SHOPDB_WORKERS) --worker-class gthread --threads $(or $(SHOPDB_THREADS),32) \
		--bind $(SHOPDB_HOST):$(SHOPDB_PORT) --access-logfile - 'shopdb:create_app()'

# Two pytest workers (TEST_WORKERS=0 runs in one process). A test module stays on one worker, a test class
# too (--dist loadscope: a long module splits its tests into classes to share the work), and each worker
# has its own MariaDB/PostgreSQL database (shopdb.testing.server_url).
TEST_WORKERS ?= 2

test: install ui
	$(BIN)/ruff check src plugins tests bench
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope

# The product: dist/shopdb-*.whl and the sdist, carrying the six plugins and the built UI (ADR 0014).
dist: install ui
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist

lint: install
	$(BIN)/ruff check src plugins tests bench

schema: install
	$(BIN)/shopdb db export-schema --dialect mysql -o docs/schema/mysql.sql

# Benchmark and load test (docs/PERFORMANCE.md): SQLite always; PostgreSQL/MariaDB when
# SHOPDB_BENCH_POSTGRES_URL / SHOPDB_BENCH_MYSQL_URL name a database they may empty. Plants are cached in
# bench/.cache. BENCH_ARGS/LOAD_ARGS pass options, e.g. `make bench BENCH_ARGS=--quick`.
BENCH_ARGS ?=
LOAD_ARGS ?=

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

load: install
	$(BIN)/python bench/load.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) instance build dist src/*.egg-info frontend/dist frontend/node_modules

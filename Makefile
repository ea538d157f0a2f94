# The two commands (README): `make run` and `make test`. Everything else is a helper of those.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SHOPDB_HOST ?= 127.0.0.1
SHOPDB_PORT ?= 5000
SHOPDB_WORKERS ?= 2
DEMO_ASSETS ?= 300

.PHONY: run test install lint bench schema clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit("ShopDB needs Python 3.11+") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/shopdb db upgrade
	$(BIN)/shopdb plugin upgrade-all
	$(BIN)/shopdb demo --if-empty --assets $(DEMO_ASSETS)
	@echo "ShopDB on http://$(SHOPDB_HOST):$(SHOPDB_PORT)/api/v1/health  (API docs: /api/v1/docs)"
	exec $(BIN)/gunicorn --workers $(SHOPDB_WORKERS) --bind $(SHOPDB_HOST):$(SHOPDB_PORT) \
		--access-logfile - 'shopdb:create_app()'

test: install
	$(BIN)/ruff check src plugins tests bench
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check src plugins tests bench

schema: install
	$(BIN)/shopdb db export-schema --dialect mysql -o docs/schema/mysql.sql

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance build dist src/*.egg-info

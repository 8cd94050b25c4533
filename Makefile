# brokerguard: set-up and everyday commands. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
DEMO_DB ?= var/demo/brokerguard.db
HOST ?= 127.0.0.1
PORT ?= 8000
B ?=

.PHONY: demo test lint typecheck pytest bench install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the demo runs the video-ID analyser, so the plain install includes the `video` extra
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[video]'
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

## make demo: fresh demo database, demo firm, assessments, reports, web app on $(HOST):$(PORT)
## and the worker beside it (scheduled jobs, notifications); Ctrl+C stops both
demo: $(STAMP)
	$(BIN)/brokerguard demo --database "$(DEMO_DB)" --host $(HOST) --port $(PORT)

## make test: lint (ruff), types (mypy --strict), tests (pytest on SQLite and PostgreSQL)
test: lint typecheck pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

PYTEST_WORKERS ?= auto

pytest: $(DEV_STAMP)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS)

## make bench [B=NAME]: speed and memory figures as JSON lines
bench: $(DEV_STAMP)
	$(BIN)/python -m benchmarks $(B)

clean:
	rm -rf $(VENV) var build dist .mypy_cache .ruff_cache

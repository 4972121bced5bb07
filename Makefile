# The front door. `make dev` and `make test` set everything up themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export NO_MKDOCS_2_WARNING := 1

.PHONY: dev test test-fast lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## dev: run the whole contest locally on http://127.0.0.1:8000 (CONTEST_CLOCK=... to set the clock)
dev: $(STAMP)
	$(BIN)/contest dev

## test: install what is needed and run the whole suite
test: $(STAMP)
	$(BIN)/pytest -p no:cacheprovider

## test-fast: unit tests only
test-fast: $(STAMP)
	$(BIN)/pytest tests/unit -q

## lint: ruff and mypy
lint: $(STAMP)
	$(BIN)/ruff check src functions tests benchmarks
	$(BIN)/mypy src functions

## bench: performance runs; results printed and written under build/bench/
bench: $(STAMP)
	$(PY) benchmarks/cold_start.py

clean:
	rm -rf build .dev

.PHONY: site
## site: build the contest website alone into build/site (mkdocs build --strict, pages generated from content/)
site: $(STAMP)
	$(PY) -c "from pathlib import Path; from contest.sitebuild import build; build(Path('.'), Path('build/site'))"

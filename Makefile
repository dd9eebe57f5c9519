# Two commands for a fresh machine: `make run` (set up, run the default scenario) and `make test` (set up, run every test).
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/oxfordshire_2014.toml

.PHONY: setup run test app bench clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { scripts/find-python; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml scripts/fetch_solara_assets.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python scripts/fetch_solara_assets.py
	touch $@

setup: $(VENV)/.installed

run: setup
	$(BIN)/negotiation run $(SCENARIO)

test: setup
	scripts/ensure-chromium
	$(BIN)/python -m pytest

app: setup
	$(BIN)/negotiation app

bench: setup
	$(BIN)/python benchmarks/run_speed.py
	$(BIN)/python benchmarks/app_step.py
	$(BIN)/python benchmarks/sweep.py

clean:
	rm -rf $(VENV) .pytest_cache

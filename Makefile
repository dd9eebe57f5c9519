# Two commands for a fresh machine: `make run` (set up, run the default scenario) and `make test` (set up, run every test).
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= oxfordshire_2014

.PHONY: setup run test lint app bench lock clean
export UV_PYTHON_DOWNLOADS := never

# Everything (all extras), pinned by constraints.txt; uv if available, else pip (see scripts/install).
$(VENV)/.installed: pyproject.toml constraints.txt scripts/install
	@test -n "$(PYTHON)" || { scripts/find-python; exit 1; }
	scripts/install $(VENV) $(PYTHON)
	$(BIN)/negotiation fetch-assets
	touch $@

setup: $(VENV)/.installed

run: setup
	$(BIN)/negotiation run $(SCENARIO)

test: setup
	scripts/ensure-chromium
	$(BIN)/python -m pytest

# Lint (ruff) and types (mypy) over negotiation/; the settings are in pyproject.toml.
lint: setup
	$(BIN)/ruff check negotiation tests scripts
	$(BIN)/mypy

app: setup
	$(BIN)/negotiation app

bench: setup
	$(BIN)/python benchmarks/run_speed.py
	$(BIN)/python benchmarks/app_step.py
	$(BIN)/python benchmarks/sweep.py

# Re-pin every dependency (all extras) to the newest versions that fit pyproject.toml.
lock:
	uv pip compile pyproject.toml --all-extras --universal --python-version 3.12 -q -o constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache dist

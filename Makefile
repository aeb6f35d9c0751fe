# gvi-sim — the targets a newcomer can guess.
#   make demo    build the environment and run the main job
#   make test    build the environment and run the test suite (lint + fast tests)
#   make app     serve the trainers' browser app on http://127.0.0.1:8765/
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
GVI    := $(VENV)/bin/gvi
STAMP  := $(VENV)/.installed

.PHONY: help install demo test test-slow test-all lint format bench equivalence reliability patterns docs lock clean app chromium

help:
	@echo "make demo | test | test-slow | bench | equivalence | reliability | patterns | lint | format | docs | app | chromium | clean"

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "gvi-sim needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(GVI) compare baseline gvi deterrence_only support_only crackdown gvi_lapse --replicates 50

test: $(STAMP) lint
	$(PY) -m pytest

test-slow: $(STAMP)
	$(PY) -m pytest -m slow || [ $$? -eq 5 ]  # 5: no slow tests selected

test-all: $(STAMP)
	$(PY) -m pytest -m "slow or not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/codespell .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	$(PY) -m benchmarks.bench

# Results of the working tree against HEAD over 200 seeds (issue 14); exit 1 if they differ
equivalence: $(STAMP)
	$(PY) -m benchmarks.equivalence

reliability: $(STAMP)
	$(PY) -m benchmarks.reliability

patterns: $(STAMP)
	$(GVI) check-patterns baseline
	$(GVI) check-patterns gvi

# The trainers' browser app; e.g. make app APP_ARGS="--lang sv --port 8800"
APP_ARGS ?=
app: $(STAMP)
	$(GVI) app $(APP_ARGS)

# The browser tests drive Debian's chromium (Playwright's own download is not used);
# as root (CI) it is installed, otherwise the tests are skipped until it is.
chromium:
	@if [ -x /usr/bin/chromium ]; then echo "chromium: /usr/bin/chromium"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y --no-install-recommends chromium; \
	else echo "chromium is missing: sudo apt-get install chromium (browser tests skip without it)"; fi

docs: $(STAMP)
	$(PY) -m gvi.docs

lock: $(STAMP)
	$(PY) -m pip freeze --exclude-editable | grep -v '^gvi-sim' > requirements.lock.new
	@{ echo "# Pinned versions of every dependency (runtime and dev), installed by 'make install'."; echo "# Refresh with: make lock"; cat requirements.lock.new; } > requirements.lock
	@rm -f requirements.lock.new

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build dist *.egg-info

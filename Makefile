# Quick start:  make demo       (generate demo data, run the pipeline, publish)
#               make test       (lint and the whole test suite)
#               make test-fast  (a developer's minute or two: no pipeline run, server,
#                               browser or Spark; see FAST below)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV_VERSION := 0.13.9
export DO_NOT_TRACK=1
export DBT_SEND_ANONYMOUS_USAGE_STATS=false
export GX_ANALYTICS_ENABLED=false
export DAGSTER_DISABLE_TELEMETRY=1
SQL_DIRS := $(wildcard models macros tests/dbt reports_sql)

.PHONY: setup demo test test-fast lint browser java dagster bench clean

setup: $(VENV)/.installed

# Bytecode is compiled at install: every process (dbt, Dagster, GX) then starts faster, even
# where PYTHONDONTWRITEBYTECODE stops Python from caching it itself.
$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"
	@$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -r requirements.lock
	@$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@touch $@

demo: setup
	@$(BIN)/primed demo

# On two workers (pytest-xdist), whole modules to a worker in the order tests/conftest.py sets
# (Spark's first); `make test PYTEST_WORKERS=0` runs them in one process, one after another;
# PYTEST_ARGS adds options (e.g. PYTEST_ARGS=--durations=25).
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
PYTEST := $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder \
	$(PYTEST_ARGS)
# The tests that run no pipeline and start no server, browser or Spark (markers: pyproject.toml).
FAST := not slow and not browser and not postgres and not spark

# Lint runs beside the tests, its output shown after theirs: the tests leave the two cores room
# for it (servers starting, a browser, waits), and `make test` ends about half a minute sooner.
# It fails if either fails.
test: setup browser java
	@log=$$(mktemp); $(MAKE) --no-print-directory lint >$$log 2>&1 & lint=$$!; \
	$(PYTEST); tests=$$?; wait $$lint; linted=$$?; \
	cat $$log; rm -f $$log; [ $$tests = 0 ] && [ $$linted = 0 ]

test-fast: setup
	@$(PYTEST) -m "$(FAST)"

# The report tests drive Debian's headless Chromium (installed once; needs root or sudo).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The Spark tests run a local SparkSession: Java 17 or later (Debian's, installed once as above).
java:
	@java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])' || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

# sqlfluff parses on both cores (its worker pool's semaphore warning at exit is only noise).
lint: setup
	@$(BIN)/ruff format --check .
	@$(BIN)/ruff check .
	@PYTHONWARNINGS=ignore::UserWarning:multiprocessing.resource_tracker $(BIN)/sqlfluff lint $(SQL_DIRS) --disable-progress-bar --nocolor --processes 2

dagster: setup
	@$(BIN)/primed dagster

bench: setup
	@$(BIN)/python bench/benchmark.py

clean:
	rm -rf $(VENV) target logs data warehouse

# Everything a fresh machine needs, from Python 3.11+ alone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Test processes: one per core (each has its own databases; the PostgreSQL tests, a schema each).
TEST_WORKERS ?= auto

.PHONY: demo test lint bench install clean

$(BIN)/scr-bot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/scr-bot

## Set up and run the bot's main job on the embedded defaults (SQLite, local Slack stand-in).
demo: install
	$(BIN)/scr-bot demo

## Set up and run the whole test suite (PostgreSQL tests run when TEST_DATABASE_URL is set).
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot storage benchmarks
	$(BIN)/lint-imports
	$(BIN)/pytest --numprocesses $(TEST_WORKERS)

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache

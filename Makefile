# Two commands do everything on a fresh machine with Python 3.11:
#   make run   - install and start the service on http://127.0.0.1:8000
#   make test  - install everything and run lint, types and tests
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.8
export UV_PYTHON_DOWNLOADS := never
# Compile bytecode at install: every later start (the service, its workers, test servers)
# then skips compiling the Agents SDK and openai from source, about 2 s each.
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: run test install install-dev install-bench lint typecheck imports unit bench lock clean

run: install
	$(BIN)/buddy serve

test: install-dev lint typecheck imports unit

# The project venv is made with the stock venv module; uv is bootstrapped inside it.
$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

install: $(UV)
	$(UV) sync --locked --inexact

# The wheel test (tests/deploy) builds and installs offline from uv's cache: `sync` puts the
# locked wheels there, and one `uv build` now puts the build backend there too.
install-dev: $(UV)
	$(UV) sync --locked --inexact --extra dev
	bash scripts/ensure_chromium.sh
	bash scripts/ensure_promtool.sh
	$(UV) build --quiet --wheel --out-dir $(VENV)/deploy-check

# Benchmark-only extras (sqlite-vec for the side-by-side dense search figures).
install-bench: $(UV)
	$(UV) sync --locked --inexact --extra dev --extra bench

bench: install-bench
	PYTHON=$(BIN)/python bash scripts/bench.sh

lint:
	$(BIN)/ruff format --check src tests benchmarks evals deploy
	$(BIN)/ruff check src tests benchmarks evals deploy

typecheck:
	$(BIN)/mypy

imports:
	$(BIN)/lint-imports

unit:
	$(BIN)/pytest

lock: $(UV)
	$(UV) lock

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache

# kneeapp's two commands:  `make run` (set up and serve everything)  and  `make test`.
# PYTHON=/path/to/python3.12 picks the interpreter; otherwise the newest 3.12+ on PATH or
# under pyenv is used. `make run PORT=8001` serves on another port, `make run ADDR=0.0.0.0:8001`
# on every interface too (ADDR wins over PORT).

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
ADDR ?= 127.0.0.1:$(PORT)

find_python = for p in "$$PYTHON" python3.13 python3.12 python3 \
	  $$(ls -d "$$(pyenv root 2>/dev/null || echo ~/.pyenv)"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	  [ -n "$$p" ] && command -v "$$p" >/dev/null 2>&1 && \
	  "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v "$$p"; break; }; \
	done

.PHONY: run test setup demo-passwords test-setup lint format bench clean

$(STAMP): requirements-dev.lock
	@py=$$($(find_python)); \
	if [ -z "$$py" ]; then echo "kneeapp needs Python 3.12 or newer: install it, or run make PYTHON=/path/to/python3.12" >&2; exit 1; fi; \
	echo "Using $$py ($$($$py --version))"; \
	[ -x $(PY) ] || "$$py" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $(STAMP)

setup: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo

## Command 1: set up, then serve the app with a Celery worker and beat on http://127.0.0.1:8000
## (PORT=8001 or ADDR=host:port for another address). The demo accounts are listed last, once
## it is running: with their passwords on the first run, which `make demo-passwords` renews.
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py run_embedded --addr '$(ADDR)' --demo

# New random passwords for the demo accounts, printed (only their hashes are kept).
demo-passwords: $(STAMP)
	$(PY) manage.py demo_passwords

# Debian packages the browser tests need (Chromium); installed only when missing.
test-setup: $(STAMP)
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "Installing Chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi
	@if ! command -v redis-server >/dev/null 2>&1; then \
	  echo "Installing redis-server (the fault tests start their own, to stop it)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server >/dev/null; \
	fi
	@command -v node >/dev/null 2>&1 || { echo "Node.js 20+ is needed for the JavaScript tests" >&2; exit 1; }
	@[ -f tests/browser/axe/node_modules/axe-core/axe.min.js ] || npm ci --prefix tests/browser/axe --no-audit --no-fund --silent

## Command 2: set up, then run every test (lint, Python, JavaScript, browser).
## With CI=true (or KNEEAPP_TEST_PRODUCTION=1) the suite also runs on PostgreSQL and Redis,
## beside the SQLite run (two processes for two cores), in a var/ of its own; its output is
## printed once it ends.
PRODUCTION_TEST_ENV = DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/0} \
	KNEEAPP_TEST_WORKER_REDIS_URL=$${TEST_WORKER_REDIS_URL:-redis://127.0.0.1:6379/10} \
	KNEEAPP_VAR_DIR=$(CURDIR)/var/test-production

test: test-setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	node --test tests/js/
	@if [ "$$CI" = true ] || [ -n "$$KNEEAPP_TEST_PRODUCTION" ]; then \
	  mkdir -p var; log=var/test-production.log; \
	  echo "== the production path (PostgreSQL and Redis) runs beside this one, into $$log =="; \
	  $(PRODUCTION_TEST_ENV) $(PY) -m pytest -q -p no:cacheprovider -m "not browser" >$$log 2>&1 & \
	  production=$$!; \
	  $(PY) -m pytest -q; sqlite=$$?; \
	  wait $$production; production_status=$$?; \
	  echo "== the production path: PostgreSQL and Redis =="; cat $$log; \
	  [ $$sqlite = 0 ] && [ $$production_status = 0 ]; \
	else \
	  $(PY) -m pytest -q; \
	fi

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# The HTTP benchmarks drive the server with Debian's wrk; installed only when missing.
bench: $(STAMP)
	@if ! command -v wrk >/dev/null 2>&1; then \
	  echo "Installing wrk for the HTTP benchmarks"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; \
	fi
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache

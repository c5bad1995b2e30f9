# The two commands: `make run` (the app) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
REPLICAS ?= 2

.PHONY: run test check lint bench chromium nginx replicas screenshots

$(VENV)/.req-app: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.req-dev: $(VENV)/.req-app requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

run: $(VENV)/.req-app
	$(PY) -m streamlit run app.py --server.port $(PORT)

# Debian's chromium for the browser tests (Playwright's own browser download is unreachable here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

# Debian's nginx, for the replicas setup (deploy/replicas.py) and its test.
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nginx; }

# REPLICAS app processes behind nginx on 127.0.0.1:PORT, sticky sessions (docs/deploy.md).
replicas: $(VENV)/.req-app nginx
	$(PY) -m deploy.replicas --replicas $(REPLICAS) --port $(PORT)

lint: $(VENV)/.req-dev
	$(PY) -m ruff check .

# The quick loop: ruff and every test that needs no browser, nginx or server process.
check: $(VENV)/.req-dev
	$(PY) -m ruff check .
	$(PY) -m pytest -m "not browser and not server"

test: $(VENV)/.req-dev chromium nginx
	$(PY) -m ruff check .
	LRP_REQUIRE_NGINX=1 $(PY) -m pytest

bench: $(VENV)/.req-dev chromium nginx
	$(PY) -m benchmarks

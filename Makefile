# Two commands set kgdiag up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DB     ?= var/kgdiag.db
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint typecheck venv clean browser shopdb-server cypher-lint bench bench-tools lock docs-shots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# requirements.lock pins every runtime and test dependency; each install below
# takes it as constraints (-c), so every machine and CI get the versions that
# were tested. `make lock` refreshes it (after editing pyproject.toml's
# dependencies, or to take newer versions), from a fresh venv, never this one.
LOCK := requirements.lock

# The runtime install: a plain (non-editable) install, as a shop would deploy it.
$(VENV)/.run-installed: pyproject.toml $(LOCK) $(BIN)/python $(shell find kgdiag graph diagnostics casework appstate schema seed api adapters shop web -type f -not -path '*/__pycache__/*')
	$(BIN)/pip install --quiet -c $(LOCK) .
	rm -f $(VENV)/.test-installed
	touch $@

run: $(VENV)/.run-installed
	@mkdir -p $(dir $(DB))
	@if [ ! -f "$(DB)" ]; then \
		$(BIN)/kgdiag init --db "$(DB)" && \
		echo "Admin token (shown once, keep it safe):" && \
		$(BIN)/kgdiag token create --db "$(DB)" --role admin --name admin | tail -n 1; \
	fi
	$(BIN)/kgdiag serve --db "$(DB)" --host $(HOST) --port $(PORT)

# The test install is editable so tests run the working tree.
$(VENV)/.test-installed: pyproject.toml $(LOCK) $(BIN)/python
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[test]'
	rm -f $(VENV)/.run-installed
	touch $@

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.test-installed
	$(BIN)/mypy

# The browser tests need Debian's chromium and CJK fonts. Installed where we
# can (as root, with apt); elsewhere those tests are skipped with the reason.
browser:
	@if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "noto sans cjk"; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium and fonts-noto-cjk for the browser tests"; \
		(apt-get install -y -q chromium fonts-noto-cjk >/dev/null || \
		 (apt-get update -q >/dev/null && apt-get install -y -q chromium fonts-noto-cjk >/dev/null)) || \
		echo "could not install chromium: the browser tests will be skipped"; \
	else echo "not root or no apt-get: the browser tests will be skipped"; fi

# The shop-database tests start their own MariaDB (Debian's mariadb-server) on a
# temporary data directory and a loopback port; only the binaries are needed.
# Installed where we can (as root, with apt); elsewhere those tests are skipped.
shopdb-server:
	@if [ -x /usr/sbin/mariadbd ] && command -v mariadb-install-db >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing mariadb-server for the shop-database tests"; \
		(apt-get install -y -q mariadb-server >/dev/null || \
		 (apt-get update -q >/dev/null && apt-get install -y -q mariadb-server >/dev/null)) || \
		echo "could not install mariadb-server: the shop-database tests will be skipped"; \
	else echo "not root or no apt-get: the shop-database tests will be skipped"; fi

# Neo4j's own Cypher linter (npm) checks every statement the Neo4j backend sends:
# no Neo4j server can run in CI, so this is what catches a typo there.
tools/cypher-lint/node_modules/.installed: tools/cypher-lint/package.json tools/cypher-lint/package-lock.json
	npm ci --prefix tools/cypher-lint --no-audit --no-fund --loglevel=error
	touch $@

cypher-lint: $(VENV)/.test-installed tools/cypher-lint/node_modules/.installed
	$(BIN)/python -m graph.neo4j_cypher | node tools/cypher-lint/lint.mjs

test: $(VENV)/.test-installed lint typecheck cypher-lint browser shopdb-server
	$(BIN)/python -m pytest

# The README's screenshots (docs/console.png, docs/training.png), taken again by
# the browser test that checks them; without KGDIAG_DOCS_SHOTS it writes to build/.
docs-shots: $(VENV)/.test-installed browser
	KGDIAG_DOCS_SHOTS=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/browser/test_docs_shots.py

# Not part of make test: numbers, not pass/fail (build/bench/report.md).
# pgmpy (the peer) comes with the bench extra; wrk from Debian where we are root.
$(VENV)/.bench-installed: pyproject.toml $(VENV)/.test-installed
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[test,bench]'
	touch $@

bench-tools:
	@if command -v wrk >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y -q wrk >/dev/null || \
		 (apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null)) || \
		echo "could not install wrk: the HTTP figures will be skipped"; \
	else echo "no wrk and not root: the HTTP figures will be skipped"; fi

bench: $(VENV)/.bench-installed bench-tools
	$(BIN)/python -m bench.run

lock:
	rm -rf build/lock-venv
	$(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/pip install --quiet --upgrade pip
	build/lock-venv/bin/pip install --quiet '.[test]'
	{ echo "# Pinned runtime and test dependencies: written by \`make lock\` (pip freeze"; \
	  echo "# of a fresh venv with kgdiag[test]); every make install uses it with -c."; \
	  build/lock-venv/bin/pip freeze --exclude kgdiag; } > $(LOCK)
	rm -rf build/lock-venv

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache tools/cypher-lint/node_modules

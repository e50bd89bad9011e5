# Two commands on a fresh machine: `make demo` and `make test`. Everything else is set up here.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARTICLES ?= 500

.PHONY: demo test lint typecheck check bench bench-large browse pywb clean wordpress wordpress-report

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# No pip upgrade: install with the pip users get from `python3 -m venv`, so a dependency
	# that only a newer pip resolves fails here first (scripts/install_check.sh tests it too).
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# An editable install writes no bytecode; with PYTHONDONTWRITEBYTECODE set neither
	# does Python, and every run would compile ifpcrawl again (~25 ms a start).
	$(BIN)/python -m compileall -q ifpcrawl
	touch $(STAMP)

# Serve the offline replica, crawl it into demo.db (never ifp.db: a user's archive), print a summary.
demo: $(STAMP)
	$(BIN)/python scripts/demo.py --articles $(ARTICLES) --store demo.db

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check ifpcrawl tests bench scripts
	$(BIN)/ruff format --check ifpcrawl tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

bench: $(STAMP)
	$(BIN)/python -m bench.run --articles 2000

bench-large: $(STAMP)
	$(BIN)/python -m bench.run --articles 2000 --articles-large 20000

# A real WordPress (Debian's package, seeded) on 127.0.0.1 until Ctrl-C; THEME and PERMALINKS
# pick what it shows. wordpress-report crawls it under every theme and prints the figures.
THEME ?= twentytwentyone
PERMALINKS ?= /%postname%/
wordpress: $(STAMP)
	bash tests/wordpress/setup_wp.sh
	$(BIN)/python -m tests.wordpress.harness $(THEME) '$(PERMALINKS)'

wordpress-report: $(STAMP)
	bash tests/wordpress/setup_wp.sh
	$(BIN)/python -m tests.wordpress.report

# pywb replays the WARC captures in tests/test_archive.py. It pins redis<3 (ifpcrawl needs
# redis>=5), so it lives in its own venv; the tests find it at .venv-pywb.
PYWB_VENV ?= .venv-pywb
$(PYWB_VENV)/.installed:
	test -x $(PYWB_VENV)/bin/python || $(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet 'pywb>=2.7'
	touch $@
pywb: $(PYWB_VENV)/.installed

# The store in Datasette on http://127.0.0.1:8001/ (search, canned queries): README "Browse".
STORE ?= ifp.db
browse: $(STAMP)
	$(BIN)/python -m ifpcrawl.browse $(STORE)

clean:
	rm -rf $(VENV) $(PYWB_VENV) .pytest_cache .mypy_cache .ruff_cache demo.db demo.db-wal demo.db-shm demo.db.lock

# The two commands of the README. Both work on a fresh machine with only Python 3.11.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# The coverage floor is `fail_under` in pyproject.toml; `make test COVERAGE=` runs without it
# (for a part of the suite, e.g. PYTEST_ARGS=tests/ui).
COVERAGE ?= --cov

.PHONY: run test install lock lint format migrate demo clean vendor

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11 ($(PYTHON) not found; set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Exactly the locked versions (requirements/dev.txt, every file checked against its hash), then
# the project itself, which adds no dependency of its own.
$(STAMP): pyproject.toml requirements/dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --upgrade --quiet pip
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

install: $(STAMP)

# The lock files from pyproject.toml, with hashes, for Python 3.11 on Linux x86_64 whichever
# machine runs this: requirements/base.txt (the runtime dependencies, what the Docker image
# installs) and requirements/dev.txt (those at the same versions, plus the dev and browser
# extras). Pins already in the files are kept where pyproject.toml allows them;
# `make lock LOCK_ARGS=--upgrade` moves every package to its newest allowed release.
LOCK_ARGS ?=
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes \
	--python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
	--custom-compile-command 'make lock' $(LOCK_ARGS)
# (not after `install`: a dependency added to pyproject.toml is locked before it can be installed)
lock: | $(BIN)/python
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv
	$(UV_COMPILE) --output-file requirements/base.txt
	$(UV_COMPILE) --extra dev --extra browser --constraint requirements/base.txt \
		--output-file requirements/dev.txt

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py seed_demo

run: demo
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	@PW=$$($(BIN)/python manage.py shell --verbosity 0 -c "from django.conf import settings; print(settings.DEMO_PASSWORD)"); \
	echo ""; \
	echo "  重点项目管理平台 http://$(HOST):$(PORT)/   (API docs: http://$(HOST):$(PORT)/api/docs/)"; \
	echo "  演示账号 demo login: city / $$PW (市级管理员), shinan / $$PW (市南区经办人), admin / $$PW (超级用户)"; \
	echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint --lint .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n auto $(COVERAGE) $(PYTEST_ARGS)

# The checks of `make test` without the suite. mypy is incremental (.mypy_cache/: about 25 s
# the first time, 2 s after); lint-imports keeps .import_linter_cache/.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint --lint .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .coverage .coverage.*

# Refresh the vendored front-end assets from the npm registry (needs npm; not needed to run).
HTMX_VERSION := 2.0.11
ECHARTS_VERSION := 5.6.0
vendor:
	@tmp=$$(mktemp -d) && cd $$tmp && \
	npm pack --silent htmx.org@$(HTMX_VERSION) echarts@$(ECHARTS_VERSION) >/dev/null && \
	mkdir h e && tar xzf htmx.org-$(HTMX_VERSION).tgz -C h && tar xzf echarts-$(ECHARTS_VERSION).tgz -C e && \
	cp h/package/dist/htmx.min.js h/package/LICENSE $(CURDIR)/static/vendor/htmx/ && \
	cp e/package/dist/echarts.min.js e/package/LICENSE $(CURDIR)/static/vendor/echarts/ && \
	rm -rf $$tmp
	sha256sum static/vendor/htmx/htmx.min.js static/vendor/echarts/echarts.min.js

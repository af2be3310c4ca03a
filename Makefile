# Market Link — the two commands are `make run` and `make test`; the rest are the steps they use.
SHELL := /bin/bash
# Python keeps what it compiles (__pycache__, ignored by git) even where the environment says not to
# (PYTHONDONTWRITEBYTECODE, set on these machines): otherwise every process compiles every module it imports
# again — ~5 s of CPU for Django and our apps, in each web, worker and manage.py process and in each of the
# suite's hundreds of child processes (the worker-fault tests: 158 → 77 s of CPU).
unexport PYTHONDONTWRITEBYTECODE
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Tests run on PostgreSQL and Redis (see README); override to use other servers.
TEST_ENV := MARKET_ENV=test DJANGO_SETTINGS_MODULE=tests.settings
# Three pytest workers on the machine's two cores, each with its own test database and Redis databases: the
# ten-minute soak (marked long, collected first) holds one worker while using a fraction of a core, so two more
# keep both cores busy with the rest. A file's tests stay on one worker (module fixtures such as the seeded demo
# are built once), in collection order. PYTEST_ARGS= runs serially. The 25 slowest tests are listed at the end:
# the suite has a 30-minute budget on two cores.
PYTEST_ARGS ?= -n 3 --dist loadfile --no-loadscope-reorder --durations=25

.PHONY: help setup run test lint format migrations-check schema schema-check compose-check audit audit-deps audit-tools services system-packages messages messages-update bench clean

help:
	@echo "make run    – set up, migrate SQLite, seed the demo, start web + worker + beat (no server needed)"
	@echo "make test   – set up, start PostgreSQL/Redis if needed, lint, check migrations/schema/compose, audit the lock file, run pytest"
	@echo "make audit  – Lighthouse and axe on the main pages against a production-like server: var/audit/report.{json,md}"
	@echo "make lint | format | schema | messages | audit-deps | bench | clean"

setup: $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock
	@scripts/bootstrap
	@touch $@

system-packages:
	@scripts/system-packages

messages: setup
	@$(PY) manage.py compilemessages --ignore '.venv/*' -v0

# After adding user-facing strings: collect them into locale/vi/LC_MESSAGES/django.po and fill it from the
# translation sources locale/vi/*.json (put the Vietnamese there: it merges cleanly, the .po does not).
messages-update: setup
	$(PY) manage.py makemessages -l vi --ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'var/*'
	$(PY) scripts/fill-translations

run: setup messages
	@mkdir -p "$${MARKET_VAR_DIR:-var}"
	@$(PY) manage.py migrate --noinput -v0
	@$(PY) manage.py seed_demo
	@exec $(PY) manage.py run_local --port $(PORT)

services:
	@scripts/ensure-services

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	MARKET_ENV=test $(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: setup
	$(TEST_ENV) DATABASE_URL=sqlite://:memory: $(PY) manage.py makemigrations --check --dry-run

schema: setup
	$(TEST_ENV) $(PY) manage.py spectacular --lang en --validate --fail-on-warn --file docs/openapi.yaml

schema-check: setup
	@$(TEST_ENV) $(PY) manage.py spectacular --lang en --validate --fail-on-warn --file $(VENV)/openapi.current.yaml
	@diff -q docs/openapi.yaml $(VENV)/openapi.current.yaml >/dev/null || { echo "docs/openapi.yaml is stale: run 'make schema' and commit it"; exit 1; }

# POSTGRES_PASSWORD and MINIO_ROOT_PASSWORD are required by the file; validation only needs them to be set.
compose-check: setup
	@POSTGRES_PASSWORD=validation-only MINIO_ROOT_PASSWORD=validation-only $$($(PY) -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).parent / "docker-compose")') -f docker-compose.yml config -q

# The exact versions in uv.lock against the advisory database (scripts/audit-dependencies says how it judges:
# a fixed advisory fails, one without a fix must be listed in audit-ignore.txt and is printed every run, and an
# unreachable advisory service is reported as NOT AUDITED — a failure with AUDIT_REQUIRED=1).
audit-deps: setup
	@$(PY) scripts/audit-dependencies

# Lighthouse from frontend/audit/package-lock.json (npm ci), outside the repository's tracked files.
LIGHTHOUSE_DIR := var/lighthouse
audit-tools: $(LIGHTHOUSE_DIR)/.installed

$(LIGHTHOUSE_DIR)/.installed: frontend/audit/package.json frontend/audit/package-lock.json
	@mkdir -p $(LIGHTHOUSE_DIR)
	@cp frontend/audit/package.json frontend/audit/package-lock.json $(LIGHTHOUSE_DIR)/
	@cd $(LIGHTHOUSE_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# The pages' report (frontend/audit): Lighthouse mobile, median of 3 runs, and axe with every rule, on the demo
# served as production serves it; writes var/audit/report.{json,md} and fails when a page misses a target
# (~6 min). AUDIT_ARGS="--runs 1 --page home" for a quick look; the suite runs it with one run per page.
audit: setup system-packages messages audit-tools
	$(PY) -m frontend.audit $(AUDIT_ARGS)

test: setup system-packages messages services lint migrations-check schema-check compose-check audit-deps audit-tools
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# The benchmark report (bench/report): every read measured A/B against a bare Django view, then checkouts,
# races, the webhook storm, reconciliation and the notification relay; generates the 100,000-product catalogue
# when missing; writes bench/results/<time>.{json,md} and latest.md and prints the table (~30 min).
# BENCH_ARGS="--scale 1000000" adds the reads at 1,000,000 products; "--duration 3 --rounds 1" for a quick look.
bench: setup system-packages services
	$(TEST_ENV) $(PY) -m bench report $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache

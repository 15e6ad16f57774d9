# Yimen: `make run` starts it on SQLite with demo data; `make test` runs every test.
SHELL := /bin/bash
PY := .venv/bin/python
YIMEN := .venv/bin/yimen
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= small
export DJANGO_SETTINGS_MODULE ?= yimen.config.settings.local

.PHONY: run setup demo test test-sqlite test-postgres test-e2e lint format bench clean

.venv/.installed: pyproject.toml
	@test -x $(PY) || python3 -m venv .venv
	@# pip's notes about configured package mirrors that this machine lacks are noise; errors still show.
	@.venv/bin/pip install -q --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v '^WARNING: Location' ; exit $${PIPESTATUS[0]}
	@touch $@

setup: .venv/.installed

demo: setup
	@mkdir -p var
	@$(YIMEN) migrate --noinput -v0
	@$(YIMEN) demo load --scale $(SCALE)
	@$(YIMEN) events train --if-missing
	@# 数据融合 demo: department extracts of 2,000 people fused and loaded, so lineage pages have data
	@test -f var/fusion-demo/out/run.json || { $(YIMEN) fuse demo --persons 2000 --out var/fusion-demo/input >/dev/null \
	  && $(YIMEN) fuse run --sources var/fusion-demo/input/sources.yaml --out var/fusion-demo/out \
	  && $(YIMEN) fuse load --out var/fusion-demo/out >/dev/null; }
	@# 标签画像: tag definitions and every person's tags, for the target-group builder
	@test -f var/proactive-tags.done || { $(YIMEN) proactive tags --load --all >/dev/null && touch var/proactive-tags.done; }
	@# 扶持通 惠企政策: the shipped policies, matched against the enterprise library (offers to legal representatives)
	@test -f var/policies.done || { $(YIMEN) policies load >/dev/null && $(YIMEN) policies match >/dev/null && touch var/policies.done; }
	@# 推送办: life-event rules, and today's scan (birthdays, retirement, expiring licences, recent births and deaths)
	@$(YIMEN) proactive triggers --load >/dev/null
	@$(YIMEN) proactive triggers --scan >/dev/null

run: demo
	@$(YIMEN) demo accounts
	@echo "Serving Yimen on http://$(HOST):$(PORT)/ (Ctrl-C stops it); background tasks: var/worker.log, periodic jobs: var/scheduler.log"
	@# The task worker (notifications, life-event offers, tag refresh) and the scheduler (escalation every
	@# 5 minutes, daily reminders and scans) run beside the server and stop with it.
	@$(YIMEN) db_worker --no-reload --interval 1 > var/worker.log 2>&1 & worker=$$!; \
	  $(YIMEN) scheduler >> var/scheduler.log 2>&1 & scheduler=$$!; \
	  trap 'kill $$worker $$scheduler 2>/dev/null' EXIT INT TERM; $(YIMEN) runserver $(HOST):$(PORT)

lint: setup
	@.venv/bin/ruff check src e2e bench

format: setup
	@.venv/bin/ruff format src e2e bench

# The whole suite on SQLite and on PostgreSQL, then the browser tests.
test: setup
	@.venv/bin/ruff check src e2e bench
	@# First: Chromium for the browser tests and the CJK font the unit tests' certificate PDFs need too.
	@scripts/ensure-chromium.sh || { echo "Chromium and a CJK font are required for the tests (see above)"; exit 1; }
	@scripts/pytest-run.sh "unit and API tests on SQLite" src -m "not e2e"
	@url=$$(scripts/ensure-postgres.sh) || { echo "PostgreSQL is required for make test (see above)"; exit 1; }; \
	  DATABASE_URL=$$url scripts/pytest-run.sh "unit and API tests on PostgreSQL ($$url)" src -m "not e2e" \
	    --ignore=src/yimen/fusion  # the fusion package uses no database: its tests ran in the pass above
	@scripts/pytest-run.sh "browser tests (Playwright + Chromium)" e2e -m e2e

bench: setup
	@url=$$(scripts/ensure-postgres.sh); for b in bench/*.py; do DATABASE_URL=$$url $(PY) $$b || exit 1; done

clean:
	rm -rf var .venv

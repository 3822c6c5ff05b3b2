# Park Service Desk — the two commands are `make run` and `make test`.
# Both create the virtualenv when it is missing and install the pinned requirements.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint format fuzz clean install fault scaleout load bench bench-small bench-peer bench-curves screenshots

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

## make run: migrate, load demo data, start web + Celery worker + beat (Ctrl-C stops all)
run: $(STAMP)
	$(PY) scripts/stack.py run

## make test: lint first, then the whole suite with coverage
test: lint
	$(PY) scripts/stack.py test $(ARGS)

## make fault: the fault tests in full: Redis down a whole minute, a longer load over the
## PostgreSQL restart, the kill -9 tests (needs DATABASE_URL=postgres://...; CI runs the short modes)
fault: $(STAMP)
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "make fault needs DATABASE_URL=postgres://..." >&2; exit 2;; esac
	FAULT_OUTAGE_SECONDS=$${FAULT_OUTAGE_SECONDS:-60} FAULT_LOAD_SECONDS=$${FAULT_LOAD_SECONDS:-40} \
		$(PY) scripts/stack.py test tests/faults tests/e2e tests/notifications/test_e2e_outage.py \
		-m e2e -v -o addopts="" -p no:cacheprovider $(ARGS)

## make scaleout: two of everything (web, worker, beat; PostgreSQL + standby; Redis under Sentinel)
## under load for MULTINODE_SECONDS (180) while one of each is killed; and the rest of tests/scaleout
scaleout: $(STAMP)
	MULTINODE_SECONDS=$${MULTINODE_SECONDS:-180} $(PY) scripts/stack.py test tests/scaleout \
		-m e2e -v -s -o addopts="" -p no:cacheprovider $(ARGS)

## make load: 200 users for 2 minutes against gunicorn + a worker (LOAD_USERS, LOAD_SECONDS)
load: $(STAMP)
	$(PY) bench/load/run.py

## make lint: ruff, formatting, mypy, the layers (import-linter) and no import cycles,
## missing migrations, system checks
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache --no-logo
	$(PY) scripts/import_cycles.py
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

## make bench: the zone-scale benchmark (1,000,000 tickets in PostgreSQL bench_zone, seeded when empty)
bench: $(STAMP)
	$(PY) bench/run.py $(ARGS)

## make bench-small: 10,000 tickets, a few minutes; fails when a request's query count passes its budget
bench-small: $(STAMP)
	$(PY) bench/run.py --small $(ARGS)

## make bench-curves: the chart of p95 per endpoint against N from bench/results/<N>.json
## (bench/run.py --tickets N) into docs/img/benchmarks-curves.png, and its table
bench-curves: $(STAMP)
	$(PY) bench/curves.py $(ARGS)

## make fuzz: fuzz the whole API from its OpenAPI document, FUZZ_EXAMPLES per operation and mode
FUZZ_EXAMPLES ?= 100
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) scripts/stack.py test tests/security/test_fuzz.py --no-cov -p no:logging $(ARGS)

## make screenshots: the README's pictures in docs/screenshots/ from a fresh demo (throwaway SQLite)
screenshots: $(STAMP)
	$(PY) scripts/screenshots.py --out docs/screenshots

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .run .coverage htmlcov .mypy_cache .ruff_cache .pytest_cache .import_linter_cache .grimp_cache

## make bench-peer: ours against django-helpdesk 2.6.1 (its own venv in .run/peer-venv, its own database),
## 100,000 tickets each, alternating runs; the ratio table goes into docs/benchmarks.md (ARGS='--tickets 10000')
bench-peer: $(STAMP)
	$(PY) bench/peer_run.py $(ARGS)

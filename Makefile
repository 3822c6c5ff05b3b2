# Park Service Desk — the two commands are `make run` and `make test`.
# Both create the virtualenv when it is missing and install the pinned requirements.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint format fuzz clean install

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

## make lint: ruff, formatting, mypy, missing migrations, system checks
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

## make fuzz: fuzz the whole API from its OpenAPI document, FUZZ_EXAMPLES per operation and mode
FUZZ_EXAMPLES ?= 100
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) scripts/stack.py test tests/security/test_fuzz.py --no-cov -p no:logging $(ARGS)

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .run .coverage htmlcov .mypy_cache .ruff_cache .pytest_cache

# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres install migrate demo clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/triage db upgrade

demo: migrate
	$(BIN)/triage demo

run: demo
	$(BIN)/triage run --host 127.0.0.1 --port 5000

# The whole suite on SQLite, then again on PostgreSQL when TRIAGE_TEST_POSTGRES_URL is set
# (.ci/run sets it). pytest's exit code 5 (no tests collected) fails like any other.
test: test-sqlite test-postgres

test-sqlite: install
	env -u TRIAGE_TEST_DATABASE_URL $(BIN)/python -m pytest

test-postgres: install
	@if [ -n "$$TRIAGE_TEST_POSTGRES_URL" ]; then \
		echo "== suite on PostgreSQL =="; \
		TRIAGE_TEST_DATABASE_URL="$$TRIAGE_TEST_POSTGRES_URL" $(BIN)/python -m pytest; \
	else \
		echo "TRIAGE_TEST_POSTGRES_URL not set: PostgreSQL pass skipped (CI sets it)"; \
	fi

clean:
	rm -rf $(VENV) instance .pytest_cache

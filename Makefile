# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres install migrate demo clean translations

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

# Plain http on 127.0.0.1: the session cookie cannot carry the Secure flag here.
# The web server and the scheduler together; the scheduler runs the demo feed (a few new
# generated complaints every 20 s) and the upkeep jobs. Ctrl-C stops both.
run: demo
	@set -e; \
	TRIAGE_DEMO_FEED=1 $(BIN)/triage scheduler & sched=$$!; \
	trap 'kill -TERM $$sched 2>/dev/null; wait $$sched 2>/dev/null' EXIT INT TERM; \
	TRIAGE_SESSION_COOKIE_SECURE=0 TRIAGE_DEMO_FEED=1 $(BIN)/triage run --host 127.0.0.1 --port 5000

# After changing interface text: re-extract, merge into the English catalog, compile.
# The compiled .mo is committed so that running the app needs no build step.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _ -k _l -k gettext -k lazy_gettext -o .messages.pot .
	$(BIN)/pybabel update -i .messages.pot -d triage/translations -l en --width 100
	$(BIN)/pybabel compile -d triage/translations
	rm -f .messages.pot

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

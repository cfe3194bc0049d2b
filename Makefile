# Two commands do all set-up on a fresh machine:  make demo  and  make test
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_ADMIN ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test install dev messages messages-extract messages-update lint types imports migrations migrations-postgresql pytest-sqlite pytest-postgresql services bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed messages

dev: $(VENV)/.dev messages

## Translations, Babel's way: extract the messages of the sources and templates into the template (.pot), update the
## ru/en catalogues (.po, kept in git) from it, compile them (.mo, built here and by the wheel's build, never in git)
LOCALE := src/klientura/locale
messages-extract: | $(BIN)/python
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output --project klientura \
		--copyright-holder "Klientura contributors" -w 120 -o $(LOCALE)/messages.pot .

messages-update: messages-extract
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) --no-fuzzy-matching --ignore-obsolete -w 120

messages: | $(BIN)/python
	@$(BIN)/pybabel -q compile -d $(LOCALE)

## make demo: build the demo retail chain into var/klientura.db and serve the UI on http://127.0.0.1:8000
demo: install
	$(BIN)/klientura demo

## make test: lint, types, import contracts, migrations, and every test on SQLite and PostgreSQL
test: dev services lint types imports migrations migrations-postgresql pytest-sqlite pytest-postgresql

services:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	@# Dovecot: the mailbox tests' IMAP server (each test run starts its own on a loopback port; the package's own
	@# service is not started: policy-rc.d, or nobody asks it to)
	@test -x /usr/sbin/dovecot || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null && (service dovecot stop >/dev/null 2>&1 || true))
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done

lint: dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: dev
	$(BIN)/mypy src

imports: dev
	$(BIN)/lint-imports

migrations: dev
	@rm -f var/alembic-check.db
	KLIENTURA_DATABASE_URL=sqlite:///var/alembic-check.db $(BIN)/alembic upgrade head
	KLIENTURA_DATABASE_URL=sqlite:///var/alembic-check.db $(BIN)/alembic check
	@rm -f var/alembic-check.db*

PG_CHECK_DB ?= klientura_alembic_check
migrations-postgresql: dev services
	@PGOPTIONS="--client-min-messages=warning" psql -q "$(subst +psycopg,,$(PG_ADMIN))" -c "DROP DATABASE IF EXISTS $(PG_CHECK_DB) WITH (FORCE)" -c "CREATE DATABASE $(PG_CHECK_DB)"
	KLIENTURA_DATABASE_URL=$(dir $(PG_ADMIN))$(PG_CHECK_DB) $(BIN)/alembic upgrade head
	KLIENTURA_DATABASE_URL=$(dir $(PG_ADMIN))$(PG_CHECK_DB) $(BIN)/alembic check
	@PGOPTIONS="--client-min-messages=warning" psql -q "$(subst +psycopg,,$(PG_ADMIN))" -c "DROP DATABASE $(PG_CHECK_DB) WITH (FORCE)"

pytest-sqlite: dev
	$(BIN)/pytest -n 2 --db sqlite

pytest-postgresql: dev services
	KLIENTURA_TEST_PG=$(PG_ADMIN) $(BIN)/pytest -n 2 --db postgresql -m "not browser"

bench: dev
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache $(LOCALE)/*/LC_MESSAGES/*.mo

# The two commands of the README: `make run` (serve on SQLite) and `make test`.
# Every target installs what it needs into .venv first, and every development target writes
# the local `.env` (a random DJANGO_SECRET_KEY) if it is missing; `make serve` neither
# writes nor reads it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
MYSQL_URL ?= mysql://root@127.0.0.1:3306/nexora
# Tests run with debug off, like production (and like plain `.venv/bin/pytest`); the key is .env's.
TEST_ENV := DJANGO_DEBUG=0

.PHONY: redis-up run serve web lint format test test-mysql test-frontend test-web test-fuzz test-deploy bench-smoke bench-reset-timing ci mariadb-up nginx-installed browser-installed openapi bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

## Development only, git-ignored: one line, a random DJANGO_SECRET_KEY that project/settings.py
## loads (the real environment wins). Written once, never overwritten: tokens signed with it stay valid.
.env:
	@umask 077 && $(PYTHON) -c "import secrets; print('DJANGO_SECRET_KEY=' + secrets.token_urlsafe(50))" > $@.tmp
	@mv $@.tmp $@
	@echo "Wrote .env: a new random DJANGO_SECRET_KEY for this checkout (git-ignored)."

$(VENV)/.installed-runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

## Development server on SQLite with debug on: the web client at http://127.0.0.1:8000/ (built
## first when Node.js is present), the API at /api/ (interactive docs: /api/docs).
run: $(VENV)/.installed-runtime .env
	@if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory web && \
		echo "Serving the web client at http://$(HOST):$(PORT)/ and the API at http://$(HOST):$(PORT)/api/"; \
	elif [ -f web/dist/index.html ]; then \
		echo "Node.js (npm) is not installed: serving the web client as last built (web/dist/, not rebuilt)"; \
		echo "at http://$(HOST):$(PORT)/ and the API at http://$(HOST):$(PORT)/api/"; \
	else \
		echo "Node.js (npm) is not installed: serving the API only, at http://$(HOST):$(PORT)/api/ (docs: /api/docs)."; \
		echo "The web client at / needs Node.js 20.19 or newer: install it, then run \`make run\` again."; \
	fi
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

## The web client (web/): npm ci when the lock file changed, then generate the API types from
## docs/openapi.json, type-check and build into web/dist/, which Django serves (needs Node.js).
WEB_SOURCES := $(shell find web/src -type f -not -name schema.d.ts 2>/dev/null) \
	web/index.html web/vite.config.ts web/tsconfig.json web/package.json docs/openapi.json

web: web/dist/index.html

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run --silent build

## Production-style: debug off, gunicorn; needs DJANGO_SECRET_KEY from the environment
## (PYTHON_DOTENV_DISABLED=1: a development .env is never read, so without a key it refuses to start).
## It binds 127.0.0.1: nginx (deploy/nginx.conf) goes in front, since gunicorn's workers read
## request headers themselves and slow clients would hold them (docs/deployment.md, "Serving").
serve: $(VENV)/.installed-runtime
	@case "$${GUNICORN_BIND:-$(HOST)}" in 127.*|localhost*|\[::1\]*|unix:*) ;; \
	  *) echo "make serve: the server will listen on $${GUNICORN_BIND:-$(HOST)}, not loopback: only safe behind nginx (deploy/nginx.conf) on a network no client reaches directly; see docs/deployment.md." >&2 ;; esac
	PYTHON_DOTENV_DISABLED=1 $(BIN)/python manage.py migrate --noinput
	PYTHON_DOTENV_DISABLED=1 GUNICORN_BIND=$${GUNICORN_BIND:-$(HOST):$(PORT)} $(BIN)/gunicorn -c gunicorn.conf.py

## The gates, fastest first (configured in pyproject.toml): ruff's lint, ruff's format (check
## only: `make format` rewrites), then mypy with django-stubs over the apps, the kit, bench and
## tests. mypy's Django plugin loads project.settings, hence .env for its key.
lint: $(VENV)/.installed-dev .env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Rewrite the code as `make lint` wants it: ruff's safe fixes, then ruff's format.
format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## The whole suite on SQLite.
test: $(VENV)/.installed-dev .env
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

## The whole suite on the local MariaDB (creates and drops test_nexora); starts MariaDB if needed.
test-mysql: $(VENV)/.installed-dev .env mariadb-up
	$(TEST_ENV) DATABASE_URL=$(MYSQL_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

## What CI runs (.ci/run calls these one by one).
ci: lint test test-mysql test-frontend test-web test-fuzz test-deploy bench-smoke

## Redis on 127.0.0.1:6379 (the throttle tests' second store); started when it does not answer.
redis-up:
	@.ci/redis_up.sh

mariadb-up:
	@$(BIN)/python .ci/wait_for_mariadb.py --start

## Regenerate the committed OpenAPI document (a test fails while it differs from the code).
openapi: $(VENV)/.installed-runtime .env
	DJANGO_DEBUG=1 $(BIN)/python manage.py export_openapi_schema --api project.api.api --output docs/openapi.json --indent 2 --sorted
	@echo >> docs/openapi.json

## Schemathesis against gunicorn, signed in as each role and as nobody (about 2 minutes).
test-fuzz: $(VENV)/.installed-dev .env
	$(BIN)/python -m tests.fuzz.schemathesis_roles

## The web client's own checks (no browser): its API types generated from docs/openapi.json
## with openapi-typescript's default flags, then tsc, eslint and the Vitest unit tests.
test-frontend: web/node_modules/.package-lock.json
	cd web && npm run --silent typecheck && npm run --silent lint && npm run --silent test

## The web client in a real browser (Debian's chromium, driven by Selenium through
## /usr/bin/chromedriver) against gunicorn on loopback serving the built bundle: tests/web,
## which `make test` leaves out (its `browser` marker, see pytest.ini). Screenshots of the
## pages of a failed test go to test-artifacts/screenshots/.
test-web: $(VENV)/.installed-dev web browser-installed
	$(TEST_ENV) $(BIN)/python -m pytest tests/web -m browser $(PYTEST_ARGS)

browser-installed:
	@.ci/install_browser.sh

## Two gunicorn instances behind nginx on loopback, sharing MariaDB (and then Redis too; < 3 minutes): tests/deploy,
## which `make test` leaves out (its `deploy` marker, see pytest.ini). Provisioning first:
## Debian's nginx installed if missing, MariaDB started if down. -rP prints each check's figures.
test-deploy: $(VENV)/.installed-dev .env mariadb-up nginx-installed redis-up
	$(TEST_ENV) $(BIN)/python -m pytest tests/deploy -m deploy -rP $(PYTEST_ARGS)

nginx-installed:
	@.ci/install_nginx.sh

## Benchmark: the API under wrk against a floor of bare Django views (docs/performance.md).
## Options: make bench ARGS="--large --database mysql --workers 4" (see .venv/bin/python -m bench.run --help).
bench: $(VENV)/.installed-bench .env
	$(BIN)/python -m bench.run $(ARGS)

## The harness end to end in well under a minute (CI): one short round per scenario,
## failing on any non-2xx answer; its figures are too short to judge the budget by.
bench-smoke: $(VENV)/.installed-bench .env
	$(BIN)/python -m bench.run --rounds 1 --duration 1 --warmup 1

## Password-reset request time for a registered vs an unknown address, over HTTP with real SMTP
## (median of 200 interleaved tries each; about a minute). Not in CI: figures, not a verdict.
bench-reset-timing: $(VENV)/.installed-dev
	$(BIN)/python -m bench.reset_timing $(ARGS)

$(VENV)/.installed-bench: requirements.txt bench/requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt -r bench/requirements.txt
	touch $@

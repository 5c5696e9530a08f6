# linli: `make run` sets everything up and serves the demo district; `make test` runs the tests.
PORT ?= 8000
HOST ?= 127.0.0.1
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
LINLI := .venv/bin/linli
PYTEST := .venv/bin/pytest

.PHONY: setup run test fonts e2e lint check-all assets env migrate demo messages clean fuzz

setup: env assets migrate demo  ## everything but serving

run: setup  ## serve linli with the demo district at http://$(HOST):$(PORT)
	$(LINLI) serve --host $(HOST) --port $(PORT)

test: env assets fonts  ## the test suite (SQLite; DATABASE_URL=postgres://... for PostgreSQL)
	$(PYTEST) -m "not e2e" -q

fonts:  ## Debian's CJK fonts: the generated report's charts and PDF need them
	@test -d /usr/share/fonts/opentype/noto || (echo "installing Debian's CJK fonts" && apt-get update -qq && apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null)

e2e: env assets fonts  ## browser tests (Playwright driving Debian's chromium) and the report rendered by LibreOffice
	@test -x /usr/bin/chromium -a -x /usr/bin/soffice -a -x /usr/bin/pdftotext || (echo "installing Debian's chromium, LibreOffice Writer and poppler" && apt-get update -qq && apt-get install -y -qq chromium libreoffice-writer-nogui poppler-utils >/dev/null)
	$(PYTEST) -m e2e -q

lint: env  ## ruff, mypy, import-linter, migrations up to date
	.venv/bin/ruff check
	.venv/bin/ruff format --check
	.venv/bin/mypy
	.venv/bin/lint-imports
	$(LINLI) makemigrations --check --dry-run

$(CURDIR)/.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install -q "uv>=0.5"

env: $(UV)  ## the virtual environment from uv.lock
	$(UV) sync --locked --quiet

assets: node_modules/.package-lock.json  ## htmx, Leaflet and ECharts from npm
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

migrate: env
	$(LINLI) migrate --noinput -v 0
	$(LINLI) collectstatic --noinput -v 0

demo: env
	$(LINLI) demo

# Apps that keep their own catalogue (src/linli/<app>/locale): the main one skips them.
APP_CATALOGUES := organizations points procurement construction indicators

messages: env  ## regenerate and compile the translations (needs GNU gettext)
	cd src/linli && ../../$(LINLI) makemessages -l zh_Hans --ignore "*/migrations/*" --ignore "engine/*" \
		$(foreach app,$(APP_CATALOGUES),--ignore "$(app)/*")
	for app in $(APP_CATALOGUES); do mkdir -p src/linli/$$app/locale && \
		(cd src/linli/$$app && ../../../$(LINLI) makemessages -l zh_Hans --ignore "migrations/*") || exit 1; done
	cd src/linli && ../../$(LINLI) compilemessages

# schemathesis over the whole API as district staff, a resident and anonymously, against `linli serve` on a
# throwaway data dir holding the demo district; fails on any server error or response-schema violation.
# FUZZ_EXAMPLES examples per operation (default 10); the anonymous rate limit is off for the run.
FUZZ_EXAMPLES ?= 10
FUZZ_PORT ?= 8799
SCHEMATHESIS ?= .venv/bin/schemathesis
fuzz: env assets  ## schemathesis over the whole API as three identities (0 server errors, 0 schema violations)
	@set -eu; dir=$$(mktemp -d); export LINLI_DATA_DIR=$$dir LINLI_ANON_API_RATE=0; \
	trap 'kill $$(cat $$dir/pid) 2>/dev/null || true; rm -rf $$dir' EXIT; \
	$(LINLI) migrate --noinput -v 0; $(LINLI) collectstatic --noinput -v 0; $(LINLI) demo >/dev/null; \
	for who in district resident; do $(LINLI) token $$who --name fuzz | head -1 > $$dir/$$who.token; done; \
	$(LINLI) serve --host 127.0.0.1 --port $(FUZZ_PORT) > $$dir/serve.log 2>&1 & echo $$! > $$dir/pid; \
	status=0; for who in district resident anonymous; do \
	  if [ $$who = anonymous ]; then auth=""; else auth="Authorization: Bearer $$(cat $$dir/$$who.token)"; fi; \
	  echo "== schemathesis as $$who"; \
	  $(SCHEMATHESIS) run http://127.0.0.1:$(FUZZ_PORT)/api/openapi.json $${auth:+-H "$$auth"} \
	    --checks not_a_server_error,response_schema_conformance --phases examples,fuzzing \
	    --max-examples $(FUZZ_EXAMPLES) --workers 2 --wait-for-schema 120 --max-failures 100 || status=1; \
	done; exit $$status

clean:
	rm -rf .venv .tools node_modules var

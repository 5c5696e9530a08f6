# linli: `make run` sets everything up and serves the demo district; `make test` runs the tests.
PORT ?= 8000
HOST ?= 127.0.0.1
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
LINLI := .venv/bin/linli
PYTEST := .venv/bin/pytest

.PHONY: setup run test fonts e2e lint check-all assets env migrate demo messages clean

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

clean:
	rm -rf .venv .tools node_modules var

# Knowledge Bank: set-up, run and test. `make run` and `make test` do everything on a fresh clone.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export FLASK_APP := wsgi
# The address of `make run`: the links in e-mails point there, and requests must name its host (127.0.0.1, not
# localhost). Production sets KB_BASE_URL to its public address; kb refuses to start without one.
# Given to the commands that start kb for a local install only: the tests make their own applications, whose
# test clients name other hosts.
KB_BASE_URL ?= http://127.0.0.1:5000
db demo run: export KB_BASE_URL := $(KB_BASE_URL)
SERVE_BASE_URL := $(if $(filter file,$(origin KB_BASE_URL)),http://127.0.0.1:8000,$(KB_BASE_URL))

.PHONY: install run test test-pg db demo serve clean translations e2e-deps lock lock-upgrade secret lint

# Every package of the venv comes from requirements/lock.txt: exact versions with their hashes, resolved
# by uv from pyproject.toml (runtime and dev) and requirements/torch.txt (CPU PyTorch, which pip takes
# from the machine's find-links). `make lock` refreshes it after pyproject.toml changed, keeping every
# other pin; `make lock-upgrade` moves everything to the newest releases allowed (then run the tests).
LOCK := requirements/lock.txt
LOCK_INPUTS := pyproject.toml requirements/torch.txt
UV_COMPILE = $(BIN)/uv pip compile $(LOCK_INPUTS) --extra dev --generate-hashes --python-version 3.11 \
	--python-platform x86_64-manylinux_2_28 $(if $(PIP_FIND_LINKS),--find-links $(PIP_FIND_LINKS)) --quiet -o $(LOCK)

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): $(BIN)/python $(LOCK)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	touch $(STAMP)

lock: $(STAMP)
	$(UV_COMPILE)

lock-upgrade: $(STAMP)
	$(UV_COMPILE) --upgrade

# Translations: the catalogues (.po) are kept in the repo; the compiled .mo files are build output.
LOCALES := es pt fr
TRANSLATIONS := kb/translations
CATALOGUES := $(foreach l,$(LOCALES),$(TRANSLATIONS)/$(l)/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)
BABEL_KEYWORDS := -k _ -k N_ -k gettext -k ngettext:1,2 -k lazy_gettext -k lazy_ngettext:1,2 -k pgettext:1c,2 -k lazy_pgettext:1c,2

install: $(STAMP) $(COMPILED)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -l $* -i $< -o $@

# Extract every marked string from kb/ and templates/ and merge it into the es/pt/fr catalogues
# (new strings arrive empty, changed ones fuzzy: tests/web/test_translations.py fails until they are translated).
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --no-default-keywords --add-location=file --sort-output \
		--project kb --copyright-holder "Knowledge Bank" -o $(TRANSLATIONS)/messages.pot .
	for l in $(LOCALES); do \
		test -f $(TRANSLATIONS)/$$l/LC_MESSAGES/messages.po || \
			$(BIN)/pybabel init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$l; \
	done
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --ignore-obsolete --ignore-pot-creation-date
	rm -f $(TRANSLATIONS)/messages.pot
	$(MAKE) --no-print-directory $(COMPILED)

# Debian's Chromium for the browser tests (tests/e2e); CI runs as root.
e2e-deps:
	@command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

# A random secret key for this local install (kept in instance/, never committed); production sets KB_SECRET_KEY.
SECRET := instance/secret_key
secret: $(SECRET)
$(SECRET):
	mkdir -p instance
	umask 077 && $(PY) -c 'import secrets; print(secrets.token_hex(32))' > $@.tmp && mv $@.tmp $@

db: install $(SECRET)
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask kb demo

# The server and, as its child, one job worker (outbox, alerts, reminders) on the SQLite queue file in instance/
# (or Redis with KB_REDIS_URL); stopping make (Ctrl-C) stops both.
run: demo
	$(BIN)/flask kb worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
		KB_PRELOAD_MODEL=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

# gunicorn on 127.0.0.1:8000: one process with threads on the default SQLite file (SQLite serves one server
# process); with KB_DATABASE_URL on PostgreSQL, WORKERS=4 (say) runs several processes.
WORKERS ?= 1
serve: install $(SECRET)
	KB_BASE_URL=$(SERVE_BASE_URL) KB_PRELOAD_MODEL=1 $(BIN)/gunicorn --workers $(WORKERS) --threads 4 --bind 127.0.0.1:8000 wsgi:app

# ruff: pyflakes, pycodestyle, bugbear, pyupgrade, simplify and isort rules (pyproject.toml); CI runs it.
lint: $(STAMP)
	$(BIN)/ruff check kb tests bench migrations wsgi.py

# The whole suite, browser tests (tests/e2e: screenshots and page weights under test-output/) included.
test: install e2e-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The suite against PostgreSQL (KB_TEST_DATABASE_URL names a throw-away database). The browser tests
# are left out: their server runs on its own SQLite file whatever the suite's database, and `make test` ran them.
test-pg: install
	KB_TEST_DATABASE_URL=$${KB_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/kb_test} \
		$(BIN)/python -m pytest --ignore=tests/e2e $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache test-output $(COMPILED)

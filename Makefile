# Knowledge Bank: set-up, run and test. `make run` and `make test` do everything on a fresh clone.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export FLASK_APP := wsgi

.PHONY: install run test test-pg db demo serve clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# CPU PyTorch first (the machine keeps that wheel locally), then the project and its test tools.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

db: install
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask kb demo

run: demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

serve: install
	$(BIN)/gunicorn --workers 4 --bind 127.0.0.1:8000 wsgi:app

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The suite against PostgreSQL (KB_TEST_DATABASE_URL names a throw-away database).
test-pg: install
	KB_TEST_DATABASE_URL=$${KB_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/kb_test} \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache

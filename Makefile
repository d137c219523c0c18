# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin

.PHONY: run test install lint clean doctor manage

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## Start the service on the embedded default, fed by the bundled SimplyPrint simulator.
run: install
	PATH="$(BIN):$$PATH" ./scripts/run-default.sh

## Run the whole test suite (the production profile too when TEST_DATABASE_URL/TEST_REDIS_URL are set).
test: install
	PATH="$(BIN):$$PATH" ./scripts/test.sh

## Check the configured SimplyPrint account (works beside a running `make run`).
doctor: install
	$(BIN)/python manage.py simpleprint_doctor $(ARGS)

## Any management command with the venv, from a second terminal: make manage ARGS="register_webhooks --list"
manage: install
	$(BIN)/python manage.py $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy .

clean:
	rm -rf $(VENV) var staticfiles

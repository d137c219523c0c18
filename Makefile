# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin

.PHONY: run test install lint clean

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

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy .

clean:
	rm -rf $(VENV) var staticfiles

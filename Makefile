# The verbs. `make run` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
# Prefer the Lambda runtime's Python (3.13) when pyenv or the system has it; else python3 (>= 3.11).
PYTHON ?= $(shell for p in python3.13 python3; do \
  PYENV_VERSION=3.13.0:3.11.7 $$p -c 'import sys; assert sys.version_info >= (3, 11); print(sys.executable)' 2>/dev/null && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REQS := requirements-dev.txt
# SAM CLI and pip-tools never phone home from here.
export SAM_CLI_TELEMETRY := 0

.PHONY: setup lock run reset test lint typecheck cfn-lint checkov bandit unit integration e2e browser bench validate build clean

setup: $(STAMP)

$(STAMP): $(REQS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	touch $@

# The local stack keeps its data in .local-data/ across restarts; `make reset` empties it.
LOCAL_DATA ?= .local-data

run: $(STAMP)
	PYTHONPATH=local:layers/sikemas:. $(BIN)/python -m sikemas_local --data-dir $(LOCAL_DATA)

reset:
	rm -rf $(LOCAL_DATA)

test: lint typecheck cfn-lint checkov bandit unit integration e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy layers/sikemas functions local tools tests bench

cfn-lint: $(STAMP)
	$(BIN)/cfn-lint template.yaml ops/cdn-logs.yaml

# The scanners pin their own dependency trees (checkov: boto3 among them): they live in their own
# tools environment, as the SAM CLI does.
SCAN_TOOLS := checkov==3.3.30 bandit==1.9.4
.scan/.installed:
	test -x .scan/bin/python || $(PYTHON) -m venv .scan
	.scan/bin/python -m pip install --quiet --disable-pip-version-check $(SCAN_TOOLS)
	touch $@

# Every check checkov skips is named, with its reason, in the resource's Metadata (README:
# checkov). --skip-download: no call home for guidelines; the scan runs offline.
checkov: .scan/.installed
	.scan/bin/checkov --file template.yaml --file ops/cdn-logs.yaml --framework cloudformation \
		--quiet --compact --skip-download

# Code that runs in Lambda or on a developer's machine; tests may assert.
bandit: .scan/.installed
	.scan/bin/bandit --quiet --recursive layers/sikemas/sikemas functions local tools

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/pytest -q -n 2 tests/integration

e2e: $(STAMP) browser
	$(BIN)/pytest -q tests/e2e

# Headless Chromium for the agency pages' browser tests: Debian's chromium + chromium-driver
# (system packages, not pip's). Installed with apt only when missing and only as root (CI runs
# as root, apt works); otherwise the command is printed and the browser tests skip, saying why
# (under CI=true they fail instead). `make setup` never needs root.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else echo "browser tests need: sudo apt-get install -y chromium chromium-driver"; fi

bench: $(STAMP)
	PYTHONPATH=layers/sikemas:local:. $(BIN)/python -m bench

# aws-sam-cli pins boto3 and pydantic: it lives in its own tools environment.
.tools/.installed:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check aws-sam-cli
	touch $@

validate: .tools/.installed
	.tools/bin/sam validate --lint

# The python builder looks for python3.13 on PATH: the one found above comes first.
build: .tools/.installed
	PATH="$(dir $(PYTHON)):$$PATH" .tools/bin/sam build

# Recompile the lock files from the *.in pins (exact versions and hashes of every transitive
# package): the layers first, then the dev environment held to them.
.lock/.installed:
	$(PYTHON) -m venv .lock
	.lock/bin/python -m pip install --quiet --disable-pip-version-check pip-tools==7.7.0
	touch $@

COMPILE = .lock/bin/pip-compile --quiet --generate-hashes --strip-extras --no-header \
	--allow-unsafe --no-emit-index-url --no-emit-find-links

lock: .lock/.installed
	cd layers/sikemas && ../../$(COMPILE) -o requirements.txt requirements.in
	cd layers/imaging && ../../$(COMPILE) -o requirements.txt requirements.in
	$(COMPILE) -o requirements-dev.txt requirements-dev.in

clean:
	rm -rf $(VENV) .tools .scan .lock .aws-sam .pytest_cache .mypy_cache .ruff_cache

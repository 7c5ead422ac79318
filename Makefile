# The verbs. `make run` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
# Prefer the Lambda runtime's Python (3.13) when pyenv or the system has it; else python3 (>= 3.11).
PYTHON ?= $(shell for p in python3.13 python3; do \
  PYENV_VERSION=3.13.0:3.11.7 $$p -c 'import sys; assert sys.version_info >= (3, 11); print(sys.executable)' 2>/dev/null && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The layers' locks (compiled with hashes by `make lock`) are what a deploy builds; the dev
# environment installs them first, hashes checked, so tests run on the deployed versions.
LOCKS := layers/sikemas/requirements.txt layers/imaging/requirements.txt
REQS := requirements-dev.txt $(LOCKS)

.PHONY: lock setup run test lint typecheck cfn-lint checkov bandit unit integration e2e bench validate build clean

setup: $(STAMP)

$(STAMP): $(REQS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		$(addprefix -r ,$(LOCKS))
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(STAMP)
	PYTHONPATH=local:layers/sikemas:. $(BIN)/python -m sikemas_local

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
.scan/.installed: Makefile
	test -x .scan/bin/python || $(PYTHON) -m venv .scan
	.scan/bin/python -m pip install --quiet --disable-pip-version-check $(SCAN_TOOLS)
	touch $@

# Every check checkov skips is named, with its reason, in the resource's Metadata (README:
# checkov). --skip-download: no call home for guidelines; the scan runs offline.
checkov: .scan/.installed
	.scan/bin/checkov --file template.yaml --file ops/cdn-logs.yaml --framework cloudformation \
		--quiet --compact --skip-download

# Each layer's lock: every transitive dependency pinned, with the hashes of all its files (the
# aarch64 wheels a deploy fetches among them), resolved for the Lambda runtime (3.13, arm64).
.scan/.uv: .scan/.installed
	.scan/bin/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	touch $@

lock: .scan/.uv
	for layer in sikemas imaging; do \
		.scan/bin/uv pip compile --quiet --generate-hashes --python-version 3.13 \
			--python-platform aarch64-manylinux2014 --custom-compile-command "make lock" \
			layers/$$layer/requirements.in -o layers/$$layer/requirements.txt || exit 1; \
	done

# Code that runs in Lambda or on a developer's machine; tests may assert.
bandit: .scan/.installed
	.scan/bin/bandit --quiet --recursive layers/sikemas/sikemas functions local tools

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/pytest -q -n 2 tests/integration

e2e: $(STAMP)
	$(BIN)/pytest -q tests/e2e

bench: $(STAMP)
	PYTHONPATH=layers/sikemas:local:. $(BIN)/python -m bench

# aws-sam-cli pins boto3 and pydantic: it lives in its own tools environment.
.tools/.installed:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check aws-sam-cli
	touch $@

# No usage data leaves the machine during a build or validation.
validate: .tools/.installed
	SAM_CLI_TELEMETRY=0 .tools/bin/sam validate --lint

# The python builder looks for python3.13 on PATH: the one found above comes first.
build: .tools/.installed
	PATH="$(dir $(PYTHON)):$$PATH" SAM_CLI_TELEMETRY=0 .tools/bin/sam build

clean:
	rm -rf $(VENV) .tools .scan .aws-sam .pytest_cache .mypy_cache .ruff_cache

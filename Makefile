# Everything a fresh machine needs, cached outside the repository so a second run is fast.
SHELL := /bin/bash
CACHE ?= $(HOME)/.cache/failback-operator
PYTHON ?= python3
DEPS_HASH := $(shell sed -n "/^dependencies/,/^\[project.scripts\]/p" pyproject.toml | sha256sum | cut -c1-12)
VENV ?= $(CACHE)/venv-$(DEPS_HASH)
BIN := $(CACHE)/bin
# Each checkout runs its own code, whichever checkout created the shared virtualenv.
RUN := PYTHONPATH=$(CURDIR)/operator PATH=$(BIN):$(VENV)/bin:$$PATH FAILBACK_CACHE=$(CACHE)
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: help venv tools lint typecheck unit pytest test bench demo demo-down clean-cache

help:
	@echo "make demo   bring up the local control plane with the CRDs and examples"
	@echo "make test   ruff, mypy and pytest (builds what is missing first)"
	@echo "make bench  the operator against the critical path and the scripts (BENCH_ARGS='--help')"

venv: $(VENV)/.installed

$(VENV)/.installed:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

tools:
	FAILBACK_CACHE=$(CACHE) bash tools/testenv/build-tools.sh

lint: venv
	$(RUN) ruff check operator tests bench
	$(RUN) ruff format --check operator tests bench

typecheck: venv
	$(RUN) mypy

unit: venv
	$(RUN) pytest tests/unit $(PYTEST_ARGS)

pytest: venv tools
	$(RUN) pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# The operator against Site Recovery's critical path and the scripts teams write (docs/performance.md).
bench: venv tools
	$(RUN) PYTHONPATH=$(CURDIR)/operator:$(CURDIR) python -m bench $(BENCH_ARGS)

demo: venv tools
	$(RUN) python -m failback_operator demo

clean-cache:
	rm -rf $(CACHE)

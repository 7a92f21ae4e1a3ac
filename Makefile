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
# Most tests wait on processes starting and on time-scaled Site Recovery jobs, not on the CPU:
# three pytest workers overlap those waits on two cores. Each test file stays on one worker
# (its module fixtures and real parts with it); TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 3
# The operator's image, as the chart (repository:appVersion) and the kustomize base name it.
IMAGE ?= ghcr.io/failback-io/failback-operator:0.1.0
# `make chaos CHAOS_ARGS="--kills 200 --seed 7"`: see tests/e2e/chaos.py and docs/reliability.md.
CHAOS_ARGS ?= --kills 60
BENCH_ARGS ?=

.PHONY: help venv tools lint typecheck unit pytest test chaos bench demo image lock clean-cache

help:
	@echo "make demo   bring a Windows and a Linux group home on local parts (DEMO_ARGS=--keep to stay)"
	@echo "make test   ruff, mypy and pytest (builds what is missing first)"
	@echo "make chaos  plans driven to Completed through operator kills and faults (CHAOS_ARGS=--kills N)"
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
	$(RUN) pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test: lint typecheck pytest

chaos: venv tools
	$(RUN) python -m tests.e2e.chaos $(CHAOS_ARGS)

# The operator against Site Recovery's critical path and the scripts teams write (docs/performance.md).
bench: venv tools
	$(RUN) PYTHONPATH=$(CURDIR)/operator:$(CURDIR) python -m bench $(BENCH_ARGS)

demo: venv tools
	$(RUN) python -m failback_operator demo $(DEMO_ARGS)

# Needs Docker (or a compatible builder); not part of `make test`.
image:
	docker build --tag $(IMAGE) .

# Pins the runtime dependencies the tests ran with into requirements.lock, for the image.
lock: venv
	$(RUN) python tools/image/lock-requirements.py

clean-cache:
	rm -rf $(CACHE)

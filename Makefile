# homelab.llm_stack: `make deploy` deploys the lab on this host, `make test` runs every test gate.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
INVENTORY ?= inventories/local
# Big downloads (Debian rootfs, Node, n8n, ansible-test venvs) are cached here, outside the repo.
export LLM_STACK_CACHE ?= $(HOME)/.cache/homelab-llm-stack
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/collections
export PATH := $(BIN):$(PATH)
# Molecule scenarios to run; all of them unless narrowed: make molecule SCENARIOS="rabbitmq".
SCENARIOS ?= $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml)))

.PHONY: deploy test venv test-venv lint sanity units pytest molecule benchmarks clean

deploy: venv
	$(BIN)/ansible-playbook site.yml -i $(INVENTORY) $(ARGS)

venv: $(VENV)/.deps
$(VENV)/.deps: requirements.txt
	@# Debian ships venv's pip bootstrap separately (python3-venv); add it when we may.
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); $(SUDO) apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

test-venv: $(VENV)/.test-deps
$(VENV)/.test-deps: requirements.txt requirements-test.txt $(VENV)/.deps
	$(BIN)/python -m pip install -q -r requirements-test.txt
	touch $@

test: test-venv
	@echo "== lint"; $(MAKE) --no-print-directory lint
	@echo "== ansible-test sanity"; $(MAKE) --no-print-directory sanity
	@echo "== ansible-test units"; $(MAKE) --no-print-directory units
	@echo "== pytest (modules against real services and stand-ins, manifests, harnesses)"; $(MAKE) --no-print-directory pytest
	@echo "== molecule"; $(MAKE) --no-print-directory molecule

lint: test-venv
	$(BIN)/ansible-lint
	$(BIN)/yamllint -s .

sanity: test-venv
	tests/ansible_test.sh sanity

units: test-venv
	tests/ansible_test.sh units

pytest: test-venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

molecule: test-venv
	set -e; for s in $(SCENARIOS); do echo "-- molecule scenario $$s"; $(BIN)/molecule test -s $$s; done

benchmarks: test-venv
	set -e; for b in benchmarks/*.py; do echo "-- $$b"; $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) tests/output .pytest_cache

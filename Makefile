# The two commands of the README: `make lab` (set up + run the local lab) and `make test`.
SHELL := /bin/bash
ENV := source scripts/env.sh &&

.PHONY: setup helm lab lab-clean test test-unit test-integration sanity lint molecule

# What the tests need. helm (+ helm-diff) is only for real cluster runs: `make helm`.
setup:
	scripts/bootstrap.sh python proxy keycloak chromium shellcheck

helm:
	scripts/bootstrap.sh helm

lab:
	scripts/bootstrap.sh python proxy $(if $(findstring lab_keycloak=true,$(LAB_ARGS)),keycloak)
	$(ENV) ansible-playbook playbooks/lab.yml $(LAB_ARGS)

lab-clean:
	$(ENV) ansible-playbook playbooks/lab.yml -e lab_state=absent

test: setup
	scripts/test.sh

test-unit:
	$(ENV) pytest -m "not integration and not e2e" tests

test-integration:
	$(ENV) pytest -m "integration or e2e" tests

sanity:
	scripts/sanity.sh

lint:
	$(ENV) ansible-lint --profile production

molecule:
	$(ENV) molecule test --all

# The two commands of the README: `make lab` (set up + run the local lab) and `make test`.
SHELL := /bin/bash
ENV := source scripts/env.sh &&

.PHONY: setup helm lab lab-clean test test-unit test-integration sanity lint molecule cluster cluster-stop

# What the tests need, the Kubernetes control plane, helm and an OCI registry (built from the Go module proxy) among it.
setup:
	scripts/bootstrap.sh python proxy singleuser keycloak chromium shellcheck helm kubernetes registry

helm:
	scripts/bootstrap.sh helm

# A control plane on 127.0.0.1 for trying site.yml without a cluster (`scripts/cluster.sh env` prints KUBECONFIG).
cluster:
	scripts/bootstrap.sh helm kubernetes
	scripts/cluster.sh start

cluster-stop:
	scripts/cluster.sh stop

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

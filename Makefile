# ferry — make targets. Run "make" for this list.
SHELL := /bin/bash
GO ?= go
export GOTOOLCHAIN ?= local
GOLANGCI_LINT_VERSION ?= v2.15.0
GOLANGCI_LINT ?= $(shell command -v golangci-lint || echo $(HOME)/go/bin/golangci-lint)
FUZZTIME ?= 1m

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: deps
deps: ## Install what the tests need besides Go (apt-get as root; else say what is missing).
	@hack/deps.sh

.PHONY: test
test: deps ## Install what the tests need, then run every test.
	$(GO) test -count=1 -timeout 30m ./...

.PHONY: race
race: ## Run the tests with the race detector.
	$(GO) test -count=1 -race ./...

.PHONY: lint
lint: ## Run golangci-lint with .golangci.yml.
	$(GOLANGCI_LINT) run ./...

.PHONY: lint-install
lint-install: ## Install golangci-lint $(GOLANGCI_LINT_VERSION) unless that version is present.
	@$(GOLANGCI_LINT) version 2>/dev/null | grep -q "$(GOLANGCI_LINT_VERSION:v%=%)" || \
	  $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each (default 1m).
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

.PHONY: bench
bench: ## Run the benchmarks in hack/bench and print ratios against their baselines.
	$(GO) run ./hack/bench

.PHONY: generate
generate: ## Write api/'s deep-copy functions and charts/ferry/crds/ with controller-gen.
	hack/controller-gen.sh object paths=./api/... crd paths=./api/... output:crd:artifacts:config=charts/ferry/crds

.PHONY: verify
verify: ## Check formatting, go.mod tidiness and vet.
	@test -z "$$(gofmt -l .)" || (gofmt -l .; echo "gofmt: files above need formatting"; exit 1)
	$(GO) mod tidy -diff
	$(GO) vet ./...

# ferry — make targets. Run "make" for this list.
SHELL := /bin/bash
GO ?= go
export GOTOOLCHAIN ?= local
GOLANGCI_LINT_VERSION ?= v2.15.0
GOLANGCI_LINT ?= $(shell command -v golangci-lint || echo $(HOME)/go/bin/golangci-lint)
FUZZTIME ?= 1m

# Build information stamped into ferry (ferry version): the release tag or
# commit, the commit, and the commit's date in UTC (not the clock's, so that
# two builds of one commit are the same bytes).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
BUILD_DATE ?= $(shell TZ=UTC0 git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
LDFLAGS = -s -w -X main.buildVersion=$(VERSION) -X main.buildCommit=$(COMMIT) -X main.buildDate=$(BUILD_DATE)
BIN ?= bin/ferry
IMAGE_REPO ?= ghcr.io/ferrycd/ferry

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: deps
deps: ## Install what the tests need besides Go (apt-get as root; else say what is missing).
	@hack/deps.sh

.PHONY: build
build: ## Build bin/ferry (BIN=) stamped with VERSION, COMMIT and BUILD_DATE.
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/ferry

.PHONY: image
image: ## Build the linux/amd64 image without a container engine (dist/image, dist/ferry.tar) and read it back.
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/ferry-linux-amd64 ./cmd/ferry
	cd hack/image && $(GO) run . build -binary ../../dist/ferry-linux-amd64 -layout ../../dist/image -tar ../../dist/ferry.tar \
	  -repository $(IMAGE_REPO) -version $(VERSION) -revision $(COMMIT) -created $(BUILD_DATE)
	cd hack/image && $(GO) run . verify -layout ../../dist/image -tar ../../dist/ferry.tar -version $(VERSION) -revision $(COMMIT)

.PHONY: test
test: deps ## Install what the tests need, then run every test (hack/image's module too).
	$(GO) test -count=1 -timeout 30m ./...
	cd hack/image && $(GO) test -count=1 ./...

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
	cd hack/image && $(GO) mod tidy -diff && $(GO) vet ./...

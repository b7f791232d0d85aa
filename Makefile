# reef: common tasks. `make help` lists them.
GO ?= go
BENCH_ARGS ?=

.PHONY: help build test race lint bench run fake-model

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build ./reef (CGO_ENABLED=0)
	CGO_ENABLED=0 $(GO) build -o reef ./cmd/reef

test: ## run the tests (the README's command)
	$(GO) test ./...

race: ## run the tests with the race detector, as CI does
	$(GO) test -race ./...

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint: ## go vet, staticcheck and gofmt
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)

bench: ## whole-path benchmark (see docs/benchmarks.md)
	$(GO) run ./cmd/reef bench $(BENCH_ARGS)

run: ## run a node on ./reef-data with ./reef.yaml if present
	$(GO) run ./cmd/reef serve $$(test -f reef.yaml && echo --config reef.yaml)

fake-model: ## run the scripted fake model server on 127.0.0.1:7431
	$(GO) run ./cmd/reef fake-model

# argo-backup. `make demo` and `make test` are the README's two commands.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
BIN      := bin/argo-backup

.PHONY: build static deps demo test test-short bench lint fuzz clean

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/argo-backup

# A static binary for a live USB: no libc needed.
static:
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)-static ./cmd/argo-backup

deps:
	./scripts/deps.sh

# The whole job on throw-away loop-device filesystems (needs root).
demo: deps build
	$(BIN) demo

# Unit, end-to-end (real btrfs on loop devices, needs root) and CLI tests.
test: deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 60m ./...

test-short:
	$(GO) test -short ./...

bench: build
	./scripts/deps.sh --bench
	$(GO) test -run '^$$' -bench . -benchtime 3x ./crypto/ ./backup/ ./restore/
	./scripts/bench.sh

lint:
	gofmt -l . | tee /dev/stderr | (! read)
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@2025.1.1 ./...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecodeRecord -fuzztime 30s ./manifest/
	$(GO) test -run '^$$' -fuzz FuzzValidator -fuzztime 30s ./btrfs/
	$(GO) test -run '^$$' -fuzz FuzzParseConfig -fuzztime 30s ./internal/config/

clean:
	rm -rf bin

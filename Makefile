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
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# Every parser of bytes from outside (the remote, files users give), as
# package:FuzzTarget. CI runs each for a few seconds (.ci/run); their seed
# corpora (f.Add and testdata/fuzz) also run in every plain `go test`.
FUZZ := manifest:FuzzDecodeRecord sendstream:FuzzValidator sendstream:FuzzPathRules sendstream:FuzzApply \
	internal/config:FuzzParseConfig \
	remote:FuzzLockFile remote:FuzzFormatMarker remote:FuzzObjectNames \
	crypto:FuzzIdentityFile crypto:FuzzRecipients crypto:FuzzEscrow crypto:FuzzOpenPart \
	crypto:FuzzDecodeSigned restore:FuzzClassify \
	backup:FuzzJournal btrfs:FuzzRenameFirstCommand
FUZZTIME ?= 30s

# A slow target (FuzzApply makes files) can be mid-input when a short
# -fuzztime ends, and Go then reports "context deadline exceeded" with no
# failing input: that is the clock, not a finding. A real finding writes
# its input to testdata/fuzz and fails the run.
fuzz:
	@for t in $(FUZZ); do \
		echo "fuzz $$t for $(FUZZTIME)"; \
		out=$$($(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) ./$${t%%:*}/ 2>&1); rc=$$?; \
		echo "$$out"; \
		if [ $$rc -ne 0 ]; then \
			if echo "$$out" | grep -q 'context deadline exceeded' && ! echo "$$out" | grep -q 'testdata/fuzz'; then \
				echo "fuzz $$t: the time ran out mid-input (no failing input): not a finding"; \
			else exit 1; fi; \
		fi; \
	done

clean:
	rm -rf bin

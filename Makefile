# AssetFlow. `make run` starts the platform on its embedded defaults; `make test` runs every test.
GO        ?= go
BIN       := bin/assetflow
WEBUI_SRC := $(shell find webui/src webui/index.html webui/vite.config.js webui/package.json -type f 2>/dev/null)

.PHONY: run build webui test test-short test-go test-browser bench lint clean

run: build
	@scripts/ensure-postgres.sh
	@if [ -f var/pg.env ]; then . ./var/pg.env; fi; exec $(BIN) serve

build: webui
	$(GO) build -o $(BIN) ./cmd/assetflow

# The console is rebuilt only when its sources changed since the last build.
webui: webui/dist/app/index.html
webui/dist/app/index.html: $(WEBUI_SRC) webui/package-lock.json
	@command -v npm >/dev/null || { echo "npm is required to build the console (apt-get install -y nodejs npm)"; exit 1; }
	cd webui && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npm run build
	@touch $@

# Everything: unit and integration tests (real PostgreSQL and MariaDB on 127.0.0.1, Kafka through
# the embedded broker) with the race detector, then the console in headless Chromium.
test: test-go test-browser

test-go:
	$(GO) test -race -count=1 -timeout 20m ./...
	$(GO) test -run '^$$' -fuzz FuzzLineage -fuzztime 15s ./infrastructure/sqlparse

# Fast tests only: no database, no broker, no browser.
test-short:
	$(GO) test -short -count=1 ./...

test-browser: build
	scripts/browser-test.sh

bench:
	scripts/bench.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt: $$out"; exit 1; }
	$(GO) vet ./...
	@if command -v staticcheck >/dev/null; then staticcheck ./...; else echo "staticcheck not installed (go install honnef.co/go/tools/cmd/staticcheck@latest)"; fi

clean:
	rm -rf bin webui/dist/app

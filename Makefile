# owtray — two commands on a fresh Debian/Ubuntu machine:
#   make run    install build dependencies, build and start the app
#   make test   install test dependencies, run go vet, staticcheck, the import
#               rules, the headless cross-builds and the tests
# (make bench runs the benchmarks.)

GO        ?= go
BIN       := bin/owtray
BUILD_DEPS := gcc pkg-config xorg-dev libgl1-mesa-dev
TEST_DEPS  := $(BUILD_DEPS) xvfb xauth xdotool dbus dbus-x11 gnome-keyring imagemagick haskell-status-notifier-item-utils fonts-droid-fallback
SESSION   := .ci/desktop-session
FUZZTIME  ?= 20s
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCH_PKGS := ./sync/store/ ./sync/engine/ ./sync/webhook/ ./ui/ ./app/desktop/

.PHONY: run build build-headless headless-check lint test bench screenshots deps-build deps-test clean

run: build
	./$(BIN) $(ARGS)

build: deps-build
	$(GO) build -o $(BIN) .

# The headless build: no window, no Fyne, no cgo (`owtray serve` and the CLI).
build-headless:
	CGO_ENABLED=0 $(GO) build -tags nogui -o bin/owtray-headless .

# The headless build has no Fyne and no cgo, and builds for linux, darwin and
# windows on amd64 and arm64.
headless-check:
	GO=$(GO) .ci/headless-check

# staticcheck (checks in staticcheck.conf) and the import rules of
# docs/ARCHITECTURE.md (.ci/layering, which first tests itself).
lint: deps-test
	$(GO) run $(STATICCHECK) ./...
	.ci/layering --self-test
	GO=$(GO) .ci/layering

deps-build:
	@.ci/install-deps $(BUILD_DEPS)

deps-test:
	@.ci/install-deps $(TEST_DEPS)

# go vet and the race-enabled tests inside a private D-Bus session with an
# unlocked gnome-keyring, a status-notifier watcher and a virtual X display.
test: deps-test headless-check lint
	$(SESSION) sh -c '$(GO) vet ./... && OWTRAY_REQUIRE_KEYRING=1 OWTRAY_REQUIRE_DESKTOP=1 $(GO) test -race -timeout 25m ./...'
	$(GO) test -run '^$$' -fuzz '^FuzzParseEvent$$' -fuzztime $(FUZZTIME) ./sync/webhook/

bench: deps-test
	$(SESSION) sh -c '$(GO) test -run "^$$" -bench . -benchtime 3x $(BENCH_PKGS)'

# Regenerates README's screenshots (docs/*.png) from the real app under Xvfb.
screenshots: deps-test
	$(SESSION) sh -c 'OWTRAY_SCREENSHOTS=$(CURDIR)/docs $(GO) test -count=1 -run "TestDemoWindowAndTray|TestSetupScreenRenders" ./app/desktop/'

clean:
	rm -rf bin

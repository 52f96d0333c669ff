# owtray — two commands on a fresh Debian/Ubuntu machine:
#   make run    install build dependencies, build and start the app
#   make test   install test dependencies, run go vet, staticcheck, the import
#               rules, the headless cross-builds, the Linux package check and the tests
# (make bench runs the benchmarks.)

GO        ?= go
BIN       := bin/owtray
BUILD_DEPS := gcc pkg-config xorg-dev libgl1-mesa-dev
TEST_DEPS  := $(BUILD_DEPS) xvfb xauth xdotool dbus dbus-x11 gnome-keyring imagemagick haskell-status-notifier-item-utils \
	desktop-file-utils x11-utils xz-utils fonts-droid-fallback
SESSION   := .ci/desktop-session
# A count, not a duration: with a duration, Go 1.26's fuzz coordinator can
# report its own deadline as a failure ("context deadline exceeded", no
# failing input; golang/go#75804, fixed in Go 1.27). 300,000 runs take
# 15-25 s on two cores.
FUZZTIME  ?= 300000x
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCH_PKGS := ./sync/store/ ./sync/engine/ ./sync/webhook/ ./ui/ ./app/desktop/

.PHONY: run build build-headless headless-check lint test bench screenshots deps-build deps-test clean

# --- version stamped into every build (app/buildinfo) ---
VERSION := $(shell sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
APPBUILD := $(shell sed -n 's/^Build *= *\([0-9]*\)/\1/p' FyneApp.toml)
COMMIT  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
DATE    := $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
BUILDINFO := github.com/owtray/owtray/app/buildinfo
VERSION_LDFLAGS := -X $(BUILDINFO).version=$(VERSION) -X $(BUILDINFO).commit=$(COMMIT) -X $(BUILDINFO).date=$(DATE)

run: build
	./$(BIN) $(ARGS)

build: deps-build
	$(GO) build -ldflags '$(VERSION_LDFLAGS)' -o $(BIN) .

# The headless build: no window, no Fyne, no cgo (`owtray serve` and the CLI).
build-headless:
	CGO_ENABLED=0 $(GO) build -tags nogui -o bin/owtray-headless .

# The headless build has no Fyne and no cgo, and builds for linux, darwin and
# windows on amd64 and arm64.
headless-check:
	GO=$(GO) .ci/headless-check

# gofmt, staticcheck (checks in staticcheck.conf) and the import rules of
# docs/ARCHITECTURE.md (.ci/layering, which first tests itself).
lint: deps-test
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$unformatted" ] || { echo "gofmt needed: $$unformatted"; exit 1; }
	$(GO) run $(STATICCHECK) ./...
	.ci/layering --self-test
	GO=$(GO) .ci/layering

deps-build:
	@.ci/install-deps $(BUILD_DEPS)

deps-test:
	@.ci/install-deps $(TEST_DEPS)

# go vet and the race-enabled tests inside a private D-Bus session with an
# unlocked gnome-keyring, a status-notifier watcher and a virtual X display.
test: deps-test headless-check lint package-check
	$(SESSION) sh -c '$(GO) vet ./... && OWTRAY_REQUIRE_KEYRING=1 OWTRAY_REQUIRE_DESKTOP=1 $(GO) test -race -timeout 25m ./...'
	$(GO) test -run '^$$' -fuzz '^FuzzParseEvent$$' -fuzztime $(FUZZTIME) ./sync/webhook/

bench: deps-test
	$(SESSION) sh -c '$(GO) test -run "^$$" -bench . -benchtime 3x $(BENCH_PKGS)'

# Regenerates README's screenshots (docs/*.png) from the real app under Xvfb.
screenshots: deps-test
	$(SESSION) sh -c 'OWTRAY_SCREENSHOTS=$(CURDIR)/docs $(GO) test -count=1 -run "TestDemoWindowAndTray|TestSetupScreenRenders" ./app/desktop/'

clean:
	rm -rf bin dist

# --- packages and installing (Linux .tar.xz, macOS .app, Windows .zip, headless binaries) ---
# make package      Linux: dist/owtray-VERSION-linux-amd64.tar.xz; macOS: dist/owtray.app
# make install      the same files into PREFIX (default ~/.local, no root); make uninstall
# make windows      dist/owtray-VERSION-windows-amd64.zip (cross-compiled with mingw-w64)
# make dist         cgo-free headless binaries for linux/darwin/windows × amd64/arm64 + SHA256SUMS
# make release      all of the above
APP_ID      := io.github.owtray.owtray
FYNE_TOOL   := $(GO) run fyne.io/tools/cmd/fyne@v1.7.4
ICON_SIZES  := 16 24 32 48 64 128 256 512
WMCLASS     := owtray
REL_LDFLAGS := -s -w $(VERSION_LDFLAGS)
LINUX_PKG   := owtray-$(VERSION)-linux-amd64
LINUX_STAGE := dist/stage/$(LINUX_PKG)
WIN_PKG     := owtray-$(VERSION)-windows-amd64
WIN_STAGE   := dist/stage/$(WIN_PKG)
WIN_SYSO    := rsrc_windows_amd64.syso
HEADLESS    := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
PACKAGE_DEPS := $(BUILD_DEPS) imagemagick xz-utils
WINDOWS_DEPS := gcc-mingw-w64-x86-64 imagemagick zip unzip python3
PREFIX      ?= $(HOME)/.local

.PHONY: package install uninstall windows dist release linux-stage package-check

# make package + make install/uninstall into a temporary prefix, checked
# (.ci/package-check); part of make test.
package-check: deps-test
	$(SESSION) .ci/package-check

ifeq ($(shell uname -s),Darwin)
# On a Mac (Xcode command line tools): owtray.app through fyne package.
package:
	mkdir -p dist/stage
	$(GO) build -trimpath -ldflags '$(REL_LDFLAGS)' -o dist/stage/owtray .
	rm -rf owtray.app dist/owtray.app
	cp FyneApp.toml dist/stage/FyneApp.toml.keep  # fyne package --release bumps its Build number
	$(FYNE_TOOL) package --target darwin --src . --executable dist/stage/owtray --name owtray \
		--app-id $(APP_ID) --app-version $(VERSION) --app-build $(APPBUILD) --icon assets/icon.png --release; \
		rc=$$?; mv dist/stage/FyneApp.toml.keep FyneApp.toml; exit $$rc
	mv owtray.app dist/owtray.app
	@echo "dist/owtray.app: drag it into Applications"
else
package: dist/$(LINUX_PKG).tar.xz

dist/$(LINUX_PKG).tar.xz: linux-stage
	tar -C dist/stage -cJf $@ $(LINUX_PKG)
	@ls -l $@
endif

# The Linux package's contents: binary, .desktop entry, hicolor icons and
# the Makefile that installs them (assets/linux).
linux-stage:
	@.ci/install-deps $(PACKAGE_DEPS)
	rm -rf $(LINUX_STAGE) && mkdir -p $(LINUX_STAGE)
	$(GO) build -ldflags '$(REL_LDFLAGS)' -o $(LINUX_STAGE)/owtray .
	sed 's|@WMCLASS@|$(WMCLASS)|' assets/linux/$(APP_ID).desktop.in > $(LINUX_STAGE)/$(APP_ID).desktop
	for s in $(ICON_SIZES); do mkdir -p $(LINUX_STAGE)/icons/hicolor/$${s}x$${s}/apps && \
		convert assets/icon.png -resize $${s}x$${s} -strip $(LINUX_STAGE)/icons/hicolor/$${s}x$${s}/apps/$(APP_ID).png || exit 1; done
	cp assets/linux/Makefile LICENSE $(LINUX_STAGE)/

install: linux-stage
	$(MAKE) --no-print-directory -C $(LINUX_STAGE) install PREFIX='$(PREFIX)'

uninstall:
	$(MAKE) --no-print-directory -f assets/linux/Makefile uninstall PREFIX='$(PREFIX)'

# Windows: the GUI needs cgo, so mingw-w64 cross-compiles it; windres
# embeds the icon, version information and manifest (assets/windows).
windows:
	@.ci/install-deps $(WINDOWS_DEPS)
	rm -rf $(WIN_STAGE) && mkdir -p $(WIN_STAGE) dist/stage/winres
	convert assets/icon.png -define icon:auto-resize=256,128,64,48,32,16 dist/stage/winres/owtray.ico
	cp assets/windows/owtray.exe.manifest dist/stage/winres/
	v='$(VERSION)'; v1=$${v%%.*}; r=$${v#*.}; v2=$${r%%.*}; v3=$${r#*.}; v3=$${v3%%[!0-9]*}; \
	sed -e "s/@VERSION@/$$v/g" -e "s/@V1@/$$v1/g" -e "s/@V2@/$$v2/g" -e "s/@V3@/$${v3:-0}/g" -e "s/@BUILD@/$(APPBUILD)/g" \
		assets/windows/owtray.rc.in > dist/stage/winres/owtray.rc
	x86_64-w64-mingw32-windres -O coff -I dist/stage/winres -i dist/stage/winres/owtray.rc -o $(WIN_SYSO)
	GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc \
		$(GO) build -trimpath -ldflags '$(REL_LDFLAGS) -H windowsgui' -o $(WIN_STAGE)/owtray.exe . ; \
		rc=$$?; rm -f $(WIN_SYSO); exit $$rc
	cp assets/windows/README.txt $(WIN_STAGE)/README.txt && cp LICENSE $(WIN_STAGE)/LICENSE.txt
	rm -f dist/$(WIN_PKG).zip && cd dist/stage && zip -q -r ../$(WIN_PKG).zip $(WIN_PKG)
	.ci/windows-check dist/$(WIN_PKG).zip $(VERSION)

# Headless (`owtray serve`, no Fyne, no cgo) for servers and Raspberry Pis.
dist:
	@mkdir -p dist
	@for p in $(HEADLESS); do os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		echo "headless $$os/$$arch"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -tags nogui -ldflags '$(REL_LDFLAGS)' \
			-o dist/owtray-$(VERSION)-$$os-$$arch$$ext . || exit 1; done
	cd dist && rm -f SHA256SUMS && sha256sum owtray-$(VERSION)-* > SHA256SUMS
	@cat dist/SHA256SUMS

release: package windows
	$(MAKE) --no-print-directory dist

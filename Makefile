# madoguchi — build, run and test entry points.
#
# The README's quick start is `make demo` and `make test`. Both first run `deps`,
# which installs the Debian packages the build and the tests need when they are
# missing (as root, with apt-get) or says precisely which are missing.

SHELL := /bin/bash
GO    ?= go
export CGO_ENABLED := 1

# Debian packages, one group per reason. Keep this list the only place that names them.
PKGS_BUILD   := gcc pkg-config libpcsclite-dev
PKGS_READER  := pcscd vsmartcard-vpcd opensc opensc-pkcs11 openssl iproute2 util-linux
PKGS_UI      := tmux
PKGS_PRINTER := cups-ipp-utils fonts-ipaexfont-gothic fonts-ipaexfont-mincho poppler-utils dbus zbar-tools
# The receipt's fallback fonts (printer/layout.DefaultFallbacks): vi, zh-Hans, ko, ne.
PKGS_PRINTER += fonts-dejavu-core fonts-droid-fallback fonts-nanum fonts-lohit-deva
PKGS_VSCARD  := libcacard-dev qemu-system-x86
# The spoken guide: Open JTalk (Japanese) and its dictionary, the voice (in the archive's
# contrib component: deps adds a contrib source when apt cannot see it), espeak-ng (other
# languages), sox (format, loudness, the tests' `sox stat`), aplay (alsa-utils).
PKGS_VOICE   := open-jtalk open-jtalk-mecab-naist-jdic hts-voice-nitech-jp-atr503-m001 espeak-ng sox alsa-utils
# The package that only contrib has, and the apt source deps writes for it.
CONTRIB_PKG     := hts-voice-nitech-jp-atr503-m001
CONTRIB_SOURCES := /etc/apt/sources.list.d/madoguchi-contrib.sources
PKGS_LAZYFS  := cmake g++ libfuse3-dev fuse3 libtoml11-dev libspdlog-dev
PKGS_DB      := postgresql
PKGS_BROWSER := chromium
PKGS_CROSS   := gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-user file binutils
# The appliance image (.ci/image) and its boot test under qemu-system (make test-image).
PKGS_IMAGE   := mmdebstrap qemu-user-static qemu-system-arm arch-test dosfstools mtools fdisk e2fsprogs debian-archive-keyring
PKGS_ALL     := $(PKGS_BUILD) $(PKGS_READER) $(PKGS_UI) $(PKGS_PRINTER) $(PKGS_VSCARD) $(PKGS_VOICE) $(PKGS_LAZYFS) $(PKGS_DB) $(PKGS_BROWSER) $(PKGS_IMAGE)

GO_MIN := 1.25

.PHONY: all deps build test test-native demo diag bench clean check-go vscard-guest

all: build

check-go:
	@command -v $(GO) >/dev/null || { echo "missing: Go $(GO_MIN) or newer (https://go.dev/dl); Debian 12's golang package is too old" >&2; exit 1; }
	@v=$$($(GO) env GOVERSION | sed 's/^go//'); \
	  if [ "$$(printf '%s\n%s\n' "$(GO_MIN)" "$$v" | sort -V | head -1)" != "$(GO_MIN)" ]; then \
	    echo "missing: Go $(GO_MIN) or newer (found $$v)" >&2; exit 1; fi

deps: check-go
	@missing=""; for p in $(PKGS_ALL); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	  done; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      echo "installing:$$missing"; \
	      export DEBIAN_FRONTEND=noninteractive; \
	      apt-get update -qq || echo "warning: apt-get update reported errors; trying the install anyway" >&2; \
	      if echo "$$missing" | grep -qw $(CONTRIB_PKG) && [ -z "$$(apt-cache madison $(CONTRIB_PKG) 2>/dev/null)" ]; then \
	        suite=$$(. /etc/os-release && echo $$VERSION_CODENAME); \
	        echo "enabling the archive's contrib component for $(CONTRIB_PKG): $(CONTRIB_SOURCES) ($$suite)"; \
	        printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: contrib\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$$suite" > $(CONTRIB_SOURCES); \
	        apt-get update -qq || echo "warning: apt-get update reported errors; trying the install anyway" >&2; \
	      fi; \
	      apt-get install -y -qq --no-install-recommends $$missing >/dev/null || { echo "apt-get install failed for:$$missing" >&2; exit 1; }; \
	    else \
	      echo "missing Debian packages:$$missing" >&2; \
	      echo "install them with: sudo apt-get install$$missing" >&2; \
	      if echo "$$missing" | grep -qw $(CONTRIB_PKG); then \
	        echo "($(CONTRIB_PKG) is in the archive's contrib component: add contrib to an apt source first, e.g. $(CONTRIB_SOURCES) with Types: deb, URIs: http://deb.debian.org/debian, Suites: <codename>, Components: contrib, Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg)" >&2; \
	      fi; exit 1; \
	    fi; \
	  fi

build: deps
	$(GO) build -o bin/ ./cmd/...

# The whole test suite, as CI runs it (.ci/run calls exactly this target): vet, every test
# natively, again with the race detector, then the cross builds and the tests of every
# package the kiosk is built from under QEMU for arm64 and armv7 (.ci/cross says why), then
# the appliance image booted in qemu-system-aarch64.
test: test-native
	$(MAKE) --no-print-directory test-cross
	$(MAKE) --no-print-directory test-image

# The native half of `test`: quicker while working on the code, not a substitute for `test`.
# The race detector runs the suite once more with -short (long loops bounded).
# MADOGUCHI_REQUIRE_POSTGRES / _CHROMIUM: the PostgreSQL passes of the center's tests and
# the console's browser test must run (deps installed them), never be left out.
test-native: export MADOGUCHI_REQUIRE_POSTGRES := 1
test-native: export MADOGUCHI_REQUIRE_CHROMIUM := 1
# Test artifacts to look at after a run (the console's screenshots).
test-native: export MADOGUCHI_ARTIFACTS ?= $(HOME)/.cache/madoguchi/artifacts
test-native: deps vscard-guest
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...
	$(GO) test -race -short -count=1 -timeout 20m ./...

# The tiny guest (Debian's kernel and busybox, cached by version) in which the VSCard test
# boots QEMU with a USB CCID reader and the host's pcscd + libccid.
vscard-guest: deps
	@.ci/vscard-guest >/dev/null

demo: build
	./bin/kiosk demo

diag: build
	./bin/kiosk diag

bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

clean:
	rm -rf bin

# Raspberry Pi builds (linux/arm64, linux/arm GOARM=7, cgo) and the test suite under qemu-user.
# .ci/cross installs PKGS_CROSS when missing and keeps the target sysroots in ~/.cache/madoguchi.
.PHONY: cross test-cross

cross: check-go
	PKGS_CROSS="$(PKGS_CROSS)" .ci/cross build

test-cross: deps
	PKGS_CROSS="$(PKGS_CROSS)" .ci/cross test

# Footprint on this machine: binary size, start-up to the idle screen, RSS idle and during
# a demo session, CPU and writes while idle (kiosk demo in tmux).
.PHONY: footprint
footprint: deps
	$(GO) test -run '^$$' -bench Footprint -benchtime 1x ./cmd/kiosk/

# The appliance image: Debian 13 trixie arm64 with the kiosk, read-only root (.ci/image; cached
# by input hash in ~/.cache/madoguchi/image), and its boot test in qemu-system-aarch64
# (cmd/kiosk/image_test.go, build tag "image").
.PHONY: image test-image test-image-pi image-idle-writes

image: deps
	PKGS_CROSS="$(PKGS_CROSS)" .ci/image build

test-image: deps
	@dir=$$(PKGS_CROSS="$(PKGS_CROSS)" .ci/image build) && \
	  IMAGE_DIR=$$dir $(GO) test -tags image -count=1 -timeout 30m -v -run '^TestImage' ./cmd/kiosk/ $(IMAGE_TEST_FLAGS)

# The image as a Raspberry Pi 3 boots it, on QEMU's raspi3b (about 3 to 5 minutes under
# TCG on the shared 2-core machine, so not part of make test; its boot files are checked
# by TestImagePiBootFiles in test-image).
test-image-pi: deps
	@dir=$$(PKGS_CROSS="$(PKGS_CROSS)" .ci/image build) && \
	  IMAGE_DIR=$$dir $(GO) test -tags image -count=1 -timeout 20m -v -run '^TestPiBoot$$' ./cmd/kiosk/

# Bytes written to the root device in IMAGE_IDLE (default 10m) of idle kiosk: a figure for
# the README, not part of make test (TestImage checks 30 s).
image-idle-writes: deps
	@dir=$$(PKGS_CROSS="$(PKGS_CROSS)" .ci/image build) && \
	  IMAGE_DIR=$$dir $(GO) test -tags image -count=1 -timeout 40m -v -run '^TestApplianceIdleWrites$$' ./cmd/kiosk/

# vspace-netns: build, test, demonstrate, install.
#   make demo      build, then show a util-vserver shared-net start landing in a named netns (root)
#   make zones-demo  build, then run the README's two-zone example for real on a throwaway
#                  trunk in temp roots: up, hook, doctor, guests, down; leaves nothing (root)
#   make test      every test (root: the integration tests create real namespaces)
#   make test-release  the same tests against the static-pie release build
#   make test-upstream  kernel net selftests and iproute2's testsuite cases that use `ip netns`,
#                  each under iproute2's ip and under the binary as `ip`; fails on any
#                  difference (root; apt-get installs their sources and tools; see README)
#   make bench     RUNS=500 ; cost of an intercepted vspace call vs C, nsenter, ip netns exec (root)
#   make bench-ip  ip-netns-shim exec against ip netns exec and a minimal C program (root)
#   make install   PREFIX=/usr/local DESTDIR= ; the binary, its names (vspace-netns,
#                  ip-netns-shim; never vspace or ip), man pages, bash/zsh/fish completions
#   make install-divert    install, then move /usr/sbin/vspace to /usr/sbin/vspace.distrib
#                  (a local dpkg diversion, or a plain move: DIVERT=auto|dpkg|plain) and put the
#                  wrapper in its place; make uninstall-divert puts the original back
#   make deb       target/deb/vspace-netns_VERSION_ARCH.deb (dpkg-deb), diverting vspace itself
# BIN=path installs or packages that binary instead of building one.
PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
LIBDIR  ?= $(PREFIX)/lib/vspace-netns
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
# Where util-vserver calls vspace (its build-time $(__SBINDIR)/vspace), and how to divert it.
VSPACE  ?= /usr/sbin/vspace
DIVERT  ?= $(or $(VSPACE_NETNS_DIVERT),auto)
CARGO   ?= cargo
RUNS    ?= 500
# Release builds are static-pie: no dynamic loading on every guest start.
TARGET  ?= $(shell rustc -vV | sed -n 's/^host: //p')
BIN     ?= target/$(TARGET)/release/vspace-netns
# Build unless BIN was given on the command line.
BUILD_DEP = $(if $(filter command line,$(origin BIN)),,build)
NAMES    = vspace-netns ip-netns-shim
MANPAGES = $(wildcard man/*.8)
DIVERT_SH = sh install/divert.sh --root "$(or $(DESTDIR),/)" --method $(DIVERT) --vspace $(VSPACE)
VERSION  := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
DEB_ARCH ?= $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB_OUT  ?= target/deb
DEB_NAME  = vspace-netns_$(VERSION)_$(DEB_ARCH)

.PHONY: build test test-release test-upstream check demo zones-demo bench bench-ip install uninstall install-divert uninstall-divert deb clean

build:
	RUSTFLAGS="-C target-feature=+crt-static" $(CARGO) build --release --locked --target $(TARGET)

test:
	$(CARGO) test --locked --no-fail-fast

# The same suites against the static-pie release build (what gets installed).
test-release: build
	VSPACE_NETNS_TEST_BIN=$(abspath $(BIN)) $(CARGO) test --locked --no-fail-fast

# upstream/run.sh BIN: BIN= from the command line, else cargo's debug build (as `make test`).
test-upstream:
	$(if $(filter command line,$(origin BIN)),,$(CARGO) build --locked)
	sh upstream/run.sh $(if $(filter command line,$(origin BIN)),$(BIN),target/debug/vspace-netns)

check:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

demo: build
	sh demo/demo.sh $(BIN)

zones-demo: build
	sh demo/zones.sh $(BIN)

bench: build
	sh bench/vspace-exec.sh $(BIN) $(RUNS)

bench-ip: build
	sh bench/ip-exec.sh $(BIN)

install: $(BUILD_DEP)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/vspace-netns
	ln -sf vspace-netns $(DESTDIR)$(SBINDIR)/ip-netns-shim
	$(if $(MANPAGES),install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man8/)
	$(BIN) completions bash > $(DESTDIR)$(BASHCOMPDIR)/vspace-netns
	$(BIN) completions zsh > $(DESTDIR)$(ZSHCOMPDIR)/_vspace-netns
	$(BIN) completions fish > $(DESTDIR)$(FISHCOMPDIR)/vspace-netns.fish
	install -d $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(LIBDIR)
	install -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0755 compat/util-vserver/vspace-netns-hook $(DESTDIR)$(LIBDIR)/vspace-netns-hook

# Refuses while the wrapper stands at $(VSPACE): util-vserver would lose its vspace.
uninstall:
	$(DIVERT_SH) status $(SBINDIR)/vspace-netns >/dev/null || \
		{ echo "make uninstall: $(VSPACE) is the wrapper: make uninstall-divert first" >&2; exit 1; }
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,$(NAMES))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MANPAGES)))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/vspace-netns $(DESTDIR)$(ZSHCOMPDIR)/_vspace-netns \
		$(DESTDIR)$(FISHCOMPDIR)/vspace-netns.fish
	rm -f $(DESTDIR)$(MANDIR)/man5/vspace-netns-zones.5 $(DESTDIR)$(LIBDIR)/vspace-netns-hook

install-divert: install
	$(DIVERT_SH) add $(SBINDIR)/vspace-netns

uninstall-divert:
	$(DIVERT_SH) remove $(SBINDIR)/vspace-netns

# The package ships /usr/sbin/vspace -> vspace-netns; its preinst diverts util-vserver's
# vspace to vspace.distrib first (Debian policy's wrapper pattern), its postrm undoes that;
# its postinst warns when util-vserver's vspace is missing.
deb: $(BUILD_DEP)
	rm -rf $(DEB_OUT)/$(DEB_NAME)
	$(MAKE) --no-print-directory install BIN=$(abspath $(BIN)) DESTDIR=$(abspath $(DEB_OUT)/$(DEB_NAME)) \
		PREFIX=/usr ZSHCOMPDIR=/usr/share/zsh/vendor-completions
	$(if $(MANPAGES),gzip -9n $(DEB_OUT)/$(DEB_NAME)/usr/share/man/man8/*.8)
	gzip -9n $(DEB_OUT)/$(DEB_NAME)/usr/share/man/man5/*.5
	ln -s vspace-netns $(DEB_OUT)/$(DEB_NAME)/usr/sbin/vspace
	install -d $(DEB_OUT)/$(DEB_NAME)/DEBIAN $(DEB_OUT)/$(DEB_NAME)/usr/share/doc/vspace-netns
	install -m 0644 README.md $(DEB_OUT)/$(DEB_NAME)/usr/share/doc/vspace-netns/
	install -m 0755 install/debian/preinst install/debian/postinst install/debian/postrm $(DEB_OUT)/$(DEB_NAME)/DEBIAN/
	sed -e 's/@VERSION@/$(VERSION)/' -e 's/@ARCH@/$(DEB_ARCH)/' \
		-e "s/@SIZE@/$$(du -sk $(DEB_OUT)/$(DEB_NAME)/usr | cut -f1)/" \
		install/debian/control > $(DEB_OUT)/$(DEB_NAME)/DEBIAN/control
	dpkg-deb --root-owner-group --build $(DEB_OUT)/$(DEB_NAME) $(DEB_OUT)/$(DEB_NAME).deb

clean:
	$(CARGO) clean

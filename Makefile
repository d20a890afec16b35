# vspace-netns: build, test, demonstrate, install.
#   make build     as your user: the static-pie release binary (cargo; Rust >= 1.85)
#   make demo      show a util-vserver shared-net start landing in a named netns (root)
#   make zones-demo  run the README's two-zone example for real on a throwaway
#                  trunk in temp roots: up, hook, doctor, guests, down; leaves nothing (root)
#   make test      every test (root: the integration tests create real namespaces)
#   make test-release  build, then the same tests against the static-pie release build
#   make test-upstream  kernel net selftests and iproute2's testsuite cases that use `ip netns`,
#                  each under iproute2's ip and under the binary as `ip`; fails on any
#                  difference (root; apt-get installs their sources and tools; see README)
#   make test-vm   VM_RELEASES="bookworm trixie" ; Debian's own kernels and systemd under QEMU:
#                  builds (as make build, the integration test binary, make deb when
#                  cargo-deb is there), then vm/run.sh boots each release and runs
#                  vm/checks/*.sh inside (root; needs qemu-system-x86 qemu-utils debootstrap;
#                  see docs/testing.md)
#   make bench     RUNS=500 ; cost of an intercepted vspace call vs C, nsenter, ip netns exec (root)
#   make bench-ip  ip-netns-shim exec against ip netns exec and a minimal C program (root)
#   make bench-floor  RUNS=500 ; the intercept against the static C floor, step by step: C
#                  static-pie, C with the safety checks' calls, Rust's std, the vspace code
#                  alone (root; builds bench/floor with cargo)
#   make install   PREFIX=/usr/local DESTDIR= ; the binary, its names (vspace-netns,
#                  ip-netns-shim; never vspace or ip), man pages, bash/zsh/fish completions,
#                  the util-vserver scriptlet and its README, README.Debian, NEWS.Debian,
#                  the example zones (DOCDIR/examples), the boot units (systemd unit in
#                  /lib/systemd/system, SysV script in /etc/init.d; not enabled)
#   make uninstall everything install made, directories it created included
#   make install-divert    install, then move /usr/sbin/vspace to /usr/sbin/vspace.distrib
#                  (a local dpkg diversion, or a plain move: DIVERT=auto|dpkg|plain) and put the
#                  wrapper in its place; make uninstall-divert puts the original back
#   make deb       as your user: target/deb/vspace-netns_VERSION-1_ARCH.deb (cargo-deb
#                  --no-build: nothing is compiled), diverting vspace itself
# demo, zones-demo, bench, bench-ip, install and deb never need cargo: they take BIN=path, else
# the binary `make build` made, so `make build` as your user, then `sudo make demo` works
# without cargo in root's PATH. Only demo, the README's first command, builds first when there
# is no binary yet and cargo is in PATH (a fresh clone).
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
DOCDIR  ?= $(PREFIX)/share/doc/vspace-netns
# The boot units: where systemd and SysV init look, whatever PREFIX is.
SYSTEMDUNITDIR ?= /lib/systemd/system
INITDIR ?= /etc/init.d
IFUPDIR ?= /etc/network/if-up.d
DISPATCHERDIR ?= /etc/networkd-dispatcher
# Release builds are static-pie: no dynamic loading on every guest start. build.rs links every
# build with link/intercept.ld: the code a guest start runs side by side (link/README).
TARGET  ?= $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')
# The binary `make build` made (found without rustc too, e.g. as root under sudo).
BUILT   := $(firstword $(wildcard target/$(TARGET)/release/vspace-netns) $(wildcard target/*/release/vspace-netns))
BIN     ?= $(or $(BUILT),target/$(or $(TARGET),HOST-TRIPLE)/release/vspace-netns)
# The targets that use the binary check for it first (and say when it is older than the sources).
NEED_BIN = @test -x "$(BIN)" || { echo "make $@: no binary at $(BIN): run make build first (as your user), or give BIN=path" >&2; exit 1; }; \
	if [ -n "$$(find src sys Cargo.toml Cargo.lock completions -newer "$(BIN)" 2>/dev/null | head -n 1)" ]; then \
		echo "make $@: warning: $(BIN) is older than the sources: make build (as your user) to rebuild" >&2; fi
NAMES    = vspace-netns ip-netns-shim
MANPAGES = $(wildcard man/*.8)
# examples/ (the zones of vspace-netns-zones(5)) goes to $(DOCDIR)/examples as it is.
EXAMPLE_DIRS  := $(shell find examples -type d 2>/dev/null | sort)
EXAMPLE_FILES := $(shell find examples -type f 2>/dev/null | sort)
DIVERT_SH = sh install/divert.sh --root "$(or $(DESTDIR),/)" --method $(DIVERT) --vspace $(VSPACE)
DEB_OUT  ?= target/deb
# DEB_VERSION=0.1.1-1 overrides the package version (Cargo.toml's, revision 1);
# DEB_MAINTAINER='Name <address>' the Maintainer field.
DEB_VERSION ?=
DEB_MAINTAINER ?=
# Where make install records the directories it created (for make uninstall).
INSTALL_DIRS = $(LIBDIR)/installed-dirs

.PHONY: build test test-release test-upstream test-vm check demo zones-demo bench bench-ip bench-floor install uninstall install-divert uninstall-divert deb clean

build:
	@command -v $(CARGO) >/dev/null 2>&1 && [ -n "$(TARGET)" ] || { echo "make build: no $(CARGO)/rustc in PATH: run make build as your user (rustup, Rust >= 1.85)" >&2; exit 1; }
	RUSTFLAGS="-C target-feature=+crt-static" $(CARGO) build --release --locked --target $(TARGET)

# What the tests skipped on this machine (tests/it/common: skipped) is said after the run.
SKIPPED_LOG = target/tmp/skipped.log
SAY_SKIPPED = if [ -s $(SKIPPED_LOG) ]; then echo "skipped on this machine:"; sort -u $(SKIPPED_LOG) | sed 's/^/  /'; fi

test:
	rm -f $(SKIPPED_LOG)
	$(CARGO) test --locked --no-fail-fast; rc=$$?; $(SAY_SKIPPED); exit $$rc

# The same suites against the static-pie release build (what gets installed).
test-release: build
	rm -f $(SKIPPED_LOG)
	VSPACE_NETNS_TEST_BIN=$(abspath $(BIN)) $(CARGO) test --locked --no-fail-fast; rc=$$?; $(SAY_SKIPPED); exit $$rc

# upstream/run.sh BIN: BIN= from the command line, else cargo's debug build (as `make test`).
test-upstream:
	$(if $(filter command line,$(origin BIN)),,$(CARGO) build --locked)
	sh upstream/run.sh $(if $(filter command line,$(origin BIN)),$(BIN),target/debug/vspace-netns)

# With cargo in PATH: the static-pie build, the integration test binary (tests/it, its path
# from cargo's JSON) and the package when cargo-deb is there; without cargo: BIN= and what is
# already built.
VM_RELEASES ?= bookworm trixie
test-vm:
	@if command -v $(CARGO) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory build && \
		$(CARGO) test --locked --no-run --message-format=json >target/vm-tests.json && \
		grep '"kind":\["test"\]' target/vm-tests.json | \
			sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' >target/vm-tests.list && \
		if command -v cargo-deb >/dev/null 2>&1; then rm -rf $(DEB_OUT) && $(MAKE) --no-print-directory deb; fi; \
	fi
	$(NEED_BIN)
	VSPACE_NETNS_BIN=$(BIN) VM_DEB="$$(ls $(DEB_OUT)/vspace-netns_*.deb 2>/dev/null | head -n 1)" \
		VM_TESTS="$$([ -f target/vm-tests.list ] && echo target/vm-tests.list)" sh vm/run.sh $(VM_RELEASES)

check:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

# On a fresh clone with cargo at hand (and no BIN=), the README's first command builds first.
demo:
	@if [ "$(origin BIN)" != "command line" ] && [ ! -x "$(BIN)" ] && command -v $(CARGO) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory build; fi
	$(NEED_BIN)
	sh demo/demo.sh $(BIN)

zones-demo:
	$(NEED_BIN)
	sh demo/zones.sh $(BIN)

bench:
	$(NEED_BIN)
	sh bench/vspace-exec.sh $(BIN) $(RUNS)

bench-ip:
	$(NEED_BIN)
	sh bench/ip-exec.sh $(BIN)

bench-floor:
	$(NEED_BIN)
	sh bench/floor.sh $(BIN) $(RUNS)

install:
	$(NEED_BIN)
	$(if $(DESTDIR),install -d "$(DESTDIR)")
	sh install/dirs.sh make "$(DESTDIR)" $(INSTALL_DIRS) $(LIBDIR) $(SBINDIR) $(MANDIR)/man8 \
		$(MANDIR)/man5 $(BASHCOMPDIR) $(ZSHCOMPDIR) $(FISHCOMPDIR) $(DOCDIR) \
		$(SYSTEMDUNITDIR) $(INITDIR) $(IFUPDIR) $(DISPATCHERDIR)/carrier.d $(DISPATCHERDIR)/routable.d \
		$(addprefix $(DOCDIR)/,$(EXAMPLE_DIRS))
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/vspace-netns
	ln -sf vspace-netns $(DESTDIR)$(SBINDIR)/ip-netns-shim
	$(if $(MANPAGES),install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man8/)
	install -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	# The completions as the binary prints them (templates in completions/, lists from its tables).
	$(BIN) completions bash > $(DESTDIR)$(BASHCOMPDIR)/vspace-netns
	$(BIN) completions zsh > $(DESTDIR)$(ZSHCOMPDIR)/_vspace-netns
	$(BIN) completions fish > $(DESTDIR)$(FISHCOMPDIR)/vspace-netns.fish
	chmod 0644 $(DESTDIR)$(BASHCOMPDIR)/vspace-netns $(DESTDIR)$(ZSHCOMPDIR)/_vspace-netns \
		$(DESTDIR)$(FISHCOMPDIR)/vspace-netns.fish
	install -m 0755 compat/util-vserver/vspace-netns-hook $(DESTDIR)$(LIBDIR)/vspace-netns-hook
	install -m 0644 compat/util-vserver/README $(DESTDIR)$(DOCDIR)/README.util-vserver
	install -m 0644 install/debian/README.Debian $(DESTDIR)$(DOCDIR)/README.Debian
	gzip -9n < install/debian/NEWS.Debian > $(DESTDIR)$(DOCDIR)/NEWS.Debian.gz
	chmod 0644 $(DESTDIR)$(DOCDIR)/NEWS.Debian.gz
	for f in $(EXAMPLE_FILES); do install -m 0644 "$$f" "$(DESTDIR)$(DOCDIR)/$$f" || exit 1; done
	sed 's|/usr/sbin/vspace-netns|$(SBINDIR)/vspace-netns|g' install/vspace-netns.service \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/vspace-netns.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/vspace-netns.service
	sed 's|^DAEMON=/usr/sbin/vspace-netns$$|DAEMON=$(SBINDIR)/vspace-netns|' install/vspace-netns.init \
		> $(DESTDIR)$(INITDIR)/vspace-netns
	chmod 0755 $(DESTDIR)$(INITDIR)/vspace-netns
	for d in $(IFUPDIR) $(DISPATCHERDIR)/carrier.d $(DISPATCHERDIR)/routable.d; do \
		sed 's|^BIN=/usr/sbin/vspace-netns$$|BIN=$(SBINDIR)/vspace-netns|' install/vspace-netns.if-up \
			> $(DESTDIR)$$d/vspace-netns && chmod 0755 $(DESTDIR)$$d/vspace-netns || exit 1; \
	done

# Refuses while the wrapper stands at $(VSPACE): util-vserver would lose its vspace.
uninstall:
	@said=$$($(DIVERT_SH) status $(SBINDIR)/vspace-netns 2>&1) || { \
		case $$said in \
		*"is the vspace-netns wrapper"*) echo "make uninstall: $(VSPACE) is the wrapper: make uninstall-divert first" >&2 ;; \
		*) echo "make uninstall: $$said" >&2 ;; \
		esac; exit 1; }
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,$(NAMES))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MANPAGES)))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/vspace-netns $(DESTDIR)$(ZSHCOMPDIR)/_vspace-netns \
		$(DESTDIR)$(FISHCOMPDIR)/vspace-netns.fish
	rm -f $(DESTDIR)$(MANDIR)/man5/vspace-netns-zones.5 $(DESTDIR)$(LIBDIR)/vspace-netns-hook
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(EXAMPLE_FILES) README.Debian NEWS.Debian.gz)
	rm -f $(DESTDIR)$(DOCDIR)/README.util-vserver $(DESTDIR)$(SYSTEMDUNITDIR)/vspace-netns.service \
		$(DESTDIR)$(INITDIR)/vspace-netns $(DESTDIR)$(IFUPDIR)/vspace-netns \
		$(DESTDIR)$(DISPATCHERDIR)/carrier.d/vspace-netns $(DESTDIR)$(DISPATCHERDIR)/routable.d/vspace-netns
	sh install/dirs.sh remove "$(DESTDIR)" $(INSTALL_DIRS)

install-divert: install
	$(DIVERT_SH) add $(SBINDIR)/vspace-netns

uninstall-divert:
	$(DIVERT_SH) remove $(SBINDIR)/vspace-netns

# The package (cargo-deb, [package.metadata.deb] in Cargo.toml) ships /usr/sbin/vspace ->
# vspace-netns; its preinst diverts util-vserver's vspace to vspace.distrib first (Debian
# policy's wrapper pattern), its postrm undoes that; its postinst warns when util-vserver's
# vspace is missing and enables the boot units. cargo-deb reads the manifest with `cargo
# metadata` (so cargo must be in PATH) and packages $(BIN), staged where it looks for it.
deb:
	$(NEED_BIN)
	@command -v cargo-deb >/dev/null 2>&1 && command -v $(CARGO) >/dev/null 2>&1 || \
		{ echo "make deb: needs cargo-deb and cargo in PATH: run it as your user (cargo install cargo-deb --locked)" >&2; exit 1; }
	rm -rf $(DEB_OUT)/stage && mkdir -p $(DEB_OUT)/stage/release
	cp $(BIN) $(DEB_OUT)/stage/release/vspace-netns
	gzip -9n < install/debian/NEWS.Debian > $(DEB_OUT)/stage/release/NEWS.Debian.gz
	mkdir -p $(DEB_OUT)/stage/release/completions
	for s in bash zsh fish; do \
		$(BIN) completions $$s > $(DEB_OUT)/stage/release/completions/$$s || exit 1; done
	CARGO_TARGET_DIR=$(abspath $(DEB_OUT)/stage) cargo-deb --no-build --no-strip --locked \
		--output $(DEB_OUT) $(if $(DEB_VERSION),--deb-version $(DEB_VERSION)) \
		$(if $(DEB_MAINTAINER),--maintainer "$(DEB_MAINTAINER)")
	rm -rf $(DEB_OUT)/stage

clean:
	$(CARGO) clean

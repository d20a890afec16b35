# vspace-netns: build, test, demonstrate, install.
#   make demo      build, then show a util-vserver shared-net start landing in a named netns (root)
#   make test      every test (root: the integration tests create real namespaces)
#   make bench-ip  ip-netns-shim exec against ip netns exec and a minimal C program (root)
#   make install   PREFIX=/usr/local DESTDIR= ; the binary, its names, man pages
PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
CARGO   ?= cargo
# Release builds are static-pie: no dynamic loading on every guest start.
TARGET  ?= $(shell rustc -vV | sed -n 's/^host: //p')
BIN      = target/$(TARGET)/release/vspace-netns
NAMES    = vspace-netns ip-netns-shim

.PHONY: build test check demo bench bench-ip install uninstall clean

build:
	RUSTFLAGS="-C target-feature=+crt-static" $(CARGO) build --release --locked --target $(TARGET)

test:
	$(CARGO) test --locked --no-fail-fast

check:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

demo: build
	sh demo/demo.sh $(BIN)

bench: build
	sh bench/vspace-exec.sh $(BIN)

bench-ip: build
	sh bench/ip-exec.sh $(BIN)

install: build
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/vspace-netns
	ln -sf vspace-netns $(DESTDIR)$(SBINDIR)/ip-netns-shim
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,$(NAMES))
	rm -f $(DESTDIR)$(MANDIR)/man8/vspace-netns.8 $(DESTDIR)$(MANDIR)/man8/ip-netns-shim.8

clean:
	$(CARGO) clean

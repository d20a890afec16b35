#!/bin/sh
# fetch.sh CACHE: puts the upstream suites `make test-upstream` runs into CACHE (under target/),
# from Debian packages, never into the repository; progress goes to stderr.
#   CACHE/kselftest/net       tools/testing/selftests/net of the newest linux-source-X.Y apt
#                             offers (KSRC=linux-source-6.1 picks one): only that folder is
#                             extracted from the tarball the package puts under /usr/src
#   CACHE/iproute2/testsuite  testsuite/ of Debian's iproute2 source package, the version
#                             installed if apt still has it (`apt-get source`, dpkg-source -x)
# Installs with apt-get what is missing: linux-source-X.Y, dpkg-dev, and the programs the
# chosen selftests run besides ip (iputils-ping, iputils-arping, tcpdump, iptables, nftables,
# socat; gcc for the selftests' nettest). A selftest missing one exits 4 (SKIP), which run.sh
# reports as not comparable (a failed baseline). `apt-get source` needs deb-src entries: when apt has none for
# iproute2, this writes /etc/apt/sources.list.d/vspace-netns-upstream-src.sources, a deb-src
# twin of each `deb` entry of this Debian release already configured (same URIs, suites,
# components, keys; taken from the machine's apt configuration), and runs apt-get update.
# Nothing is fetched again once CACHE holds a suite (a .stamp file names the package version).
set -eu

CACHE=${1:?usage: fetch.sh CACHE}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
APT="apt-get -q -o DPkg::Lock::Timeout=600"
export DEBIAN_FRONTEND=noninteractive
say() { printf 'fetch: %s\n' "$*" >&2; }
updated=
apt_update() { [ -n "$updated" ] || { $APT update >&2; updated=1; }; }
apt_install() {
	missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	say "installing$missing"
	# shellcheck disable=SC2086
	$APT install -y $missing >&2 || { apt_update; $APT install -y $missing >&2; }
}

# Programs the chosen selftests call besides ip, and dpkg-source for the source package.
for cmd_pkg in ping:iputils-ping arping:iputils-arping tcpdump:tcpdump iptables:iptables \
	nft:nftables socat:socat cc:gcc dpkg-source:dpkg-dev xz:xz-utils; do
	command -v "${cmd_pkg%%:*}" >/dev/null 2>&1 || apt_install "${cmd_pkg#*:}"
done

# --- kernel selftests ---------------------------------------------------------------------
if [ ! -e "$CACHE/kselftest/.stamp" ]; then
	# bookworm offers linux-source-6.1 and (from its security suite) linux-source-6.12.
	pkg=${KSRC:-}
	if [ -z "$pkg" ]; then
		pkg=$(apt-cache search --names-only '^linux-source-[0-9.]+$' | cut -d' ' -f1 | sort -V | tail -n 1)
		[ -n "$pkg" ] || { apt_update; pkg=$(apt-cache search --names-only '^linux-source-[0-9.]+$' | cut -d' ' -f1 | sort -V | tail -n 1); }
	fi
	[ -n "$pkg" ] || { say "apt offers no linux-source-X.Y package"; exit 1; }
	apt_install "$pkg"
	tarball=$(dpkg -L "$pkg" | grep -E '^/usr/src/linux-source-[0-9.]+\.tar\.(xz|bz2|gz)$' | head -n 1)
	[ -n "$tarball" ] && [ -f "$tarball" ] || { say "$pkg installed no tarball under /usr/src"; exit 1; }
	top=$(basename "$tarball" | sed 's/\.tar\..*//')
	say "extracting $top/tools/testing/selftests/net from $tarball"
	rm -rf "$CACHE/kselftest" "$CACHE/kselftest.tmp"
	mkdir -p "$CACHE/kselftest.tmp"
	tar -xaf "$tarball" -C "$CACHE/kselftest.tmp" --wildcards "$top/tools/testing/selftests/net/*"
	mv "$CACHE/kselftest.tmp/$top/tools/testing/selftests" "$CACHE/kselftest"
	rm -rf "$CACHE/kselftest.tmp"
	printf '%s %s\n' "$pkg" "$(dpkg-query -W -f='${Version}' "$pkg")" >"$CACHE/kselftest/.stamp"
fi

# --- iproute2's testsuite -----------------------------------------------------------------
# deb-src entries mirroring this release's deb entries: deb822 stanzas from *.sources and
# one-line entries from sources.list and *.list, kept only when a suite starts with the
# release's codename (third-party repositories rarely publish sources).
write_deb_src() {
	codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || { say "no VERSION_CODENAME in /etc/os-release"; return 1; }
	out=/etc/apt/sources.list.d/vspace-netns-upstream-src.sources
	tmp=$out.tmp
	: >"$tmp"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && [ "$f" != "$out" ] || continue
		awk -v cn="$codename" '
			function flush() {
				if (n && types ~ /(^|[ \t])deb([ \t]|$)/ && suites ~ ("(^|[ \t])" cn) && enabled !~ /^[ \t]*no/) {
					print "Types: deb-src"
					for (i = 1; i <= n; i++) print lines[i]
					print ""
				}
				n = 0; types = ""; suites = ""; enabled = ""
			}
			/^#/ { next }
			/^[ \t]*$/ { flush(); next }
			{
				if ($0 ~ /^Types:/) { types = substr($0, 7); next }
				if ($0 ~ /^Suites:/) suites = substr($0, 8)
				if ($0 ~ /^Enabled:/) enabled = substr($0, 9)
				lines[++n] = $0
			}
			END { flush() }' "$f" >>"$tmp"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		# deb [opts] URI SUITE COMPONENTS... -> one deb822 stanza each
		sed -n 's/^[ \t]*deb[ \t]\+//p' "$f" | awk -v cn="$codename" '
			{
				opts = ""
				if ($1 ~ /^\[/) { while ($1 !~ /\]$/) { opts = opts " " $1; $1 = ""; $0 = $0 } opts = opts " " $1; $1 = ""; $0 = $0 }
				if ($2 !~ ("^" cn)) next
				print "Types: deb-src"; print "URIs: " $1; print "Suites: " $2
				comps = ""; for (i = 3; i <= NF; i++) comps = comps " " $i
				print "Components:" comps
				if (match(opts, /signed-by=[^] ]+/)) print "Signed-By: " substr(opts, RSTART + 10, RLENGTH - 10)
				print ""
			}' >>"$tmp"
	done
	[ -s "$tmp" ] || { rm -f "$tmp"; say "no deb entry for $codename to mirror as deb-src"; return 1; }
	mv "$tmp" "$out"
	say "wrote $out (deb-src twins of the $codename deb entries)"
}

if [ ! -e "$CACHE/iproute2/.stamp" ]; then
	ver=$(dpkg-query -W -f='${Version}' iproute2)
	if ! apt-cache showsrc iproute2 2>/dev/null | grep -q '^Package: iproute2'; then
		write_deb_src
		updated=
		apt_update
	fi
	rm -rf "$CACHE/iproute2" "$CACHE/iproute2.tmp"
	mkdir -p "$CACHE/iproute2.tmp"
	# The installed version's source if apt still has it, else the newest it offers. As root
	# into a folder _apt cannot write: download without apt's sandbox user (no warning).
	src="$APT -o APT::Sandbox::User=root source --download-only"
	(cd "$CACHE/iproute2.tmp" && { $src "iproute2=$ver" >&2 || $src iproute2 >&2; })
	dsc=$(ls "$CACHE"/iproute2.tmp/iproute2_*.dsc | head -n 1)
	say "unpacking $(basename "$dsc")"
	dpkg-source --no-check -x "$dsc" "$CACHE/iproute2.tmp/src" >&2
	mkdir "$CACHE/iproute2"
	mv "$CACHE/iproute2.tmp/src/testsuite" "$CACHE/iproute2/testsuite"
	rm -rf "$CACHE/iproute2.tmp"
	printf 'iproute2 %s\n' "$(basename "$dsc" .dsc | sed 's/^iproute2_//')" >"$CACHE/iproute2/.stamp"
fi

#!/bin/sh
# link/update.sh: regenerate link/intercept.ld, the layout `make build` links with.
#
# Builds the release binary as `make build` does, unstripped and with a
# link map (in target/layout), then traces, one instruction at a time (link/trace.c), the three
# calls a host makes at every guest start and every `ip netns exec`:
#   vspace --enter N --net -- /bin/true           the intercept
#   vspace --enter 42 --mount -- /bin/true        a pass-through (the real vspace: /bin/true)
#   ip-netns-shim exec N /bin/true                the ip personality's exec
# and writes the linker script that puts every input section they ran code in side by side
# (link/layout.py). Run it (as root: setns) when the code on these paths changed much; a stale
# layout costs page faults, never correctness (`make bench-floor` shows the faults). Needs
# cargo, cc, python3, ip, and Rust's own linker (lld: the default since Rust 1.90), whose
# map format layout.py reads.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
die() { echo "link/update.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run it as root: the traced calls enter a network namespace"
for tool in cargo cc python3 ip rustc; do
	command -v "$tool" >/dev/null || die "'$tool' is needed"
done

NS=layout-$$
TMP=
made_ns=
cleanup() {
	status=$?
	[ -n "$made_ns" ] && ip netns delete "$NS" 2>/dev/null
	[ -n "$TMP" ] && rm -rf "$TMP"
	exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
TMP=$(mktemp -d /tmp/vspace-netns-layout.XXXXXX)

TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
TARGET_DIR=$ROOT/target/layout
MAP=$TARGET_DIR/vspace-netns.map
# The map lies beside the binary: when cargo finds nothing to relink, both are the last link's.
mkdir -p "$TARGET_DIR"
# cargo's encoded flags (a unit separator between them), the map through -Xlinker: the path
# of a checkout may hold spaces and commas.
US=$(printf '\037')
CARGO_ENCODED_RUSTFLAGS="-C${US}target-feature=+crt-static${US}-C${US}link-arg=-Xlinker${US}-C${US}link-arg=-Map=$MAP" \
	CARGO_PROFILE_RELEASE_STRIP=false CARGO_TARGET_DIR=$TARGET_DIR \
	env -u RUSTFLAGS cargo build --quiet --release --locked --target "$TRIPLE" \
	--manifest-path "$ROOT/Cargo.toml" || {
	rc=$?
	[ "$rc" -gt 128 ] && exit "$rc"
	die "cannot build the release binary"
}
BIN=$TARGET_DIR/$TRIPLE/release/vspace-netns
[ -s "$MAP" ] || die "the link wrote no map at $MAP: rm -r $TARGET_DIR and run again"
cc -O2 -o "$TMP/trace" "$HERE/trace.c"

made_ns=1
ip netns add "$NS"
ln -s "$BIN" "$TMP/vspace"
ln -s "$BIN" "$TMP/ip-netns-shim"
unset NETNS_RUN_DIR
"$TMP/trace" "$TMP/vspace" --enter "$NS" --net -- /bin/true >"$TMP/intercept"
VSPACE_NETNS_REAL_VSPACE=/bin/true "$TMP/trace" "$TMP/vspace" --enter 42 --mount -- /bin/true \
	>"$TMP/pass-through"
"$TMP/trace" "$TMP/ip-netns-shim" exec "$NS" /bin/true >"$TMP/exec"
python3 "$HERE/layout.py" "$MAP" "$TMP/intercept" "$TMP/pass-through" "$TMP/exec" \
	>"$TMP/intercept.ld"
mv "$TMP/intercept.ld" "$HERE/intercept.ld"
echo "link/update.sh: wrote $HERE/intercept.ld; make build links with it"

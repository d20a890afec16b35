#!/bin/sh
# floor.sh BIN [RUNS]: what the intercept's cost above the static C floor is made of.
#
# BIN is the release build (`make build`: static-pie), run through a symlink named vspace as
# `vspace --enter N --net -- /bin/true`. Against it, interleaved (bench/driver.py, RUNS runs
# each, default 500, after 20 warm-up runs), one step at a time from the static C floor up:
#   C static          bench/setns-exec.c, `cc -O2 -static` (the floor of the 1.05x target)
#   C static-pie      the same, `cc -O2 -static-pie`: what ASLR's self-relocation costs C
#   C + checks        bench/setns-exec-checks.c, static: the floor plus every system call of
#                     the intercept's safety checks (the same calls, in the same order)
#   Rust std floor    bench/floor: the floor in Rust with std, static-pie and no_main like BIN
#   vspace only       bench/floor: BIN's vspace personality alone, started as BIN starts it
#   (both linked as BIN is, with link/intercept.ld: std's and glibc's code on the path side
#   by side; whatever of theirs the layout does not name stays where the linker puts it)
#   vspace-netns      BIN: the same code inside the whole multicall binary
# Each contender is checked to run its program in the namespace first. Needs root (setns),
# cc and cargo (the two Rust programs build offline from the crates the project uses).
# Not a test: the figures depend on the machine (docs/benchmarks.md).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS="ip cc cargo python3"
. "$HERE/setns-common.sh"
cc -O2 -static -o "$TMP/c-static" "$HERE/setns-exec.c"
cc -O2 -static-pie -o "$TMP/c-static-pie" "$HERE/setns-exec.c"
cc -O2 -static -o "$TMP/c-checks" "$HERE/setns-exec-checks.c"
TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
# Built as `make build` builds the release binary: static-pie, LTO, abort on panic, laid out.
# (cargo's encoded flags, a unit separator between them: the checkout's path may hold spaces.)
US=$(printf '\037')
CARGO_ENCODED_RUSTFLAGS="-C${US}target-feature=+crt-static${US}-C${US}link-arg=-T${US}-C${US}link-arg=$HERE/../link/intercept.ld" \
	env -u RUSTFLAGS cargo build --quiet --release --offline \
	--manifest-path "$HERE/floor/Cargo.toml" --target "$TRIPLE" --target-dir "$TMP/target" ||
	die "cannot build bench/floor"
STD="$TMP/target/$TRIPLE/release/std-floor"
mkdir "$TMP/only" "$TMP/multi"
ln -s "$TMP/target/$TRIPLE/release/vspace-only" "$TMP/only/vspace"
ln -s "$BIN" "$TMP/multi/vspace"

want="net:[$(stat -L -c %i "$ENTRY")]"
for cmd in "$TMP/c-static $ENTRY" "$TMP/c-static-pie $ENTRY" "$TMP/c-checks $ENTRY" "$STD $ENTRY" \
	"$TMP/only/vspace --enter $NS --net --" "$TMP/multi/vspace --enter $NS --net --"; do
	got=$($cmd /bin/readlink /proc/self/ns/net) || die "$cmd failed"
	[ "$got" = "$want" ] || die "$cmd ran in $got, not in $want"
done

echo "vspace-netns: $BIN"
echo "machine: $(nproc) cores, $(uname -srm), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for f in "$TMP/c-static" "$STD" "$TMP/only/vspace" "$BIN"; do
	f=$(readlink -f "$f")
	printf '%-14s %8s bytes, %5s relocations\n' "${f##*/}" "$(stat -c %s "$f")" \
		"$(readelf -rW "$f" | grep -c R_X86_64 || true)"
done
echo "$RUNS interleaved runs each, after 20 warm-up runs"
python3 "$HERE/driver.py" "$RUNS" 20 "C static" "vspace-netns" \
	"C static" "$TMP/c-static" "$ENTRY" /bin/true :: \
	"C static-pie" "$TMP/c-static-pie" "$ENTRY" /bin/true :: \
	"C + checks" "$TMP/c-checks" "$ENTRY" /bin/true :: \
	"Rust std floor" "$STD" "$ENTRY" /bin/true :: \
	"vspace only" "$TMP/only/vspace" --enter "$NS" --net -- /bin/true :: \
	"vspace-netns" "$TMP/multi/vspace" --enter "$NS" --net -- /bin/true | grep -v '^median '

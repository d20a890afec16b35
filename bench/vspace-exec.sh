#!/bin/sh
# vspace-exec.sh BIN [RUNS]: what one intercepted `vspace --enter N --net -- /bin/true` costs.
#
# BIN is the release build (`make build`: static-pie), run through a symlink named vspace.
# Compared with the floor (bench/setns-exec.c: open, setns, execv; compiled here with cc, and
# statically linked as a second floor, like the release binary),
# `nsenter --net=/run/netns/N /bin/true` and `ip netns exec N /bin/true`. RUNS (default 500)
# runs of each, interleaved, timed by bench/driver.py; medians and ratios are printed, with
# /bin/true run alone (no namespace) to show what spawning the program itself costs.
# Targets: at most 1.10x the floor and at most 0.80x `ip netns exec`. Needs root (setns).
# Not a test: the figures depend on the machine. The namespace and temp files are removed on exit.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS="ip nsenter cc python3"
. "$HERE/setns-common.sh"
cc -O2 -o "$TMP/setns-exec" "$HERE/setns-exec.c"
# Static like the release binary: the floor then pays no dynamic loading either.
cc -O2 -static -o "$TMP/setns-exec-static" "$HERE/setns-exec.c"
ln -s "$BIN" "$TMP/vspace"
IP=$(command -v ip)
NSENTER=$(command -v nsenter)

# Each contender must really run the program in the namespace, or its time means nothing.
want="net:[$(stat -L -c %i "$ENTRY")]"
for cmd in "$TMP/setns-exec $ENTRY /bin/readlink" "$TMP/vspace --enter $NS --net -- /bin/readlink" \
	"$NSENTER --net=$ENTRY /bin/readlink" "$IP netns exec $NS /bin/readlink"; do
	got=$($cmd /proc/self/ns/net) || die "$cmd failed"
	[ "$got" = "$want" ] || die "$cmd ran in $got, not in $want"
done

link=$(file -b "$BIN" 2>/dev/null | grep -o 'static-pie linked\|statically linked\|dynamically linked' || true)
echo "vspace-netns: $BIN (${link:-linking unknown})"
echo "machine: $(nproc) cores, $(uname -srm), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$RUNS interleaved runs each, after 20 warm-up runs (figures from a busy machine are noisy)"
python3 "$HERE/driver.py" "$RUNS" 20 "C floor" "ip netns exec" \
	"/bin/true alone" /bin/true :: \
	"C floor" "$TMP/setns-exec" "$ENTRY" /bin/true :: \
	"C floor static" "$TMP/setns-exec-static" "$ENTRY" /bin/true :: \
	"vspace-netns" "$TMP/vspace" --enter "$NS" --net -- /bin/true :: \
	"nsenter" "$NSENTER" --net="$ENTRY" /bin/true :: \
	"ip netns exec" "$IP" netns exec "$NS" /bin/true >"$TMP/result"
grep -v '^median ' "$TMP/result"
floor=$(sed -n 's/^median C floor \([0-9]\)/\1/p' "$TMP/result")
ours=$(sed -n 's/^median vspace-netns //p' "$TMP/result")
ipne=$(sed -n 's/^median ip netns exec //p' "$TMP/result")
static=$(sed -n 's/^median C floor static //p' "$TMP/result")
awk -v o="$ours" -v f="$floor" -v i="$ipne" -v s="$static" 'BEGIN {
	a = o / f; b = o / i; c = o / s
	printf "targets: vspace-netns/C floor %.2fx (<= 1.10x: %s), vspace-netns/ip netns exec %.2fx (<= 0.80x: %s), vspace-netns/static C floor %.2fx (<= 1.05x: %s)\n",
		a, a <= 1.10 ? "met" : "MISSED", b, b <= 0.80 ? "met" : "MISSED", c, c <= 1.05 ? "met" : "MISSED"
}'

#!/bin/sh
# Benchmark: `ip-netns-shim exec N /bin/true` against `ip netns exec N /bin/true`, a minimal
# static C program doing iproute2's steps (ip-exec-min.c), and a static C program doing ours
# (ip-exec-same.c: the same system calls as ip-netns-shim, /sys's submounts kept), run in
# interleaved rounds; prints median wall times and the ratios ours/ip, ours/C and ours/C with
# our steps. Targets: <= 0.85 of ip, <= 1.05 of the minimal C program.
# Usage (root): bench/ip-exec.sh BIN [ROUNDS]   (BIN: the release binary, `make build`)
set -eu
bin=${1:?usage: $0 BIN [ROUNDS]}
rounds=${2:-600}
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "$0: needs root (it creates a network namespace)" >&2; exit 1; }
real_ip=
for p in /sbin/ip /usr/sbin/ip /bin/ip /usr/bin/ip; do
	[ -x "$p" ] && { real_ip=$p; break; }
done
[ -n "$real_ip" ] || { echo "$0: the real ip (iproute2) is not installed" >&2; exit 1; }
work=$(mktemp -d)
ns=bench$$
cleanup() { "$real_ip" netns delete "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
"$real_ip" netns add "$ns"
ln -s "$(readlink -f "$bin")" "$work/ip-netns-shim"
# Static like the release binary, so the floor pays no dynamic loading either.
cc -O2 -static -o "$work/ip-exec-min" "$here/ip-exec-min.c"
cc -O2 -static -o "$work/ip-exec-same" "$here/ip-exec-same.c"
cc -O2 -o "$work/ip-exec-time" "$here/ip-exec-time.c"
echo "host: $(uname -r), $(nproc) cpus, $(wc -l </proc/self/mountinfo) mounts; $("$real_ip" -V)"
echo "rounds: $rounds, interleaved"
"$work/ip-exec-time" "$rounds" \
	-- "$work/ip-netns-shim" exec "$ns" /bin/true \
	-- "$real_ip" netns exec "$ns" /bin/true \
	-- "$work/ip-exec-min" "$ns" /bin/true \
	-- "$work/ip-exec-same" "$ns" /bin/true

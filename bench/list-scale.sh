#!/usr/bin/env bash
# bench/list-scale.sh BIN: `ip netns list` with 1,000 and 10,000 entries in the run dir, live
# and stale: iproute2's against ip-netns-shim's, interleaved in the same run.
#
# Runs in a private mount namespace; each set lives in a tmpfs of its own and is mounted on
# /run/netns (iproute2 only looks there) for its measurement, so the host's run dir is never
# touched and everything vanishes with the script. Live: 1,000 real network namespaces (made by
# the binary's `ip netns add`); the 10,000-entry live set binds each of them under 10 names (a
# live entry costs `list` the same whichever namespace it is). Stale: empty files, as util-
# vserver's namespace cleanup leaves them. LIST_RUNS (default 11) runs of each, alternating.
# Needs root. Not a test: the figures go to docs/benchmarks.md.
set -euo pipefail
export LC_ALL=C

BIN=$(realpath "${1:?usage: bench/list-scale.sh path/to/vspace-netns}")
RUNS=${LIST_RUNS:-11}
[ "$(id -u)" = 0 ] || { echo "bench/list-scale.sh: needs root (it makes network namespaces)" >&2; exit 1; }

if [ "${LIST_PRIVATE:-}" != 1 ]; then
  exec env LIST_PRIVATE=1 unshare --mount --propagation private -- bash "$0" "$@"
fi

work=$(mktemp -d)
chmod 755 "$work"
cleanup() {
  umount -l /run/netns 2>/dev/null || true
  # The namespaces die with their last mount, all in this private mount namespace. A lazy
  # detach takes the submounts along; `umount -R` reads the mount table per mount (minutes).
  umount -l "$work"/live1k "$work"/live10k "$work"/stale1k "$work"/stale10k 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ln -s "$BIN" "$work/ip-netns-shim"
mkdir -p /run/netns
for s in live1k live10k stale1k stale10k; do
  mkdir "$work/$s"
  mount -t tmpfs -o mode=755 "list-$s" "$work/$s"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_one() {
  local t0 t1
  t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || true # a stale entry makes both report an error; the time counts
  t1=$EPOCHREALTIME
  echo $(( ${t1/./} - ${t0/./} )) >>"$T"
}

measure() {
  local s=$1
  mount --rbind "$work/$s" /run/netns
  : >"$work/t.ip"; : >"$work/t.shim"
  for ((i = 0; i < RUNS; i++)); do
    T=$work/t.ip time_one ip netns list
    T=$work/t.shim time_one env -u NETNS_RUN_DIR "$work/ip-netns-shim" list
  done
  umount -l /run/netns
  a=$(median "$work/t.ip"); b=$(median "$work/t.shim")
  awk -v s="$s" -v a="$a" -v b="$b" 'BEGIN { printf "%-30s %14.2f %18.2f %6.2fx\n", s, a / 1000, b / 1000, b / a }'
}
count() {
for s in "$@"; do
  n=$(ls "$work/${s%%:*}" | wc -l)
  [ "$n" = "${s#*:}" ] || { echo "bench/list-scale.sh: ${s%%:*} has $n entries" >&2; exit 1; }
done
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs), kernel $(uname -r), $RUNS runs each"
printf '%-30s %14s %18s %7s\n' "median wall time, ms" "ip netns list" "ip-netns-shim list" ratio
# The stale sets first, while the mount table is small (see docs/benchmarks.md).
(cd "$work/stale1k" && seq -f 'stale%04g' 1 1000 | xargs touch)
(cd "$work/stale10k" && seq -f 'stale%05g' 1 10000 | xargs touch)
count stale1k:1000 stale10k:10000
measure stale1k
measure stale10k
for i in $(seq -f '%04g' 1 1000); do
  NETNS_RUN_DIR=$work/live1k "$work/ip-netns-shim" add "ls$i" >/dev/null
done
for i in $(seq -f '%04g' 1 1000); do
  for k in 0 1 2 3 4 5 6 7 8 9; do
    : >"$work/live10k/ls$i-$k"
    mount --bind "$work/live1k/ls$i" "$work/live10k/ls$i-$k"
  done
done
count live1k:1000 live10k:10000
measure live1k
measure live10k

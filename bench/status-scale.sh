#!/usr/bin/env bash
# bench/status-scale.sh BIN [BASE]: what `status` and `doctor` cost as the zones grow.
#
# In a private network and mount namespace (a tmpfs on /run/netns: nothing of the host's is
# touched, everything vanishes with the script), for each count in COUNTS (default "100
# 1000"): that many zones, each with one veth link (host end on the "host"), an IPv4 address
# and a default route, brought up with `up --all`; each zone has one member guest with a
# process living in the zone (a `sleep` started with `ip netns exec`). Then, RUNS times
# (default 5), interleaved: `status --json`, `status` in words, `status --format prometheus`
# and `doctor`, each timed from bash (fork and exec included); with BASE (another build, e.g.
# the previous release), its `status --json` too, in the same rounds. Prints the median wall
# time of each, per run and per zone. Needs root. Not a test: the figures go to
# docs/benchmarks.md.
set -euo pipefail
export LC_ALL=C

BIN=$(realpath "${1:?usage: bench/status-scale.sh path/to/vspace-netns [path/to/base]}")
BASE=${2:+$(realpath "$2")}
COUNTS=${COUNTS:-100 1000}
RUNS=${RUNS:-5}
[ "$(id -u)" = 0 ] || { echo "bench/status-scale.sh: needs root (it makes network namespaces)" >&2; exit 1; }

if [ "${STATUS_PRIVATE:-}" != 1 ]; then
  exec env STATUS_PRIVATE=1 unshare --net --mount --propagation private -- bash "$0" "$@"
fi

mkdir -p /run/netns
mount -t tmpfs -o mode=755 bench-netns /run/netns
ip link set dev lo up
work=$(mktemp -d)
sleepers=()
cleanup() {
  rc=$?
  [ $rc = 0 ] || cat "$work/bin.err" >&2 2>/dev/null || :
  for p in "${sleepers[@]}"; do kill "$p" 2>/dev/null || :; done
  wait 2>/dev/null || :
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
export VSPACE_NETNS_VPROCUNHIDE=$work/no-vprocunhide
unset NETNS_RUN_DIR

now() { date +%s%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'; }
median() {
  awk -v k="$1" '$1 == k { print $2 }' "$work/samples" | sort -n |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# One timed call: KEY, then the command; its status (0 or 1: zones healthy or not) is not a
# failure, anything else is.
timed() {
  local key=$1 t0 t1 rc=0
  shift
  t0=$(now)
  "$@" >"$work/out" 2>>"$work/bin.err" || rc=$?
  t1=$(now)
  [ $rc -le 1 ] || { echo "bench/status-scale.sh: $* exited with $rc" >&2; exit 1; }
  echo "$key $(ms "$t0" "$t1")" >>"$work/samples"
}

printf '| zones | call | median ms | ms a zone |\n|---|---|---|---|\n'
for n in $COUNTS; do
  export VSPACE_NETNS_CONFDIR=$work/conf$n VSPACE_NETNS_VSERVERS=$work/vservers$n
  for i in $(seq 1 "$n"); do
    d=$VSPACE_NETNS_CONFDIR/sz$i/links/se$i
    mkdir -p "$d" "$VSPACE_NETNS_VSERVERS/g$i/spaces"
    echo "$i" >"$VSPACE_NETNS_CONFDIR/sz$i/id"
    echo veth >"$d/type"
    echo "sh$i" >"$d/peer"
    echo "10.$((i / 250)).$((i % 250)).2/24" >"$d/address"
    echo "default via 10.$((i / 250)).$((i % 250)).1" >"$VSPACE_NETNS_CONFDIR/sz$i/routes"
    echo "sz$i" >"$VSPACE_NETNS_VSERVERS/g$i/spaces/net"
  done
  "$BIN" up --all >/dev/null 2>>"$work/bin.err"
  for i in $(seq 1 "$n"); do
    ip netns exec "sz$i" sleep 100000 &
    sleepers+=($!)
  done
  : >"$work/samples"
  for r in $(seq 1 "$RUNS"); do
    timed json "$BIN" status --json
    timed text "$BIN" status
    timed prom "$BIN" status --format prometheus
    timed doctor "$BIN" doctor
    if [ -n "$BASE" ]; then timed base_json "$BASE" status --json; fi
  done
  # Every zone up as configured, each with its guest's process: the real thing was measured.
  "$BIN" status >"$work/out" 2>>"$work/bin.err" || :
  up=$(grep -c '^zone sz[0-9]*: up, ' "$work/out" || :)
  pids=$(grep -c '^    pids: [0-9]*$' "$work/out" || :)
  [ "$up" = "$n" ] && [ "$pids" = "$n" ] ||
    { echo "bench/status-scale.sh: $up of $n zones up, $pids with one pid" >&2; exit 1; }
  for k in json text prom doctor base_json; do
    m=$(median "$k")
    [ "$m" = - ] && continue
    case $k in
    json) what='`status --json`' ;;
    text) what='`status`' ;;
    prom) what='`status --format prometheus`' ;;
    doctor) what='`doctor`' ;;
    base_json) what='`status --json` (BASE)' ;;
    esac
    printf '| %s | %s | %s | %s |\n' "$n" "$what" "$m" "$(awk -v m="$m" -v n="$n" 'BEGIN { printf "%.2f", m / n }')"
  done
  for p in "${sleepers[@]}"; do kill "$p" 2>/dev/null || :; done
  wait 2>/dev/null || :
  sleepers=()
  "$BIN" down --all >/dev/null 2>>"$work/bin.err"
done

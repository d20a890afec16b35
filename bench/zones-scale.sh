#!/usr/bin/env bash
# bench/zones-scale.sh BIN: `up --all` and `down --all` at 10, 100 and 1,000 zones against the
# same steps as a plain `ip` script (the old hook's), in the same run.
#
# In a private network and mount namespace (a tmpfs on /run/netns: nothing of the host's is
# touched, everything vanishes with the script), N zones each with one veth link (host end on
# the "host"), an IPv4 address and a default route, as bench/zones.sh makes them one at a time.
# For each N in SIZES (default "10 100 1000"), ROUNDS times (default 1; 3 for N <= 100),
# interleaved: `vspace-netns up --all`, `vspace-netns down --all`, then the ip script's up of
# every zone and its down of every zone. Prints the median wall time of each (s), the cost per
# zone (ms) and the ratios. With BASE=path/to/another/build, that build's `up --all` and
# `down --all` are timed in the same rounds too (its ms per zone printed after ours). With
# PROCS=N, N more processes (sleep, in the host's namespaces) live during the run, as on a host
# running many guests: `down` looks at every process for the zone's users. Needs root. Not a
# test: the figures go to docs/benchmarks.md.
set -euo pipefail
export LC_ALL=C

BIN=$(realpath "${1:?usage: bench/zones-scale.sh path/to/vspace-netns}")
BASE=${BASE:+$(realpath "$BASE")}
SIZES=${SIZES:-10 100 1000}
[ "$(id -u)" = 0 ] || { echo "bench/zones-scale.sh: needs root (it makes network namespaces)" >&2; exit 1; }

if [ "${ZONES_PRIVATE:-}" != 1 ]; then
  exec env ZONES_PRIVATE=1 unshare --net --mount --propagation private -- bash "$0" "$@"
fi

mkdir -p /run/netns
mount -t tmpfs -o mode=755 bench-netns /run/netns
ip link set dev lo up
work=$(mktemp -d)
trap 'rc=$?; [ $rc = 0 ] || tail -5 "$work/bin.err" >&2 2>/dev/null; procs_stop; rm -rf "$work"; exit $rc' EXIT
. "$(dirname "$0")/procs.sh"
export VSPACE_NETNS_VSERVERS=$work/vservers VSPACE_NETNS_VPROCUNHIDE=$work/no-vprocunhide
unset NETNS_RUN_DIR
mkdir -p "$VSPACE_NETNS_VSERVERS"

# Zone i: bz$i, link be$i (10.H.L.2/24, H.L = i), host end bh$i, default via 10.H.L.1.
configure() {
  local n=$1 i d
  export VSPACE_NETNS_CONFDIR=$work/conf$n
  for i in $(seq 1 "$n"); do
    d=$VSPACE_NETNS_CONFDIR/bz$i/links/be$i
    mkdir -p "$d"
    echo "$i" >"$VSPACE_NETNS_CONFDIR/bz$i/id"
    echo veth >"$d/type"
    echo "bh$i" >"$d/peer"
    echo "10.$((i >> 8)).$((i & 255)).2/24" >"$d/address"
    echo "default via 10.$((i >> 8)).$((i & 255)).1" >"$VSPACE_NETNS_CONFDIR/bz$i/routes"
  done
}

mac() { printf '02:00:00:%02x:%02x:%02x' $(($1 >> 8)) $(($1 & 255)) "$2"; }
ip_up() {
  local i=$1 z=bz$1 l=be$1 p=bh$1 net=10.$(($1 >> 8)).$(($1 & 255))
  ip netns add "$z"
  ip -n "$z" link set dev lo up
  ip link add name "$l" type veth peer name "$p"
  ip link set dev "$l" address "$(mac "$i" 0)"
  ip link set dev "$p" address "$(mac "$i" 1)"
  ip link set dev "$l" netns "$z"
  ip -n "$z" addr add "$net.2/24" dev "$l"
  ip -n "$z" link set dev "$l" up
  ip link set dev "$p" up
  ip -n "$z" route add default via "$net.1"
}
ip_down() {
  ip -n "bz$1" link del dev "be$1"
  ip netns delete "bz$1"
}

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'; }
median() { awk -v k="$1" '$1 == k { print $2 }' "$work/samples" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs), kernel $(uname -r), $(ls /proc | grep -c '^[0-9]') processes"
printf '%6s %7s | %9s %9s %9s %9s | %7s %7s | %8s %8s\n' zones rounds "up --all" "ip up" "down --all" "ip down" "up x" "down x" "up/zone" "dn/zone"
for n in $SIZES; do
  configure "$n"
  rounds=${ROUNDS:-$([ "$n" -le 100 ] && echo 3 || echo 1)}
  : >"$work/samples"
  for r in $(seq 1 "$rounds"); do
    ours() {
      t0=$(now); "$BIN" up --all >/dev/null 2>>"$work/bin.err"; t1=$(now)
      [ "$(ls /run/netns | wc -l)" = "$n" ] || { echo "bench/zones-scale.sh: up --all made $(ls /run/netns | wc -l) of $n zones" >&2; exit 1; }
      "$BIN" down --all >/dev/null 2>>"$work/bin.err"; t2=$(now)
      [ -z "$(ls /run/netns)" ] || { echo "bench/zones-scale.sh: down --all left zones" >&2; exit 1; }
      echo "bin_up $(secs "$t0" "$t1")" >>"$work/samples"
      echo "bin_down $(secs "$t1" "$t2")" >>"$work/samples"
    }
    base() {
      b0=$(now); "$BASE" up --all >/dev/null 2>>"$work/bin.err"; b1=$(now)
      [ "$(ls /run/netns | wc -l)" = "$n" ] || { echo "bench/zones-scale.sh: BASE up --all made $(ls /run/netns | wc -l) of $n zones" >&2; exit 1; }
      "$BASE" down --all >/dev/null 2>>"$work/bin.err"; b2=$(now)
      [ -z "$(ls /run/netns)" ] || { echo "bench/zones-scale.sh: BASE down --all left zones" >&2; exit 1; }
      echo "base_up $(secs "$b0" "$b1")" >>"$work/samples"
      echo "base_down $(secs "$b1" "$b2")" >>"$work/samples"
    }
    # Each goes first in turn: a run leaves the kernel work (namespaces freed, RCU barriers)
    # that the next one pays for.
    if [ -z "$BASE" ]; then
      ours
    elif [ $((r % 2)) = 1 ]; then
      ours; base
    else
      base; ours
    fi
    t2=$(now)
    for i in $(seq 1 "$n"); do ip_up "$i"; done; t3=$(now)
    for i in $(seq 1 "$n"); do ip_down "$i"; done; t4=$(now)
    echo "ip_up $(secs "$t2" "$t3")" >>"$work/samples"
    echo "ip_down $(secs "$t3" "$t4")" >>"$work/samples"
  done
  bu=$(median bin_up); bd=$(median bin_down); iu=$(median ip_up); id=$(median ip_down)
  awk -v n="$n" -v r="$rounds" -v bu="$bu" -v bd="$bd" -v iu="$iu" -v id="$id" 'BEGIN {
    printf "%6d %7d | %8.2fs %8.2fs %8.2fs %8.2fs | %6.2fx %6.2fx | %6.2fms %6.2fms\n",
      n, r, bu, iu, bd, id, bu / iu, bd / id, bu * 1000 / n, bd * 1000 / n }'
  if [ -n "$BASE" ]; then
    awk -v n="$n" -v u="$(median base_up)" -v d="$(median base_down)" 'BEGIN {
      printf "%6s BASE: up --all %.2fs (%.2fms/zone), down --all %.2fs (%.2fms/zone)\n", "", u, u * 1000 / n, d, d * 1000 / n }'
  fi
done
echo "targets: up --all <= 0.25x, down --all <= 0.25x; up/zone and dn/zone are ours per zone"

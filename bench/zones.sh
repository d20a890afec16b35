#!/usr/bin/env bash
# bench/zones.sh BIN: what a zone costs to bring up and take down, the binary against the
# original hook's approach (a plain `ip` script).
#
# In a private network and mount namespace (a tmpfs on /run/netns: nothing of the host's is
# touched, everything vanishes with the script), ZONES zones (default 20) each with one veth
# link (host end on the "host"), an IPv4 address and a default route, are brought up and taken
# down ROUNDS times (default 5), interleaved: for each zone, `vspace-netns up`, `vspace-netns
# down`, then the same steps as an `ip` script (ip netns add; lo up; link add; MACs; netns;
# addr; up; route; and link del; netns delete). Prints the median wall time per zone of each,
# and the ratios. With PROCS=N, N more processes (sleep, in the host's namespaces) live during
# the run, as on a host running many guests: `down` looks at every process for the zone's
# users. Needs root. Not a test: the figures go to docs/benchmarks.md.
set -euo pipefail
export LC_ALL=C

BIN=$(realpath "${1:?usage: bench/zones.sh path/to/vspace-netns}")
ZONES=${ZONES:-20}
ROUNDS=${ROUNDS:-5}
[ "$(id -u)" = 0 ] || { echo "bench/zones.sh: needs root (it makes network namespaces)" >&2; exit 1; }

if [ "${ZONES_PRIVATE:-}" != 1 ]; then
  exec env ZONES_PRIVATE=1 unshare --net --mount --propagation private -- bash "$0" "$@"
fi

mkdir -p /run/netns
mount -t tmpfs -o mode=755 bench-netns /run/netns
ip link set dev lo up
work=$(mktemp -d)
trap 'rc=$?; [ $rc = 0 ] || cat "$work/bin.err" >&2 2>/dev/null; procs_stop; rm -rf "$work"; exit $rc' EXIT
. "$(dirname "$0")/procs.sh"
export VSPACE_NETNS_CONFDIR=$work/conf VSPACE_NETNS_VSERVERS=$work/vservers
export VSPACE_NETNS_VPROCUNHIDE=$work/no-vprocunhide
unset NETNS_RUN_DIR
mkdir -p "$VSPACE_NETNS_VSERVERS"
for i in $(seq 1 "$ZONES"); do
  d=$VSPACE_NETNS_CONFDIR/bz$i/links/be$i
  mkdir -p "$d"
  echo "$i" >"$VSPACE_NETNS_CONFDIR/bz$i/id"
  echo veth >"$d/type"
  echo "bh$i" >"$d/peer"
  echo "10.$i.0.2/24" >"$d/address"
  echo "default via 10.$i.0.1" >"$VSPACE_NETNS_CONFDIR/bz$i/routes"
done

now() { date +%s%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }'; }
mac() { printf '02:00:00:%02x:%02x:%02x' $(($1 >> 8)) $(($1 & 255)) "$2"; }

ip_up() {
  local i=$1 z=bz$1 l=be$1 p=bh$1
  ip netns add "$z"
  ip -n "$z" link set dev lo up
  ip link add name "$l" type veth peer name "$p"
  ip link set dev "$l" address "$(mac "$i" 0)"
  ip link set dev "$p" address "$(mac "$i" 1)"
  ip link set dev "$l" netns "$z"
  ip -n "$z" addr add "10.$i.0.2/24" dev "$l"
  ip -n "$z" link set dev "$l" up
  ip link set dev "$p" up
  ip -n "$z" route add default via "10.$i.0.1"
}
ip_down() {
  ip -n "bz$1" link del dev "be$1"
  ip netns delete "bz$1"
}

for r in $(seq 1 "$ROUNDS"); do
  for i in $(seq 1 "$ZONES"); do
    # stderr to a file: where PID 1's mount namespace cannot be opened (a sandbox), every call
    # says so once; a failing call still stops the script (set -e).
    t0=$(now); "$BIN" up "bz$i" >/dev/null 2>>"$work/bin.err"; t1=$(now)
    "$BIN" down "bz$i" >/dev/null 2>>"$work/bin.err"; t2=$(now)
    ip_up "$i"; t3=$(now)
    ip_down "$i"; t4=$(now)
    echo "bin_up $(ms "$t0" "$t1")" >>"$work/samples"
    echo "bin_down $(ms "$t1" "$t2")" >>"$work/samples"
    echo "ip_up $(ms "$t2" "$t3")" >>"$work/samples"
    echo "ip_down $(ms "$t3" "$t4")" >>"$work/samples"
  done
done

median() { awk -v k="$1" '$1 == k { print $2 }' "$work/samples" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
bu=$(median bin_up); bd=$(median bin_down); iu=$(median ip_up); id=$(median ip_down)
echo "zones: $ZONES, rounds: $ROUNDS (medians per zone, ms), $(ls /proc | grep -c '^[0-9]') processes"
printf '%-28s %8s %8s\n' "" up down
printf '%-28s %8.2f %8.2f\n' "vspace-netns (rtnetlink)" "$bu" "$bd"
printf '%-28s %8.2f %8.2f\n' "ip script (the old hook's)" "$iu" "$id"
awk -v bu="$bu" -v bd="$bd" -v iu="$iu" -v id="$id" \
  'BEGIN { printf "%-28s %7.2fx %7.2fx\n", "ratio (target <= 0.40x)", bu / iu, bd / id }'

#!/usr/bin/env bash
# bench/scale.sh BIN: does the size of the netns run dir change what a call costs?
#
# Measures, with 1 entry and with 10,000 entries in the run dir (9,999 empty files and one real
# network namespace), the median wall time of: an intercepted shared-net call
# (vspace --enter X --net -- /bin/true), the same through iproute2 and ip-netns-shim
# (ip netns exec), and the list / identify / pids commands of both (the shim's rows only when
# the binary has the ip personality). Needs root. Runs inside a private mount namespace with a
# tmpfs on /run/netns, so the host's run dir is never touched and everything vanishes when the
# script ends.
#   RUNS=501 (calls) and LIST_RUNS=31 (list/identify/pids) set the sample sizes.
set -euo pipefail
export LC_ALL=C

BIN=$(realpath "${1:?usage: bench/scale.sh path/to/vspace-netns}")
RUNS=${RUNS:-501}
LIST_RUNS=${LIST_RUNS:-31}
ENTRIES=10000
[ "$(id -u)" = 0 ] || { echo "bench/scale.sh: needs root (it makes a network namespace)" >&2; exit 1; }

if [ "${SCALE_PRIVATE:-}" != 1 ]; then
  exec env SCALE_PRIVATE=1 unshare --mount --propagation private -- bash "$0" "$@"
fi

work=$(mktemp -d)
sleeper=
cleanup() {
  [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null || true
  # The mounts live only in this private mount namespace; the dirs under them are the host's.
  umount -R -l "$work/one" "$work/many" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The sets: "many" is /run/netns itself (iproute2 only looks there), "one" a dir of its own.
mkdir -p /run/netns "$work/one" "$work/many"
mount -t tmpfs scale-many "$work/many"
mount -t tmpfs scale-one "$work/one"
mount --bind "$work/many" /run/netns
ip netns add scale-real
: > "$work/one/scale-real"
mount --bind /run/netns/scale-real "$work/one/scale-real"
(cd /run/netns && seq -f 'stale%05g' 1 $((ENTRIES - 1)) | xargs touch)
[ "$(ls /run/netns | wc -l)" = "$ENTRIES" ] || { echo "bench/scale.sh: could not make $ENTRIES entries" >&2; exit 1; }
nsenter --net=/run/netns/scale-real sleep 600 &
sleeper=$!

for n in vspace ip-netns-shim; do ln -s "$BIN" "$work/$n"; done
shim_built=1
case $("$work/ip-netns-shim" list 2>&1 || true) in *"not built"*) shim_built=0 ;; esac

# Median (microseconds) of the times in file $1.
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Appends the wall time (us) of one run of "$@" to file $T; the command must succeed.
time_one() {
  local t0 t1
  t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || { echo "bench/scale.sh: failed: $*" >&2; exit 1; }
  t1=$EPOCHREALTIME
  echo $(( ${t1/./} - ${t0/./} )) >> "$T"
}
# Runs "$@" $2 times under each set, interleaved (one, many, one, many, ...) so drift hits both;
# sets ONE and MANY to the medians. $1 names the run dir variable use: "env" (NETNS_RUN_DIR) or
# "bind" (the set mounted on /run/netns, for iproute2, which ignores NETNS_RUN_DIR).
measure() {
  local how=$1 runs=$2 i
  shift 2
  : > "$work/t.one"; : > "$work/t.many"
  for ((i = 0; i < runs; i++)); do
    if [ "$how" = env ]; then
      T=$work/t.one NETNS_RUN_DIR=$work/one time_one "$@"
      T=$work/t.many NETNS_RUN_DIR=/run/netns time_one "$@"
    else
      mount --rbind "$work/one" /run/netns
      T=$work/t.one time_one "$@"
      umount -l /run/netns
      T=$work/t.many time_one "$@"
    fi
  done
  ONE=$(median "$work/t.one"); MANY=$(median "$work/t.many")
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
printf '%-58s %12s %14s %7s\n' "median wall time, us" "1 entry" "$ENTRIES entries" ratio
row() {
  printf '%-58s %12s %14s %7s\n' "$1" "$ONE" "$MANY" "$(awk -v a="$ONE" -v b="$MANY" 'BEGIN {printf "%.2f", b / a}')"
}
na() { printf '%-58s %12s %14s %7s\n' "$1" n/a n/a -; }

measure env "$RUNS" /bin/true
row "/bin/true (exec baseline, $RUNS runs)"
measure env "$RUNS" "$work/vspace" --enter scale-real --net -- /bin/true
row "vspace --enter X --net -- /bin/true ($RUNS runs)"
measure bind "$RUNS" ip netns exec scale-real /bin/true
row "ip netns exec X /bin/true (iproute2, $RUNS runs)"
measure bind "$LIST_RUNS" ip netns list
row "ip netns list (iproute2, $LIST_RUNS runs)"
measure bind "$LIST_RUNS" ip netns identify "$sleeper"
row "ip netns identify PID (iproute2, $LIST_RUNS runs)"
measure bind "$LIST_RUNS" ip netns pids scale-real
row "ip netns pids X (iproute2, $LIST_RUNS runs)"
if [ "$shim_built" = 1 ]; then
  measure env "$RUNS" "$work/ip-netns-shim" exec scale-real /bin/true
  row "ip-netns-shim exec X /bin/true ($RUNS runs)"
  measure env "$LIST_RUNS" "$work/ip-netns-shim" list
  row "ip-netns-shim list ($LIST_RUNS runs)"
  measure env "$LIST_RUNS" "$work/ip-netns-shim" identify "$sleeper"
  row "ip-netns-shim identify PID ($LIST_RUNS runs)"
  measure env "$LIST_RUNS" "$work/ip-netns-shim" pids scale-real
  row "ip-netns-shim pids X ($LIST_RUNS runs)"
else
  for w in "exec X /bin/true" list "identify PID" "pids X"; do na "ip-netns-shim $w (not built into this binary)"; done
fi

# setns-common.sh: what bench/vspace-exec.sh and bench/floor.sh set up alike. Sourced after
# `set -eu` with HERE (the bench directory) and TOOLS (the commands the script needs) set; the
# script's arguments are BIN [RUNS]. Sets BIN (absolute), RUNS (default 500), TMP (a temporary
# directory) and NS with its entry ENTRY (a network namespace of the run's own, at
# /run/netns/NS); both are removed on exit. Needs root (setns).

die() { echo "bench: $*" >&2; exit 1; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: $0 PATH-OF-RELEASE-vspace-netns [RUNS]"
[ "$(id -u)" -eq 0 ] || die "run it as root: entering a network namespace needs CAP_SYS_ADMIN"
case $1 in /*) BIN=$1 ;; *) BIN=$(pwd)/$1 ;; esac
RUNS=${2:-500}
[ -x "$BIN" ] || die "$BIN: no such executable; run 'make build' first"
for tool in $TOOLS; do
	command -v "$tool" >/dev/null || die "'$tool' is needed"
done

NS=bench-$$
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

TMP=$(mktemp -d /tmp/vspace-netns-bench.XXXXXX)
ip netns add "$NS"; made_ns=1
ENTRY=/run/netns/$NS
# Nothing of ours is needed on the intercept path: no real vspace, no run-dir override.
unset NETNS_RUN_DIR VSPACE_NETNS_REAL_VSPACE

#!/bin/sh
# run.sh BIN: `make test-upstream` (as root). Upstream suites that use `ip netns`, each case run
# twice in its own sandbox (upstream/sandbox.sh: private network, mount and PID namespaces, a
# tmpfs on /run/netns): once with iproute2's ip first in PATH, once with BIN installed as `ip`
# (a symlink named ip; BIN carries out `ip netns ...` itself and hands every other call to the
# real ip). Fails on any difference in outcome:
#   kernel net selftests (upstream/kselftest.cases): the exit status and the test's own result
#     lines ("TEST: ... [ OK ]", "PASS:", "Tests passed: N", ...);
#   iproute2's testsuite (upstream/iproute2.cases): the verdict (PASS / FAILED / SKIPPED), the
#     exit status, the case's stdout and its ERRF file.
# Only what legitimately differs between two runs is normalised before comparing: timings,
# random names (lib.sh's setup_ns NAME-XXXXXX, the testsuite's dev-XXXXXX) and the path of the
# `ip` under test. Other output (stderr of the commands a test runs, pings) is compared too but
# only reported. A case that fails under iproute2's ip on the running kernel (the baseline:
# e.g. srv6_end_dx4_netfilter where the kernel lacks seg6 lightweight tunnels) is no
# comparison: it is reported as NOT COMPARABLE with the reason from its log and skipped; only a
# difference between the two runs fails. First, a negative control: an `ip` that drops
# `netns list` output must make the comparison fail, or the run fails.
# Logs: target/upstream/run/ (CASE.real.log, CASE.ours.log, CASE.diff).
# UPSTREAM_CASES="name ..." runs only those cases (kselftest names or iproute2 .t paths);
# UPSTREAM_KSELFTEST_CASES=FILE and UPSTREAM_IPROUTE2_CASES=FILE read other case lists (the
# same formats).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
[ $# -eq 1 ] || { echo "usage: run.sh BIN" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "test-upstream: needs root (it creates namespaces and mounts)" >&2; exit 1; }
BIN=$(readlink -f "$1")
[ -f "$BIN" ] && [ -x "$BIN" ] || { echo "test-upstream: $1 is not an executable file" >&2; exit 1; }
CACHE=$ROOT/target/upstream
ONLY=${UPSTREAM_CASES:-}
KCASES=${UPSTREAM_KSELFTEST_CASES:-$HERE/kselftest.cases}
ICASES=${UPSTREAM_IPROUTE2_CASES:-$HERE/iproute2.cases}

sh "$HERE/fetch.sh" "$CACHE"
NET=$CACHE/kselftest/net
TS=$CACHE/iproute2/testsuite
# unicast_extensions.sh needs the selftests' nettest, a single C file: built where the
# selftests' Makefile puts it, which is where lib.sh's check_gen_prog looks.
[ -x "$NET/nettest" ] || cc -O2 -o "$NET/nettest" "$NET/nettest.c"

# The real ip as BIN finds it (src/exec.rs REAL_IP: first existing default that is not BIN).
REAL=
for p in /usr/sbin/ip.distrib /sbin/ip.distrib /usr/bin/ip.distrib /sbin/ip /usr/sbin/ip /bin/ip /usr/bin/ip; do
	[ -x "$p" ] && [ "$(readlink -f "$p")" != "$BIN" ] && { REAL=$(readlink -f "$p"); break; }
done
[ -n "$REAL" ] || { echo "test-upstream: no real ip found" >&2; exit 1; }

WORK=$CACHE/run
rm -rf "$WORK"
mkdir -p "$WORK/real" "$WORK/ours" "$WORK/broken" "$WORK/logs"
ln -s "$REAL" "$WORK/real/ip"
ln -s "$BIN" "$WORK/ours/ip"
# The negative control's ip: iproute2's, but `ip netns list` prints nothing.
cat >"$WORK/broken/ip" <<EOF
#!/bin/sh
[ "\$*" = "netns list" ] && exit 0
exec "$REAL" "\$@"
EOF
chmod +x "$WORK/broken/ip"

# Timings, random names, the ip's own path; trailing blanks.
normalise() {
	sed -E -e "s#$WORK/(real|ours|broken)/ip#IPDIR/ip#g" \
		-e 's/\b([a-z][a-z0-9_]*)-[A-Za-z0-9]{6}\b/\1-XXXXXX/g' \
		-e 's#= [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms#= N/N/N/N ms#' \
		-e 's/\b[0-9]+(\.[0-9]+)?( ?)(ms|us|usec|msec|sec|s)\b/N\2\3/g' \
		-e 's/[[:space:]]+$//'
}
# A selftest's own verdict lines.
results() {
	grep -E '\[ *(OK|FAIL|FAILED|SKIP|XFAIL|PASS) *\]|^[[:space:]]*(PASS|FAIL|FAILED|SKIP|OK|ok|not ok|ERROR)\b|Tests (passed|failed|xfailed)' || true
}

# In the sandbox with each ip: BIN is the ip scripts find, iproute2 is not (and vice versa).
canary() { # IPDIR -> status of `VSPACE_NETNS_REAL_IP=relative ip -V`
	set +e
	VSPACE_NETNS_REAL_IP=relative sh "$HERE/sandbox.sh" "$1" ip -V >/dev/null 2>&1
	echo $?
	set -e
}
c_real=$(canary "$WORK/real")
c_ours=$(canary "$WORK/ours")
if [ "$c_real" != 0 ] || [ "$c_ours" != 255 ]; then
	echo "test-upstream: the sandbox does not run the ip it should (iproute2: status $c_real, want 0; BIN: $c_ours, want 255)" >&2
	exit 1
fi

# Interrupted: the sandbox's unshare ignores SIGINT and SIGTERM while it waits, and its PID 1
# ignores signals it has no handler for; SIGKILL to unshare takes PID 1 along (--kill-child),
# and with it every process, namespace and mount of the case.
sandbox=
trap 'trap - EXIT; [ -z "$sandbox" ] || kill -KILL "$sandbox" 2>/dev/null; echo "test-upstream: interrupted" >&2; exit 130' INT TERM HUP

# run_case SUITE NAME FLAVOUR CMD...: CMD in a sandbox with WORK/FLAVOUR/ip; log, status.
run_case() {
	suite=$1 name=$2 flavour=$3
	shift 3
	log=$WORK/logs/$suite.$(printf '%s' "$name" | tr '/' '_').$flavour
	t0=$(date +%s)
	set +e
	sh "$HERE/sandbox.sh" "$WORK/$flavour" "$@" >"$log.log" 2>&1 &
	sandbox=$!
	wait "$sandbox"
	echo $? >"$log.rc"
	sandbox=
	set -e
	echo $(($(date +%s) - t0)) >"$log.secs"
}

# compare SUITE NAME OTHER: 0 when the outcome under WORK/OTHER/ip equals iproute2's.
compare() {
	suite=$1 name=$2 other=$3
	base=$WORK/logs/$suite.$(printf '%s' "$name" | tr '/' '_')
	rc_r=$(cat "$base.real.rc") rc_o=$(cat "$base.$other.rc")
	if [ "$suite" = kselftest ]; then
		normalise <"$base.real.log" | results >"$base.real.res"
		normalise <"$base.$other.log" | results >"$base.$other.res"
	else
		normalise <"$base.real.log" >"$base.real.res"
		normalise <"$base.$other.log" >"$base.$other.res"
	fi
	normalise <"$base.real.log" >"$base.real.norm"
	normalise <"$base.$other.log" >"$base.$other.norm"
	diff -u --label "$name (iproute2 ip)" --label "$name ($other)" "$base.real.norm" "$base.$other.norm" >"$base.$other.diff" || true
	same=yes
	[ "$rc_r" = "$rc_o" ] || same=no
	cmp -s "$base.real.res" "$base.$other.res" || same=no
	[ $same = yes ]
}

selected() { [ -z "$ONLY" ] || case " $ONLY " in *" $1 "*) return 0 ;; esac; [ -z "$ONLY" ]; }

# --- negative control ----------------------------------------------------------------------
run_case iproute2 control real sh "$HERE/iproute2-case.sh" "$TS" ip/netns/set_nsid.t
run_case iproute2 control broken sh "$HERE/iproute2-case.sh" "$TS" ip/netns/set_nsid.t
if compare iproute2 control broken; then
	echo "test-upstream: negative control: an ip whose 'netns list' prints nothing compared equal to iproute2's; the comparison is broken" >&2
	exit 1
fi
echo "negative control: an ip whose 'netns list' prints nothing is told apart (as it must be)"

# --- the suites ----------------------------------------------------------------------------
total=0 differ=0 skipped=0 lines=0 start=$(date +%s)
# baseline_ok SUITE NAME: the case passed under iproute2's ip on this kernel.
baseline_ok() {
	base=$WORK/logs/$1.$(printf '%s' "$2" | tr '/' '_')
	if [ "$1" = kselftest ]; then
		[ "$(cat "$base.real.rc")" = 0 ]
	else
		head -n 1 "$base.real.log" | grep -q '^verdict: PASS '
	fi
}
# not_comparable SUITE NAME: a case failing under iproute2's ip here is reported and skipped.
not_comparable() {
	base=$WORK/logs/$1.$(printf '%s' "$2" | tr '/' '_')
	skipped=$((skipped + 1))
	reason=$(normalise <"$base.real.log" | grep -m 1 -iE 'not supported|unsupported|not permitted|no such|cannot|unknown|error|fail' |
		sed 's/^[[:space:]]*//' | cut -c 1-160)
	printf '%-9s %-28s NOT COMPARABLE, skipped: fails under iproute2'"'"'s ip on this kernel (%s): %s (%s)\n' \
		"$1" "$2" "$(uname -r)" "${reason:-exit $(cat "$base.real.rc")}" "$base.real.log"
}
report() { # SUITE NAME
	suite=$1 name=$2
	base=$WORK/logs/$suite.$(printf '%s' "$name" | tr '/' '_')
	total=$((total + 1))
	rc_r=$(cat "$base.real.rc") rc_o=$(cat "$base.ours.rc")
	if compare "$suite" "$name" ours; then verdict=same; else verdict=DIFFERENT; fi
	n=$(wc -l <"$base.real.res")
	[ "$suite" = kselftest ] && lines=$((lines + n))
	extra=
	[ -s "$base.ours.diff" ] && extra=" (other output differs: $(grep -c '^[-+][^-+]' "$base.ours.diff") lines, $base.ours.diff)"
	printf '%-9s %-28s iproute2: exit %-3s %4s lines %4ss   BIN: exit %-3s %4ss  %s%s\n' \
		"$suite" "$name" "$rc_r" "$n" "$(cat "$base.real.secs")" "$rc_o" "$(cat "$base.ours.secs")" "$verdict" "$extra"
	if [ $verdict = DIFFERENT ]; then
		differ=$((differ + 1))
		echo "  exit status: iproute2 $rc_r, BIN $rc_o"
		diff -u --label "iproute2 ip" --label "BIN as ip" "$base.real.res" "$base.ours.res" | sed 's/^/  /' || true
		echo "  full logs: $base.real.log $base.ours.log"
	fi
}

while read -r name secs cmd; do
	case $name in '' | '#'*) continue ;; esac
	selected "$name" || continue
	eval "set -- $cmd"
	run_case kselftest "$name" real sh "$HERE/kselftest-case.sh" "$NET" "$secs" "$@"
	baseline_ok kselftest "$name" || { not_comparable kselftest "$name"; continue; }
	run_case kselftest "$name" ours sh "$HERE/kselftest-case.sh" "$NET" "$secs" "$@"
	report kselftest "$name"
done <"$KCASES"

while read -r name; do
	case $name in '' | '#'*) continue ;; esac
	selected "$name" || continue
	run_case iproute2 "$name" real sh "$HERE/iproute2-case.sh" "$TS" "$name"
	baseline_ok iproute2 "$name" || { not_comparable iproute2 "$name"; continue; }
	run_case iproute2 "$name" ours sh "$HERE/iproute2-case.sh" "$TS" "$name"
	report iproute2 "$name"
done <"$ICASES"

echo "test-upstream: $total cases compared ($(cat "$CACHE/kselftest/.stamp"), $(cat "$CACHE/iproute2/.stamp")), each under iproute2's ip ($REAL) and under $BIN as ip, $(($(date +%s) - start)) s: $((total - differ)) same, $differ different; $skipped not comparable on this kernel (skipped, see above); $lines selftest result lines compared"
[ $((total + skipped)) -gt 0 ] || { echo "test-upstream: no case selected" >&2; exit 1; }
[ "$total" -gt 0 ] || echo "test-upstream: warning: no case could be compared on this kernel" >&2
[ $differ = 0 ]

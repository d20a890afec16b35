#!/bin/sh
# iproute2-case.sh TESTSUITE CASE: one case of iproute2's testsuite, inside upstream/sandbox.sh,
# as iproute2's testsuite/Makefile runs it (its environment: STD_ERR, STD_OUT, IP, TC, SS,
# BRIDGE, DEV=lo, IPVER, SNAME, ERRF and the kernel's CONFIG_* from /proc/config.gz; the
# sandbox stands in for its `unshare -n`), with IP the `ip` first in PATH. Prints the verdict
# the Makefile would (PASS, FAILED when the case wrote its ERRF file, SKIPPED on exit 127),
# the case's stdout and its ERRF file; exits with the case's status.
set -u
ts=$1 case=$2
cp -a "$ts" /tmp/testsuite
cd /tmp/testsuite || exit 125
mkdir -p "results/$(dirname "$case")"
if [ -r /proc/config.gz ]; then
	gunzip -c /proc/config.gz | sed -n 's/^CONFIG_/export CONFIG_/p' >/tmp/kenv
	. /tmp/kenv
fi
out=results/$case.out
errf=results/$case.err
STD_ERR=$(mktemp) STD_OUT=$(mktemp) IP=$(command -v ip) TC=$(command -v tc) \
	SS=$(command -v ss) BRIDGE=$(command -v bridge) DEV=lo IPVER=$case SNAME=iproute2 \
	ERRF=$errf timeout -k 10 120 sh "tests/$case" >"$out"
rc=$?
if [ "$rc" = 127 ]; then
	verdict=SKIPPED
elif [ -e "$errf" ]; then
	verdict=FAILED
else
	verdict=PASS
fi
echo "verdict: $verdict (exit $rc)"
echo "--- stdout"
cat "$out"
if [ -e "$errf" ]; then
	echo "--- ERRF"
	cat "$errf"
fi
exit "$rc"

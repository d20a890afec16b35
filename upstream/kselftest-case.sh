#!/bin/sh
# kselftest-case.sh NETDIR TIMEOUT CMD [ARG...]: one kernel selftest, inside upstream/sandbox.sh.
# Runs CMD from a fresh copy of NETDIR (tools/testing/selftests/net) in the sandbox's /tmp, so
# nothing a test writes survives it, under `timeout` (TERM, then KILL 10 s later); CMD's status.
set -eu
net=$1 secs=$2
shift 2
cp -a "$net" /tmp/net
cd /tmp/net
exec timeout -k 10 "$secs" "$@"

#!/bin/sh
# kselftest-case.sh NETDIR TIMEOUT SCRIPT [ARG...]: one kernel selftest, inside
# upstream/sandbox.sh. SCRIPT is a path relative to NETDIR (tools/testing/selftests/net); it
# runs with bash from its own folder of a fresh copy of NETDIR in the sandbox's /tmp (as
# kselftest's runner.sh does), so nothing a test writes survives it, under `timeout` (TERM,
# then KILL 10 s later). Exits with the test's status.
set -eu
net=$1 secs=$2 script=$3
shift 3
cp -a "$net" /tmp/net
cd "/tmp/net/$(dirname "$script")"
exec timeout -k 10 "$secs" bash "./$(basename "$script")" "$@"

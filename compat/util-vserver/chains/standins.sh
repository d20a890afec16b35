#!/bin/sh
# Stand-ins for util-vserver's helper programs, for chain replays (README.md in this directory).
#
# One script, linked under each program's name; $0's file name picks the behaviour. Each
# stand-in drops its own options the way the real program reads them and execs the command
# that follows (exec: PATH search for a bare name, arguments untouched, bytes included). A
# program that ends a chain (init, rc, sh, ls, apt-get, secure-mount, vserver without
# ----nonamespace, ...) records itself instead and exits 0: it appends
#   <netns>\0<argc>\0<name>\0<arg1>\0...
# to $CHAIN_RECORD, <netns> being readlink /proc/self/ns/net (the vspace stand-in's log format).
# A stand-in that finds no command where its grammar wants one exits 97 with a message.
set -u

name=${0##*/}

fail() {
	echo "chain stand-in $name: $*" >&2
	exit 97
}

record() {
	printf '%s\0' "$(readlink /proc/self/ns/net)" "$(($# + 1))" "$name" "$@" >>"$CHAIN_RECORD" ||
		fail "cannot append to \$CHAIN_RECORD"
	exit 0
}

case $name in
nice)
	# nice [-n N | -nN | --adjustment=N | -N] COMMAND...
	case ${1-} in
	-n) [ $# -ge 2 ] || fail "-n needs a value"; shift 2 ;;
	-n* | --adjustment=* | -[0-9]*) shift ;;
	esac
	;;
exec-ulimit)
	# exec-ulimit DIR COMMAND...
	[ $# -ge 1 ] || fail "no ulimits directory"
	shift
	;;
vtag | vcontext | chbind)
	# NAME OPTION... -- COMMAND...
	while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
	[ $# -gt 0 ] || fail "no -- before the command"
	shift
	;;
vserver)
	# vserver ----nonamespace GUEST ACTION COMMAND...: the stand-in for the script runs, as
	# COMMAND, what the real script would run next. Any other call ends the chain.
	if [ "${1-}" = ----nonamespace ]; then
		[ $# -ge 3 ] || fail "----nonamespace needs GUEST and ACTION"
		shift 3
	else
		record "$@"
	fi
	;;
*)
	record "$@"
	;;
esac
[ $# -gt 0 ] || fail "no command to run"
exec "$@"

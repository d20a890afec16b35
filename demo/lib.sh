# lib.sh: helpers the demos share (sourced, not run). Plain POSIX sh.
#
# Before sourcing, set DEMO (the name in messages) and TMP= ; define `undo` (what to remove on
# exit); after `demo_init "$@"`:
#   BIN   absolute path of the built vspace-netns       HERE  the demo directory
# `standins` then fills $TMP with the binary under its names and the util-vserver stand-ins,
# and `guest run GUEST ZONE PROG...` runs PROG as util-vserver starts a guest in ZONE.

die() { echo "$DEMO: $*" >&2; exit 1; }

# demo_init "$@": checks the operand, root and the tools the demos need; sets BIN and HERE.
demo_init() {
	[ $# -eq 1 ] || die "usage: $0 PATH-OF-BUILT-vspace-netns"
	[ "$(id -u)" -eq 0 ] || die "run it as root: it creates network namespaces (sudo make $DEMO)"
	case $1 in /*) BIN=$1 ;; *) BIN=$(pwd)/$1 ;; esac
	[ -x "$BIN" ] || die "$BIN: no such executable; run 'make build' first"
	HERE=$(cd "$(dirname "$0")" && pwd)
	for tool in ip cc; do
		command -v $tool >/dev/null || die "'$tool' is needed (iproute2, a C compiler)"
	done
	unset NETNS_RUN_DIR
	if [ -t 1 ]; then bold=$(printf '\033[1m') plain=$(printf '\033[0m'); else bold= plain=; fi
}

# demo_tmp NAME: makes TMP=/tmp/vspace-netns-NAME.XXXXXX and, on exit (also on failure or a
# signal), runs the demo's own `undo`, then removes TMP, keeping the exit status.
demo_tmp() {
	trap demo_exit EXIT
	trap 'exit 130' INT TERM HUP
	TMP=$(mktemp -d "/tmp/vspace-netns-$1.XXXXXX")
}
demo_exit() {
	status=$?
	set +e
	undo
	[ -n "$TMP" ] && rm -rf "$TMP"
	exit $status
}

step() { printf '\n%s%s%s\n' "$bold" "$*" "$plain"; }
# Indents, and shows the temp dir as $T.
indent() { sed -e "s|$TMP|\$T|g" -e 's/^/    /'; }

# standins: $TMP/vspace and $TMP/vspace-netns -> $BIN; $TMP/vspace.distrib, the real vspace,
# compiled from tests/c/vspace_standin.c (parses like vspace, records every call it gets in
# $TMP/calls, execs the program after its options); $TMP/exec-ulimit and $TMP/vtag, which only
# exec the rest of the chain. Exports VSPACE_NETNS_REAL_VSPACE and VSPACE_STANDIN_LOG.
standins() {
	cc -O2 -o "$TMP/vspace.distrib" "$HERE/../tests/c/vspace_standin.c"
	ln -s "$BIN" "$TMP/vspace"
	ln -s "$BIN" "$TMP/vspace-netns"
	# exec-ulimit DIR PROG...: applies DIR's limits, then execs PROG (here: only the exec).
	printf '#!/bin/sh\nshift\nexec "$@"\n' >"$TMP/exec-ulimit"
	# vtag --create --tag N --silent -- PROG...: tags the process, then execs PROG (here: only the exec).
	printf '#!/bin/sh\nwhile [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done\nshift\nexec "$@"\n' >"$TMP/vtag"
	chmod +x "$TMP/exec-ulimit" "$TMP/vtag"
	export VSPACE_NETNS_REAL_VSPACE="$TMP/vspace.distrib" VSPACE_STANDIN_LOG="$TMP/calls"
}

# guest run|exec|explain GUEST ZONE PROG...: util-vserver's start chain for GUEST, whose
# spaces/net names ZONE, through $TMP/vspace (run; exec: replacing the shell, so that a
# background `guest exec ... &` has the program's pid), or shown by `vspace-netns explain`:
#   vspace --enter ZONE --net -- exec-ulimit ... vtag ... -- vspace --new --default -- PROG...
guest() {
	how=$1 name=$2 zone=$3
	shift 3
	set -- --enter "$zone" --net -- \
		"$TMP/exec-ulimit" "/etc/vservers/$name/ulimits" \
		"$TMP/vtag" --create --tag 1001 --silent -- \
		"$TMP/vspace" --new --default -- "$@"
	case $how in
	run) "$TMP/vspace" "$@" ;;
	exec) exec "$TMP/vspace" "$@" ;;
	explain) "$TMP/vspace-netns" explain -- "$@" ;;
	*) die "guest: run, exec or explain, not '$how'" ;;
	esac
}

# Shared by vm/checks/zone-kernel-*.sh (sourced, not a check; kept out of vm/checks/*.sh): a
# private zones root in the check's directory, and the helpers. POSIX sh.
set -u
BIN=${VSPACE_NETNS_BIN:?}
export VSPACE_NETNS_CONFDIR="$PWD/conf" VSPACE_NETNS_VSERVERS="$PWD/vservers"
export VSPACE_NETNS_STATE_DIR="$PWD/state" VSPACE_NETNS_VPROCUNHIDE="$PWD/no-vprocunhide"
mkdir -p "$VSPACE_NETNS_CONFDIR" "$VSPACE_NETNS_VSERVERS"
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }
# link ZONE NAME FILE=VALUE...: writes links/NAME/FILE.
link() {
	z=$1 n=$2
	shift 2
	mkdir -p "$VSPACE_NETNS_CONFDIR/$z/links/$n"
	for fv; do printf '%s\n' "${fv#*=}" >"$VSPACE_NETNS_CONFDIR/$z/links/$n/${fv%%=*}"; done
}
zone() { mkdir -p "$VSPACE_NETNS_CONFDIR/$1"; echo "$2" >"$VSPACE_NETNS_CONFDIR/$1/id"; }
# expect_rc RC WHAT CMD...: runs CMD (output in out/err), checks its status.
expect_rc() {
	want=$1 what=$2
	shift 2
	"$@" >out 2>err
	got=$?
	[ "$got" = "$want" ] || fail "$what: expected status $want, got $got: $(cat err)"
}
has() { grep -qF -- "$2" "$1" || fail "expected '$2' in $1, got: $(cat "$1")"; }

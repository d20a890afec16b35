#!/bin/sh
# vm/checks/doctor-host-side.sh: doctor and `up --dry-run` check the host side a VLAN zone
# needs, on Debian's kernel (8021q loadable, a real NIC as the parent): with the parent up
# and 802.1Q available, no finding about either; the parent down, then missing, is a FAIL in
# doctor (with its fix) and a WARN on stderr in `up --dry-run`.
# The defect it proves: doctor said nothing about a zone's parent link (missing or down) and
# nothing about the kernel's 802.1Q support, and `up --dry-run` passed silently; on that code
# the FAIL lines looked for below are absent.
set -u
BIN=${VSPACE_NETNS_BIN:?}
NIC=${VM_NIC_A:?}
T=$(mktemp -d)
Z=vmhs$$
was_up=no
ip -o link show dev "$NIC" | grep -q '[<,]UP[,>]' && was_up=yes
cleanup() {
	[ "$was_up" = yes ] && ip link set dev "$NIC" up
	[ "$was_up" = no ] && ip link set dev "$NIC" down
	rm -rf "$T"
}
trap cleanup EXIT
export VSPACE_NETNS_CONFDIR="$T/conf" VSPACE_NETNS_VSERVERS="$T/vservers"
export VSPACE_NETNS_VPROCUNHIDE="$T/no-vprocunhide" VSPACE_NETNS_STATE_DIR="$T/state"
unset NETNS_RUN_DIR
mkdir -p "$T/conf/$Z/links/v0" "$T/vservers"
echo 7 >"$T/conf/$Z/id"
echo vlan >"$T/conf/$Z/links/v0/type"
echo "$NIC" >"$T/conf/$Z/links/v0/link"
echo 7 >"$T/conf/$Z/links/v0/vlan"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# The parent up, 802.1Q in Debian's kernel (loaded or in modules.dep): nothing to say.
ip link set dev "$NIC" up
"$BIN" doctor "$Z" >"$T/doctor" 2>&1
grep -q 'no 802.1Q VLAN support' "$T/doctor" &&
	bad "doctor on Debian's kernel: expected 802.1Q available, got: $(grep '802.1Q' "$T/doctor")"
grep -q 'parent link' "$T/doctor" &&
	bad "doctor with $NIC up: expected no finding about the parent, got: $(grep 'parent link' "$T/doctor")"
grep -qx "zone $Z:" "$T/doctor" || bad "doctor: expected the heading 'zone $Z:', got: $(cat "$T/doctor")"
grep -q '^summary: [0-9]* ok, [0-9]* WARN, [0-9]* FAIL$' "$T/doctor" ||
	bad "doctor: expected a summary line, got: $(tail -n 1 "$T/doctor")"

# The parent down: a FAIL with the command that fixes it, and a WARN in up --dry-run.
ip link set dev "$NIC" down
"$BIN" doctor "$Z" >"$T/doctor" 2>&1 && bad "doctor with $NIC down: expected status 1, got 0"
grep -qxF "  FAIL the parent link $NIC of link v0 is down on the host" "$T/doctor" ||
	bad "doctor with $NIC down: expected its FAIL line, got: $(cat "$T/doctor")"
grep -qxF "      fix: bring it up: ip link set dev $NIC up (and at boot, in the host's network configuration)" "$T/doctor" ||
	bad "doctor with $NIC down: expected the fix on its own line, got: $(cat "$T/doctor")"
"$BIN" up "$Z" --dry-run >"$T/dry" 2>"$T/dry.err" || :
grep -qF "vspace-netns: WARN zone $Z: the parent link $NIC of link v0 is down on the host" "$T/dry.err" ||
	bad "up --dry-run with $NIC down: expected the WARN on stderr, got: $(cat "$T/dry.err")"
grep -q WARN "$T/dry" && bad "up --dry-run: expected no WARN on stdout (the lines stay a script), got: $(cat "$T/dry")"
ip link set dev "$NIC" up

# The parent missing.
echo "nosuch$$" >"$T/conf/$Z/links/v0/link"
"$BIN" doctor "$Z" >"$T/doctor" 2>&1 && bad "doctor with a missing parent: expected status 1, got 0"
grep -qxF "  FAIL the parent link nosuch$$ of link v0 is missing on the host" "$T/doctor" ||
	bad "doctor with a missing parent: expected its FAIL line, got: $(cat "$T/doctor")"
"$BIN" up "$Z" --dry-run >"$T/dry" 2>"$T/dry.err" || :
grep -qF "vspace-netns: WARN zone $Z: the parent link nosuch$$ of link v0 is missing on the host" "$T/dry.err" ||
	bad "up --dry-run with a missing parent: expected the WARN on stderr, got: $(cat "$T/dry.err")"
[ -e "/run/netns/$Z" ] && bad "up --dry-run made /run/netns/$Z"

exit $fail

#!/bin/sh
# Proves: a VLAN parent that is down and an MTU above a VLAN parent's are refused before
# anything changes, naming the parent (before the fix: a bare ENETDOWN at the link-up step,
# a bare EINVAL, and after the parent's MTU was lowered an ERANGE step planned every time).
. "$VM_SRC/vm/checks/lib/zone-kernel.sh"
A=$VM_NIC_A
mtu0=$(cat "/sys/class/net/$A/mtu")
# Later checks run in the same boot: whatever happens, nothing of this one is left.
trap 'ip link set dev "$A" up; ip link set dev "$A" mtu "$mtu0"; "$BIN" down --force kv1 >/dev/null 2>&1' EXIT
zone kv1 911
link kv1 kv1v type=vlan "link=$A" vlan=81 address=10.92.1.2/24
ip link set dev "$A" down
expect_rc 1 "up kv1 on a parent that is down" "$BIN" up kv1
has err "the parent $A of the vlan link kv1v is down on the host"
[ ! -e /run/netns/kv1 ] || fail "up on a down parent: expected no namespace, got /run/netns/kv1"
expect_rc 1 "up kv1 --dry-run on a parent that is down" "$BIN" up kv1 --dry-run
ip link set dev "$A" up
echo 9000 >"$VSPACE_NETNS_CONFDIR/kv1/links/kv1v/mtu"
expect_rc 1 "up kv1 with an MTU above the parent's" "$BIN" up kv1
has err "the MTU 9000 of the vlan link kv1v is above the MTU $mtu0 of its parent $A"
[ ! -e /run/netns/kv1 ] || fail "MTU refusal: expected no namespace, got /run/netns/kv1"
echo 1400 >"$VSPACE_NETNS_CONFDIR/kv1/links/kv1v/mtu"
expect_rc 0 "up kv1 with MTU 1400" "$BIN" up kv1
ip link set dev "$A" mtu 1300
expect_rc 1 "up kv1 after the parent's MTU was lowered" "$BIN" up kv1
has err "the MTU 1400 of the vlan link kv1v is above the MTU 1300 of its parent $A"
grep -q ERANGE err && fail "after the parent's MTU was lowered: expected no ERANGE step, got: $(cat err)"
ip link set dev "$A" mtu "$mtu0"
"$BIN" down kv1 >/dev/null 2>&1 || fail "down kv1: expected status 0"
[ ! -e /run/netns/kv1 ] || fail "down: /run/netns/kv1 is left"
exit $FAILED

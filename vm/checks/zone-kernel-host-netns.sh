#!/bin/sh
# Proves: run inside another network namespace (ip netns exec), up makes the host side in
# PID 1's: a veth zone's host end on the host (before the fix: in the caller's namespace,
# two zones joined), a VLAN zone on the host's NIC (before: "does not exist on the host").
. "$VM_SRC/vm/checks/lib/zone-kernel.sh"
# Later checks run in the same boot: whatever happens, nothing of this one is left.
trap 'ip netns delete khcaller 2>/dev/null; "$BIN" down --force kh1 kh2 >/dev/null 2>&1' EXIT
A=$VM_NIC_A
ip link set dev "$A" up
zone kh1 931
link kh1 eth0 type=veth peer=khp1 address=10.93.1.2/24
zone kh2 932
link kh2 eth0 type=vlan "link=$A" vlan=83 address=10.93.2.2/24
ip netns add khcaller
for z in kh1 kh2; do
	expect_rc 0 "ip netns exec khcaller up $z" ip netns exec khcaller "$BIN" up $z
done
ip link show dev khp1 >/dev/null 2>&1 || fail "khp1: expected on the host (PID 1's netns), got none"
ip -n khcaller link show dev khp1 >/dev/null 2>&1 && fail "khp1: expected none in the caller's namespace, got it"
ip -n kh2 -d link show dev eth0 2>/dev/null | grep -q "id 83" || fail "kh2: expected VLAN 83 inside"
expect_rc 0 "ip netns exec khcaller down kh1 kh2" ip netns exec khcaller "$BIN" down kh1 kh2
ip netns delete khcaller
for z in kh1 kh2; do [ ! -e /run/netns/$z ] || fail "down: /run/netns/$z is left"; done
exit $FAILED

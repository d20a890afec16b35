#!/bin/sh
# Proves: a zone link may carry a host link's name on Debian's kernels (6.1, 6.12), which
# check a new link's name in the requesting namespace even with IFLA_NET_NS_FD: before the
# fix, up of each zone below failed "File exists" (veth, vlan, macvlan alike).
. "$VM_SRC/vm/checks/lib/zone-kernel.sh"
# Later checks run in the same boot: whatever happens, nothing of this one is left.
trap '"$BIN" down --force kc1 kc2 >/dev/null 2>&1' EXIT
A=$VM_NIC_A B=$VM_NIC_B
ip link set dev "$A" up
zone kc1 901
link kc1 "$A" type=vlan "link=$A" vlan=77 address=10.91.1.2/24
link kc1 "$B" type=macvlan "link=$A" mode=bridge
zone kc2 902
link kc2 "$A" type=veth peer=kcp2 address=10.91.2.2/24
for z in kc1 kc2; do
	expect_rc 0 "up $z" "$BIN" up $z
done
ip -n kc1 -d link show dev "$A" 2>/dev/null | grep -q "vlan protocol 802.1Q id 77" || fail "kc1: $A: expected a VLAN 77 named $A inside, got none"
ip -n kc1 link show dev "$B" >/dev/null 2>&1 || fail "kc1: expected the macvlan $B inside, got none"
ip -n kc2 link show dev "$A" >/dev/null 2>&1 || fail "kc2: expected the veth $A inside, got none"
ip -n kc1 -o link 2>/dev/null | grep -q ' vsn' && fail "kc1: a temporary name is left: $(ip -n kc1 -o link)"
# The man page's example as printed: the --dry-run script replayed by iproute2.
"$BIN" down kc1 kc2 >/dev/null 2>&1 || fail "down kc1 kc2: expected status 0"
"$BIN" up kc2 --dry-run >script 2>/dev/null
grep -q '^ip link add name vsn' script || fail "dry-run: expected the link made under a temporary name, got: $(cat script)"
sh -e script >/dev/null 2>err || fail "the --dry-run script failed under iproute2: $(cat err)"
ip -n kc2 link show dev "$A" >/dev/null 2>&1 || fail "replayed script: expected the veth $A inside"
"$BIN" down kc2 >/dev/null 2>&1 || fail "down after the replayed script: expected status 0"
for z in kc1 kc2; do [ ! -e /run/netns/$z ] || fail "down: /run/netns/$z is left"; done
ip link show dev kcp2 >/dev/null 2>&1 && fail "down: kcp2 is left on the host"
exit $FAILED

#!/bin/sh
#! vm/checks/defect-caller-netns.sh: up run inside another network namespace works on the
#! host's (side-effecting, cleans up). Proves defect 2 of the kernel tier: `ip netns exec NS
#! vspace-netns up ZONE` took the caller's namespace for the host: a veth zone's host end landed
#! in NS, a VLAN zone failed "does not exist on the host".
. ./lib/zone.sh
hostveth cntrunka cntrunkb
ip netns add cncaller && ZONES="cncaller"
zone cnveth 701
zlink cnveth a0 type=veth peer=cnveth-host address=192.0.2.81/24
zone cnvlan 702
zlink cnvlan v80 type=vlan link=cntrunka vlan=80 address=192.0.2.82/24
HOSTLINKS="$HOSTLINKS cnveth-host"
ZONES="$ZONES cnveth cnvlan"
run "up cnveth from inside netns cncaller" ip netns exec cncaller "$VSPACE_NETNS_BIN" up cnveth
ip link show dev cnveth-host >/dev/null 2>&1 ||
	fail "veth host end cnveth-host: expected on the host, got: not there"
ip -n cncaller link show dev cnveth-host >/dev/null 2>&1 &&
	fail "veth host end cnveth-host: expected on the host, got: in the caller's namespace cncaller"
if run "up cnvlan (parent cntrunka on the host) from inside netns cncaller" ip netns exec cncaller "$VSPACE_NETNS_BIN" up cnvlan; then
	eq "cnvlan v80 parent ifindex" "$(ip -j link show dev cntrunka | jq -r '.[0].ifindex')" "$(jget cnvlan v80 .link_index)"
fi
for z in cnveth cnvlan; do [ -e "/run/netns/$z" ] && run "down $z" vn down "$z"; done
finish

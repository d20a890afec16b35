#!/bin/sh
#! vm/checks/veth.sh: a veth zone (side-effecting, cleans up): the zone end inside with its
#! derived MAC, MTU, addresses and routes, the host end (peer) on the host with MAC index + 1
#! and the same MTU; the host reaches the zone over the pair; down removes both ends.
. ./lib/zone.sh
zone vez 301
zlink vez eth0 type=veth peer=vez-host mtu=1450 address=192.0.2.31/24 address=2001:db8:30::31/64
zfile vez routes "default via 192.0.2.30"
run "up vez" vn up vez || finish
HOSTLINKS="vez-host"
eq "vez eth0 kind" veth "$(jget vez eth0 .linkinfo.info_kind)"
eq "vez eth0 MAC (derived: vlan 0, zone 301, index 0)" "$(vn mac 0 301 0)" "$(jget vez eth0 .address)"
eq "vez eth0 MTU" 1450 "$(jget vez eth0 .mtu)"
eq "vez eth0 addresses" "$(printf '192.0.2.31/24\n2001:db8:30::31/64' | sort)" "$(addrs vez eth0)"
eq "vez default route" "default via 192.0.2.30 dev eth0" "$(ip -n vez -4 route show default | sed 's/ *$//')"
host=$(ip -d -j link show dev vez-host 2>/dev/null)
eq "host end vez-host kind" veth "$(echo "$host" | jq -r '.[0].linkinfo.info_kind')"
eq "host end vez-host MAC (index 1)" "$(vn mac 0 301 1)" "$(echo "$host" | jq -r '.[0].address')"
eq "host end vez-host MTU" 1450 "$(echo "$host" | jq -r '.[0].mtu')"
eq "host end vez-host alias" vspace-netns:vez "$(echo "$host" | jq -r '.[0].ifalias')"
ip addr add 192.0.2.30/24 dev vez-host && ip link set dev vez-host up
pings vez 192.0.2.30 || fail "vez -> host end (IPv4): expected a ping answer, got none"
run "down vez" vn down vez
ip link show dev vez-host >/dev/null 2>&1 && fail "down vez: expected the host end vez-host gone, still there"
left=$(leftovers)
[ -z "$left" ] || fail "after down: expected nothing left, got: $(echo "$left" | tr '\n' ';')"
finish

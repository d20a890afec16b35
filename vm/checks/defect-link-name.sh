#!/bin/sh
#! vm/checks/defect-link-name.sh: a zone link may carry the name of a link of the host
#! (side-effecting, cleans up). Proves defect 1 of the kernel tier: on 6.1 and 6.12 the kernel
#! checks a new link's name in the requesting namespace even with IFLA_NET_NS_FD, so a zone's
#! link named like the host's NIC failed with "File exists" for vlan, macvlan and veth.
. ./lib/zone.sh
host=$VM_NIC_A
hostveth lntrunka lntrunkb
zone lnvlan 601
zlink lnvlan "$host" type=vlan link=lntrunka vlan=70 address=192.0.2.71/24
zone lnmac 602
zlink lnmac "$host" type=macvlan link=lntrunka address=192.0.2.72/24
zone lnveth 603
zlink lnveth "$host" type=veth peer=lnveth-host address=192.0.2.73/24
HOSTLINKS="$HOSTLINKS lnveth-host"
before=$(ip -j link show dev "$host" | jq -r '.[0] | "\(.ifindex) \(.address)"')
for z in lnvlan lnmac lnveth; do
	if run "up $z (its link named $host, like the host's NIC)" vn up "$z"; then
		eq "$z link $host kind" "$(echo "${z#ln}" | sed 's/mac/macvlan/')" "$(jget "$z" "$host" .linkinfo.info_kind)"
	fi
done
eq "lnvlan $host VLAN id" 70 "$(jget lnvlan "$host" .linkinfo.info_data.id)"
eq "host NIC $host (ifindex, MAC) untouched" "$before" "$(ip -j link show dev "$host" | jq -r '.[0] | "\(.ifindex) \(.address)"')"
# No temporary name left behind, in the zones or on the host.
for z in lnvlan lnmac lnveth; do
	[ -e "/run/netns/$z" ] || continue
	eq "$z links" "$host lo" "$(ip -n "$z" -j link show | jq -r '.[].ifname' | sort | tr '\n' ' ' | sed 's/ $//')"
	run "down $z" vn down "$z"
done
left=$(leftovers)
[ -z "$left" ] || fail "after down: expected nothing left, got: $(echo "$left" | tr '\n' ';')"
finish

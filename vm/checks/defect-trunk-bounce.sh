#!/bin/sh
#! vm/checks/defect-trunk-bounce.sh: a VLAN trunk set down and up (ifdown/ifup) leaves its zones
#! whole without an admin (side-effecting: uses the installed package and /etc/vspace-netns,
#! both put back as found). Proves defect 4 of the kernel tier: after the parent went down and
#! up, every VLAN zone on it stayed without its IPv6 addresses and routes until `up` was run.
. ./lib/zone.sh
[ -n "${VM_DEB:-}" ] || { echo "no .deb in the payload (its hooks repair the zones)"; exit 77; }
installed=
dpkg -s vspace-netns >/dev/null 2>&1 && installed=1
[ -n "$installed" ] || run "dpkg -i $VM_DEB" dpkg -i "$VM_DEB" || finish
nic=$VM_NIC_A
export VSPACE_NETNS_CONFDIR=/etc/vspace-netns
CONF=/etc/vspace-netns
zone tbz 901
zlink tbz v95 type=vlan link="$nic" vlan=95 address=192.0.2.95/24 address=2001:db8:95::1/64
zfile tbz routes "2001:db8:96::/64 via 2001:db8:95::2"
mkdir -p /etc/network/interfaces.d
printf 'iface %s inet manual\n\tup ip link set dev $IFACE up\n\tdown ip link set dev $IFACE down\n' "$nic" >/etc/network/interfaces.d/vmcheck-tb
grep -q '^source /etc/network/interfaces.d' /etc/network/interfaces ||
	echo 'source /etc/network/interfaces.d/*' >>/etc/network/interfaces
run "ifup $nic" ifup "$nic"
run "up tbz" /usr/sbin/vspace-netns up tbz
want="$(printf '192.0.2.95/24\n2001:db8:95::1/64' | sort)"
eq "tbz v95 addresses after up" "$want" "$(addrs tbz v95)"
run "ifdown $nic" ifdown "$nic"
run "ifup $nic" ifup "$nic"
i=0
while [ $i -lt 15 ] && [ "$(addrs tbz v95)" != "$want" ]; do sleep 1; i=$((i + 1)); done
eq "tbz v95 addresses after ifdown/ifup of $nic" "$want" "$(addrs tbz v95)"
eq "tbz IPv6 route after ifdown/ifup of $nic" "2001:db8:96::/64 via 2001:db8:95::2 dev v95" \
	"$(ip -n tbz -6 route show 2001:db8:96::/64 | sed 's/ metric [0-9]*//; s/ pref medium//; s/ *$//')"
/usr/sbin/vspace-netns down tbz >/dev/null 2>&1
ifdown "$nic" >/dev/null 2>&1
ip link set dev "$nic" up
rm -rf "$CONF/tbz" /etc/network/interfaces.d/vmcheck-tb
[ -n "$installed" ] || dpkg --purge vspace-netns >/dev/null 2>&1
finish

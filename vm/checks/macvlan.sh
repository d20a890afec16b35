#!/bin/sh
#! vm/checks/macvlan.sh: macvlan zones on a virtio NIC (side-effecting, cleans up; the NIC is
#! left up without addresses). Two zones in mode bridge reach each other through their parent,
#! two in mode private do not; kind, mode, parent, derived MAC, MTU and addresses read back with
#! `ip -d -j` inside the zones; macvlan autoloaded; down leaves nothing.
. ./lib/zone.sh
nic=$VM_NIC_A
ip link set dev "$nic" up || fail "NIC $nic: cannot set it up"
grep -q '^macvlan ' /proc/modules && rmmod macvlan 2>/dev/null
loaded=$(grep -c '^macvlan ' /proc/modules)
zone mvba 201
zone mvbb 202
zone mvpa 203
zone mvpb 204
zlink mvba m0 type=macvlan link="$nic" address=192.0.2.11/24 address=2001:db8:20::11/64 mtu=1300
zlink mvbb m0 type=macvlan link="$nic" mode=bridge address=192.0.2.12/24 address=2001:db8:20::12/64
zlink mvpa m0 type=macvlan link="$nic" mode=private address=192.0.2.21/24
zlink mvpb m0 type=macvlan link="$nic" mode=private address=192.0.2.22/24
for z in mvba mvbb mvpa mvpb; do run "up $z" vn up "$z" || finish; done
[ "$loaded" = 0 ] && { grep -q '^macvlan ' /proc/modules || fail "macvlan: expected up to autoload it, not loaded"; }
for z in mvba mvbb mvpa mvpb; do
	eq "$z m0 kind" macvlan "$(jget $z m0 .linkinfo.info_kind)"
	eq "$z m0 parent ifindex" "$(ip -j link show dev "$nic" | jq -r '.[0].ifindex')" "$(jget $z m0 .link_index)"
	eq "$z m0 up" true "$(jget $z m0 '.flags | index("UP") != null')"
done
eq "mvba m0 mode (default)" bridge "$(jget mvba m0 .linkinfo.info_data.mode)"
eq "mvbb m0 mode" bridge "$(jget mvbb m0 .linkinfo.info_data.mode)"
eq "mvpa m0 mode" private "$(jget mvpa m0 .linkinfo.info_data.mode)"
eq "mvba m0 MAC (derived: vlan 0, zone 201, index 0)" "$(vn mac 0 201 0)" "$(jget mvba m0 .address)"
eq "mvpb m0 MAC (derived: vlan 0, zone 204, index 0)" "$(vn mac 0 204 0)" "$(jget mvpb m0 .address)"
eq "mvba m0 MTU" 1300 "$(jget mvba m0 .mtu)"
eq "mvba m0 addresses" "$(printf '192.0.2.11/24\n2001:db8:20::11/64' | sort)" "$(addrs mvba m0)"
eq "mvpa m0 addresses" 192.0.2.21/24 "$(addrs mvpa m0)"
pings mvba 192.0.2.12 || fail "mvba -> mvbb (mode bridge, IPv4): expected a ping answer, got none"
pings mvba 2001:db8:20::12 || fail "mvba -> mvbb (mode bridge, IPv6): expected a ping answer, got none"
ip netns exec mvpa ping -c 2 -W 1 192.0.2.22 >/dev/null 2>&1 &&
	fail "mvpa -> mvpb (mode private): expected no answer, got one"
for z in mvba mvbb mvpa mvpb; do run "down $z" vn down "$z"; done
left=$(leftovers)
[ -z "$left" ] || fail "after down: expected nothing left, got: $(echo "$left" | tr '\n' ';')"
finish

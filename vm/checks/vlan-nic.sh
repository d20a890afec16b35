#!/bin/sh
#! vm/checks/vlan-nic.sh: VLAN zones on the two virtio NICs, 802.1Q frames over QEMU's hub
#! (side-effecting, cleans up; the NICs are left up without addresses): see lib/vlan.sh.
. ./lib/zone.sh
. ./lib/vlan.sh
for n in "$VM_NIC_A" "$VM_NIC_B"; do
	ip link set dev "$n" up || fail "NIC $n: cannot set it up"
done
vlan_case "$VM_NIC_A" "$VM_NIC_B" vn
finish

#!/bin/sh
#! vm/checks/vlan-veth.sh: VLAN zones on a veth trunk (side-effecting, cleans up): see lib/vlan.sh.
. ./lib/zone.sh
. ./lib/vlan.sh
hostveth vtrunka vtrunkb
vlan_case vtrunka vtrunkb vt
finish

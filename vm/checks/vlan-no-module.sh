#!/bin/sh
#! vm/checks/vlan-no-module.sh: 8021q not loadable (side-effecting, cleans up: its modprobe.d
#! file is removed). With `install 8021q /bin/false` in modprobe.d and 8021q unloaded, up of a
#! zone with a veth link and a VLAN link fails with an error naming VLAN/802.1Q support and
#! rolls back in full: no namespace, no veth host end, no link anywhere.
. ./lib/zone.sh
if grep -q '^8021q ' /proc/modules && ! rmmod 8021q 2>/dev/null; then
	echo "8021q is loaded and in use: cannot make it unloadable"
	exit 77
fi
echo 'install 8021q /bin/false' >/etc/modprobe.d/vmcheck-no8021q.conf
hostveth nmtrunka nmtrunkb
zone nmz 401
zlink nmz a0 type=veth peer=nmz-host address=192.0.2.41/24
zlink nmz v50 type=vlan link=nmtrunka vlan=50 address=192.0.2.51/24
HOSTLINKS="$HOSTLINKS nmz-host"
if vn up nmz >"$T/out" 2>&1; then
	fail "up nmz without 8021q: expected a failure, got exit 0"
else
	grep -qi '802\.1q\|8021q\|vlan' "$T/out" ||
		fail "up nmz without 8021q: expected an error naming VLAN (802.1Q) support, got: $(tr '\n' ' ' <"$T/out")"
fi
sed 's/^/    up: /' "$T/out"
[ -e /run/netns/nmz ] && fail "rollback: expected /run/netns/nmz gone, still there"
ip link show dev nmz-host >/dev/null 2>&1 && fail "rollback: expected the veth host end nmz-host gone, still there"
left=$(leftovers)
[ -z "$left" ] || fail "rollback: expected nothing left, got: $(echo "$left" | tr '\n' ';')"
grep -q '^8021q ' /proc/modules && fail "8021q: expected it not loaded (blacklisted), got loaded"
finish

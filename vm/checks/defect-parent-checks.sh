#!/bin/sh
#! vm/checks/defect-parent-checks.sh: refusals the kernel gives without a message get their
#! cause named, before anything changes (side-effecting, cleans up). Proves defect 3 of the
#! kernel tier: a VLAN on a parent that is down failed at the link-up step with a bare
#! ENETDOWN after the zone was made; an MTU above the parent's was a bare EINVAL; after the
#! parent's MTU was lowered, up planned a step that failed with ERANGE every time.
. ./lib/zone.sh
hostveth pctrunka pctrunkb
# refused ZONE WHAT WORD...: up ZONE fails before any step, its message names every WORD.
refused() {
	z=$1 what=$2
	shift 2
	before=$(ip -o link show | sed 's/^[0-9]*: //' | cut -d: -f1 | sort | tr '\n' ' ')
	if vn up "$z" >"$T/out" 2>&1; then
		fail "$what: expected up $z to refuse, got exit 0"
		return
	fi
	grep '^vspace-netns:' "$T/out" >"$T/said"
	for w; do
		grep -qi -- "$w" "$T/said" || fail "$what: expected the message to name '$w', got: $(tr '\n' ' ' <"$T/out")"
	done
	grep -q '^ip ' "$T/out" && fail "$what: expected a refusal before any step, got steps run: $(grep '^ip ' "$T/out" | tr '\n' ';')"
	[ -e "/run/netns/$z" ] && fail "$what: expected nothing changed, got /run/netns/$z"
	eq "$what: host links unchanged" "$before" "$(ip -o link show | sed 's/^[0-9]*: //' | cut -d: -f1 | sort | tr '\n' ' ')"
}
ip link set dev pctrunka down
zone pcdown 801
zlink pcdown v90 type=vlan link=pctrunka vlan=90 address=2001:db8:90::1/64
refused pcdown "VLAN on a parent that is down" pctrunka down
zone pcmdown 802
zlink pcmdown m0 type=macvlan link=pctrunka address=192.0.2.92/24
refused pcmdown "macvlan on a parent that is down" pctrunka down
ip link set dev pctrunka up
zone pcmtu 803
zlink pcmtu v91 type=vlan link=pctrunka vlan=91 mtu=9000
refused pcmtu "VLAN MTU 9000 above the parent's 1500" pctrunka mtu
zone pcmiss 804
zlink pcmiss v92 type=vlan link=pcnosuch vlan=92
refused pcmiss "VLAN on a missing parent" pcnosuch
# The parent's MTU lowered under a zone: up plans no step that cannot succeed.
zone pclow 805
zlink pclow v93 type=vlan link=pctrunka vlan=93 mtu=1500 address=192.0.2.93/24
run "up pclow" vn up pclow
ip link set dev pctrunka mtu 1400
if vn up pclow >"$T/out" 2>&1; then
	fail "up pclow after the parent's MTU went to 1400: expected a refusal naming the MTU, got exit 0"
else
	grep -q '^ip ' "$T/out" && fail "up pclow after the parent's MTU went to 1400: expected no step planned that cannot succeed, got: $(grep '^ip ' "$T/out" | tr '\n' ';')"
	grep '^vspace-netns:' "$T/out" | grep -i mtu | grep -q pctrunka ||
		fail "up pclow after the parent's MTU went to 1400: expected a message naming the MTU and pctrunka, got: $(tr '\n' ' ' <"$T/out")"
fi
vn down pclow >/dev/null 2>&1
finish

#!/bin/sh
#! vm/checks/ipvlan.sh: ipvlan zones on one virtio NIC (side-effecting, cleans up; the NIC is
#! left up without addresses). Two zones in mode l2, then two in mode l3, on the same parent
#! (the kernel keeps one mode per parent, so the l3 pair comes after the l2 pair is down): kind,
#! mode, parent, the parent's MAC (an ipvlan has none of its own), MTU and addresses read back
#! with `ip -d -j` inside the zones; traffic between the two zones of each mode; the --dry-run
#! script, run by this guest's iproute2, gives the state up gives; a `mac` file is refused
#! before anything changes; ipvlan autoloaded; down leaves nothing.
#! Proves the ipvlan kind: before it, `type` ipvlan was refused ("'ipvlan' is not a link type").
. ./lib/zone.sh
nic=$VM_NIC_A
ip link set dev "$nic" up || fail "NIC $nic: cannot set it up"
grep -q '^ipvlan ' /proc/modules && rmmod ipvlan 2>/dev/null
loaded=$(grep -c '^ipvlan ' /proc/modules)
parent_mac=$(ip -j link show dev "$nic" | jq -r '.[0].address')
parent_index=$(ip -j link show dev "$nic" | jq -r '.[0].ifindex')
zone ipla 301
zone iplb 302
zone ip3a 303
zone ip3b 304
zone ipmc 305
zlink ipla i0 type=ipvlan link="$nic" mode=l2 address=192.0.2.31/24 address=2001:db8:31::1/64 mtu=1300
zlink iplb i0 type=ipvlan link="$nic" mode=l2 address=192.0.2.32/24 address=2001:db8:31::2/64
zfile ipla sysctl 'net.ipv4.ip_forward = 1'
zlink ip3a i0 type=ipvlan link="$nic" mode=l3 address=198.51.100.41/24
zlink ip3b i0 type=ipvlan link="$nic" address=198.51.100.42/24
zlink ipmc i0 type=ipvlan link="$nic" mode=l2 mac=02:00:00:00:05:01

# A MAC of its own is refused, naming the file, before anything changes.
if vn up ipmc >"$T/out" 2>&1; then
	fail "up ipmc (ipvlan with a mac file): expected exit 1, got 0"
else
	grep -q "links/i0/mac: is not for an ipvlan link" "$T/out" ||
		fail "up ipmc: expected the mac file refused by name, got: $(tr '\n' ';' <"$T/out")"
fi
[ -e /run/netns/ipmc ] && fail "up ipmc: expected no namespace, got /run/netns/ipmc"

# Mode l2: two zones on the parent.
for z in ipla iplb; do run "up $z" vn up "$z" || finish; done
[ "$loaded" = 0 ] && { grep -q '^ipvlan ' /proc/modules || fail "ipvlan: expected up to autoload it, not loaded"; }
for z in ipla iplb; do
	eq "$z i0 kind" ipvlan "$(jget $z i0 .linkinfo.info_kind)"
	eq "$z i0 mode" l2 "$(jget $z i0 .linkinfo.info_data.mode)"
	eq "$z i0 parent ifindex" "$parent_index" "$(jget $z i0 .link_index)"
	eq "$z i0 MAC (the parent's)" "$parent_mac" "$(jget $z i0 .address)"
	eq "$z i0 up" true "$(jget $z i0 '.flags | index("UP") != null')"
	eq "$z i0 alias" "vspace-netns:$z" "$(jget $z i0 .ifalias)"
done
eq "ipla i0 MTU" 1300 "$(jget ipla i0 .mtu)"
eq "ipla i0 addresses" "$(printf '192.0.2.31/24\n2001:db8:31::1/64' | sort)" "$(addrs ipla i0)"
eq "iplb i0 addresses" "$(printf '192.0.2.32/24\n2001:db8:31::2/64' | sort)" "$(addrs iplb i0)"
pings ipla 192.0.2.32 || fail "ipla -> iplb (mode l2, IPv4): expected a ping answer, got none"
pings ipla 2001:db8:31::2 || fail "ipla -> iplb (mode l2, IPv6): expected a ping answer, got none"
run "up ipla again (nothing to do)" vn up ipla
grep -q 'nothing to do' "$T/out" || fail "up ipla again: expected 'nothing to do', got: $(tr '\n' ';' <"$T/out")"
vn doctor ipla >"$T/out" 2>&1 || : # its verdict covers the host too (no vprocunhide here)
grep -q "link i0 is up inside with its parent's MAC" "$T/out" ||
	fail "doctor ipla: expected the ipvlan's OK line, got: $(tr '\n' ';' <"$T/out")"

# The --dry-run script, run by this guest's iproute2, gives the state up gives.
state ipla >"$T/by-up"
grep -q '^i0	ipvlan	-	l2	' "$T/by-up" || fail "state of ipla: expected its ipvlan, got: $(tr '\n' ';' <"$T/by-up")"
run "down ipla" vn down ipla
[ -e /run/netns/ipla ] && fail "down ipla: expected /run/netns/ipla gone, still there"
if ! vn up ipla --dry-run >"$T/script" 2>"$T/dry-err"; then
	fail "up ipla --dry-run: expected exit 0, got:"
	sed 's/^/    /' "$T/dry-err"
fi
grep -q " type ipvlan mode l2" "$T/script" || fail "up ipla --dry-run: expected 'type ipvlan mode l2', got: $(tr '\n' ';' <"$T/script")"
grep -q "ipvlan.* address " "$T/script" && fail "up ipla --dry-run: expected no address for the ipvlan, got: $(grep ipvlan "$T/script")"
[ -e /run/netns/ipla ] && fail "up --dry-run: expected no change, got /run/netns/ipla"
run "the --dry-run script under sh" sh -e "$T/script" || sed 's/^/    script: /' "$T/script"
state ipla >"$T/by-script"
if ! diff -u "$T/by-up" "$T/by-script" >"$T/diff"; then
	fail "ipla made by the --dry-run script: expected the state up makes, got (diff up script):"
	sed 's/^/    /' "$T/diff"
fi
run "up ipla after the script (nothing to do)" vn up ipla
for z in ipla iplb; do run "down $z" vn down "$z"; done

# Mode l3 (and the default, l3): two zones on the same parent, routed by it.
for z in ip3a ip3b; do run "up $z" vn up "$z" || finish; done
for z in ip3a ip3b; do
	eq "$z i0 kind" ipvlan "$(jget $z i0 .linkinfo.info_kind)"
	eq "$z i0 mode" l3 "$(jget $z i0 .linkinfo.info_data.mode)"
	eq "$z i0 MAC (the parent's)" "$parent_mac" "$(jget $z i0 .address)"
done
eq "ip3a i0 addresses" 198.51.100.41/24 "$(addrs ip3a i0)"
pings ip3a 198.51.100.42 || fail "ip3a -> ip3b (mode l3): expected a ping answer, got none"
for z in ip3a ip3b; do run "down $z" vn down "$z"; done

left=$(leftovers)
[ -z "$left" ] || fail "after down: expected nothing left, got: $(echo "$left" | tr '\n' ';')"
finish

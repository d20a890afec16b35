#! vm/checks/lib/vlan.sh: the VLAN zone case shared by vlan-veth.sh and vlan-nic.sh (sourced
#! after lib/zone.sh; side-effecting through its zones, cleaned up by lib/zone.sh).
#!
#! vlan_case PA PB: parents PA and PB are two ends of one wire (up, no addresses). Zones a and
#! b on VLAN 10 (PA and PB), c on VLAN 20 (PB) with an address in the same subnet: links, VLAN
#! ids, parents, derived and explicit MACs, MTU, IPv4/IPv6 addresses, routes and sysctls read
#! back with `ip -d -j` inside the zones; a pings b over the wire, c is unreachable from a;
#! 8021q autoloaded by up (unloaded first when nothing uses it); the --dry-run script run by
#! this guest's ip leaves the same state as up; down leaves nothing.
vlan_case() {
	pa=$1 pb=$2 p=$3
	za=${p}a zb=${p}b zc=${p}c
	zone "$za" 101
	zone "$zb" 102
	zone "$zc" 103
	zlink "$za" v10 type=vlan link="$pa" vlan=10 mtu=1400 address=192.0.2.1/24 address=2001:db8:10::1/64
	zlink "$za" v11 type=vlan link="$pa" vlan=11 mac=02:aa:bb:cc:dd:01 address=198.51.100.1/24
	zfile "$za" routes "203.0.113.0/24 via 192.0.2.2" "2001:db8:99::/64 via 2001:db8:10::2 dev v10 metric 50"
	zfile "$za" sysctl "net.ipv4.ip_forward = 1" "net.ipv6.conf.v10.accept_ra = 0"
	zlink "$zb" v10 type=vlan link="$pb" vlan=10 address=192.0.2.2/24 address=2001:db8:10::2/64
	zlink "$zc" v20 type=vlan link="$pb" vlan=20 address=192.0.2.3/24 address=2001:db8:10::3/64

	grep -q '^8021q ' /proc/modules && rmmod 8021q 2>/dev/null
	grep -q '^8021q ' /proc/modules && echo "note: 8021q in use before this check, autoload not checked"
	loaded_before=$(grep -c '^8021q ' /proc/modules)
	for z in "$za" "$zb" "$zc"; do run "up $z" vn up "$z" || return; done
	[ "$loaded_before" = 0 ] && { grep -q '^8021q ' /proc/modules || fail "8021q: expected up to autoload it, not loaded"; }

	# Links as configured.
	eq "$za v10 kind" vlan "$(jget "$za" v10 .linkinfo.info_kind)"
	eq "$za v10 VLAN id" 10 "$(jget "$za" v10 .linkinfo.info_data.id)"
	eq "$za v10 protocol" 802.1Q "$(jget "$za" v10 .linkinfo.info_data.protocol)"
	eq "$za v10 parent ifindex" "$(ip -j link show dev "$pa" | jq -r '.[0].ifindex')" "$(jget "$za" v10 .link_index)"
	eq "$za v10 MAC (derived: vlan 10, zone 101, index 0)" "$(vn mac 10 101 0)" "$(jget "$za" v10 .address)"
	eq "$za v10 MTU" 1400 "$(jget "$za" v10 .mtu)"
	eq "$za v10 up" true "$(jget "$za" v10 '.flags | index("UP") != null')"
	eq "$za v10 alias" "vspace-netns:$za" "$(jget "$za" v10 .ifalias)"
	eq "$za v11 VLAN id" 11 "$(jget "$za" v11 .linkinfo.info_data.id)"
	eq "$za v11 MAC (explicit)" 02:aa:bb:cc:dd:01 "$(jget "$za" v11 .address)"
	eq "$za v11 MTU (the parent's)" "$(ip -j link show dev "$pa" | jq -r '.[0].mtu')" "$(jget "$za" v11 .mtu)"
	eq "$zb v10 MAC (derived: vlan 10, zone 102, index 0)" "$(vn mac 10 102 0)" "$(jget "$zb" v10 .address)"
	eq "$zc v20 VLAN id" 20 "$(jget "$zc" v20 .linkinfo.info_data.id)"
	eq "$za v10 addresses" "$(printf '192.0.2.1/24\n2001:db8:10::1/64' | sort)" "$(addrs "$za" v10)"
	eq "$za v11 addresses" 198.51.100.1/24 "$(addrs "$za" v11)"
	eq "$za IPv4 route" "203.0.113.0/24 via 192.0.2.2 dev v10" \
		"$(ip -n "$za" -4 route show 203.0.113.0/24 | sed 's/ *$//')"
	eq "$za IPv6 route" "2001:db8:99::/64 via 2001:db8:10::2 dev v10 metric 50" \
		"$(ip -n "$za" -6 route show 2001:db8:99::/64 | sed 's/ pref medium//; s/ *$//')"
	eq "$za sysctl net.ipv4.ip_forward" 1 "$(ip netns exec "$za" cat /proc/sys/net/ipv4/ip_forward)"
	eq "$za sysctl net.ipv6.conf.v10.accept_ra" 0 "$(ip netns exec "$za" cat /proc/sys/net/ipv6/conf/v10/accept_ra)"
	# Nothing of the zones on the host but their parents.
	for l in v10 v11 v20; do
		ip link show dev "$l" >/dev/null 2>&1 && fail "host: expected no link $l (it belongs to a zone), got one"
	done

	# Traffic within VLAN 10 across the wire, none into VLAN 20.
	pings "$za" 192.0.2.2 || fail "$za -> $zb (VLAN 10, IPv4): expected a ping answer, got none"
	pings "$za" 2001:db8:10::2 || fail "$za -> $zb (VLAN 10, IPv6): expected a ping answer, got none"
	ip netns exec "$za" ping -c 2 -W 1 192.0.2.3 >/dev/null 2>&1 &&
		fail "$za (VLAN 10) -> $zc (VLAN 20): expected no answer across VLANs, got one"
	ip netns exec "$zb" ping -c 2 -W 1 192.0.2.3 >/dev/null 2>&1 &&
		fail "$zb (VLAN 10) -> $zc (VLAN 20) on the same parent: expected no answer, got one"

	# The --dry-run script, run by this guest's iproute2, gives the state up gives.
	state "$za" >"$T/by-up"
	grep -q '^v10	vlan	10	' "$T/by-up" && grep -q '192.0.2.1/24' "$T/by-up" && grep -q 'ip_forward=1' "$T/by-up" ||
		fail "state of $za: expected its links, addresses and sysctls, got: $(tr '\n' ';' <"$T/by-up")"
	run "down $za" vn down "$za" || return
	[ -e "/run/netns/$za" ] && fail "down $za: expected /run/netns/$za gone, still there"
	# The script is stdout alone: the host-side WARN lines go to stderr.
	if ! vn up "$za" --dry-run >"$T/script" 2>"$T/dry-err"; then
		fail "up $za --dry-run: expected exit 0, got:"
		sed 's/^/    /' "$T/dry-err"
		return 1
	fi
	[ -e "/run/netns/$za" ] && fail "up --dry-run: expected no change, got /run/netns/$za"
	run "the --dry-run script under sh" sh -e "$T/script" || sed 's/^/    script: /' "$T/script"
	state "$za" >"$T/by-script"
	if ! diff -u "$T/by-up" "$T/by-script" >"$T/diff"; then
		fail "$za made by the --dry-run script: expected the state up makes, got (diff up script):"
		sed 's/^/    /' "$T/diff"
	fi
	run "up $za after the script (nothing to do)" vn up "$za"
	run "down $za (made by the script)" vn down "$za"

	# down leaves nothing.
	run "down $zb" vn down "$zb"
	run "down $zc" vn down "$zc"
	left=$(leftovers)
	[ -z "$left" ] || fail "after down: expected nothing left, got: $(echo "$left" | tr '\n' ';')"
}

#!/bin/sh
# vm/checks/guest-interfaces.sh: guests of a VLAN zone configured the util-vserver way
# (/etc/vservers/GUEST/interfaces/0/{ip,prefix,dev,...}), started and stopped as util-vserver's
# scripts order it (hook initialize, util-vserver reading the interfaces, hook prepre-start,
# util-vserver's enableInterfaces, the guest running in the zone, hook post-start; at stop the
# reading, the guest's end, hook post-stop, disableInterfaces), util-vserver's interface steps
# played by tests/shell/uv-interfaces.bash with the real ip. Side-effecting; cleans up after
# itself (the NICs are left up without addresses).
#
# The defect it proves (before the fix): nothing applied a zone guest's interfaces/ inside its
# zone, so util-vserver ran `ip addr add 192.0.2.10/24 ... dev gv10` in the host's namespace:
# "Cannot find device" (the guest ran in its zone without its address), or, for a name the
# host has too, the address on the host's link. Here: web's address on the zone's VLAN link
# (VLAN 10 on VM_NIC_A), db's on a VLAN device its `vlandev` makes inside the zone (VLAN 12 on
# the zone's macvlan), both answering pings over the wire from VM_NIC_B, none on the host; each
# stop takes only that guest's address, and the last one the VLAN device and the zone.
#
# Also the defect of a start killed between making a `vlandev` device and marking it (before
# the fix the device was made under its final name and marked afterwards, so the kill left an
# unmarked gm0.12 that the next start took as it was, that no stop deleted, and that made the
# zone's `down`, the last guest's post-stop, refuse "not made by up"): db's `initialize` is
# killed (SIGKILL, lib/killat.c) at each of its netlink requests in turn; after every kill the
# next `initialize` leaves gm0.12 marked as db's, db's post-stop deletes it, and one kill at
# least left an unmarked VLAN device; killed in that window once more, web's post-stop (the
# last guest's) takes the zone down unforced.
#
# Also the defect of a `vlandev` device two guests name (before the fix the first guest's stop
# deleted the device it had made while the other ran with its address on it: the other guest
# lost its address): db makes gm0.12, api adds its address to it, db's stop must leave it (and
# api's address answering over the wire) to api, whose stop deletes it.
#! vm-timeout: 1500
set -u
FAILS=0
fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}
command -v bash >/dev/null || { echo "skipped: no bash for util-vserver's stand-in"; exit 77; }
command -v ping >/dev/null || { echo "FAIL: ping: expected it in the VM image, got none"; exit 1; }
UV=$VM_SRC/tests/shell/uv-interfaces.bash
[ -f "$UV" ] || { echo "FAIL: stand-in: expected $UV, got none"; exit 1; }
modprobe 8021q 2>/dev/null
[ -d /proc/net/vlan ] || { echo "skipped: this kernel has no 802.1Q VLAN support (modprobe 8021q failed)"; exit 77; }

T=$(mktemp -d /tmp/vmcheck.XXXXXX)
export VSPACE_NETNS_CONFDIR="$T/conf" VSPACE_NETNS_VSERVERS="$T/vservers"
export VSPACE_NETNS_STATE_DIR="$T/state" VSPACE_NETNS_VPROCUNHIDE="$T/no-vprocunhide"
Z=gif$$
SLEEPERS=
cleanup() {
	for p in $SLEEPERS; do kill "$p" 2>/dev/null; done
	[ -e "/run/netns/$Z" ] && ip netns delete "$Z"
	for l in gck10 gck12; do ip link show dev "$l" >/dev/null 2>&1 && ip link delete dev "$l"; done
	rm -rf "$T"
}
trap cleanup EXIT
vn() { "$VSPACE_NETNS_BIN" "$@"; }
put() { mkdir -p "$(dirname "$1")" && printf '%s\n' "$2" >"$1"; }
# run WHAT CMD...: CMD must exit 0 (its output shown when it does not).
run() {
	what=$1
	shift
	"$@" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" != 0 ]; then
		fail "$what: expected '$*' to exit 0, got $rc with:"
		sed 's/^/    /' "$T/out"
		return 1
	fi
}

for n in "$VM_NIC_A" "$VM_NIC_B"; do ip link set dev "$n" up; done
put "$T/conf/$Z/id" 211
put "$T/conf/$Z/links/gv10/type" vlan
put "$T/conf/$Z/links/gv10/link" "$VM_NIC_A"
put "$T/conf/$Z/links/gv10/vlan" 10
put "$T/conf/$Z/links/gv10/address" 192.0.2.1/24
put "$T/conf/$Z/links/gm0/type" macvlan
put "$T/conf/$Z/links/gm0/link" "$VM_NIC_A"
put "$T/conf/$Z/links/gm0/mode" bridge
V=$T/vservers
for g in web db; do put "$V/$g/spaces/net" "$Z"; done
put "$V/web/interfaces/0/ip" 192.0.2.10
put "$V/web/interfaces/0/prefix" 24
put "$V/web/interfaces/0/dev" gv10
put "$V/web/interfaces/0/name" web
put "$V/db/interfaces/0/ip" 198.51.100.10
put "$V/db/interfaces/0/mask" 255.255.255.0
put "$V/db/interfaces/0/dev" gm0.12
put "$V/db/interfaces/0/vlandev" ""

# The other end of the wire, on the host: VLAN 10 and 12 on VM_NIC_B.
ip link add link "$VM_NIC_B" name gck10 type vlan id 10 && ip addr add 192.0.2.254/24 dev gck10 &&
	ip link set dev gck10 up || fail "host: cannot make gck10 (VLAN 10 on $VM_NIC_B)"
ip link add link "$VM_NIC_B" name gck12 type vlan id 12 && ip addr add 198.51.100.254/24 dev gck12 &&
	ip link set dev gck12 up || fail "host: cannot make gck12 (VLAN 12 on $VM_NIC_B)"

start() {
	run "$1: hook initialize" vn hook initialize "$1" || return
	bash "$UV" generate "$V/$1" >"$T/$1.start" || fail "$1: util-vserver's reading of its interfaces failed"
	run "$1: hook prepre-start" vn hook prepre-start "$1" || return
	run "$1: util-vserver's enableInterfaces" bash "$UV" enable "$T/$1.start"
	ip netns exec "$Z" sleep 600 &
	eval "PID_$1=$!"
	SLEEPERS="$SLEEPERS $!"
	sleep 1
	run "$1: hook post-start" vn hook post-start "$1"
}
stop() {
	bash "$UV" generate "$V/$1" >"$T/$1.stop" || fail "$1: util-vserver's reading of its interfaces failed"
	eval "kill \$PID_$1"
	eval "wait \$PID_$1" 2>/dev/null
	run "$1: hook post-stop" vn hook post-stop "$1"
	run "$1: util-vserver's disableInterfaces" bash "$UV" disable "$T/$1.stop"
}
in_zone() { ip -n "$Z" -o addr show 2>/dev/null | grep -q " inet $1 "; }
on_host() { ip -o addr show | grep -q " inet $1 "; }
# pings IF ADDR: an answer from ADDR through the host's IF (a few tries: ARP, the link's start).
pings() {
	i=0
	while [ $i -lt 8 ]; do
		ping -c 1 -W 1 -I "$1" "$2" >/dev/null 2>&1 && return 0
		i=$((i + 1))
	done
	return 1
}

start web
start db
in_zone 192.0.2.10/24 || fail "web: expected 192.0.2.10/24 inside zone $Z, got: $(ip -n "$Z" -o -4 addr 2>&1 | awk '{print $2, $4}' | tr '\n' ' ')"
in_zone 198.51.100.10/24 || fail "db: expected 198.51.100.10/24 inside zone $Z, got none"
on_host 192.0.2.10/24 && fail "web: expected its address on no host link, got it on the host"
on_host 198.51.100.10/24 && fail "db: expected its address on no host link, got it on the host"
ip -n "$Z" -d link show dev gm0.12 2>/dev/null | grep -q "vlan protocol 802.1Q id 12" ||
	fail "db: expected the VLAN device gm0.12 (802.1Q id 12) inside the zone, got: $(ip -n "$Z" -d link show dev gm0.12 2>&1 | head -3)"
ip link show dev gm0.12 >/dev/null 2>&1 && fail "host: expected no gm0.12, got one"
for g in web db; do
	grep -q 'applied inside' "$V/$g/interfaces/0/nodev" 2>/dev/null ||
		fail "$g: expected interfaces/0/nodev written by vspace-netns while it runs, got none"
	grep -q '^IP_ADDR' "$T/$g.start" && fail "$g: expected util-vserver to apply nothing on the host, got: $(grep '^IP_ADDR' "$T/$g.start")"
done
pings gck10 192.0.2.10 || fail "host VLAN 10 -> web 192.0.2.10 over the wire: expected an answer, got none"
pings gck12 198.51.100.10 || fail "host VLAN 12 -> db 198.51.100.10 over the wire: expected an answer, got none"
vn status "$Z" | grep -q "guest web addresses inside: 192.0.2.10/24 dev gv10" ||
	fail "status: expected web's address listed, got: $(vn status "$Z" 2>&1 | grep guest)"

stop web
in_zone 192.0.2.10/24 && fail "web stopped: expected its address gone from the zone, got it"
in_zone 198.51.100.10/24 || fail "web stopped: expected db's address kept, got none"
in_zone 192.0.2.1/24 || fail "web stopped: expected the zone's own address kept, got none"
[ -e "$V/web/interfaces/0/nodev" ] && fail "web stopped: expected its nodev taken back, got one"
stop db
[ -e "/run/netns/$Z" ] && fail "db stopped: expected zone $Z down with its last guest, got /run/netns/$Z"
[ -e "$V/db/interfaces/0/nodev" ] && fail "db stopped: expected its nodev taken back, got one"
on_host 192.0.2.10/24 && fail "end: expected 192.0.2.10 on no host link, got it"

# Two guests naming one vlandev device (gm0.12): db makes it, api uses it; db's stop takes
# db's address only and leaves the device to api, whose stop deletes it. api's address is in
# a subnet of its own: the kernel deletes the secondary addresses of a subnet with its primary
# (promote_secondaries 0), which is no part of this rule.
ip addr add 203.0.113.254/24 dev gck12 || fail "host: cannot add 203.0.113.254/24 to gck12"
put "$V/api/spaces/net" "$Z"
put "$V/api/interfaces/0/ip" 203.0.113.11
put "$V/api/interfaces/0/prefix" 24
put "$V/api/interfaces/0/dev" gm0.12
put "$V/api/interfaces/0/vlandev" ""
start db
start api
in_zone 203.0.113.11/24 || fail "api: expected 203.0.113.11/24 on the shared gm0.12 inside zone $Z, got none"
stop db
in_zone 198.51.100.10/24 && fail "db stopped while api runs: expected db's address gone, got it"
ip -n "$Z" link show dev gm0.12 >/dev/null 2>&1 ||
	fail "db stopped while api runs: expected gm0.12 kept for api, got it deleted"
in_zone 203.0.113.11/24 || fail "db stopped while api runs: expected api's 203.0.113.11/24 kept, got none"
pings gck12 203.0.113.11 || fail "db stopped: host VLAN 12 -> api 203.0.113.11 over the wire: expected an answer, got none"
ip -n "$Z" -o link show dev gm0.12 2>/dev/null | grep -q "alias vspace-netns:$Z:guest:api" ||
	fail "db stopped while api runs: expected gm0.12 marked as api's, got: $(ip -n "$Z" -o link show dev gm0.12 2>&1)"
stop api
[ -e "/run/netns/$Z" ] && fail "api stopped: expected zone $Z down with its last guest, got /run/netns/$Z"
rm -rf "$V/api"

# A start killed at each netlink request, one of them between the VLAN device's creation
# and its mark.
# The VLAN 12 devices inside the zone, one a line: NAME ALIAS (- for none).
vlans12() {
	ip -n "$Z" -d -j link show 2>/dev/null |
		jq -r '.[] | select(.linkinfo.info_kind == "vlan" and .linkinfo.info_data.id == 12) | "\(.ifname) \(.ifalias // "-")"'
}
KA=$T/killat
if ! gcc -O -o "$KA" "$VM_SRC/vm/checks/lib/killat.c" >"$T/cc.out" 2>&1; then
	fail "killat: expected it compiled, got: $(cat "$T/cc.out")"
else
	start web
	"$KA" 0 "$VSPACE_NETNS_BIN" hook initialize db >"$T/count" 2>&1 ||
		fail "db: hook initialize (counted): expected status 0, got: $(cat "$T/count")"
	n=$(sed -n 's/^killat: \([0-9][0-9]*\) sendto calls$/\1/p' "$T/count")
	[ "${n:-0}" -gt 0 ] || fail "db: hook initialize: expected netlink requests counted, got: $(cat "$T/count")"
	run "db: hook post-stop (after the counted start)" vn hook post-stop db
	window=
	i=1
	while [ "$i" -le "${n:-0}" ]; do
		w="db's initialize killed at netlink request $i of $n"
		"$KA" "$i" "$VSPACE_NETNS_BIN" hook initialize db >"$T/killed" 2>&1
		rc=$?
		[ "$rc" = 137 ] || { fail "$w: expected it killed (status 137), got $rc: $(cat "$T/killed")"; break; }
		left=$(vlans12)
		case " $left" in *" -") window="$window $i" ;; esac
		run "$w: the next initialize (left: ${left:-nothing})" vn hook initialize db || break
		got=$(vlans12)
		[ "$got" = "gm0.12 vspace-netns:$Z:guest:db" ] ||
			fail "$w: expected gm0.12 alone, marked vspace-netns:$Z:guest:db, after the next initialize, got: '$got' (the kill left: '$left')"
		run "$w: db's post-stop" vn hook post-stop db || break
		got=$(vlans12)
		[ -z "$got" ] || fail "$w: expected no VLAN 12 device inside after db's stop, got: '$got'"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	set -- $window
	if [ $# = 0 ]; then
		fail "kills: expected one of the $n to leave an unmarked VLAN device, got none"
	else
		"$KA" "$1" "$VSPACE_NETNS_BIN" hook initialize db >"$T/killed" 2>&1
		left=$(vlans12)
		case " $left" in *" -") ;; *) fail "db killed at request $1 again: expected an unmarked VLAN 12 device, got '$left'" ;; esac
		stop web
		[ -e "/run/netns/$Z" ] &&
			fail "web stopped after db's start was killed with its VLAN device unmarked: expected zone $Z down unforced, got it kept: $(cat "$T/out")"
	fi
fi

[ "$FAILS" = 0 ] || { echo "$FAILS assertion(s) failed"; exit 1; }
exit 0

#!/bin/sh
# vm/checks/trunk-bounce.sh: a VLAN trunk set down and up, and the ifupdown hook repairing its
# zone (issue 15, defect 4). The kernel sets a trunk's VLANs down and up with it; a link set
# down loses its IPv6 addresses and every route through it. Before `up --parent` and the hooks,
# the zone stayed stripped until someone ran `up`, and `status` did not say why: this check
# fails there (no hook in install/, `up --parent` unknown, no cause in status).
#
# Runs as root in the VM tier (see common conventions): VSPACE_NETNS_BIN, VM_NIC_A, VM_SRC.
# Exit 0 pass, 77 skipped (no 802.1Q VLAN support), anything else fail.
set -u
BIN=${VSPACE_NETNS_BIN:?}
NIC=${VM_NIC_A:?}
SRC=${VM_SRC:?}
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

ip link set dev "$NIC" up
if ! ip link add link "$NIC" name tbprobe type vlan id 4001 2>/dev/null; then
	echo "skipped: this kernel has no 802.1Q VLAN support (ip link add type vlan failed)"
	exit 77
fi
ip link del dev tbprobe

work=$(mktemp -d "$PWD/tb.XXXXXX")
export VSPACE_NETNS_CONFDIR="$work/conf" VSPACE_NETNS_VSERVERS="$work/vservers"
export VSPACE_NETNS_VPROCUNHIDE="$work/no-vprocunhide"
zone=tbzone
cleanup() {
	"$BIN" down --force "$zone" >/dev/null 2>&1 || ip netns delete "$zone" 2>/dev/null
	ip link set dev "$NIC" up
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$VSPACE_NETNS_VSERVERS" "$VSPACE_NETNS_CONFDIR/$zone/links/vl42"
echo 4242 >"$VSPACE_NETNS_CONFDIR/$zone/id"
l=$VSPACE_NETNS_CONFDIR/$zone/links/vl42
echo vlan >"$l/type"
echo "$NIC" >"$l/link"
echo 42 >"$l/vlan"
printf '10.84.0.2/24\nfd84::2/64\n' >"$l/address"
printf 'fd85::/64 via fd84::1\n10.85.0.0/24 via 10.84.0.1\n' >"$VSPACE_NETNS_CONFDIR/$zone/routes"

"$BIN" up "$zone" >/dev/null || { fail "up $zone: expected status 0, got $?"; exit 1; }
addrs() { ip -n "$zone" -o addr show dev vl42; }
routes() { ip -n "$zone" -4 route show; ip -n "$zone" -6 route show; }
addrs | grep -q 'fd84::2/64' || fail "after up: expected fd84::2/64 on vl42, got: $(addrs)"

# The bounce.
ip link set dev "$NIC" down
sleep 1
ip link set dev "$NIC" up
sleep 2
if addrs | grep -q 'fd84::2/64'; then
	echo "note: this kernel kept the VLAN's IPv6 address through the trunk's bounce"
else
	out=$("$BIN" status "$zone" 2>/dev/null)
	case $out in
	*"vl42 lost its IPv6 addresses"*"up --parent $NIC"*) ;;
	*) fail "status after the bounce: expected the trunk bounce named with 'up --parent $NIC', got: $out" ;;
	esac
fi

# What ifupdown runs when the trunk comes up (the hook as installed, the binary under test).
hook=$SRC/install/vspace-netns.if-up
if [ ! -f "$hook" ]; then
	fail "hook: expected $hook, got nothing"
else
	sed "s|^BIN=/usr/sbin/vspace-netns\$|BIN=$BIN|" "$hook" >"$work/hook"
	IFACE=$NIC MODE=start PHASE=post-up sh "$work/hook" || fail "hook: expected status 0, got $?"
fi
addrs | grep -q 'fd84::2/64' || fail "after the hook: expected fd84::2/64 on vl42, got: $(addrs)"
routes | grep -q 'fd85::/64 via fd84::1' || fail "after the hook: expected route fd85::/64 via fd84::1, got: $(routes)"
routes | grep -q '10.85.0.0/24 via 10.84.0.1' || fail "after the hook: expected route 10.85.0.0/24 via 10.84.0.1, got: $(routes)"
"$BIN" status "$zone" >/dev/null 2>&1 || fail "status after the hook: expected 0 (up as configured), got $?"

# An interface no zone sits on: nothing to do, status 0.
IFACE=lo MODE=start sh "$work/hook" || fail "hook for lo: expected status 0, got $?"
"$BIN" up --parent "${VM_NIC_B:-lo}" >/dev/null 2>&1 || fail "up --parent ${VM_NIC_B:-lo}: expected status 0, got $?"

"$BIN" down "$zone" >/dev/null || fail "down $zone: expected status 0, got $?"
[ "$fails" = 0 ]

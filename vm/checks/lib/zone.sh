#! vm/checks/lib/zone.sh: helpers for the VM tier's zone checks (sourced by vm/checks/*.sh; not
#! a check itself). Side-effecting only through its functions: a temp configuration root
#! (VSPACE_NETNS_CONFDIR and friends) for the zones a check declares, and on exit the removal of
#! every namespace and host link the check registered, of its modprobe.d files and of the temp
#! root, so that later checks of the same boot start clean. `fail` counts; `finish` exits 1
#! when anything failed.
set -u
FAILS=0
fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}
# eq WHAT EXPECTED GOT
eq() { [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"; }
finish() {
	[ "$FAILS" = 0 ] || echo "$FAILS assertion(s) failed"
	[ "$FAILS" = 0 ] && exit 0
	exit 1
}
T=$(mktemp -d /tmp/vmcheck.XXXXXX)
CONF=$T/etc/vspace-netns
export VSPACE_NETNS_CONFDIR="$CONF" VSPACE_NETNS_VSERVERS="$T/etc/vservers"
export VSPACE_NETNS_STATE_DIR="$T/state" VSPACE_NETNS_VPROCUNHIDE="$T/no-vprocunhide"
mkdir -p "$CONF" "$T/etc/vservers"
ZONES=
HOSTLINKS=
cleanup() {
	for z in $ZONES; do [ -e "/run/netns/$z" ] && ip netns delete "$z"; done
	for l in $HOSTLINKS; do ip link show dev "$l" >/dev/null 2>&1 && ip link delete dev "$l"; done
	rm -f /etc/modprobe.d/vmcheck-*.conf
	rm -rf "$T"
}
trap cleanup EXIT
vn() { "$VSPACE_NETNS_BIN" "$@"; }

# zone NAME ID: declares a zone (cleaned up at exit).
zone() {
	mkdir -p "$CONF/$1/links"
	echo "$2" >"$CONF/$1/id"
	ZONES="$ZONES $1"
}
# zlink ZONE IF KEY=VALUE...: a link of ZONE; a KEY given twice gets two lines (address).
zlink() {
	d=$CONF/$1/links/$2
	mkdir -p "$d"
	shift 2
	for kv; do printf '%s\n' "${kv#*=}" >>"$d/${kv%%=*}"; done
}
# zfile ZONE FILE LINE...: the zone's routes or sysctl.
zfile() {
	f=$CONF/$1/$2
	shift 2
	for l; do printf '%s\n' "$l" >>"$f"; done
}
# hostveth A B: a veth pair on the host, both ends up, no addresses (cleaned up at exit).
hostveth() {
	ip link add "$1" type veth peer name "$2" || fail "host veth $1/$2: ip link add failed"
	HOSTLINKS="$HOSTLINKS $1"
	for l in "$1" "$2"; do
		ip link set dev "$l" addrgenmode none
		ip link set dev "$l" up
	done
}
# run WHAT CMD...: CMD must exit 0; its output goes to $T/out (shown on failure).
run() {
	what=$1
	shift
	"$@" >"$T/out" 2>&1
	rc=$?
	if [ $rc != 0 ]; then
		fail "$what: expected '$*' to exit 0, got $rc with:"
		sed 's/^/    /' "$T/out"
		return 1
	fi
}
# jget ZONE IF FILTER: a field of `ip -d -j link show dev IF` inside ZONE.
jget() { ip -n "$1" -d -j link show dev "$2" 2>/dev/null | jq -r ".[0]$3"; }
# addrs ZONE IF: the global addresses of IF in ZONE, CIDR, sorted, one a line.
addrs() {
	ip -n "$1" -j addr show dev "$2" | jq -r '.[0].addr_info[] | select(.scope == "global") | "\(.local)/\(.prefixlen)"' | sort
}
# pings ZONE ADDR: ADDR answers a ping from ZONE within a few seconds (IPv6 DAD included).
pings() {
	i=0
	while [ $i -lt 8 ]; do
		ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
		i=$((i + 1))
	done
	return 1
}
# state ZONE: what the zone holds, as text: links (kind, VLAN id, mode, MAC, MTU, up, alias),
# addresses, routes and the sysctls of its sysctl file; for comparing two ways of making it.
state() {
	ip -n "$1" -d -j link show | jq -r '.[] | [.ifname, .linkinfo.info_kind // "-", (.linkinfo.info_data.id // "-"),
		(.linkinfo.info_data.mode // "-"), .address, .mtu, (.flags | index("UP") != null), (.ifalias // "-")] | @tsv' | sort
	ip -n "$1" -j addr show | jq -r '.[] | .ifname as $i | .addr_info[] | select(.scope == "global") | "\($i) \(.local)/\(.prefixlen)"' | sort
	for v in -4 -6; do ip -n "$1" $v route show table all | grep -v '^local \|^multicast \|^broadcast \|fe80::\|proto kernel' | sort; done
	if [ -f "$CONF/$1/sysctl" ]; then
		sed -n 's/^[[:space:]]*\([a-z][^=[:space:]]*\)[[:space:]]*=.*/\1/p' "$CONF/$1/sysctl" | while read -r k; do
			echo "$k=$(ip netns exec "$1" cat "/proc/sys/$(echo "$k" | tr . /)")"
		done
	fi
}
# leftovers: links on the host or namespaces that carry a vspace-netns mark, one a line.
leftovers() {
	ip -d -j link show | jq -r '.[] | select((.ifalias // "") | startswith("vspace-netns:")) | "host link \(.ifname) (\(.ifalias))"'
	for z in $ZONES; do [ -e "/run/netns/$z" ] && echo "namespace $z"; done
}

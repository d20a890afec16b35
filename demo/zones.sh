#!/bin/sh
# zones.sh BIN: the README's worked example of zones, for real, on this machine (as root).
#
# Two zones, dmz-PID (guests web and mail) and lan-PID (guest db), each a named network
# namespace with one macvlan link (mode bridge) on a "trunk": a throwaway veth pair in the
# host's netns, without addresses, so the host's own interfaces and addresses are never
# touched and no spare trunk or 802.1Q support is needed. Addresses (documentation ranges)
# exist only inside the zones. Configuration and guests live in a temp dir
# (VSPACE_NETNS_CONFDIR, VSPACE_NETNS_VSERVERS); util-vserver's programs are stand-ins (see
# lib.sh). Then: up --dry-run, up through util-vserver's hook, the idempotent second up, the
# links, doctor, the guests' programs in their zones, post-stop keeping a zone in use and
# taking it down when unused, down, a VLAN zone (on a kernel without 802.1Q: the failure and
# its rollback), and a check that nothing is left. Everything is removed on exit, also on
# failure. Exits 0 only if every step did what it shows.
set -eu

DEMO=zones-demo
TMP=
. "$(dirname "$0")/lib.sh"
demo_init "$@"

# Unique names; interface names stay within 15 bytes (a pid has at most 7 digits).
N=$$
TRUNK=trunk$N
TRUNK_PEER=trunkp$N
DMZ=dmz-$N LAN=lan-$N VDMZ=vdmz-$N
DMZ0=dmz$N LAN0=lan$N VDMZ0=vdmz$N
SLEEPER=
made_trunk=
undo() {
	if [ -n "$SLEEPER" ]; then kill "$SLEEPER" 2>/dev/null; wait "$SLEEPER" 2>/dev/null; fi
	for z in "$DMZ" "$LAN" "$VDMZ"; do
		[ -e "/run/netns/$z" ] && ip netns delete "$z" 2>/dev/null
	done
	for l in "$DMZ0" "$LAN0" "$VDMZ0" "$TRUNK"; do
		[ -n "$made_trunk" ] && ip link show dev "$l" >/dev/null 2>&1 && ip link delete dev "$l"
	done
}
demo_tmp zones
HOST_NS=$(readlink /proc/self/ns/net)
export PATH="$TMP:$PATH"

# show CMD...: prints "# CMD" and runs it, its output (stdout and stderr) indented and kept in
# $TMP/out; the demo fails unless it exits 0.
show() {
	printf '# %s\n' "$*" | indent
	set +e
	"$@" >"$TMP/out" 2>&1
	got=$?
	set -e
	indent <"$TMP/out"
	[ "$got" -eq 0 ] || die "'$*' exited with $got, not 0"
}
# expect TEXT...: each TEXT is a line (fixed string) of the last output.
expect() {
	for want; do
		grep -qxF -- "$want" "$TMP/out" || die "expected the line '$want' in that output"
	done
}
# absent TEXT: no line of the last output contains TEXT.
absent() { ! grep -qF -- "$1" "$TMP/out" || die "did not expect '$1' in that output"; }
netns_of() { echo "net:[$(stat -L -c %i "/run/netns/$1")]"; }
gone() {
	[ ! -e "/run/netns/$1" ] || die "/run/netns/$1 is still there"
	! ip link show dev "$2" >/dev/null 2>&1 || die "link $2 is still on the host"
}

step "1. A throwaway trunk, the temp roots, and the stand-ins for util-vserver"
ip link add "$TRUNK" type veth peer name "$TRUNK_PEER"
made_trunk=1
for l in "$TRUNK" "$TRUNK_PEER"; do
	ip link set dev "$l" addrgenmode none # no IPv6 link-local address on the host either
	ip link set dev "$l" up
done
standins
printf '#!/bin/sh\nreadlink /proc/self/ns/net >>"%s/unhidden"\n' "$TMP" >"$TMP/vprocunhide"
chmod +x "$TMP/vprocunhide"
export VSPACE_NETNS_CONFDIR="$TMP/etc/vspace-netns" VSPACE_NETNS_VSERVERS="$TMP/etc/vservers"
export VSPACE_NETNS_VPROCUNHIDE="$TMP/vprocunhide" VSPACE_NETNS_SBIN_VSPACE="$TMP/vspace"
export VSPACE_NETNS_STATE_DIR="$TMP/state" # the starting guests' claims on their zones
echo "    T=$TMP"
cat <<EOF | indent
trunk: veth $TRUNK (peer $TRUNK_PEER), up, no addresses: it stands in for eth0
VSPACE_NETNS_CONFDIR=\$T/etc/vspace-netns   VSPACE_NETNS_VSERVERS=\$T/etc/vservers
stand-ins, for doctor and up: VSPACE_NETNS_REAL_VSPACE=\$T/vspace.distrib (tests/c/vspace_standin.c),
  VSPACE_NETNS_SBIN_VSPACE=\$T/vspace (-> vspace-netns, where util-vserver calls vspace),
  VSPACE_NETNS_VPROCUNHIDE=\$T/vprocunhide (records the netns it runs in)
EOF

step "2. The configuration: the README's, with macvlan links on the trunk instead of VLANs"
# zone NAME ID LINK ADDRESS: a zone with one macvlan link (mode bridge) on the trunk.
zone() {
	d=$VSPACE_NETNS_CONFDIR/$1
	mkdir -p "$d/links/$3"
	echo "$2" >"$d/id"
	echo macvlan >"$d/links/$3/type"
	echo "$TRUNK" >"$d/links/$3/link"
	echo bridge >"$d/links/$3/mode"
	echo "$4" >"$d/links/$3/address"
}
zone "$DMZ" 2 "$DMZ0" 192.0.2.10/24
zone "$LAN" 3 "$LAN0" 198.51.100.10/24
for g in web:$DMZ mail:$DMZ db:$LAN; do
	mkdir -p "$VSPACE_NETNS_VSERVERS/${g%%:*}/spaces"
	echo "${g#*:}" >"$VSPACE_NETNS_VSERVERS/${g%%:*}/spaces/net"
done
(cd "$TMP/etc" && grep -r . vspace-netns vservers | sort) | indent

step "3. What 'up' would do (nothing changes)"
show vspace-netns up "$DMZ" --dry-run
# Made under a temporary name (vsn and 12 hex digits, from the zone and the link), marked,
# then renamed inside the zone: the host may have a link of the zone link's name.
TMP0=$(sed -n "s/^ip link add link $TRUNK name \(vsn[0-9a-f]\{12\}\) netns $DMZ .*/\1/p" "$TMP/out")
[ -n "$TMP0" ] || die "no link made under a temporary name"
expect "ip netns add $DMZ" \
	"ip link add link $TRUNK name $TMP0 netns $DMZ address 02:00:00:00:02:00 type macvlan mode bridge" \
	"ip -n $DMZ link set dev $TMP0 alias vspace-netns:$DMZ" \
	"ip -n $DMZ link set dev $TMP0 name $DMZ0" \
	"ip -n $DMZ addr add 192.0.2.10/24 dev $DMZ0" \
	"ip netns exec $DMZ $TMP/vprocunhide"
[ ! -e "/run/netns/$DMZ" ] || die "--dry-run made /run/netns/$DMZ"
[ ! -e "$VSPACE_NETNS_VSERVERS/web/namespace-cleanup-skip" ] || die "--dry-run wrote a file"

step "4. util-vserver's initialize hook for each guest brings its zone up"
show vspace-netns hook initialize web
expect "ip netns add $DMZ" "ip -n $DMZ link set dev $DMZ0 up"
show vspace-netns hook initialize mail
expect "# nothing to do: zone $DMZ is up as configured"
show vspace-netns hook initialize db
expect "ip netns add $LAN" "ip -n $LAN link set dev $LAN0 up"
echo "vprocunhide ran in: $(tr '\n' ' ' <"$TMP/unhidden")" | indent
[ "$(cat "$TMP/unhidden")" = "$(netns_of "$DMZ")
$(netns_of "$LAN")" ] || die "vprocunhide did not run once inside each zone"

step "5. A second 'up' has nothing to do"
show vspace-netns up "$DMZ"
expect "# nothing to do: zone $DMZ is up as configured"
show vspace-netns up "$LAN"
expect "# nothing to do: zone $LAN is up as configured"

step "6. Inside the zones: static MACs, addresses only there"
# 'ip -br' pads its columns and ends lines with a space: compare words, not bytes.
squeeze() { sed -i -e 's/  */ /g' -e 's/ $//' "$TMP/out"; }
brief() { show ip -n "$1" -br "$2"; squeeze; }
brief "$DMZ" link
grep -qE "^$DMZ0@if[0-9]+ UP 02:00:00:00:02:00 <" "$TMP/out" || die "$DMZ0 is not up with its MAC"
brief "$DMZ" addr
grep -qE "^$DMZ0@if[0-9]+ UP 192\.0\.2\.10/24( |$)" "$TMP/out" || die "$DMZ0 lacks 192.0.2.10/24"
brief "$LAN" link
grep -qE "^$LAN0@if[0-9]+ UP 02:00:00:00:03:00 <" "$TMP/out" || die "$LAN0 is not up with its MAC"
brief "$LAN" addr
grep -qE "^$LAN0@if[0-9]+ UP 198\.51\.100\.10/24( |$)" "$TMP/out" || die "$LAN0 lacks 198.51.100.10/24"
show ip -br addr show dev "$TRUNK"
squeeze
expect "$TRUNK@$TRUNK_PEER UP"

step "7. doctor: every check, for guest web and its zone"
show vspace-netns doctor web
expect "guest web:" \
	"  ok $VSPACE_NETNS_VSERVERS/web/spaces/net names $DMZ" \
	"  zone $DMZ:" \
	"    ok /run/netns/$DMZ is a live network namespace" \
	"    ok link $DMZ0 is up inside with MAC 02:00:00:00:02:00"
absent "FAIL "

step "8. The guests run: web and mail in one zone, db in the other"
echo "(each through util-vserver's chain: vspace --enter ZONE --net -- ... vspace --new -- PROGRAM)" | indent
WEB_NS=$(guest run web "$DMZ" readlink /proc/self/ns/net)
guest exec mail "$DMZ" sleep 300 >/dev/null 2>&1 &
SLEEPER=$!
DB_NS=$(guest run db "$LAN" readlink /proc/self/ns/net)
tries=0
until [ "$(cat "/proc/$SLEEPER/comm" 2>/dev/null)" = sleep ]; do
	tries=$((tries + 1))
	[ $tries -le 100 ] || die "mail's sleep did not start"
	sleep 0.1
done
MAIL_NS=$(readlink "/proc/$SLEEPER/ns/net")
# util-vserver ends each start with the post-start phase: the start's claim on its zone
# (made at initialize, so that no other guest's post-stop takes the zone down meanwhile) goes.
for g in web mail db; do show vspace-netns hook post-start "$g"; done
cat <<EOF | indent
web  (readlink /proc/self/ns/net)  $WEB_NS
mail (sleep 300, pid $SLEEPER)        $MAIL_NS
db   (readlink /proc/self/ns/net)  $DB_NS
zone $DMZ is $(netns_of "$DMZ"), zone $LAN is $(netns_of "$LAN"), the host $HOST_NS
web and mail share one network stack; db, a separate security zone, has its own
EOF
[ "$WEB_NS" = "$(netns_of "$DMZ")" ] && [ "$MAIL_NS" = "$WEB_NS" ] &&
	[ "$DB_NS" = "$(netns_of "$LAN")" ] && [ "$DB_NS" != "$WEB_NS" ] &&
	[ "$WEB_NS" != "$HOST_NS" ] || die "a guest ran outside its zone"

step "9. web stops: its post-stop hook keeps the zone, mail still runs in it"
show vspace-netns hook post-stop web
expect "# zone $DMZ kept: processes still use it (pids $SLEEPER)"
[ -e "/run/netns/$DMZ" ] || die "post-stop web took $DMZ down under mail"

step "10. mail stops (its last process ends): its post-stop hook takes the zone down"
echo "# kill $SLEEPER" | indent
kill "$SLEEPER"
wait "$SLEEPER" 2>/dev/null || :
SLEEPER=
show vspace-netns hook post-stop mail
expect "ip -n $DMZ link del dev $DMZ0" "ip netns delete $DMZ"
gone "$DMZ" "$DMZ0"

step "11. down by hand for the other zone"
show vspace-netns down "$LAN"
expect "ip -n $LAN link del dev $LAN0" "ip netns delete $LAN"
gone "$LAN" "$LAN0"

step "12. The README's VLAN zone, on the same trunk"
mkdir -p "$VSPACE_NETNS_CONFDIR/$VDMZ/links/$VDMZ0"
(
	cd "$VSPACE_NETNS_CONFDIR/$VDMZ"
	echo 2 >id
	echo vlan >"links/$VDMZ0/type"
	echo "$TRUNK" >"links/$VDMZ0/link"
	echo 2 >"links/$VDMZ0/vlan"
	echo 192.0.2.10/24 >"links/$VDMZ0/address"
)
mkdir -p "$VSPACE_NETNS_VSERVERS/proxy/spaces"
echo "$VDMZ" >"$VSPACE_NETNS_VSERVERS/proxy/spaces/net"
echo "# echo $VDMZ > \$T/etc/vservers/proxy/spaces/net" | indent
# The kernel decides: without 802.1Q, up (and --dry-run) refuse before anything changes.
printf '# %s\n' "vspace-netns up $VDMZ --dry-run" | indent
if vspace-netns up "$VDMZ" --dry-run >"$TMP/out" 2>&1; then
	indent <"$TMP/out"
	expect "ip -n $VDMZ link set dev $VDMZ0 up"
	[ "$(tail -n 1 "$TMP/out")" = "printf '%s\n' '/run/netns/*' >> $VSPACE_NETNS_VSERVERS/proxy/namespace-cleanup-skip" ] ||
		die "the namespace-cleanup-skip edit is not the last step"
else
	indent <"$TMP/out"
	expect "vspace-netns: up $VDMZ: the vlan link $VDMZ0 of zone $VDMZ cannot be made: this kernel has no 802.1Q VLAN support (the module 8021q is neither loaded nor loadable); load it (modprobe 8021q) or build it in (CONFIG_VLAN_8021Q)"
fi
printf '# %s\n' "vspace-netns up $VDMZ" | indent
if vspace-netns up "$VDMZ" >"$TMP/out" 2>&1; then
	indent <"$TMP/out"
	echo "(this kernel has 802.1Q: the VLAN zone came up; it goes down again)" | indent
	show ip -n "$VDMZ" -br link
	grep -qF "02:00:02:00:02:00" "$TMP/out" || die "$VDMZ0 lacks its MAC"
	show vspace-netns down "$VDMZ"
	expect "ip netns delete $VDMZ"
else
	indent <"$TMP/out"
	echo "(this kernel has no 802.1Q: up refused before anything changed, and said why)" | indent
	expect "vspace-netns: up $VDMZ: the vlan link $VDMZ0 of zone $VDMZ cannot be made: this kernel has no 802.1Q VLAN support (the module 8021q is neither loaded nor loadable); load it (modprobe 8021q) or build it in (CONFIG_VLAN_8021Q)"
	absent "ip netns add"
	absent "namespace-cleanup-skip"
	[ ! -e "$VSPACE_NETNS_VSERVERS/proxy/namespace-cleanup-skip" ] || die "the failed up wrote proxy's namespace-cleanup-skip"
	echo "(the edit of proxy's namespace-cleanup-skip comes last: the failed up never touched it)" | indent
fi
gone "$VDMZ" "$VDMZ0"

step "13. Nothing is left"
ip link delete dev "$TRUNK"
for z in "$DMZ" "$LAN" "$VDMZ"; do [ ! -e "/run/netns/$z" ] || die "/run/netns/$z is left"; done
for l in "$DMZ0" "$LAN0" "$VDMZ0" "$TRUNK" "$TRUNK_PEER"; do
	! ip link show dev "$l" >/dev/null 2>&1 || die "link $l is left"
done
made_trunk=
echo "no /run/netns/{$DMZ,$LAN,$VDMZ}; no links $DMZ0, $LAN0, $VDMZ0, $TRUNK, $TRUNK_PEER" | indent

echo
printf '%sOK: two zones came up, served their guests, and went down.%s\n' "$bold" "$plain"

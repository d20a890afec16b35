#!/bin/sh
# demo.sh BIN: the main job of vspace-netns, end to end, on this machine (as root).
#
# A guest "web" whose /etc/vservers/web/spaces/net names a zone makes util-vserver run
#   vspace --enter ZONE --net -- exec-ulimit ... vtag ... -- vspace --new --default -- ...
# Here that chain runs through BIN installed as `vspace`, with a compiled stand-in for the
# real vspace (tests/c/vspace_standin.c: parses like vspace, records every call it gets) and
# small stand-ins for exec-ulimit and vtag. The zone is a throwaway named netns with lo and a
# veth end carrying an address; the other veth end sits in a second throwaway netns, so the
# host's network is not touched. Everything is removed on exit, also on failure.
# Exits 0 only if the guest's program ran in the zone's network namespace.
set -eu

DEMO=demo
TMP=
. "$(dirname "$0")/lib.sh"
demo_init "$@"

ZONE=demo-$$
PEER=demo-$$-peer
TMP=
made_zone=
made_peer=
undo() {
	[ -n "$made_zone" ] && ip netns delete "$ZONE" 2>/dev/null
	[ -n "$made_peer" ] && ip netns delete "$PEER" 2>/dev/null
}
demo_tmp demo
HOST_NS=$(readlink /proc/self/ns/net)

step "1. A zone: the named network namespace '$ZONE'"
ip netns add "$ZONE"; made_zone=1
ip netns add "$PEER"; made_peer=1
ip -n "$ZONE" link set lo up
ip -n "$ZONE" link add eth0 type veth peer name uplink netns "$PEER"
ip -n "$ZONE" addr add 192.0.2.10/24 dev eth0
ip -n "$ZONE" link set eth0 up
ip -n "$PEER" link set uplink up
ZONE_NS="net:[$(stat -L -c %i "/run/netns/$ZONE")]"
cat <<EOF | indent
ip netns add $ZONE          -> /run/netns/$ZONE is $ZONE_NS
lo up, eth0 192.0.2.10/24 (its veth peer is in the throwaway netns $PEER)
this shell runs in the host's netns $HOST_NS
EOF

step "2. vspace-netns installed as vspace, a stand-in as the real vspace"
standins
echo "    T=$TMP"
cat <<EOF | indent
$TMP/vspace -> $BIN
VSPACE_NETNS_REAL_VSPACE=$TMP/vspace.distrib   (compiled from tests/c/vspace_standin.c:
    it parses like vspace and records every call that reaches it)
$TMP/exec-ulimit, $TMP/vtag: stand-ins that only exec the rest of the chain
EOF

PROGRAM='readlink /proc/self/ns/net; ip -br addr'

step "3. util-vserver starts guest 'web' (spaces/net says '$ZONE'); what vspace-netns decides"
echo "(vspace-netns explain -- ARGS shows the plan without carrying it out)" | indent
guest explain web "$ZONE" sh -c "$PROGRAM" | indent

step "4. Run it: the guest's program prints its netns and addresses"
guest run web "$ZONE" sh -c "$PROGRAM" >"$TMP/out" || die "the start chain failed (status $?)"
indent <"$TMP/out"

step "5. What happened"
SEEN_NS=$(head -n 1 "$TMP/out")
echo "the program ran in $SEEN_NS; the zone is $ZONE_NS, the host $HOST_NS" | indent
grep -q '192\.0\.2\.10/24' "$TMP/out" && echo "it saw the zone's address 192.0.2.10/24 on eth0" | indent
echo "calls that reached the real vspace (the stand-in):" | indent
calls=0
if [ -s "$TMP/calls" ]; then
	# The log is NUL-separated: netns, argc, argv[0..argc-1], per call.
	tr '\0' '\n' <"$TMP/calls" >"$TMP/calls.txt"
	while IFS= read -r ns && IFS= read -r argc; do
		line=
		while [ "$argc" -gt 0 ] && IFS= read -r word; do
			case $word in *[!A-Za-z0-9_./:=-]*) word="'$word'" ;; esac
			line="${line:+$line }$word"
			argc=$((argc - 1))
		done
		calls=$((calls + 1))
		where=host; [ "$ns" = "$ZONE_NS" ] && where=zone
		echo "  in $ns ($where): $line" | indent
	done <"$TMP/calls.txt"
fi
[ $calls -eq 1 ] && s= || s=s
cat <<EOF | indent
  ($calls call$s; the intercepted 'vspace --enter $ZONE --net' never reached it: vspace-netns
   entered /run/netns/$ZONE with setns(2) and exec'd exec-ulimit itself)
EOF

step "6. And if the zone's entry is stale (a reboot or namespace-cleanup unmounted it)?"
mkdir "$TMP/run" && : >"$TMP/run/$ZONE"
echo "\$ NETNS_RUN_DIR=$TMP/run vspace --enter $ZONE --net -- true   (an empty file there)" | indent
set +e
NETNS_RUN_DIR="$TMP/run" "$TMP/vspace" --enter "$ZONE" --net -- true 2>"$TMP/err"
refused=$?
set -e
fold -s -w 96 "$TMP/err" | indent
echo "exit status $refused: it fails closed; the guest never starts in the host's network" | indent

echo
if [ "$SEEN_NS" = "$ZONE_NS" ] && [ "$SEEN_NS" != "$HOST_NS" ] && [ "$refused" -eq 255 ]; then
	printf '%sOK: the guest landed in zone %s.%s\n' "$bold" "$ZONE" "$plain"
else
	printf 'FAILED: the program ran in %s, not in the zone %s (or the stale entry was not refused)\n' \
		"$SEEN_NS" "$ZONE_NS" >&2
	exit 1
fi

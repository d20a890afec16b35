#!/bin/sh
# Proves: status and doctor of a VLAN zone load no module; with 802.1Q support unloadable, a
# VLAN zone is refused before anything changes, --dry-run included, naming the cause (before
# the fix: the namespace was made, the link add failed, and --dry-run printed the steps with
# status 0).
. "$VM_SRC/vm/checks/lib/zone-kernel.sh"
# Later checks run in the same boot: whatever happens, nothing of this one is left.
trap 'rm -f /etc/modprobe.d/zone-kernel-8021q.conf; "$BIN" down --force kq1 >/dev/null 2>&1' EXIT
A=$VM_NIC_A
if [ -d /sys/module/8021q ] && ! rmmod 8021q 2>/dev/null; then
	echo "skipped: 8021q is loaded and in use (or built in); cannot make it unloadable"
	exit 77
fi
zone kq1 921
link kq1 kq1v type=vlan "link=$A" vlan=82
# status and doctor observe: asked about a VLAN zone that is down, they load no module (before
# the fix status asked the kernel as up does, and that loaded 8021q).
for cmd in status doctor; do
	"$BIN" $cmd kq1 >/dev/null 2>&1 || :
	[ ! -d /sys/module/8021q ] || fail "$cmd kq1 loaded 8021q"
done
mkdir -p /etc/modprobe.d
CONF=/etc/modprobe.d/zone-kernel-8021q.conf
# Kept from loading by an install command, then by a blacklist (which keeps the kernel's own
# request by the alias rtnl-link-vlan from loading it): up refuses naming the line; doctor
# and status, which see 8021q in modules.dep, no longer call it loadable (before: status up
# to date, doctor "ok", up refused).
for line in 'install 8021q /bin/false' 'blacklist 8021q'; do
	printf '%s\n' "$line" >"$CONF"
	for dry in --dry-run ""; do
		expect_rc 1 "up kq1 $dry without 802.1Q ($line)" "$BIN" up kq1 $dry
		has err "this kernel has no 802.1Q VLAN support"
		has err "the module 8021q is kept from loading: $CONF: $line"
		[ -s out ] && fail "up kq1 $dry without 802.1Q: expected no step, got: $(cat out)"
		[ ! -e /run/netns/kq1 ] || fail "up kq1 $dry: expected no namespace, got /run/netns/kq1"
	done
	expect_rc 1 "doctor kq1 ($line)" "$BIN" doctor kq1
	has out "FAIL this kernel has no 802.1Q VLAN support (link kq1v)"
	has out "its module 8021q is kept from loading ($CONF: $line)"
	expect_rc 1 "status kq1 ($line)" "$BIN" status kq1
	has out "zone kq1: invalid: "
	has out "the module 8021q is kept from loading: $CONF: $line"
	[ ! -d /sys/module/8021q ] || fail "doctor or status loaded 8021q past '$line'"
done
exit $FAILED

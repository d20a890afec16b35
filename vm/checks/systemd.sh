#!/bin/sh
#! vm/checks/systemd.sh: the package under a real systemd PID 1, over three boots of one disk
#! (side-effecting: installs the .deb and a zone in /etc/vspace-netns; purged on the last boot).
#!   boot 1: a recording stand-in for util-vserver's /usr/sbin/vspace and a stand-in
#!           util-vserver.service; dpkg -i: vspace diverted to vspace.distrib, the unit enabled,
#!           not started; a zone (veth + VLAN on a virtio NIC brought up by ifupdown) configured.
#!   boot 2: the zone up at boot, after network-online.target and before util-vserver.service;
#!           `vspace --enter ZONE --net` lands in the zone from a private mount namespace
#!           (unshare -m), from a unit with PrivateMounts=, through a locally stale entry; an
#!           entry bound to the host's netns is refused from the host and from inside the zone.
#!   boot 3: down --all ran at the previous shutdown; the zone is back.
. ./lib/zone.sh
[ -n "${VM_DEB:-}" ] || { echo "no .deb in the payload (make deb needs cargo-deb)"; exit 77; }
Z=sdz
nic=$VM_NIC_B
ns_of() { stat -L -c %i "/run/netns/$1"; }
# entry HOW...: the netns inode a guest's entry lands in, run as HOW (a command prefix).
entry() { "$@" /usr/sbin/vspace --enter "$Z" --net -- stat -L -c %i /proc/self/ns/net 2>&1; }
mono() { systemctl show -P "$2" "$1"; }

case $VM_BOOT in
1)
	printf '#!/bin/sh\necho "vspace $*" >>/var/log/vspace-standin.log\nwhile [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done\n[ $# -gt 0 ] && shift && exec "$@"\nexit 0\n' >/usr/sbin/vspace
	chmod 0755 /usr/sbin/vspace
	cat >/etc/systemd/system/util-vserver.service <<UNIT
[Unit]
Description=stand-in for util-vserver: records what it finds when it starts
After=network-online.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'ip -n $Z -br link show >/run/util-vserver-saw 2>&1'
[Install]
WantedBy=multi-user.target
UNIT
	systemctl enable util-vserver.service 2>/dev/null || fail "stand-in util-vserver.service: cannot enable it"
	mkdir -p /etc/network/interfaces.d
	printf 'auto %s\niface %s inet manual\n\tup ip link set dev $IFACE up\n' "$nic" "$nic" >/etc/network/interfaces.d/vmcheck
	grep -q '^source /etc/network/interfaces.d' /etc/network/interfaces ||
		echo 'source /etc/network/interfaces.d/*' >>/etc/network/interfaces
	run "dpkg -i $VM_DEB" dpkg -i "$VM_DEB" || finish
	eq "diversion of /usr/sbin/vspace" "diversion of /usr/sbin/vspace to /usr/sbin/vspace.distrib by vspace-netns" \
		"$(dpkg-divert --list /usr/sbin/vspace)"
	grep -q 'echo "vspace' /usr/sbin/vspace.distrib 2>/dev/null ||
		fail "/usr/sbin/vspace.distrib: expected the stand-in moved there, got $(ls -l /usr/sbin/vspace.distrib 2>&1)"
	eq "/usr/sbin/vspace" vspace-netns "$(readlink /usr/sbin/vspace)"
	eq "vspace-netns.service enabled" enabled "$(systemctl is-enabled vspace-netns.service 2>&1)"
	eq "vspace-netns.service started by dpkg" inactive "$(systemctl is-active vspace-netns.service 2>&1)"
	[ -e "/run/netns/$Z" ] && fail "dpkg -i: expected no zone brought up, got /run/netns/$Z"
	mkdir -p "/etc/vspace-netns/$Z/links/eth0" "/etc/vspace-netns/$Z/links/v60"
	echo 501 >"/etc/vspace-netns/$Z/id"
	printf 'veth\n' >"/etc/vspace-netns/$Z/links/eth0/type"
	printf 'sdz-host\n' >"/etc/vspace-netns/$Z/links/eth0/peer"
	printf '192.0.2.61/24\n' >"/etc/vspace-netns/$Z/links/eth0/address"
	printf 'vlan\n' >"/etc/vspace-netns/$Z/links/v60/type"
	printf '%s\n' "$nic" >"/etc/vspace-netns/$Z/links/v60/link"
	printf '60\n' >"/etc/vspace-netns/$Z/links/v60/vlan"
	printf '198.51.100.61/24\n2001:db8:60::61/64\n' >"/etc/vspace-netns/$Z/links/v60/address"
	touch "$VM_REBOOT"
	;;
2)
	eq "vspace-netns.service at boot" active "$(systemctl is-active vspace-netns.service 2>&1)"
	[ -e "/run/netns/$Z" ] || { fail "zone $Z: expected up at boot, /run/netns/$Z missing"; journalctl -b -u vspace-netns -o cat | tail -n 20; finish; }
	eq "$Z v60 VLAN id at boot" 60 "$(jget $Z v60 .linkinfo.info_data.id)"
	eq "$Z v60 addresses at boot" "$(printf '198.51.100.61/24\n2001:db8:60::61/64' | sort)" "$(addrs $Z v60)"
	eq "$Z eth0 MAC at boot" "$(vn mac 0 501 0)" "$(jget $Z eth0 .address)"
	online=$(mono network-online.target ActiveEnterTimestampMonotonic)
	started=$(mono vspace-netns.service ExecMainStartTimestampMonotonic)
	uvs=$(mono util-vserver.service ExecMainStartTimestampMonotonic)
	done_at=$(mono vspace-netns.service ActiveEnterTimestampMonotonic)
	[ "$started" -ge "$online" ] 2>/dev/null ||
		fail "order: expected vspace-netns.service to start after network-online.target ($online us), got $started us"
	[ "$uvs" -ge "$done_at" ] 2>/dev/null ||
		fail "order: expected util-vserver.service to start after vspace-netns.service was up ($done_at us), got $uvs us"
	grep -q v60 /run/util-vserver-saw 2>/dev/null ||
		fail "util-vserver.service: expected the zone's links when it started, got: $(cat /run/util-vserver-saw 2>&1)"
	want=$(ns_of $Z)
	eq "entry from unshare -m" "$want" "$(entry unshare -m)"
	eq "entry from a unit with PrivateMounts=yes" "$want" \
		"$(entry systemd-run --quiet --wait --pipe -p PrivateMounts=yes)"
	eq "entry through a locally stale entry (unmounted in a private mount namespace)" "$want" \
		"$(unshare -m sh -c "umount /run/netns/$Z && /usr/sbin/vspace --enter $Z --net -- stat -L -c %i /proc/self/ns/net" 2>&1)"
	# An entry bound to the host's own netns: refused, from the host and from inside a zone.
	touch /run/netns/sdhost && mount --bind /proc/self/ns/net /run/netns/sdhost
	for how in "" "ip netns exec $Z"; do
		if $how /usr/sbin/vspace --enter sdhost --net -- sh -c 'echo RAN' >"$T/out" 2>&1 || grep -q RAN "$T/out"; then
			fail "entry bound to the host's netns (${how:-from the host}): expected a refusal, got: $(tr '\n' ' ' <"$T/out")"
		fi
	done
	umount /run/netns/sdhost && rm -f /run/netns/sdhost
	touch "$VM_REBOOT"
	;;
3)
	journalctl -b -1 -u vspace-netns.service -o cat >"$T/journal" 2>&1
	grep -q 'Stopping\|Stopped\|Deactivated' "$T/journal" ||
		fail "shutdown: expected vspace-netns.service stopped (down --all), journal of the last boot: $(tail -n 5 "$T/journal" | tr '\n' ' ')"
	grep -qi 'failed\|error' "$T/journal" &&
		fail "shutdown: expected down --all to succeed, journal: $(grep -i 'failed\|error' "$T/journal" | head -n 3 | tr '\n' ' ')"
	eq "vspace-netns.service on the next boot" active "$(systemctl is-active vspace-netns.service 2>&1)"
	eq "$Z v60 VLAN id on the next boot" 60 "$(jget $Z v60 .linkinfo.info_data.id)"
	run "systemctl stop vspace-netns (down --all)" systemctl stop vspace-netns.service
	[ -e "/run/netns/$Z" ] && fail "systemctl stop: expected /run/netns/$Z gone, still there"
	run "dpkg --purge vspace-netns" dpkg --purge vspace-netns
	[ -x /usr/sbin/vspace ] && grep -q 'echo "vspace' /usr/sbin/vspace ||
		fail "dpkg --purge: expected the stand-in back at /usr/sbin/vspace"
	rm -rf "/etc/vspace-netns/$Z" /etc/network/interfaces.d/vmcheck
	;;
esac
finish

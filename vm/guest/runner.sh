#!/bin/sh
#! vm/guest/runner.sh SRC: runs the VM tier's checks inside the guest, then powers it off
#! (side-effecting; started by the guest's vm-payload.service, as root, real systemd PID 1).
#!
#! SRC is where the payload disk is mounted: the repository's path on the build machine, so
#! compile-time paths of the test binaries hold. Results go to /dev/ttyS1 (a file on the
#! host, vm/run.sh reads it), one `VMCHECK ...` line each:
#!   BEGIN boot=N release=R kernel=K     the checks start (a boot that never says so died early)
#!   RUN NAME                            NAME starts
#!   PASS NAME SECONDS | SKIP NAME SECONDS: REASON | FAIL NAME SECONDS: rc=N
#!   OUT NAME| LINE                      the output of a check that failed (all of it), or what a
#!                                       passing one skipped (its "skipped on this kernel:" lines)
#!   END boot=N again=NAMES              all done; NAMES asked for another boot
#! On boot 1 every vm/checks/*.sh runs, in name order; on a later boot only those that asked
#! for it (by creating the file $VM_REBOOT). State kept for a check across boots: $VM_STATE.
src=${1:?usage: runner.sh SRC}
out=/dev/ttyS1
state=/var/lib/vm-check
limit=${VM_CHECK_TIMEOUT:-600}
mkdir -p "$state"
boot=$(($(cat "$state/boot" 2>/dev/null || echo 0) + 1))
echo "$boot" >"$state/boot"
say() { printf 'VMCHECK %s\n' "$*" >"$out"; }

# The two virtio NICs on the QEMU hub, in the order of their MACs (vm/run.sh gives them).
nics=$(for n in /sys/class/net/*; do
	case $(readlink "$n/device/driver" 2>/dev/null) in
	*/virtio_net) echo "$(cat "$n/address") ${n##*/}" ;;
	esac
done | sort | awk '{ print $2 }')
. /etc/os-release
# The payload's facts (vm/run.sh): VSPACE_NETNS_BIN, VM_DEB, VM_CHECKS, VM_TESTS_ONLY,
# VM_TESTS_ALL, VM_VERBOSE.
. "$src/target/vm-payload.env"
export VSPACE_NETNS_BIN VM_DEB VM_TESTS_ONLY VM_TESTS_ALL VM_VERBOSE
export VM_RELEASE="$VERSION_CODENAME" VM_SRC="$src" VM_BOOT="$boot"
export VM_NIC_A="$(echo "$nics" | sed -n 1p)" VM_NIC_B="$(echo "$nics" | sed -n 2p)"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say "BEGIN boot=$boot release=$VM_RELEASE kernel=$(uname -r) nics=$VM_NIC_A,$VM_NIC_B"
if [ "$boot" = 1 ]; then
	names=${VM_CHECKS:-$(for c in "$src"/vm/checks/*.sh; do [ -e "$c" ] && basename "$c" .sh; done)}
else
	names=$(cat "$state/again" 2>/dev/null)
fi
: >"$state/again"
for name in $names; do
	say "RUN $name"
	mkdir -p "$state/checks/$name"
	rm -f "$state/checks/$name/reboot"
	log=/run/vmcheck-$name.log
	start=$(date +%s)
	# A check may give itself more time: a header line `#! vm-timeout: SECONDS`.
	own=$(sed -n 's/^#! vm-timeout: *\([0-9][0-9]*\).*/\1/p' "$src/vm/checks/$name.sh" | head -n 1)
	(cd "$src/vm/checks" && VM_STATE="$state/checks/$name" VM_REBOOT="$state/checks/$name/reboot" \
		timeout -k 10 "${own:-$limit}" sh "./$name.sh") </dev/null >"$log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	[ -e "$state/checks/$name/reboot" ] && echo "$name" >>"$state/again"
	case $rc in
	0)
		say "PASS $name $took"
		if [ -n "${VM_VERBOSE:-}" ]; then
			sed "s/^/VMCHECK OUT $name| /" "$log" >"$out"
		else
			# What a passing check skipped is said all the same (vm/checks/tests.sh).
			sed -n "/^skipped on this kernel:/,/^[^ ]/{/^skipped on\|^  /s/^/VMCHECK OUT $name| /p}" "$log" >"$out"
		fi
		;;
	77)
		say "SKIP $name $took: $(grep -v '^[[:space:]]*$' "$log" | tail -n 1)"
		[ -n "${VM_VERBOSE:-}" ] && sed "s/^/VMCHECK OUT $name| /" "$log" >"$out"
		;;
	*)
		[ $rc = 124 ] && echo "FAIL: $name: expected to finish within ${own:-$limit}s, got killed" >>"$log"
		say "FAIL $name $took: rc=$rc"
		sed "s/^/VMCHECK OUT $name| /" "$log" >"$out"
		;;
	esac
done
say "END boot=$boot again=$(tr '\n' ' ' <"$state/again")"
sync
systemctl --no-block poweroff

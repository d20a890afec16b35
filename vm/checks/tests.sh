#!/bin/sh
#! vm/checks/tests.sh: the repository's integration tests on this guest's kernel (side-effecting
#! as the tests are; each cleans up after itself). The test binaries were compiled on the build
#! machine (make test-vm lists them in target/vm-tests.list) and sit at the same paths here, so
#! their compile-time paths (CARGO_MANIFEST_DIR, CARGO_TARGET_TMPDIR) hold; they run against the
#! binary under test (VSPACE_NETNS_TEST_BIN), one binary at a time, from the repository's root as
#! under cargo. Skipped here, with the reason printed: tests of packaging and shells that need
#! tools this guest lacks and that do not depend on the kernel. VM_TESTS_ONLY (a regular
#! expression on test names) narrows the set; without it, a release not named in VM_TESTS_ALL
#! runs only the zone and ip tests ('^(zone|ip)_'), the kernel-dependent ones (time budget).
#! vm-timeout: 3000
list=$VM_SRC/target/vm-tests.list
[ -s "$list" ] || { echo "no test binaries in the payload (target/vm-tests.list)"; exit 77; }
cd "$VM_SRC" || exit 1
if [ -z "${VM_TESTS_ONLY:-}" ]; then
	case " ${VM_TESTS_ALL:-bookworm trixie} " in
	*" $VM_RELEASE "*) ;;
	*) VM_TESTS_ONLY='^(zone|ip)_' ;;
	esac
fi
export VSPACE_NETNS_TEST_BIN="$VSPACE_NETNS_BIN"
failed=
ran=0
while IFS= read -r bin; do
	name=$(basename "$bin" | sed 's/-[0-9a-f]*$//')
	skip=
	case $name in
	completions) echo "skip $name: needs zsh and fish, not installed in the guest" && continue ;;
	deb | install) echo "skip $name: needs cargo-deb/make/lintian of the build machine" && continue ;;
	zones_demo | demo) echo "skip $name: the demos' fixed 30 s limit (HANG_LIMIT) does not hold under TCG emulation; the vlan-*, macvlan and veth checks cover what they show" && continue ;;
	boot)
		echo "skip boot::systemd_analyze_verifies_the_installed_unit: runs make install, make is not in the guest"
		echo "skip boot::the_init_script_brings_real_zones_up_and_down: under a real systemd PID 1, /lib/lsb/init-functions redirects the init script to systemctl (the test clears SYSTEMCTL_SKIP_REDIRECT); the systemd check covers boot"
		skip="--skip systemd_analyze_verifies_the_installed_unit --skip the_init_script_brings_real_zones_up_and_down"
		;;
	zone_rollback)
		echo "skip zone_rollback::a_failed_up_leaves_the_guests_files_as_they_were, a_vlan_on_a_kernel_without_8021q_is_rolled_back: they make up fail with a VLAN link on a kernel without 802.1Q; this one has it (vlan-no-module checks the rollback with 8021q made unloadable)"
		skip="--skip a_failed_up_leaves_the_guests_files_as_they_were --skip a_vlan_on_a_kernel_without_8021q_is_rolled_back"
		;;
	zone_net)
		echo "skip zone_net::netns_run_dir_is_honoured: with PID 1 readable (a real systemd), up makes the entry in PID 1's mount namespace, which the test's own private one does not see (nsenter: Invalid argument)"
		skip="--skip netns_run_dir_is_honoured"
		;;
	sudo_env) echo "skip $name: needs sudo, not installed in the guest" && continue ;;
	synopsis)
		echo "skip synopsis::the_man_pages_render_without_warnings: needs man (man-db), not installed in the guest"
		skip="--skip the_man_pages_render_without_warnings"
		;;
	zone_kernel)
		echo "skip zone_kernel::up_killed_at_every_netlink_send_mount_and_write_leaves_nothing_unmarked: needs strace, not installed in the guest"
		skip="--skip up_killed_at_every_netlink_send_mount_and_write_leaves_nothing_unmarked"
		;;
	concurrency) echo "skip $name: its races run many calls at once, each under the fixed 30 s limit (HANG_LIMIT) that TCG emulation does not hold; two of its tests also count a netns entry's lines in their own mountinfo, where systemd's shared /run shows an entry mounted under the /run/netns self-bind twice (iproute2's ip netns add alike)" && continue ;;
	zone_down)
		case $(uname -r) in
		6.1.*)
			echo "skip zone_down::a_veth_whose_host_end_is_gone_is_fixed_as_printed_marked_or_not: its setup renames a link that is up, which 6.1 refuses (EBUSY)"
			skip="--skip a_veth_whose_host_end_is_gone_is_fixed_as_printed_marked_or_not"
			;;
		esac
		;;
	esac
	if [ -n "${VM_TESTS_ONLY:-}" ] && ! echo "$name" | grep -Eq "$VM_TESTS_ONLY"; then
		echo "skip $name: not in VM_TESTS_ONLY=$VM_TESTS_ONLY" && continue
	fi
	start=$(date +%s)
	# shellcheck disable=SC2086 # $skip: options, split on purpose
	if timeout 900 "$bin" --test-threads=2 $skip >"/tmp/vmtests-$name.log" 2>&1; then
		echo "ok $name ($(($(date +%s) - start))s): $(grep '^test result' "/tmp/vmtests-$name.log" | tail -n 1)"
	else
		echo "FAIL: test binary $name: expected all tests to pass, got (failures):"
		grep -E '^test .* FAILED$|^---- |panicked at|^failures:' "/tmp/vmtests-$name.log" | head -n 40 | sed 's/^/    /'
		grep -A 30 '^---- ' "/tmp/vmtests-$name.log" | head -n 80 | sed 's/^/    | /'
		failed="$failed $name"
	fi
	ran=$((ran + 1))
done <"$list"
echo "$ran test binaries run; failed:${failed:- none}"
[ -z "$failed" ]

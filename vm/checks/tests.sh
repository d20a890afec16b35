#!/bin/sh
#! vm/checks/tests.sh: the repository's integration tests on this guest's kernel (side-effecting
#! as the tests are; each cleans up after itself). The test binary (tests/it: every test, named
#! MODULE::TEST) was compiled on the build machine (make test-vm lists it in
#! target/vm-tests.list) and sits at the same path here, so its compile-time paths
#! (CARGO_MANIFEST_DIR, CARGO_TARGET_TMPDIR) hold; it runs against the binary under test
#! (VSPACE_NETNS_TEST_BIN), from the repository's root as under cargo, with an exact --skip for
#! each test left out. Left out here, with the reason printed: tests of packaging and shells
#! that need tools this guest lacks and that do not depend on the kernel, and the few listed
#! below. VM_TESTS_ONLY (a regular expression on module names) narrows the set; without it, a
#! release not named in VM_TESTS_ALL runs only the zone and ip modules ('^(zone|ip)_'), the
#! kernel-dependent ones (time budget).
#! vm-timeout: 3000
list=$VM_SRC/target/vm-tests.list
[ -s "$list" ] || { echo "no test binary in the payload (target/vm-tests.list)"; exit 77; }
cd "$VM_SRC" || exit 1
if [ -z "${VM_TESTS_ONLY:-}" ]; then
	case " ${VM_TESTS_ALL:-bookworm trixie} " in
	*" $VM_RELEASE "*) ;;
	*) VM_TESTS_ONLY='^(zone|ip)_' ;;
	esac
fi
export VSPACE_NETNS_TEST_BIN="$VSPACE_NETNS_BIN"
# A command is called hung after 150 s here, not 30: TCG emulation is some ten times slower.
export VSPACE_NETNS_TEST_HANG_LIMIT=150

# why TEST: why TEST (MODULE::NAME) does not run in this guest; nothing when it runs.
why() {
	case $1 in
	completions::*) echo "needs zsh and fish, not installed in the guest" ;;
	deb::* | install::*) echo "needs cargo-deb/make/lintian of the build machine" ;;
	zones_demo::* | demo::*) echo "the demos take minutes under TCG emulation; the vlan-*, macvlan and veth checks cover what they show" ;;
	boot::systemd_analyze_verifies_the_installed_unit) echo "runs make install, make is not in the guest" ;;
	boot::the_init_script_brings_real_zones_up_and_down) echo "under a real systemd PID 1, /lib/lsb/init-functions redirects the init script to systemctl (the test clears SYSTEMCTL_SKIP_REDIRECT); the systemd check covers boot" ;;
	zone_rollback::a_failed_up_leaves_the_guests_files_as_they_were)
		echo "they make up fail with a VLAN link on a kernel without 802.1Q; this one has it (vlan-no-module checks the rollback with 8021q made unloadable)" ;;
	zone_net::netns_run_dir_is_honoured) echo "with PID 1 readable (a real systemd), up makes the entry in PID 1's mount namespace, which the test's own private one does not see (nsenter: Invalid argument)" ;;
	sudo_env::*) echo "needs sudo, not installed in the guest" ;;
	synopsis::the_man_pages_render_without_warnings) echo "needs man (man-db), not installed in the guest" ;;
	zone_kernel::up_killed_at_every_netlink_send_mount_and_write_leaves_nothing_unmarked) echo "needs strace, not installed in the guest" ;;
	concurrency::*) echo "its races run many calls at once, too many for TCG emulation to finish in time; two of its tests also count a netns entry's lines in their own mountinfo, where systemd's shared /run shows an entry mounted under the /run/netns self-bind twice (iproute2's ip netns add alike)" ;;
	zone_down::a_veth_whose_host_end_is_gone_is_fixed_as_printed_marked_or_not)
		case $(uname -r) in
		6.1.*) echo "its setup renames a link that is up, which 6.1 refuses (EBUSY)" ;;
		esac
		;;
	*)
		if [ -n "${VM_TESTS_ONLY:-}" ] && ! echo "${1%%::*}" | grep -Eq "$VM_TESTS_ONLY"; then
			echo "not in VM_TESTS_ONLY=$VM_TESTS_ONLY"
		fi
		;;
	esac
}

failed=
ran=0
# What the tests skip on this kernel (tests/it/common: skipped), said after the run.
skipped_log=$VM_SRC/target/tmp/skipped.log
rm -f "$skipped_log"
while IFS= read -r bin; do
	name=$(basename "$bin" | sed 's/-[0-9a-f]*$//')
	log=/tmp/vmtests-$name.log
	"$bin" --list --format terse 2>/dev/null </dev/null | sed -n 's/: test$//p' >"/tmp/vmtests-$name.all"
	set --
	: >"/tmp/vmtests-$name.skip"
	while IFS= read -r t; do
		reason=$(why "$t")
		[ -n "$reason" ] || continue
		set -- "$@" --skip "$t"
		printf '%s\t%s\n' "$t" "$reason" >>"/tmp/vmtests-$name.skip"
	done <"/tmp/vmtests-$name.all"
	# One line per module and reason: "MODULE (N tests)" when the whole module is left out.
	awk -F '\t' -v bin="$name" '
		NR == FNR { m = $1; sub(/::.*/, "", m); total[m]++; next }
		{ m = $1; sub(/::.*/, "", m); k = m SUBSEP $2
		  if (!(k in n)) { order[++keys] = k; mod[k] = m; reason[k] = $2 }
		  n[k]++; tests[k] = tests[k] ", " substr($1, length(m) + 3) }
		END { for (i = 1; i <= keys; i++) { k = order[i]; m = mod[k]
			if (n[k] == total[m]) printf "skip %s::%s (%d test%s): %s\n", bin, m, n[k], (n[k] > 1 ? "s" : ""), reason[k]
			else if (n[k] == 1) printf "skip %s::%s::%s: %s\n", bin, m, substr(tests[k], 3), reason[k]
			else printf "skip %s::%s::{%s}: %s\n", bin, m, substr(tests[k], 3), reason[k] } }
	' "/tmp/vmtests-$name.all" "/tmp/vmtests-$name.skip"
	if [ "$(wc -l <"/tmp/vmtests-$name.all")" = "$(wc -l <"/tmp/vmtests-$name.skip")" ]; then
		echo "skip $name: every test left out" && continue
	fi
	start=$(date +%s)
	if timeout 2700 "$bin" --exact --test-threads=2 "$@" </dev/null >"$log" 2>&1; then
		echo "ok $name ($(($(date +%s) - start))s): $(grep '^test result' "$log" | tail -n 1)"
	else
		echo "FAIL: test binary $name: expected all tests to pass, got (failures):"
		grep -E '^test .* FAILED$|^---- |panicked at|^failures:' "$log" | head -n 40 | sed 's/^/    /'
		grep -A 30 '^---- ' "$log" | head -n 80 | sed 's/^/    | /'
		failed="$failed $name"
	fi
	ran=$((ran + 1))
done <"$list"
if [ -s "$skipped_log" ]; then
	echo "skipped on this kernel:"
	sort -u "$skipped_log" | sed 's/^/  /'
fi
echo "$ran test binaries run; failed:${failed:- none}"
[ -z "$failed" ]

#!/bin/sh
#! vm/run.sh RELEASE...: the VM tier (side-effecting, root): boots Debian's own kernel of
#! each RELEASE (bookworm, trixie) under QEMU and runs vm/checks/*.sh inside (vm/guest/runner.sh).
#!
#! Environment: VSPACE_NETNS_BIN (required: the static-pie binary under test), VM_DEB (the
#! .deb, optional), VM_TESTS (a file listing test binaries under target/ to copy in, optional),
#! VM_CHECKS (names of checks to run, default all), VM_TESTS_ONLY and VM_TESTS_ALL (see
#! vm/checks/tests.sh),
#! VM_VERBOSE (non-empty: the output of every check, not only of failed ones),
#! VM_WORK (scratch, default target/vm), VM_CACHE (guests, see vm/rootfs.sh),
#! VM_GUEST (a guest directory to use instead of vm/rootfs.sh's, when debugging), VM_ACCEL
#! (kvm|tcg, default: kvm when it boots a stock kernel here, else tcg), VM_BEGIN_TIMEOUT (s a
#! boot may take to begin its checks, default 600), VM_BOOT_TIMEOUT (s a boot may take, 3600).
#! Prints one line per check (PASS/SKIP/FAIL) and, for a failed one, its output; the tail of
#! the serial console when a boot goes wrong. Exits 1 when any check failed or a boot could not
#! finish its checks, 2 on bad usage. A boot that dies before its checks start (an early
#! kernel crash under multi-threaded TCG) is retried, the last time with single-threaded TCG,
#! and never counts as a pass or a product failure. Each boot is a fresh QEMU process on a
#! qcow2 overlay of the cached guest (which stays pristine); later boots of a release (asked
#! for by checks) reuse its overlay. No network leaves the guest: its two NICs share one QEMU
#! hub, nothing else.
set -u
cd "$(dirname "$0")/.." || exit 2
repo=$(pwd -P)
[ "$(id -u)" = 0 ] || { echo "vm/run.sh: needs root" >&2; exit 2; }
[ $# -gt 0 ] || set -- bookworm trixie
bin=${VSPACE_NETNS_BIN:-}
[ -n "$bin" ] && [ -x "$bin" ] || { echo "vm/run.sh: VSPACE_NETNS_BIN='$bin' is not an executable: make build first" >&2; exit 2; }
bin=$(realpath "$bin")
case $bin in "$repo"/*) ;; *) echo "vm/run.sh: VSPACE_NETNS_BIN must be inside $repo" >&2; exit 2 ;; esac
for cmd in qemu-system-x86_64 qemu-img debootstrap mke2fs; do
	command -v $cmd >/dev/null || { echo "vm/run.sh: $cmd missing: apt-get install qemu-system-x86 qemu-utils debootstrap e2fsprogs" >&2; exit 2; }
done
work=${VM_WORK:-$repo/target/vm}
boot_limit=${VM_BOOT_TIMEOUT:-3600}
begin_limit=${VM_BEGIN_TIMEOUT:-600}
mkdir -p "$work"

# The payload disk: what the guest mounts at $repo (the same paths as here).
stage=$work/stage
rm -rf "$stage" && mkdir -p "$stage/target/tmp"
# The repository but its build and version-control directories (a copy of .git, target/).
for d in * .ci; do
	case $d in target | .git) continue ;; esac
	[ -e "$d" ] && cp -a "$d" "$stage/"
done
copy() { mkdir -p "$stage/$(dirname "${1#"$repo"/}")" && cp -a "$1" "$stage/${1#"$repo"/}"; }
copy "$bin"
deb=
if [ -n "${VM_DEB:-}" ]; then
	deb=$(realpath "$VM_DEB") && copy "$deb" || exit 2
fi
if [ -n "${VM_TESTS:-}" ]; then
	# Without their debug info: a fifth of the size, and the payload is made for every run.
	while IFS= read -r t; do
		t=$(realpath "$t") && mkdir -p "$stage/$(dirname "${t#"$repo"/}")" &&
			strip --strip-debug -o "$stage/${t#"$repo"/}" "$t" || exit 2
	done <"$VM_TESTS"
	cp "$VM_TESTS" "$stage/target/vm-tests.list"
fi
printf 'VSPACE_NETNS_BIN=%s\nVM_DEB=%s\nVM_CHECKS="%s"\nVM_TESTS_ONLY="%s"\nVM_VERBOSE="%s"\nVM_TESTS_ALL="%s"\n' "$bin" "$deb" "${VM_CHECKS:-}" "${VM_TESTS_ONLY:-}" "${VM_VERBOSE:-}" "${VM_TESTS_ALL-bookworm trixie}" >"$stage/target/vm-payload.env"
size=$(du -sm "$stage" | cut -f1)
rm -f "$work/payload.img"
mke2fs -q -t ext4 -L VMPAYLOAD -d "$stage" "$work/payload.img" "$((size * 3 / 2 + 256))M" >/dev/null ||
	{ echo "vm/run.sh: cannot make the payload disk" >&2; exit 1; }
rm -rf "$stage"

# QEMU under KVM when this machine's KVM boots a stock kernel (a nested one may not).
kvm_boots() {
	[ -w /dev/kvm ] || return 1
	rm -f "$work/kvm.log"
	# No root and no init: a kernel that boots under KVM panics within seconds, and says so.
	timeout 20 nice qemu-system-x86_64 -accel kvm -cpu host -m 512 -display none -monitor none \
		-no-reboot -serial "file:$work/kvm.log" -kernel "$1/vmlinuz" \
		-append "console=ttyS0 panic=-1 root=/dev/nonexistent rootwait=0" >/dev/null 2>&1
	grep -q 'Kernel panic\|VFS: ' "$work/kvm.log" 2>/dev/null
}

# boot GUEST NAME ACCEL: one fresh QEMU on $work/NAME.qcow2; results in $work/NAME.results.
# A guest whose checks have not begun within $begin_limit seconds is stopped (a hung boot).
boot() {
	rm -f "$work/$2.console" "$work/$2.results"
	: >"$work/$2.results"
	qemu "$@" &
	qemu_pid=$!
	waited=0
	while kill -0 "$qemu_pid" 2>/dev/null; do
		if [ $waited -ge "$begin_limit" ] && ! grep -q '^VMCHECK BEGIN' "$work/$2.results"; then
			echo "vm: no check began within ${begin_limit}s: stopping this boot" >>"$work/$2.qemu"
			kill "$qemu_pid"
			break
		fi
		sleep 5
		waited=$((waited + 5))
	done
	wait "$qemu_pid"
}
# qemu GUEST NAME ACCEL (in the background only: it execs, so $! is timeout's pid).
qemu() {
	exec nice -n 10 timeout -k 10 "$boot_limit" qemu-system-x86_64 -accel "$3" $cpu -m 2048 -smp 2 \
		-display none -monitor none -no-reboot \
		-kernel "$1/vmlinuz" -initrd "$1/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 panic=-1 oops=panic vmcheck.src=$repo" \
		-drive "file=$work/$2.qcow2,if=virtio,format=qcow2" \
		-drive "file=$work/$2.payload.qcow2,if=virtio,format=qcow2" \
		-netdev hubport,id=a,hubid=0 -device virtio-net-pci,netdev=a,mac=52:54:00:00:00:0a \
		-netdev hubport,id=b,hubid=0 -device virtio-net-pci,netdev=b,mac=52:54:00:00:00:0b \
		-serial "file:$work/$2.console" -serial "file:$work/$2.results" >"$work/$2.qemu" 2>&1
}

failed=0
console_tail() { echo "--- last lines of the serial console ($work/$1.console):"; tail -n "${2:-40}" "$work/$1.console" | sed 's/^/    /'; }
for release in "$@"; do
	t0=$(date +%s)
	guest=${VM_GUEST:-$(vm/rootfs.sh "$release")} || { echo "vm $release: FAIL: no guest (vm/rootfs.sh)"; failed=1; continue; }
	if [ -z "${accel_base:-}" ]; then
		case ${VM_ACCEL:-} in
		kvm) accel_base=kvm ;;
		tcg) accel_base=tcg ;;
		*) if kvm_boots "$guest"; then accel_base=kvm; else accel_base=tcg; fi ;;
		esac
		echo "vm: QEMU accelerator: $accel_base"
	fi
	name=$release
	rm -f "$work/$name.qcow2" "$work/$name.payload.qcow2"
	qemu-img create -q -f qcow2 -b "$guest/root.qcow2" -F qcow2 "$work/$name.qcow2" &&
		qemu-img create -q -f qcow2 -b "$work/payload.img" -F raw "$work/$name.payload.qcow2" ||
		{ echo "vm $release: FAIL: cannot make the overlays"; failed=1; continue; }
	n=1
	while :; do
		tries=0
		while :; do
			tries=$((tries + 1))
			if [ "$accel_base" = kvm ]; then accel=kvm cpu="-cpu host"
			elif [ $tries -ge 3 ]; then accel=tcg,thread=single cpu="-cpu max"
			else accel=tcg,thread=multi cpu="-cpu max"; fi
			b0=$(date +%s)
			boot "$guest" "$name" "$accel"
			if grep -q '^VMCHECK BEGIN' "$work/$name.results"; then break; fi
			echo "vm $release: boot $n ($accel) died before its checks started (try $tries of 3)"
			console_tail "$name" 15
			[ $tries -lt 3 ] || break
		done
		results=$work/$name.results
		if ! grep -q '^VMCHECK BEGIN' "$results"; then
			echo "vm $release: FAIL: boot $n never reached its checks in 3 tries"
			failed=1
			break
		fi
		sed -n 's/^VMCHECK BEGIN /vm '"$release"': boot '"$n"' ('"$accel"'): /p' "$results"
		tr -d '\r' <"$results" | awk -v r="$release" '
			$1 != "VMCHECK" { next }
			$2 == "PASS" { printf "vm %s: PASS %s (%ss)\n", r, $3, $4 }
			$2 == "SKIP" { sub(/^VMCHECK SKIP /, ""); printf "vm %s: SKIP %s\n", r, $0 }
			$2 == "FAIL" { printf "vm %s: FAIL %s (%s %s)\n", r, $3, $4, $5 }
			$2 == "OUT" { sub(/^VMCHECK OUT /, ""); printf "    %s\n", $0 }
			$2 == "HARNESS" { sub(/^VMCHECK HARNESS /, ""); printf "vm %s: FAIL harness: %s\n", r, $0 }'
		grep -q '^VMCHECK \(FAIL\|HARNESS\)' "$results" && failed=1
		end=$(grep '^VMCHECK END' "$results" | tr -d '\r')
		if [ -z "$end" ]; then
			last=$(grep '^VMCHECK RUN ' "$results" | tail -n 1 | cut -d' ' -f3)
			echo "vm $release: FAIL ${last:-harness}: boot $n stopped before its checks ended (QEMU: $(tail -n 1 "$work/$name.qemu"))"
			console_tail "$name"
			failed=1
			break
		fi
		echo "vm $release: boot $n took $(($(date +%s) - b0))s"
		again=${end#*again=}
		[ -n "$(echo "$again" | tr -d ' ')" ] || break
		n=$((n + 1))
		if [ $n -gt 4 ]; then echo "vm $release: FAIL harness: checks ask for more than 4 boots ($again)"; failed=1; break; fi
	done
	echo "vm $release: done in $(($(date +%s) - t0))s"
done
[ $failed = 0 ] && echo "vm: all checks passed on: $*" || echo "vm: FAILED (see the lines above; work files in $work)"
exit $failed

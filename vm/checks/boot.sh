#!/bin/sh
#! vm/checks/boot.sh: the VM tier's own sanity (read-only): the guest is what the other checks
#! assume: Debian's kernel of VM_RELEASE, systemd as PID 1, the binary under test runs, two NICs.
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
case $VM_RELEASE:$(uname -r) in
bookworm:6.1.* | trixie:6.12.*) ;;
*) fail "kernel: expected Debian's of $VM_RELEASE (6.1 or 6.12), got $(uname -r)" ;;
esac
comm=$(cat /proc/1/comm)
[ "$comm" = systemd ] || fail "PID 1: expected systemd, got $comm"
"$VSPACE_NETNS_BIN" --help >/dev/null 2>&1 || fail "binary: expected $VSPACE_NETNS_BIN --help to succeed"
for v in VM_NIC_A VM_NIC_B; do
	eval "nic=\${$v}"
	[ -n "$nic" ] && [ -e "/sys/class/net/$nic" ] || fail "$v: expected a NIC, got '$nic'"
done
[ -d "$VM_SRC/tests" ] && [ -d "$VM_SRC/vm/checks" ] || fail "VM_SRC: expected tests/ and vm/checks/ in '$VM_SRC'"
[ $fails = 0 ]

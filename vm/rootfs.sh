#!/bin/sh
#! vm/rootfs.sh RELEASE: the cached Debian guest of the VM tier (side-effecting, root).
#!
#! Prints the directory holding root.qcow2 (ext4, the whole disk is the filesystem), vmlinuz
#! and initrd.img for RELEASE (bookworm, trixie), made with debootstrap from Debian's packages
#! through the mirror of this machine's apt sources. Cached in $VM_CACHE (default
#! /var/cache/vspace-netns/vm) under RELEASE-HASH, HASH being that of this file: a change of
#! the recipe makes a new guest, older ones of RELEASE are removed. Built in a temporary
#! directory and renamed into place only when complete, so a killed build leaves nothing that
#! is used (its leftovers are removed by the next build). The guest is never written to: each
#! boot uses a qcow2 overlay (vm/run.sh).
#!
#! The guest: Debian's kernel and systemd, no network configuration (the NICs stay down until a
#! check sets them up), no login; vm-payload.service mounts the payload disk (label
#! VMPAYLOAD) at the path given by vmcheck.src= on the kernel command line and runs its
#! vm/guest/runner.sh after network-online.target, which prints results on /dev/ttyS1 and
#! powers off. The runner lives on the payload, not here, so changing it rebuilds nothing.
set -eu

release=${1:?usage: vm/rootfs.sh RELEASE (bookworm or trixie)}
case $release in
bookworm | trixie) ;;
*) echo "vm/rootfs.sh: unknown release '$release': give bookworm or trixie" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { echo "vm/rootfs.sh: needs root (debootstrap)" >&2; exit 1; }
cache=${VM_CACHE:-/var/cache/vspace-netns/vm}
hash=$(sha256sum "$0" | cut -c1-12)
final=$cache/$release-$hash
if [ -f "$final/root.qcow2" ] && [ -f "$final/vmlinuz" ] && [ -f "$final/initrd.img" ]; then
	echo "$final"
	exit 0
fi

# The Debian mirror of this machine's apt sources (deb822 or one-line), not a named host.
mirror() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '
		/^[[:space:]]*deb[[:space:]]/ { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { print $i, $(i + 1); break } }
		/^URIs:/ { uri = $2 } /^Suites:/ { print uri, $2 } /^$/ { uri = "" }' |
		awk '$2 !~ /-security|-updates|-backports/ && $1 ~ /debian\/?$/ { print $1; exit }'
}
url=$(mirror)
[ -n "$url" ] || { echo "vm/rootfs.sh: no Debian mirror in /etc/apt/sources.list*: add one" >&2; exit 1; }

mkdir -p "$cache"
# Leftovers of killed builds.
rm -rf "$cache"/.build-"$release"-* 2>/dev/null || true
tmp=$(mktemp -d "$cache/.build-$release-XXXXXX")
root=$tmp/root
echo "vm/rootfs.sh: debootstrap $release from $url into $tmp (a few minutes)" >&2
# jq: checks read `ip -j` back; iputils-ping, iproute2: traffic and links; kmod: modprobe;
# gcc, libc6-dev: the integration tests compile their C stand-ins; sysvinit-utils,
# init-system-helpers: the boot tests' init script and update-rc.d.
debootstrap --variant=minbase \
	--include=linux-image-amd64,systemd-sysv,udev,kmod,iproute2,util-linux,procps,ifupdown,iputils-ping,jq,e2fsprogs,dbus,gcc,libc6-dev,sysvinit-utils,init-system-helpers \
	"$release" "$root" "$url" >"$tmp/debootstrap.log" 2>&1 || {
	tail -n 30 "$tmp/debootstrap.log" >&2
	echo "vm/rootfs.sh: debootstrap $release failed (log above; full log $tmp/debootstrap.log)" >&2
	exit 1
}

echo vm >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 vm\n::1 localhost\n' >"$root/etc/hosts"
printf '/dev/vda / ext4 defaults,errors=remount-ro 0 1\n' >"$root/etc/fstab"
# Nothing waits for a network that is never there; the journal persists across boots.
ln -sf /dev/null "$root/etc/systemd/system/systemd-networkd-wait-online.service"
mkdir -p "$root/var/log/journal"
ln -sf /dev/null "$root/etc/systemd/system/getty@tty1.service"
ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
cat >"$root/usr/local/sbin/vm-payload" <<'SH'
#!/bin/sh
# Mounts the payload disk at vmcheck.src= and runs its runner (vm/guest/runner.sh).
src=$(sed -n 's/.*vmcheck\.src=\([^ ]*\).*/\1/p' /proc/cmdline)
out=/dev/ttyS1
[ -n "$src" ] || { echo "VMCHECK HARNESS no vmcheck.src= on the kernel command line" >$out; exit 1; }
mkdir -p "$src"
mount LABEL=VMPAYLOAD "$src" || { echo "VMCHECK HARNESS cannot mount the payload disk" >$out; systemctl poweroff; exit 1; }
exec sh "$src/vm/guest/runner.sh" "$src"
SH
chmod 0755 "$root/usr/local/sbin/vm-payload"
cat >"$root/etc/systemd/system/vm-payload.service" <<'UNIT'
[Unit]
Description=VM tier: run the checks of the payload disk, then power off
Wants=network-online.target
After=network-online.target multi-user.target
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/vm-payload
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity
[Install]
WantedBy=default.target
UNIT
# A unit After= multi-user.target cannot be wanted by it: a target of its own, the default.
cat >"$root/etc/systemd/system/vm-check.target" <<'UNIT'
[Unit]
Description=VM tier checks
Requires=multi-user.target vm-payload.service
After=multi-user.target
AllowIsolate=yes
UNIT
ln -sf vm-check.target "$root/etc/systemd/system/default.target"

kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n 1)
cp "$kernel" "$tmp/vmlinuz"
cp "$root/boot/initrd.img-${kernel##*/vmlinuz-}" "$tmp/initrd.img"
chroot "$root" apt-get clean
mke2fs -q -t ext4 -L vmroot -d "$root" "$tmp/root.img" 4G >/dev/null
rm -rf "$root"
qemu-img convert -O qcow2 "$tmp/root.img" "$tmp/root.qcow2"
rm -f "$tmp/root.img"
chmod 0755 "$tmp"
mv "$tmp" "$final"
# Guests of this release made by an older recipe.
for old in "$cache/$release"-*; do
	[ "$old" = "$final" ] || rm -rf "$old"
done
echo "vm/rootfs.sh: $release ready in $final" >&2
echo "$final"

#!/bin/sh
# sandbox.sh IPDIR CMD [ARG...]: runs CMD as root in private network, mount and PID namespaces,
# with IPDIR first in PATH (IPDIR holds the `ip` under test; an absolute path), and returns
# its exit status (125: the sandbox could not be set up).
#
# Inside: a tmpfs on the netns run dir (/run/netns, where both iproute2 and the binary look:
# checked), a tmpfs on /tmp (IPDIR and the checkout bound back when they lie under /tmp),
# a sysfs of the new network namespace on /sys, lo up (with the real ip, before PATH changes). Everything a test makes (named namespaces and their nsfs
# mounts, links, addresses, background processes, files in /tmp) lives in these namespaces:
# when CMD ends, PID 1 of the PID namespace exits, the kernel kills what is left in it, and
# the namespaces go away with their last user. Nothing reaches the host, also on failure; if
# unshare itself is killed, --kill-child takes PID 1 of the namespace, and so all of it, along.
set -eu
[ $# -ge 2 ] || { echo "usage: sandbox.sh IPDIR CMD [ARG...]" >&2; exit 2; }
exec unshare --net --mount --pid --fork --kill-child --mount-proc --propagation private -- sh -c '
	set -eu
	ipdir=$1; shift
	# iproute2 6.1 has /var/run/netns compiled in, the binary defaults to /run/netns.
	run=$(readlink -f /var/run/netns 2>/dev/null || true)
	[ "$run" = /run/netns ] || { echo "sandbox: /var/run/netns is not /run/netns ($run)" >&2; exit 125; }
	if [ -d /run/netns ]; then
		mount -t tmpfs -o mode=0755 upstream-netns /run/netns
	else
		# Make no directory on the host: a private /run instead.
		mount -t tmpfs -o mode=0755 upstream-run /run
		mkdir /run/netns
	fi
	# A private /tmp; what the run needs from the old /tmp (IPDIR, the checkout, when they
	# lie there, as a CI clone may) is bound back at the same path, reached through a
	# descriptor of the old /tmp opened before the tmpfs covers it (--no-canonicalize: mount
	# would otherwise resolve the descriptor to the name /tmp, now the tmpfs).
	exec 9</tmp
	mount -t tmpfs -o mode=1777 upstream-tmp /tmp
	for keep in "$ipdir" "$PWD"; do
		case $keep in
		/tmp/?*)
			top=${keep#/tmp/}
			top=${top%%/*}
			if ! mountpoint -q "/tmp/$top"; then
				mkdir -p "/tmp/$top"
				mount --no-canonicalize --bind "/proc/$$/fd/9/$top" "/tmp/$top"
			fi
			;;
		esac
	done
	exec 9<&-
	umount -l /sys
	mount -t sysfs sysfs /sys
	real=
	for p in /sbin/ip /usr/sbin/ip /bin/ip /usr/bin/ip; do [ -x "$p" ] && { real=$p; break; }; done
	"$real" link set lo up
	unset NETNS_RUN_DIR NETNS_ETC_DIR
	PATH=$ipdir:$PATH
	export PATH
	[ "$(command -v ip)" = "$ipdir/ip" ] || { echo "sandbox: ip is $(command -v ip), not $ipdir/ip (IPDIR under /tmp?)" >&2; exit 125; }
	"$@"
' sandbox "$@"

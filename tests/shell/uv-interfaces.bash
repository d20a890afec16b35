#!/bin/bash
# A stand-in for util-vserver's per-guest interface steps (scripts/vserver.functions:
# _getInterfaceValue, _transformMask2Prefix with mask2prefix, _getVLANInfo,
# _processSingleInterface, _generateInterfaceOptions, enableInterfaces, disableInterfaces),
# written for these tests from their documented behaviour; util-vserver's own code is not
# copied. $_IP is the ip it runs (the real one unless set), in the namespace it runs in.
#
#   uv-interfaces.bash generate VDIR > CMDS   what `vserver VDIR start|stop` computes first
#                                             (generateOptions): one command per line, and a
#                                             `CONTEXT ADDR` line per address of the context list
#   uv-interfaces.bash enable CMDS            enableInterfaces (start, after prepre-start)
#   uv-interfaces.bash disable CMDS           disableInterfaces (stop, after post-stop)
#
# The defaults directory is $__CONFDIR/.defaults (util-vserver's /etc/vservers), taken from
# VSPACE_NETNS_VSERVERS when set. Exit status: that of the first failing step (set -e, as
# vserver.start runs these), 1 on a configuration util-vserver refuses.
set -e
_IP=${_IP:-ip}
__CONFDIR=${VSPACE_NETNS_VSERVERS:-/etc/vservers}

# value NAME DIR...: `read` of NAME in the first DIR whose read succeeds; a read that fails
# (no newline) still sets it and the search goes on; empty when none.
value() {
	local __name=$1 __dir __got=
	shift
	for __dir; do
		read __got <"$__dir/$__name" && break || :
	done 2>/dev/null
	printf -v "$__name" '%s' "$__got"
}

# mask2prefix MASK: leading one bits, octet by octet; its exit status is the result.
mask2prefix() {
	local len=0 o v IFS=.
	set -- $1
	for o in "${@:-0}"; do
		case $o in '' | *[!0-9]*) o=${o%%[!0-9]*} ;; esac
		v=$((10#${o:-0}))
		((v < 256)) || return 255
		while ((v & 0x80)); do len=$((len + 1)); v=$(((v << 1) & 0xffff)); done
		((v == 0xff00)) || break
	done
	return $len
}

emit() { printf '%q ' "$@"; printf '\n'; }

one() {
	local iface=$1 ip dev prefix mask bcast name scope peer up=up
	value ip "$iface"
	value dev "$iface" "$iface/.."
	value prefix "$iface" "$iface/.."
	value mask "$iface" "$iface/.."
	value bcast "$iface" "$iface/.."
	value name "$iface"
	value scope "$iface" "$iface/.."
	value peer "$iface"
	[ -n "$ip" ] || { echo "Can not read ip for '$iface'" >&2; return 1; }
	[ -n "$dev" ] || [ -e "$iface/nodev" ] || { echo "No device specified for '$iface'" >&2; return 1; }
	[ ! -e "$iface/down" ] || up=
	if [ -z "$prefix" ]; then
		mask2prefix "$mask" || prefix=$?
	fi
	emit CONTEXT "$ip${prefix:+/$prefix}"
	[ ! -e "$iface/nodev" ] || return 0
	[ ! -e "$iface/only_ip" ] || return 0
	if [ -e "$iface/vlandev" ] ||
		{ [ -e "$iface/../vlandev" ] && [ ! -e "$iface/novlandev" ]; } ||
		{ [ -e "$__CONFDIR/.defaults/interfaces/vlandev" ] && [ ! -e "$iface/novlandev" ] &&
			[ ! -e "$iface/../novlandev" ]; }; then
		case $dev in
		vlan*) echo "VLAN_PLUS_VID names are not supported" >&2; return 1 ;;
		*.*) emit VCONFIG "$dev" "${dev%%.*}" "${dev##*.}" ;;
		esac
	fi
	local brd=(broadcast "${bcast:-+}")
	case $ip in *:*) brd=() ;; esac
	local label=()
	[ -z "$name" ] || label=(label "$dev:$name")
	local peerw=()
	[ -z "$peer" ] || peerw=(peer "$peer")
	emit IP_ADDR "$ip${prefix:+/$prefix}" "${brd[@]}" "${label[@]}" dev "$dev" "${peerw[@]}"
	emit IP_LINK "$dev" $up
}

case $1 in
generate)
	for iface in "$2/interfaces/"*; do
		[ -d "$iface" ] || continue
		[ ! -e "$iface/disabled" ] || continue
		one "$iface"
	done
	;;
enable)
	while IFS= read -r line; do
		eval "set -- $line"
		t=$1
		shift
		case $t in
		CONTEXT) ;;
		VCONFIG) "$_IP" link add link "$2" name "$1" type vlan id "$3" ;;
		IP_ADDR) "$_IP" addr add "$@" ;;
		IP_LINK) "$_IP" link set "$@" ;;
		esac
	done <"$2"
	;;
disable)
	mapfile -t lines <"$2"
	for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
		eval "set -- ${lines[i]}"
		t=$1
		shift
		case $t in
		VCONFIG) "$_IP" link delete "$1" type vlan ;;
		IP_ADDR) "$_IP" addr del "$@" ;;
		esac
	done
	;;
*) echo "usage: $0 generate VDIR | enable CMDS | disable CMDS" >&2; exit 2 ;;
esac

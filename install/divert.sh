#!/bin/sh
# divert.sh: put the vspace-netns wrapper where util-vserver calls vspace (/usr/sbin/vspace,
# fixed when util-vserver was built) with the original moved aside to /usr/sbin/vspace.distrib,
# and undo it, leaving the original byte-identical. Called by `make install-divert`,
# `make uninstall-divert` and `make uninstall`; everything happens under --root, so it is
# testable in a temporary root.
#
# usage: divert.sh [--root DIR] [--method auto|dpkg|plain] [--vspace PATH] ACTION TARGET
#   ACTION  add      divert vspace, put the wrapper (a symlink to TARGET) in its place
#           remove   take the wrapper away, put the original back
#           status   say whether vspace is diverted to the wrapper (exit 0 no, 1 yes)
#   TARGET  the installed vspace-netns binary as seen inside the root, e.g.
#           /usr/local/sbin/vspace-netns
#   --root DIR       the root directory (default /); paths below are inside it
#   --method M       dpkg: a local dpkg diversion (dpkg-divert, recorded in
#                    DIR/var/lib/dpkg, so package upgrades of util-vserver keep writing to
#                    vspace.distrib); plain: the move only (distributions without dpkg; a
#                    util-vserver upgrade then overwrites the wrapper). Either way the
#                    files move as dpkg-divert --rename would move them, but with a hard
#                    link and renames, so that vspace never goes missing;
#                    auto (default, or $VSPACE_NETNS_DIVERT): dpkg when dpkg-divert exists
#                    and DIR/var/lib/dpkg is a directory, else plain
#   --vspace PATH    where util-vserver calls vspace (default /usr/sbin/vspace)
# Refuses (exit 1, saying why and what to do) to divert twice, to put the wrapper over a
# wrapper, to remove anything that is not the wrapper, and to undo a diversion made by a
# package. remove with nothing to undo says so and exits 0. Usage errors exit 2.
# Under a --root other than /, every directory it works in (vspace's, TARGET's, the dpkg
# database's) must resolve inside the root: a symbolic link that leads out of it (an absolute
# one such as DIR/usr/sbin -> /usr/sbin, or a relative one climbing above DIR) is refused
# before anything changes, so that the live system is never touched through it.
set -eu

me="vspace-netns divert"
root=/
method=${VSPACE_NETNS_DIVERT:-auto}
vspace=/usr/sbin/vspace

usage() {
	echo "usage: $0 [--root DIR] [--method auto|dpkg|plain] [--vspace PATH] add|remove|status TARGET" >&2
	exit 2
}

refuse() {
	echo "$me: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--root) [ $# -ge 2 ] || usage; root=$2; shift 2 ;;
	--method) [ $# -ge 2 ] || usage; method=$2; shift 2 ;;
	--vspace) [ $# -ge 2 ] || usage; vspace=$2; shift 2 ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -eq 2 ] || usage
action=$1
target=$2
case $target in /*) ;; *) echo "$me: TARGET '$target' must be an absolute path" >&2; exit 2 ;; esac
case $vspace in /*) ;; *) echo "$me: --vspace '$vspace' must be an absolute path" >&2; exit 2 ;; esac
case $method in auto | dpkg | plain) ;; *) usage ;; esac
[ -d "$root" ] || refuse "root '$root' is not a directory"

root=${root%/}

# inside_root DIR: refuses unless DIR (absolute, inside the root) resolves inside the root.
# Links that stay inside resolve the same for every tool (ln, mv, dpkg-divert), so they are
# fine; only one leading out is refused. A directory that does not exist yet is judged by
# what exists of it.
inside_root() {
	[ -n "$root" ] || return 0
	top=$(realpath -- "$root") || refuse "cannot resolve the root '$root'"
	[ "$top" = / ] && return 0
	got=$(realpath -m -- "$root$1") || refuse "cannot resolve $1 under $root/"
	case $got/ in
	"$top"/*) ;;
	*) refuse "$1 under $root/ leads out of the root through a symbolic link (it resolves to $got): make the links inside the root relative, or point --root at the tree they name; nothing changed" ;;
	esac
}
inside_root "${vspace%/*}"
inside_root "${target%/*}"
inside_root /var/lib/dpkg

distrib=$vspace.distrib
v=$root$vspace
d=$root$distrib
bin=$root$target

if [ "$method" = auto ]; then
	if command -v dpkg-divert >/dev/null 2>&1 && [ -d "$root/var/lib/dpkg" ]; then
		method=dpkg
	else
		method=plain
	fi
fi
if [ "$method" = dpkg ]; then
	command -v dpkg-divert >/dev/null 2>&1 || refuse "--method dpkg: dpkg-divert is not installed"
fi

dpkg_divert() {
	dpkg-divert --root "${root:-/}" "$@"
}

# The package owning a dpkg diversion of $vspace ("LOCAL" for a local one), empty when none
# (whatever the method: a plain move must not undo or repeat what dpkg recorded).
diverted_by() {
	if command -v dpkg-divert >/dev/null 2>&1 && [ -d "$root/var/lib/dpkg" ]; then
		dpkg_divert --listpackage "$vspace"
	fi
}

# Whether $1 (a path under the root) is our binary: a symlink to TARGET or to a file named
# vspace-netns, or a copy of TARGET.
is_wrapper() {
	if [ -L "$1" ]; then
		link=$(readlink "$1")
		[ "$link" = "$target" ] && return 0
		[ "${link##*/}" = vspace-netns ] && return 0
		case $link in /*) link=$root$link ;; *) link=${1%/*}/$link ;; esac
		[ -f "$bin" ] && cmp -s "$link" "$bin"
	else
		[ -f "$1" ] && [ -f "$bin" ] && cmp -s "$1" "$bin"
	fi
}

exists() {
	[ -e "$1" ] || [ -L "$1" ]
}

# Puts a symlink to TARGET at $v in one rename (no moment without a vspace).
place_wrapper() {
	tmp=$v.vspace-netns-new
	rm -f "$tmp"
	ln -s "$target" "$tmp"
	mv -f -T "$tmp" "$v"
}

case $action in
status)
	if is_wrapper "$v"; then
		echo "$me: $vspace is the vspace-netns wrapper; the original is $distrib"
		exit 1
	fi
	echo "$me: $vspace is not diverted to vspace-netns"
	exit 0
	;;
add)
	[ -f "$bin" ] || refuse "$target is not installed under $root/: run make install first"
	is_wrapper "$v" && refuse "$vspace is already the vspace-netns wrapper: not diverting it twice (make uninstall-divert undoes it)"
	exists "$d" && refuse "$distrib exists: vspace is already diverted; not diverting twice (make uninstall-divert undoes it, or move $distrib away if it is stale)"
	pkg=$(diverted_by)
	[ -z "$pkg" ] || refuse "$vspace is already diverted (by ${pkg}): not diverting twice"
	[ -f "$v" ] || refuse "there is no $vspace to divert under $root/: install util-vserver first"
	# A hard link first and the wrapper renamed over vspace after: there is never a moment
	# without a vspace. dpkg-divert records the same as --rename would, the moves being ours.
	ln -P "$v" "$d"
	if [ "$method" = dpkg ]; then
		mkdir -p "$root/var/lib/dpkg"
		dpkg_divert --local --divert "$distrib" --add "$vspace" >/dev/null || {
			rm -f "$d"
			refuse "dpkg-divert could not record the diversion; nothing changed"
		}
	fi
	place_wrapper
	echo "$me: $vspace is now the vspace-netns wrapper; the original is $distrib"
	;;
remove)
	pkg=$(diverted_by)
	case $pkg in
	"" | LOCAL) ;;
	*) refuse "$vspace is diverted by package $pkg: remove that package instead (dpkg -r $pkg)" ;;
	esac
	if [ -z "$pkg" ] && ! exists "$d"; then
		is_wrapper "$v" && refuse "$vspace is the wrapper but $distrib is missing: reinstall util-vserver's vspace to $distrib, then run this again"
		echo "$me: $vspace is not diverted: nothing to undo"
		exit 0
	fi
	if exists "$v" && ! is_wrapper "$v"; then
		refuse "$vspace is not the vspace-netns wrapper: leaving it and $distrib as they are; move one of them yourself"
	fi
	if [ -n "$pkg" ]; then
		dpkg_divert --local --remove "$vspace" >/dev/null
	fi
	# One rename puts the original over the wrapper.
	if exists "$d"; then
		mv -f -T "$d" "$v"
	else
		rm -f "$v"
	fi
	echo "$me: $vspace is util-vserver's again"
	;;
*)
	usage
	;;
esac

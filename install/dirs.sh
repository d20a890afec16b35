#!/bin/sh
# dirs.sh: the directories `make install` creates, and `make uninstall` removes again (only
# those, and only when empty: /usr/local/sbin and the like that existed before stay).
#
# usage: dirs.sh make ROOT MANIFEST DIR...
#          create each DIR (absolute, inside ROOT) with its missing parents; every directory
#          created is appended to MANIFEST (absolute inside ROOT, one per line; MANIFEST's
#          own directory must be among the DIRs or exist)
#        dirs.sh remove ROOT MANIFEST
#          remove MANIFEST, then the directories it lists, deepest first, those that are empty
# ROOT is $(DESTDIR), empty for /. Paths must not hold spaces or newlines. Exit 1 on a failure.
set -eu

usage() {
	echo "usage: $0 make ROOT MANIFEST DIR... | remove ROOT MANIFEST" >&2
	exit 2
}

[ $# -ge 3 ] || usage
action=$1 root=${2%/} manifest=$3
shift 3

case $action in
make)
	made=
	for dir; do
		case $dir in /*) ;; *) echo "dirs.sh: '$dir' is not absolute" >&2; exit 2 ;; esac
		path=
		# Each component from the top, so that created parents are recorded too.
		for part in $(printf '%s\n' "$dir" | tr '/' ' '); do
			path=$path/$part
			if ! [ -d "$root$path" ]; then
				mkdir -m 0755 "$root$path"
				made="$made$path
"
			fi
		done
	done
	printf '%s' "$made" >>"$root$manifest"
	;;
remove)
	[ $# -eq 0 ] || usage
	[ -f "$root$manifest" ] || exit 0
	list=$(sort -r -u "$root$manifest")
	rm -f "$root$manifest"
	printf '%s\n' "$list" | while IFS= read -r dir; do
		[ -n "$dir" ] || continue
		# Only when empty: something else may have been put there since.
		rmdir "$root$dir" 2>/dev/null || true
	done
	;;
*) usage ;;
esac

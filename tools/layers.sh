#!/bin/sh
# tools/layers.sh - enforce the layering of the source tree (DESIGN.md,
# "Parts and what they own"). Each part may include its own headers and
# those of parts on a lower level; parts on the same level are independent
# of each other (the lease source never includes the DNS engine, the DNS
# engine, like Knot's libknot, includes nothing above it). Exit 1 and name
# every offending #include otherwise. Run by `make layers` before any test.
#
#   level 0  ringbuf/  user/common/           the event ABI, logging, helpers
#   level 1  bpf/                             the parser (kernel and gcc builds)
#   level 2  user/wire/  user/lease/  user/kea/  user/dns/   (independent of each other)
#   level 3  user/ctl/                        configuration, control, metrics
#   level 4  user/sync/                       reconciler, ownership store
#   level 5  user/*.c                         main and the daemon: wiring
set -eu
cd "${LS_TOP:-$(dirname "$0")/..}"

level() {
	case "$1" in
	ringbuf|common) echo 0 ;;
	bpf) echo 1 ;;
	wire|lease|kea|dns) echo 2 ;;
	ctl) echo 3 ;;
	sync) echo 4 ;;
	top) echo 5 ;;
	*) echo 99 ;;
	esac
}

# part of a path: user/dns/x.c -> dns, user/main.c -> top, bpf/x -> bpf
part_of() {
	case "$1" in
	user/*/*) p=${1#user/}; echo "${p%%/*}" ;;
	user/*) echo top ;;
	ringbuf/*) echo ringbuf ;;
	bpf/*) echo bpf ;;
	*) echo other ;;
	esac
}

bad=0
for f in $(find ringbuf bpf user -name '*.[ch]' | sort); do
	me=$(part_of "$f")
	ml=$(level "$me")
	if [ "$ml" = 99 ]; then
		echo "layers: $f: folder '$me' is not a known part (add it to tools/layers.sh)" >&2
		bad=1
		continue
	fi
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
	sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/' |
	while read -r line inc; do
		case "$inc" in
		user/*|ringbuf/*|bpf/*) ;;
		*) continue ;;	# generated headers (skeleton) and system headers
		esac
		them=$(part_of "$inc")
		tl=$(level "$them")
		if [ "$tl" -gt "$ml" ] || { [ "$tl" -eq "$ml" ] && [ "$them" != "$me" ]; }; then
			echo "layers: $f:$line: part '$me' (level $ml) includes $inc of part '$them' (level $tl)" >&2
			echo x
		fi
	done | grep -q x && bad=1
done
if [ "$bad" -ne 0 ]; then
	echo "layers: a lower part includes a higher one or a peer; see DESIGN.md" >&2
	exit 1
fi
echo "layers: ok"

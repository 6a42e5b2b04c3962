#!/bin/sh
# tools/bench/leases.sh - lease file load benchmark (issue 3). Generates a
# v4 and a v6 Kea lease file of LS_BENCH_LEASES (default 1,000,000) leases with
# the repeated rows real files have (tools/leasegen), then in the same run
# times leasesnoop's full load and index (tools/leasewatch --bench: the real
# user/leases code, best of 3) beside kea-lfc processing the same file, the
# anchor, and measures resident bytes per active lease for both (kea-lfc:
# peak RSS above its own empty-file baseline). Prints one JSON line per figure
# as DESIGN.md says (ratio > 1: leasesnoop better), then a short table.
# Targets: >= 5x kea-lfc's rows/s, <= 150 bytes per lease. Not a test.
set -eu
LS_TOP=${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LS_OUTPUT=${LS_OUTPUT:-$LS_TOP/.output}
N=${LS_BENCH_LEASES:-1000000}
GEN=$LS_OUTPUT/tools/leasegen
WATCH=$LS_OUTPUT/tools/leasewatch
for b in "$GEN" "$WATCH"; do
	[ -x "$b" ] || { echo "bench leases: $b missing (make all)" >&2; exit 1; }
done
command -v kea-lfc > /dev/null || { echo "bench leases: kea-lfc missing (make deps)" >&2; exit 1; }

D=$(mktemp -d /tmp/ls-bench-leases-XXXXXX)
trap 'rm -rf "$D"' EXIT
echo '{}' > "$D/lfc.conf"

# run_lfc FAMILY FILE - kea-lfc on a copy of FILE (it consumes its input);
# sets lfc_s (wall seconds), lfc_kb (peak RSS, kB) and lfc_leases (rows out)
run_lfc() {
	rm -f "$D/prev" "$D/out" "$D/fin" "$D/lfc.pid"
	cp "$2" "$D/in.csv"
	_s=$(date +%s.%N)
	KEA_LOCKFILE_DIR=none kea-lfc "-$1" -p "$D/lfc.pid" -x "$D/prev" -i "$D/in.csv" \
		-o "$D/out" -f "$D/fin" -c "$D/lfc.conf" 2> "$D/lfc.err" &
	_pid=$!
	lfc_kb=0
	while kill -0 "$_pid" 2> /dev/null; do
		_k=$(awk '/^VmHWM:/ { print $2 }' "/proc/$_pid/status" 2> /dev/null || true)
		[ -n "$_k" ] && lfc_kb=$_k
		sleep 0.1
	done
	wait "$_pid" || { echo "bench leases: kea-lfc failed:" >&2; tail -3 "$D/lfc.err" >&2; exit 1; }
	_e=$(date +%s.%N)
	lfc_s=$(awk -v s="$_s" -v e="$_e" 'BEGIN { printf "%.3f", e - s }')
	# kea-lfc leaves its result where the previous file was
	lfc_leases=$(($(wc -l < "$D/prev") - 1))
}

json() {	# bench figure value unit anchor_value ratio
	printf '{"bench":"%s","figure":"%s","value":%s,"unit":"%s","anchor":"kea-lfc","anchor_value":%s,"ratio":%s}\n' \
		"$1" "$2" "$3" "$4" "$5" "$6"
}

table=""
for fam in 4 6; do
	f=$D/leases$fam.csv
	"$GEN" "-$fam" -n "$N" > "$f"
	rows=$(($(wc -l < "$f") - 1))
	mb=$(awk -v b="$(wc -c < "$f")" 'BEGIN { printf "%.0f", b / 1048576 }')

	best=""
	for _i in 1 2 3; do
		"$WATCH" --bench "$f" > "$D/ours.json"
		s=$(jq .seconds "$D/ours.json")
		if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$s
			cp "$D/ours.json" "$D/best.json"
		fi
	done
	ours_rss=$(jq .rss_bytes "$D/best.json")
	active=$(jq .active "$D/best.json")
	leases=$(jq .leases "$D/best.json")

	# kea-lfc's own footprint: the same run on an empty lease file
	head -1 "$f" > "$D/empty.csv"
	run_lfc "$fam" "$D/empty.csv"
	base_kb=$lfc_kb
	run_lfc "$fam" "$f"

	ours_rps=$(awk -v r="$rows" -v s="$best" 'BEGIN { printf "%.0f", r / s }')
	lfc_rps=$(awk -v r="$rows" -v s="$lfc_s" 'BEGIN { printf "%.0f", r / s }')
	ours_bpl=$(awk -v b="$ours_rss" -v n="$active" 'BEGIN { printf "%.1f", b / n }')
	lfc_bpl=$(awk -v k="$lfc_kb" -v z="$base_kb" -v n="$lfc_leases" \
		'BEGIN { printf "%.1f", (k - z) * 1024 / n }')
	json "leases-load-v$fam" rows_per_s "$ours_rps" 1/s "$lfc_rps" \
		"$(awk -v a="$ours_rps" -v b="$lfc_rps" 'BEGIN { printf "%.2f", a / b }')"
	json "leases-load-v$fam" bytes_per_lease "$ours_bpl" B "$lfc_bpl" \
		"$(awk -v a="$ours_bpl" -v b="$lfc_bpl" 'BEGIN { printf "%.2f", b / a }')"
	table="$table$(printf '%-4s %9s %6s %10s %9s %10s %9s %9s %9s' "v$fam" "$rows" "${mb}M" \
		"$best" "$lfc_s" "$ours_rps" "$lfc_rps" "$ours_bpl" "$lfc_bpl")
"
	if [ "$leases" != "$lfc_leases" ]; then
		echo "bench leases: v$fam: leasesnoop holds $leases leases, kea-lfc wrote $lfc_leases" >&2
		exit 1
	fi
done

echo
echo "lease file load: leasesnoop (user/leases) vs kea-lfc, same files, $N leases each"
printf '%-4s %9s %6s %10s %9s %10s %9s %9s %9s\n' fam rows size ours_s lfc_s ours_rows/s \
	lfc_rows/s ours_B/l lfc_B/l
printf '%s' "$table"
echo "targets: >= 5x kea-lfc rows/s, <= 150 B per active lease (RSS)"

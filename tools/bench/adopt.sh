#!/bin/sh
# tools/bench/adopt.sh - adoption alone ("adopt-existing"), at N leases,
# without the hour of UPDATEs the whole scale bench (tools/bench/scale.sh)
# spends filling the zones first: the zones are loaded from files holding
# exactly what Kea D2 would have written for tools/leasegen's N active
# leases (A + DHCID at each name, PTR + DHCID at each reverse name, DHCIDs
# computed by tools/dnsdrive --dhcid, the same code as leasesnoop's), then
# leasesnoop starts on an empty store and adopts them. Figures: the time to
# idle, bindings adopted, UPDATEs sent (0), leasesnoop's CPU beside the
# server's, peak RSS, the slowest --stats answer meanwhile; method and
# server from the environment:
#
#   sh tools/bench/adopt.sh [N]      (default 100000)
#   LS_ADOPT_METHOD=transfer|query   ("adopt-method", default transfer)
#   LS_ADOPT_SERVER=bind|knot        (default bind)
#
# One JSON line per figure, as every bench prints them; the anchor is the
# issue's target (adoption of 1M leases within 180 s) or the other
# server's CPU. Run it nice'd: at 1M it loads 4M RRs into the server.
set -u
LS_TOP=${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LS_OUTPUT=${LS_OUTPUT:-$LS_TOP/.output}
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsconf.sh"
N=${1:-100000}
METHOD=${LS_ADOPT_METHOD:-transfer}
KIND=${LS_ADOPT_SERVER:-bind}
LS_BIN=${LS_BIN:-$LS_TOP/leasesnoop}
GEN=$LS_OUTPUT/tools/leasegen
DRIVE=$LS_OUTPUT/tools/dnsdrive
FZ=dyn.example.
RZ=10.in-addr.arpa.
W=$(mktemp -d /tmp/ls-bench-adopt-XXXXXX)
LPID=""
cleanup() {
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null
	lab_bind_stop "$W/srv"
	[ -n "${LS_KEEP:-}" ] && echo "# kept $W" >&2 || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
for b in "$LS_BIN" "$GEN" "$DRIVE"; do
	[ -x "$b" ] || { echo "bench adopt: needs $b (make all)" >&2; exit 1; }
done
die() { echo "bench adopt: $*" >&2; [ -f "$W/ls.err" ] && tail -5 "$W/ls.err" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "null" }'; }
HZ=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
cpu_s() { awk -v t="$1" -v hz="$HZ" 'BEGIN { printf "%.1f", t / hz }'; }
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
json() {	# figure value unit anchor anchor_value ratio ("-": none)
	_a=$5 _r=$6
	[ "$_a" = - ] && _a=null
	[ "$_r" = - ] && _r=null
	printf '{"bench":"adopt-%s-%s","figure":"%s","value":%s,"unit":"%s","anchor":"%s","anchor_value":%s,"ratio":%s}\n' \
		"$KIND" "$METHOD" "$1" "$2" "$3" "$4" "$_a" "$_r"
}

SECRET=$(lab_dns_secret 32)
NOW=$(date +%s)
"$GEN" -4 -n "$N" -t "$NOW" > "$W/kea-leases4.csv" || die "leasegen failed"
# the active lease of each address: its last row (as the lease table reads the file)
awk -F, -v now="$NOW" 'NR > 1 { last[$1] = $0 } END {
	for (a in last) { split(last[a], f, ","); if (f[9] != "" && f[5] > now && f[10] == 0) print a, f[3], f[9] } }' \
	"$W/kea-leases4.csv" | sort > "$W/active"
ACTIVE=$(wc -l < "$W/active")
awk '{ printf "cid:%s %s.\n", $2, $3 }' "$W/active" | "$DRIVE" --dhcid > "$W/dhcid" ||
	die "dnsdrive --dhcid failed"
mkdir -p "$W/srv"
paste -d' ' "$W/active" "$W/dhcid" | awk -v fz="$W/srv/extra-$FZ" -v rz="$W/srv/extra-$RZ" '{
	split($1, o, ".")
	printf "%s 3600 IN A %s\n%s 3600 IN DHCID %s\n", $4, $1, $4, $5 > fz
	printf "%s.%s.%s.10.in-addr.arpa. 3600 IN PTR %s\n%s.%s.%s.10.in-addr.arpa. 3600 IN DHCID %s\n",
		o[4], o[3], o[2], $4, o[4], o[3], o[2], $5 > rz }'
PORT=$(lab_dns_free_port)
"lab_${KIND}_start" "$W/srv" "$PORT" k hmac-sha256 "$SECRET" $FZ $RZ >/dev/null 2>&1
for _i in $(seq 1 600); do
	dig +short +time=1 +tries=1 -p "$PORT" @127.0.0.1 "$FZ" SOA 2>/dev/null | grep -q lab && break
	sleep 0.5
done
SPID=$(cat "$W/srv/daemon.pid")
h=$(awk 'NR == 1 { print $3 "." }' "$W/active")
dig +short -p "$PORT" @127.0.0.1 "$h" A | grep -q . || die "the server did not load the zones"

ls_conf -d "$W" -p "$PORT" -s "$SECRET" -4 "$W/kea-leases4.csv" -f $FZ -r $RZ \
	-x '"log-level": "info"' -x '"adopt-existing": true' -x "\"adopt-method\": \"$METHOD\"" > "$W/ls.conf"
stats() { "$LS_BIN" --stats --json --control-socket "$W/ctl.sock" 2>/dev/null; }
c0=$(ticks "$SPID")
t0=$(now)
"$LS_BIN" -c "$W/ls.conf" > "$W/ls.out" 2> "$W/ls.err" &
LPID=$!
worst=0
_end=$(($(date +%s) + 600 + N / 200))
while :; do
	[ "$(date +%s)" -lt "$_end" ] || die "adoption not over in time"
	kill -0 "$LPID" 2>/dev/null || die "leasesnoop died"
	q0=$(now)
	STATS=$(stats)
	if [ -n "$STATS" ]; then
		worst=$(awk -v w="$worst" -v d="$(since "$q0")" 'BEGIN { print (d > w ? d : w) }')
		[ "$(echo "$STATS" | jq -r .idle)" = true ] && grep -q "adoption pass" "$W/ls.err" && break
	fi
	sleep 0.2
done
ad=$(since "$t0")
st() { echo "$STATS" | jq -r "$1"; }
json adopt_s "$ad" s target 180 "$(div 180 "$ad")"
json adopt_bindings "$(st .adopted)" 1 active "$ACTIVE" "$(div "$(st .adopted)" "$ACTIVE")"
json adopt_updates "$(st .dns.messages)" 1 target 0 -
json adopt_stats_worst_s "$worst" s target 1 "$(div 1 "$worst")"
json adopt_cpu_s "$(cpu_s "$(ticks "$LPID")")" s "$KIND-cpu" "$(cpu_s $(($(ticks "$SPID") - c0)))" -
json adopt_peak_rss_mib "$(($(kb "$LPID" VmHWM) / 1024))" MiB target - -
json adopt_queries "$(st '.dns."adopt-queries"')" 1 target - -
json adopt_transfers "$(st '.dns."adopt-transfers"')" 1 target - -
json adopt_transfer_rrs "$(st '.dns."adopt-transfer-rrs"')" 1 target - -
grep -E "adopt: zone|adoption pass" "$W/ls.err" | sed 's/^/# /' >&2

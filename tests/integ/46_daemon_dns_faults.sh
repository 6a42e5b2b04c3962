#!/bin/sh
# tests/integ/46_daemon_dns_faults.sh - leasesnoop -c (lease files only)
# against a real BIND 9 that refuses, or stops answering:
# - one name BIND's check-names refuses ("bad-": a label ending in a hyphen) in a
#   200-change message costs that lease alone, and the log names it;
# - names that cannot be published (the root, an empty label, a 64-octet
#   label, over 255 octets) are never sent: counted, logged, no PTR at all;
# - a wrong TSIG secret with owned records to remove: UPDATEs per minute and
#   log lines stay bounded (it was a storm of thousands a second), and once
#   the key is fixed (SIGHUP) the removals land;
# - BIND stopped (SIGSTOP) for 30 s with changes queued beyond
#   max-queued-changes: leasesnoop sleeps (under 2 % of a core, read from
#   /proc), and every change lands once BIND runs again.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named dig jq
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

DIR=$(mktemp -d /tmp/ls-faults-XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	[ -f "$DIR/dns/daemon.pid" ] && kill -CONT "$(cat "$DIR/dns/daemon.pid")" 2>/dev/null
	lab_bind_stop "$DIR/dns" 2>/dev/null
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tap_plan 16

FZ=faults.example.
RZ=65.10.in-addr.arpa.
PORT=$(lab_dns_free_port)
SECRET=$(lab_dns_secret 32)
WRONG=$(lab_dns_secret 32)
lab_bind_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" "$RZ" >/dev/null 2>&1
tap_ok "BIND up" lab_dns_wait "$PORT" "$FZ"

# conf SECRET FULL_INTERVAL MAX_QUEUED LOG_LEVEL
conf() {
	cat > "$DIR/ls.conf" <<CEOF
{ "Leasesnoop": {
  "kea-ddns-updates": false,  // Kea's DDNS off: names from the lease file
  "interfaces": [],
  "lease-files": { "v4": "$DIR/kea-leases4.csv" },
  "state-dir": "$DIR/state", "control-socket": "$DIR/ctl.sock",
  "log-level": "$4", "full-reconcile-interval": $2,
  "batching": { "timeout-ms": 1000, "backoff-max-ms": 2000, "max-queued-changes": $3 },
  "tsig-keys": [ { "name": "k", "algorithm": "HMAC-SHA256", "secret": "$1" } ],
  "forward-ddns": { "ddns-domains": [ { "name": "$FZ", "key-name": "k",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $PORT } ] } ] },
  "reverse-ddns": { "ddns-domains": [ { "name": "$RZ", "key-name": "k",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $PORT } ] } ] }
} }
CEOF
}
start() { ls_daemon_start "$DIR"; _r=$?; PID=$LS_DPID; return $_r; }
stop() { kill -TERM "$PID"; wait "$PID"; PID=; }
stats() { ls_daemon_stats "$DIR"; }
settle() { ls_daemon_settle "$DIR" "$1"; }
# rows FIRST LAST STATE: Kea-style rows for leases FIRST..LAST, named cN.faults.example.
rows() {
	awk -v a="$1" -v b="$2" -v st="$3" -v now="$(date +%s)" 'BEGIN {
		for (i = a; i <= b; i++)
			printf "10.65.%d.%d,02:00:00:65:%02x:%02x,,3600,%d,1,1,1,c%d.faults.example.,%d,\n",
				int(i / 250) + 1, i % 250 + 1, int(i / 256), i % 256, now + 3600, i, st
	}'
}
# odd NAME LAST-OCTET: one lease at 10.65.200.N with host name NAME
odd() { printf '10.65.200.%d,02:00:00:66:00:%02x,,3600,%d,1,1,1,%s,0,\n' "$2" "$2" $(($(date +%s) + 3600)) "$1"; }
count() { lab_dns_axfr "$PORT" "$1" k hmac-sha256 "$SECRET" | awk -v t="$2" '$3 == t' | wc -l; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
lines() { wc -l < "$DIR/ls.err"; }

# --- 1. one name BIND refuses, and names nobody can publish, among 200 good ones
echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" > "$DIR/kea-leases4.csv"
L64=$(printf 'x%.0s' $(seq 1 64))
L60=$(printf 'y%.0s' $(seq 1 60))
{
	rows 0 99 0
	odd "bad-.faults.example." 1		# check-names: "bad-" ends in a hyphen
	odd "." 2				# the root
	odd "a..faults.example." 3		# an empty label
	odd "$L64.faults.example." 4		# a label over 63 octets
	odd "$L60.$L60.$L60.$L60.faults.example." 5	# 260 octets
	rows 100 199 0
} >> "$DIR/kea-leases4.csv"
conf "$SECRET" 3600 100000 info
if start; then tap_pass "leasesnoop -c starts"; else tap_fail "leasesnoop -c starts" "$(cat "$DIR/ls.err")"; fi
settle 60
tap_is "one refused name in a 205-change message: the 200 good names all land" \
	"$(count "$FZ" A) $(count "$RZ" PTR)" "200 200"
tap_is "... the refused one is counted once as refused" \
	"$(stats | jq '[.changes[] | select(.op == "add" and .rr == "A" and .result == "refused") | .count] | add')" 1
if grep -q "REFUSED for 'bad-.faults.example.'" "$DIR/ls.err"; then
	tap_pass "... and the log names it"
else
	tap_fail "... and the log names it" "$(grep -i refused "$DIR/ls.err" | head -5)"
fi
tap_is "unpublishable names: 4 counted, none sent, no PTR to the root" \
	"$(stats | jq '."names-unpublishable"') $(lab_dns_axfr "$PORT" "$RZ" k hmac-sha256 "$SECRET" | grep -c '^[0-9]*\.200\.65\.10\.in-addr\.arpa\.')" "4 0"
n=$(grep -c "cannot be published" "$DIR/ls.err")
tap_is "... one log line per lease, naming it" "$n $(grep "cannot be published" "$DIR/ls.err" | grep -c "10\.65\.200\.[2-5] ")" "4 4"

# --- 2. a wrong secret with 50 owned records to remove: no storm
stop
rows 0 49 3 >> "$DIR/kea-leases4.csv"	# released
conf "$WRONG" 10 100000 info
l0=$(lines)
b0=$(grep -c "BADSIG\|bad signature\|tsig verify failure" "$DIR/dns/named.log")
if start; then tap_pass "restart with a wrong TSIG secret"; else tap_fail "restart with a wrong TSIG secret" "$(tail "$DIR/ls.err")"; fi
sleep 30
msgs=$(stats | jq '.dns.messages')
warn=$(tail -n +$((l0 + 1)) "$DIR/ls.err" | grep -cE "(Z|leasesnoop:) (error|warn): ")
all=$(($(lines) - l0))
b1=$(grep -c "BADSIG\|bad signature\|tsig verify failure" "$DIR/dns/named.log")
tap_diag "30 s with a wrong secret: $msgs UPDATEs sent, BIND logged $((b1 - b0)) signature failures, $warn error/warning lines, $all lines in all"
if [ "$msgs" -ge 1 ] && [ "$msgs" -le 30 ]; then
	tap_pass "UPDATEs to a server that rejects the key: $msgs in 30 s (at most 60 a minute)"
else
	tap_fail "UPDATEs to a server that rejects the key: $msgs in 30 s (at most 60 a minute)"
fi
if [ "$warn" -le 60 ] && [ "$all" -le 1000 ]; then
	tap_pass "log lines bounded: $warn errors/warnings, $all in all, in 30 s"
else
	tap_fail "log lines bounded: $warn errors/warnings, $all in all, in 30 s" "$(tail -n +$((l0 + 1)) "$DIR/ls.err" | sort | uniq -c | sort -rn | head -5)"
fi
tap_is "... and the records stay until the key is right" "$(count "$FZ" A)" 200
conf "$SECRET" 3600 100000 info
kill -HUP "$PID"
settle 60
tap_is "key fixed (SIGHUP): the 50 removals land at once" "$(count "$FZ" A) $(count "$RZ" PTR)" "150 150"

# --- 3. BIND stopped with changes queued beyond max-queued-changes: no spin
stop
conf "$SECRET" 3600 50 info
if start; then tap_pass "restart with max-queued-changes 50"; else tap_fail "restart with max-queued-changes 50" "$(tail "$DIR/ls.err")"; fi
settle 30
BPID=$(cat "$DIR/dns/daemon.pid")
kill -STOP "$BPID"
rows 200 1199 0 >> "$DIR/kea-leases4.csv"
for _i in $(seq 1 50); do
	[ "$(stats | jq '."queue-dirty"')" -gt 0 ] && break
	sleep 0.1
done
tap_is "BIND stopped: changes wait (in flight and dirty)" \
	"$(stats | jq '."queue-inflight" == 50 and ."queue-dirty" > 0')" true
t0=$(cpu_ticks "$PID")
sleep 30
t1=$(cpu_ticks "$PID")
hz=$(getconf CLK_TCK)
pct=$(awk -v d=$((t1 - t0)) -v hz="$hz" 'BEGIN { printf "%.2f", 100 * d / hz / 30 }')
tap_diag "leasesnoop CPU over 30 s with BIND stopped: $((t1 - t0)) ticks of 1/$hz s = $pct % of a core"
if [ $(((t1 - t0) * 100)) -lt $((2 * 30 * hz)) ]; then
	tap_pass "CPU under 2 % of a core while nothing can be sent ($pct %)"
else
	tap_fail "CPU under 2 % of a core while nothing can be sent ($pct %)"
fi
kill -CONT "$BPID"
settle 90
tap_is "BIND back: all 1,000 waiting changes land" "$(count "$FZ" A) $(count "$RZ" PTR)" "1150 1150"
tap_done

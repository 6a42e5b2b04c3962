#!/bin/sh
# tests/integ/77_daemon_adopt_async.sh - "adopt-existing" runs beside the
# event loop. 1,500 leases wait for adoption in a zone whose server takes
# TCP and UDP and never answers (the zone transfer asked first stalls and is
# given up after 10 s, counted; then each query times out: about a minute
# of adoption); meanwhile the control socket answers at once and a new lease
# in another zone (BIND) reaches DNS within seconds, while the adoption
# round is still running. (Before: adoption ran before the loop and held
# both until it ended.)
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named dig jq perl
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

ls_bind_lab adopt-async
SILENT=
silent_down() { [ -z "$SILENT" ] || kill "$SILENT" 2>/dev/null; }
LS_LAB_DOWN=silent_down
tap_plan 9

N=1500
FAST=fast.example.
SLOW=slow.example.
PORT=$(lab_dns_free_port)
SPORT=$((PORT + 1))
SECRET=$(lab_dns_secret 32)
NOW=$(date +%s)

lab_bind_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FAST" >/dev/null 2>&1
tap_ok "BIND up" lab_dns_wait "$PORT" "$FAST"
# the slow zone's server: takes connections and datagrams, never answers
# (tests/lib/blackhole.pl); listening before leasesnoop starts, else its
# transfer is refused, not stalled
perl "$LS_TOP/tests/lib/blackhole.pl" 127.0.0.1 "$SPORT" > "$DIR/silent.out" 2>&1 &
SILENT=$!
WAIT_STEP=0.1 wait_for 10 grep -q listening "$DIR/silent.out"

{
	echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context"
	awk -v n=$N -v now=$NOW 'BEGIN { for (i = 0; i < n; i++)
		printf "10.65.%d.%d,02:00:00:00:%02x:%02x,,3600,%d,1,1,1,s%d.slow.example.,0,\n",
			int(i / 250) + 1, i % 250 + 1, int(i / 256), i % 256, now + 3600, i }'
} > "$DIR/kea-leases4.csv"
cat > "$DIR/ls.conf" <<CEOF
{ "Leasesnoop": {
  "kea-ddns-updates": false,
  "interfaces": [],
  "lease-files": { "v4": "$DIR/kea-leases4.csv" },
  "state-dir": "$DIR/state", "control-socket": "$DIR/ctl.sock",
  "log-level": "info",
  "adopt-existing": true,
  "batching": { "timeout-ms": 2000 },
  "tsig-keys": [ { "name": "k", "algorithm": "HMAC-SHA256", "secret": "$SECRET" } ],
  "forward-ddns": { "ddns-domains": [
    { "name": "$FAST", "key-name": "k", "dns-servers": [ { "ip-address": "127.0.0.1", "port": $PORT } ] },
    { "name": "$SLOW", "key-name": "k", "dns-servers": [ { "ip-address": "127.0.0.1", "port": $SPORT } ] } ] }
} }
CEOF

if start; then tap_pass "leasesnoop -c starts with $N leases to adopt"
else tap_fail "leasesnoop -c starts" "$(cat "$DIR/ls.err")"; fi
adopting() { ! grep -q "reconcile: adoption pass" "$DIR/ls.err"; }

t0=$(date +%s.%N)
ans=$(timeout 3 perl "$LS_TOP/tests/lib/hostile.pl" ctl "$DIR/ctl.sock" status-get)
t1=$(date +%s.%N)
tap_is "status-get answers during adoption (in $(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }') s)" \
	"$(echo "$ans" | jq -r .result)$(adopting && echo ' adopting')" "0 adopting"

# a new lease in the other zone: it goes to DNS now, not after the round
echo "10.66.0.1,02:00:00:00:ee:01,,3600,$((NOW + 3600)),1,1,1,new.fast.example.,0," >> "$DIR/kea-leases4.csv"
landed() { dig +short -p "$PORT" @127.0.0.1 new.fast.example. A | grep -q '^10\.66\.0\.1$'; }
WAIT_STEP=0.2 wait_for 10 landed
tap_ok "a new lease in another zone reaches DNS during adoption" landed
tap_ok "... and the adoption round was still running then" adopting
# the stalled transfer is given up (10 s without data): the leases are asked about by query
queries() { q=$(ls_daemon_stats "$DIR" | jq '.dns."adopt-queries"'); [ "$q" -gt 0 ] 2>/dev/null; }
WAIT_STEP=0.2 wait_for 40 queries
tap_ok "--stats counts the round's queries while it runs ($q)" sh -c "[ '$q' -gt 0 ] 2>/dev/null && ! grep -q 'reconcile: adoption pass' '$DIR/ls.err'"
tap_is "... after the stalled transfer was given up, counted and logged" \
	"$(ls_daemon_stats "$DIR" | jq '.dns."adopt-transfer-failures"') $(grep -c "adopt: AXFR of zone '$SLOW' from '127.0.0.1#$SPORT' failed (Connection timed out)" "$DIR/ls.err")" "1 1"

# the round ends (every query timed out: nothing adopted), the leases take the add path
round_done() { grep -q "reconcile: adoption pass: 0 bindings adopted" "$DIR/ls.err"; }
WAIT_STEP=0.5 wait_for 90 round_done
tap_ok "the round ends: nothing adopted from a server that never answered" \
	grep -q "reconcile: adoption pass: 0 bindings adopted" "$DIR/ls.err"
kill -TERM "$PID"; wait "$PID"; rc=$?; PID=
tap_is "it stops cleanly (exit 0)" "$rc" "0"
tap_done

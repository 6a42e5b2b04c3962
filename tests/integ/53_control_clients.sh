#!/bin/sh
# tests/integ/53_control_clients.sh - clients of the control socket cannot
# hold up the pipeline: against BIND, a burst of 5,000 new leases lands as
# it does without them while four idle clients, one sending a byte every
# 0.5 s and one sending garbage hang on the socket (each reconnecting when
# dropped); `--stats` and status-get still answer meanwhile, and the
# server counts what it dropped. (Before: four idle clients kept a burst
# from landing for minutes; a slow one froze the loop.)
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named dig jq perl
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

DIR=$(mktemp -d /tmp/ls-ctlcl-XXXXXX)
PID= CLIENTS=
cleanup() {
	for c in $CLIENTS; do kill "$c" 2>/dev/null; done
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	lab_bind_stop "$DIR/dns" 2>/dev/null
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tap_plan 9

N=5000
FZ=ctl.example.
PORT=$(lab_dns_free_port)
SECRET=$(lab_dns_secret 32)
lab_bind_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" >/dev/null 2>&1
tap_ok "BIND up" lab_dns_wait "$PORT" "$FZ"
cat > "$DIR/ls.conf" <<CEOF
{ "Leasesnoop": {
  "kea-ddns-updates": false,  // Kea's DDNS off: names from the lease file
  "interfaces": [],
  "lease-files": { "v4": "$DIR/kea-leases4.csv" },
  "state-dir": "$DIR/state", "control-socket": "$DIR/ctl.sock",
  "log-level": "warn",
  "batching": { "timeout-ms": 10000 },
  "tsig-keys": [ { "name": "k", "algorithm": "HMAC-SHA256", "secret": "$SECRET" } ],
  "forward-ddns": { "ddns-domains": [ { "name": "$FZ", "key-name": "k",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $PORT } ] } ] }
} }
CEOF
echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" > "$DIR/kea-leases4.csv"

# rows FIRST LAST: Kea-style rows of new leases FIRST..LAST (forward only)
rows() {
	awk -v a="$1" -v b="$2" -v now="$(date +%s)" 'BEGIN {
		for (i = a; i <= b; i++)
			printf "10.%d.%d.%d,02:00:00:%02x:%02x:%02x,,3600,%d,1,1,0,c%d.ctl.example.,0,\n",
				100 + int(i / 62500), int(i / 250) % 250 + 1, i % 250 + 1,
				int(i / 65536), int(i / 256) % 256, i % 256, now + 3600, i
	}'
}
count() { lab_dns_axfr "$PORT" "$FZ" k hmac-sha256 "$SECRET" | awk '$3 == "A"' | wc -l; }
# land WANT SECS: wait until the zone holds WANT A records; prints the seconds it took
land() {
	_t0=$(date +%s.%N) _end=$(($(date +%s) + $2))
	while [ "$(date +%s)" -lt "$_end" ]; do
		[ "$(count)" -ge "$1" ] && break
		sleep 0.2
	done
	echo "$_t0 $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }'
	[ "$(count)" -ge "$1" ]
}

if ls_daemon_start "$DIR"; then tap_pass "leasesnoop -c starts"; else tap_fail "leasesnoop -c starts" "$(cat "$DIR/ls.err")"; fi
PID=$LS_DPID

rows 0 $((N - 1)) >> "$DIR/kea-leases4.csv"
base=$(land $N 120)
tap_is "without clients: $N leases land (in ${base} s)" "$(count)" "$N"

for i in 1 2 3 4; do
	perl "$LS_TOP/tests/lib/hostile.pl" idle "$DIR/ctl.sock" 300 & CLIENTS="$CLIENTS $!"
done
perl "$LS_TOP/tests/lib/hostile.pl" slow "$DIR/ctl.sock" 300 & CLIENTS="$CLIENTS $!"
perl "$LS_TOP/tests/lib/hostile.pl" garbage "$DIR/ctl.sock" 300 & CLIENTS="$CLIENTS $!"
sleep 1	# let them take their places

rows $N $((2 * N - 1)) >> "$DIR/kea-leases4.csv"
# a generous bound: what the same burst took without clients, times 5, plus 10 s
bound=$(echo "$base" | awk '{ printf "%d", $1 * 5 + 10 }')
took=$(land $((2 * N)) "$bound")
tap_is "with 4 idle, 1 slow, 1 garbage client: the next $N land within ${bound} s (took ${took} s)" \
	"$(count)" "$((2 * N))"
st=$(ls_daemon_stats "$DIR")
tap_is "--stats answers meanwhile" "$(echo "$st" | jq -r '."adds-sent" >= '$((2 * N)))" "true"
sg=$(perl "$LS_TOP/tests/lib/hostile.pl" ctl "$DIR/ctl.sock" status-get)
tap_is "status-get answers meanwhile" "$(echo "$sg" | jq -r .result)" "0"
# the idle clients are dropped after the server's 5 s timeout; on a fast
# machine the burst lands before that, so wait for the counters (bounded)
dropped() {
	sg=$(perl "$LS_TOP/tests/lib/hostile.pl" ctl "$DIR/ctl.sock" status-get)
	[ "$(echo "$sg" | jq -r '.arguments.control.timeouts > 0 and .arguments.control.bad > 0')" = true ]
}
WAIT_STEP=0.5 wait_for 30 dropped
tap_diag "control: $(echo "$sg" | jq -c .arguments.control)"
tap_is "... and counts the clients it dropped (timeouts, bad commands)" \
	"$(echo "$sg" | jq -r '.arguments.control.timeouts > 0 and .arguments.control.bad > 0')" "true"
tap_ok "the daemon is still running" kill -0 "$PID"
for c in $CLIENTS; do kill "$c" 2>/dev/null; done
CLIENTS=
kill -TERM "$PID"; wait "$PID"; rc=$?; PID=
tap_is "it stops cleanly (exit 0)" "$rc" "0"
tap_done

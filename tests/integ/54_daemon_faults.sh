#!/bin/sh
# tests/integ/54_daemon_faults.sh - operational faults of the daemon
# (lease-files-only mode, nothing but loopback):
# - the live lease file replaced by a directory: a bounded number of log
#   lines (not one per loop turn), the daemon keeps running, and the tail
#   reads the file again once it is back;
# - /metrics with 300 idle connections from the scraper's own address: a
#   scrape is still answered within 5 s;
# - a fatal event-loop error (its epoll fd closed under it, through gdb):
#   the daemon exits non-zero with a message, so Restart=on-failure works.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd jq perl curl gdb
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

DIR=$(mktemp -d /tmp/ls-faults-XXXXXX)
PID= HOLD=
cleanup() {
	[ -n "$HOLD" ] && kill "$HOLD" 2>/dev/null
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tap_plan 10

DNSPORT=$(lab_dns_free_port)	# nothing listens there: no DNS is needed here
MPORT=$(lab_dns_free_port)
[ "$MPORT" = "$DNSPORT" ] && MPORT=$((MPORT + 2))
LF=$DIR/kea-leases4.csv
cat > "$DIR/ls.conf" <<CEOF
{ "Leasesnoop": {
  "kea-ddns-updates": false,  // Kea's DDNS off: names from the lease file
  "interfaces": [],
  "lease-files": { "v4": "$LF" },
  "state-dir": "$DIR/state", "control-socket": "$DIR/ctl.sock",
  "log-level": "info",
  "metrics": { "listen": "127.0.0.1:$MPORT" },
  "tsig-keys": [ { "name": "k", "algorithm": "HMAC-SHA256", "secret": "$(lab_dns_secret 32)" } ],
  "forward-ddns": { "ddns-domains": [ { "name": "f.example.", "key-name": "k",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $DNSPORT } ] } ] }
} }
CEOF
row() {
	printf '10.9.0.%d,02:00:00:00:00:%02x,,3600,%d,1,0,0,h%d.f.example.,0,\n' "$1" "$1" \
		$(($(date +%s) + 3600)) "$1"
}
echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" > "$LF"
row 1 >> "$LF"
leases() { ls_daemon_stats "$DIR" | jq -r '."lease-files".v4.leases'; }
# wait_for SECS CMD…: until CMD succeeds
wait_for() {
	_s=$1; shift
	for _i in $(seq 1 $((_s * 10))); do "$@" && return 0; sleep 0.1; done
	return 1
}
has_leases() { [ "$(leases)" = "$1" ]; }

if ls_daemon_start "$DIR"; then tap_pass "leasesnoop -c starts"; else tap_fail "leasesnoop -c starts" "$(cat "$DIR/ls.err")"; fi
PID=$LS_DPID
tap_ok "it holds the lease file's lease" wait_for 30 has_leases 1

# ---- the lease file becomes a directory, then comes back ----
mv "$LF" "$DIR/saved.csv"
mkdir "$LF"
touch "$LF/x"	# something happens in the watched directory too
wait_for 30 grep -q "lease_tail: cannot open '$LF'" "$DIR/ls.err"
sleep 5		# the window in which the old code logged 500,000 lines
n=$(grep -c "$LF" "$DIR/ls.err")
tap_ok "lease file replaced by a directory: $n log lines in 5 s (at most 10)" [ "$n" -ge 1 -a "$n" -le 10 ]
tap_ok "the daemon keeps running" kill -0 "$PID"
rm -rf "$LF"
mv "$DIR/saved.csv" "$LF"
row 2 >> "$LF"
tap_ok "the file back: the tail reads it again (2 leases)" wait_for 60 has_leases 2
tap_ok "... and says so" grep -q "lease_tail: reading '$LF' again" "$DIR/ls.err"

# ---- /metrics: 300 idle connections, then a scrape ----
perl "$LS_TOP/tests/lib/hostile.pl" tcp-idle 127.0.0.1 "$MPORT" 300 120 > "$DIR/hold.out" &
HOLD=$!
wait_for 60 grep -q held "$DIR/hold.out"
tap_diag "$(cat "$DIR/hold.out") idle connections opened"
code=$(curl -s -o "$DIR/scrape" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$MPORT/metrics")
tap_is "with 300 idle connections a scrape answers within 5 s" "$code" "200"
tap_ok "... with the metrics" grep -q '^leasesnoop_owned_records' "$DIR/scrape"
kill "$HOLD" 2>/dev/null; HOLD=

# ---- a fatal loop error: close the loop's epoll fd under it ----
# the loop's epoll is the first one the daemon creates: its lowest eventpoll fd
epfd=$(for f in /proc/"$PID"/fd/*; do
	[ "$(readlink "$f")" = "anon_inode:[eventpoll]" ] && basename "$f"
done | sort -n | head -1)
gdb -p "$PID" -batch -nx -ex "call (int)close($epfd)" -ex detach >"$DIR/gdb.out" 2>&1
wait "$PID"; rc=$?; PID=
tap_ok "a fatal loop error (fd $epfd closed): exit status $rc, not 0" [ "$rc" -ne 0 ]
tap_ok "... with a message" grep -q "daemon: stopping after a fatal error" "$DIR/ls.err"
tap_done

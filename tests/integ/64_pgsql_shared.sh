#!/bin/sh
# tests/integ/64_pgsql_shared.sh - the shared mode ("lease-database-shared",
# issue 14): two kea-dhcp4 servers in their own namespaces sharing one
# throwaway PostgreSQL (tools/lab/pg.sh) and one pool, a leasesnoop for
# each (node 0 and node 1 of 2, 8 shards), one BIND. Each leasesnoop leads
# its 4 home shards; clients of both servers get leases at once. One
# leasesnoop is killed (-9) in the middle of the burst: the other takes
# its shards over and DNS equals the database's leases exactly, every name
# added once (BIND's update log, counted per name; no UPDATE refused for a
# prerequisite, which a change sent twice would be). The killed one comes
# back as a follower; then every lease expires and Kea deletes it, and the
# leader is killed in the middle of the removals: the follower takes every
# shard, the zones end empty, every name removed once, nothing sent twice.
# Last, the database hangs (its postmaster stopped: new sessions wait for
# ever, sessions already open go on) and node 1's lock session is cut: it
# gives up its shards, and while its new session waits on the server its
# loop goes on (--stats answers); once the server is back it leads again.
# leasesnoop runs on the host side with no interfaces (wire events are
# covered by 61); BIND on 127.0.0.1 at a free port; the database is a
# socket file. Parallel-safe: own namespaces (KEA_LAB_PREFIX), ports, dirs.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_root
need_cmd named psql kea-admin kea-dhcp4 perfdhcp runuser jq dig
. "$LS_TOP/tests/lib/lsrun.sh"
. "$LS_TOP/tests/lib/lsconf.sh"
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tools/lab/kea.sh"
. "$LS_TOP/tools/lab/pg.sh"
[ -x "$(lab_pg_bindir)/initdb" ] || tap_skip_all "needs PostgreSQL's server (make deps)"

FZ=dyn.example.
RZ4=64.10.in-addr.arpa.
DIR=$(mktemp -d /tmp/ls-pgshared-XXXXXX)
PID0= PID1= BG=
cleanup() {
	for _p in $PID0 $PID1; do kill -9 "$_p" 2>/dev/null; done
	for _p in $BG; do kill "$_p" 2>/dev/null; done
	[ -f "$DIR/dns/daemon.pid" ] && kill -CONT "$(cat "$DIR/dns/daemon.pid")" 2>/dev/null
	[ -f "$DIR/pg/data/postmaster.pid" ] && kill -CONT "$(head -1 "$DIR/pg/data/postmaster.pid")" 2>/dev/null
	lab_bind_stop "$DIR/dns" 2>/dev/null
	kea_lab_down
	lab_pg_stop "$DIR" 2>/dev/null
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tap_plan 20

PORT=$(lab_dns_free_port)
SECRET=$(lab_dns_secret 32)
RELAY2=$KEA_LAB_NET4.0.9	# the second relay: a second perfdhcp at once

tap_ok "PostgreSQL cluster up, Kea's schema from kea-admin db-init pgsql" \
	lab_pg_start "$DIR" "$(lab_dns_free_port)"
tap_ok "lab: two server namespaces and a client namespace bridged" kea_lab_ha_net_up
ip -n "$KEA_LAB_CLI_NS" addr add "$RELAY2/16" dev "$KEA_LAB_BR"

lab_bind_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" "$RZ4" >/dev/null 2>&1
tap_ok "bind up on 127.0.0.1 port $PORT with $FZ and $RZ4" lab_dns_wait "$PORT" "$FZ"

# two kea-dhcp4 on one database and one pool (Kea 2.2 has no "allocator"
# setting yet: its iterative allocator skips addresses the other server leased)
export KEA_LAB_DDNS=1 KEA_LAB_VALID=40 KEA_LAB_RECLAIM=2 KEA_LAB_RECLAIM_MAX=0 KEA_LAB_FLUSH=0
KEA_LAB_LEASE_DB=$(lab_pg_kea_db "$DIR")
export KEA_LAB_LEASE_DB
kea_up() {	# kea_up DIR NS IF
	mkdir -p "$1"
	cat > "$1/kea-dhcp4.conf" <<EOF
{ "Dhcp4": {
$(_kea_lab_if=$3 _kea_lab_common kea-dhcp4 "$1" kea4 4),
    "authoritative": true,
    "subnet4": [ { "id": 1, "subnet": "$KEA_LAB_NET4.0.0/16",
                   "pools": [ { "pool": "$KEA_LAB_NET4.1.0 - $KEA_LAB_NET4.255.200" } ] } ]
} }
EOF
	_kea_lab_start kea-dhcp4 "$1" "$1/kea4.sock" "$2"
}
if kea_up "$DIR/kea1" "$KEA_LAB_SRV_NS" "$KEA_LAB_SRV_IF" &&
   kea_up "$DIR/kea2" "$KEA_LAB_SRV2_NS" "$KEA_LAB_SRV2_IF"; then
	tap_pass "two kea-dhcp4 up on one PostgreSQL"
else tap_fail "two kea-dhcp4 up on one PostgreSQL" "$(tail -5 "$DIR"/kea*/kea-dhcp4.log)"; fi

for _n in 0 1; do
	mkdir -p "$DIR/n$_n"
	ls_conf -d "$DIR/n$_n" -p "$PORT" -s "$SECRET" -f "$FZ" -r "$RZ4" \
		-x "\"lease-database\": $(printf '%s' "$KEA_LAB_LEASE_DB" | jq -c '. + { "connect-timeout": 60 }')" \
		-x '"lease-database-feed": { "poll-interval": 0.1 }' \
		-x "\"lease-database-shared\": { \"enabled\": true, \"shards\": 8, \"node-index\": $_n, \"node-count\": 2, \"takeover-delay\": 2 }" \
		-x '"batching": { "backoff-max-ms": 1000, "timeout-ms": 8000, "timeout-max-ms": 8000 }' |
		sed '/"lease-files"/d' > "$DIR/n$_n/ls.conf"
done
_o=$("$LS_BIN" -c "$DIR/n0/ls.conf" --db-init 2>&1)
tap_is "--db-init installs leasesnoop.owner beside the change table" \
	"$(lab_pg_sql "$DIR" "SELECT to_regclass('leasesnoop.owner') IS NOT NULL")" t

start() {	# start N: leasesnoop node N; its pid in PIDN
	ls_daemon_start "$DIR/n$1"
	_r=$?
	eval "PID$1=\$LS_DPID"
	return $_r
}
held() { ls_daemon_stats "$DIR/n$1" 2>/dev/null | jq '."lease-database-shared".held'; }
held_is() { [ "$(held "$1")" = "$2" ]; }
stat_above() { [ "$(ls_daemon_stats "$DIR/n$1" 2>/dev/null | jq "$2")" -gt "$3" ] 2>/dev/null; }
settle() { ls_daemon_settle "$DIR/n$1" 60; }

start 0 && start 1
if WAIT_STEP=0.2 wait_for 20 held_is 0 4 && WAIT_STEP=0.2 wait_for 20 held_is 1 4; then
	tap_pass "each leasesnoop leads its 4 home shards"
else tap_fail "each leasesnoop leads its 4 home shards" "held: $(held 0) $(held 1)" "$(tail -5 "$DIR"/n*/ls.err)"; fi
_own=$(lab_pg_sql "$DIR" "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $((0x4c534e50))")
tap_is "8 advisory locks held in PostgreSQL, one per shard" "$_own" 8

# what the database says DNS must hold (v4, active, named)
want() {
	lab_pg_sql "$DIR" "
	  SELECT lower(regexp_replace(hostname, '\\.?\$', '.')) || ' ' || host('0.0.0.0'::inet + address)
	    FROM lease4 WHERE state = 0 AND expire > now() AND coalesce(hostname, '') <> ''" | sort
}
have() {
	lab_dns_axfr "$PORT" "$FZ" k hmac-sha256 "$SECRET" | awk '$3 == "A" { print $1, $4 }' | sort
}
have_ptr() {
	lab_dns_axfr "$PORT" "$RZ4" k hmac-sha256 "$SECRET" | awk '$3 == "PTR" { print $1 }' | sort
}
# names BIND added more than once (forward and reverse), and updates refused on a prerequisite
twice() {
	grep -o "adding an RR at '[^']*' DHCID" "$DIR/dns/named.log" | sort | uniq -d | head -5
	grep "prerequisite not satisfied" "$DIR/dns/named.log" | head -3
}
removed_twice() {
	grep -o "deleting rrset at '[^']*' DHCID" "$DIR/dns/named.log" | sort | uniq -d | head -5
}

# the burst: clients of both servers at once; node 1 killed in the middle
kea_lab_cli perfdhcp -4 -l "$KEA_LAB_CLI_ADDR4" -r 40 -R 300 -p 8 "$KEA_LAB_SRV_ADDR4" > "$DIR/perf1.out" 2>&1 &
BG=$!
kea_lab_cli perfdhcp -4 -l "$RELAY2" -r 40 -R 300 -p 8 "$KEA_LAB_SRV2_ADDR4" > "$DIR/perf2.out" 2>&1 &
BG="$BG $!"
WAIT_STEP=0.1 wait_for 20 stat_above 1 '."adds-sent"' 30
# changes of node 1 in flight at the kill, for sure: BIND is paused until node 1
# has UPDATEs out unanswered (well within the 8 s timeout: never resent), node 1
# is killed, node 0 takes its shards over with those intents in state adding,
# and only then BIND resumes and applies them: node 0 must wait until the
# server has applied what it got (timeout-max-ms), then ask DNS, not send
# them again.
_bind=$(cat "$DIR/dns/daemon.pid")
kill -STOP "$_bind"
WAIT_STEP=0.05 wait_for 2 stat_above 1 '."queue-inflight"' 0
_sent1=$(ls_daemon_stats "$DIR/n1" | jq '."adds-sent"')
_out1=$(ls_daemon_stats "$DIR/n1" | jq '."queue-inflight"')
kill -9 "$PID1"; wait "$PID1" 2>/dev/null; PID1=
WAIT_STEP=0.1 wait_for 6 held_is 0 8
kill -CONT "$_bind"
if held_is 0 8; then
	tap_pass "node 1 killed mid-burst (after $_sent1 adds, $_out1 in flight): node 0 took its shards"
else tap_fail "node 0 takes node 1's shards" "held: $(held 0)" "$(tail -5 "$DIR/n0/ls.err")"; fi
tap_ok "node 0 asks DNS about node 1's unfinished adds only once BIND has applied what it got" \
	grep -q "unfinished adds and removes of the shards' leader before: DNS is asked in" "$DIR/n0/ls.err"
for _p in $BG; do wait "$_p" 2>/dev/null; done; BG=
settle 0
_w=$(want); _h=$(have)
if [ -n "$_w" ] && [ "$_w" = "$_h" ] && [ "$(have_ptr | wc -l)" = "$(printf '%s\n' "$_w" | wc -l)" ]; then
	tap_pass "DNS equals the database: $(printf '%s\n' "$_w" | wc -l) leases of both servers, forward and reverse"
else tap_fail "DNS equals the database after the takeover" \
	"$(printf '%s\n' "$_w" > "$DIR/w"; printf '%s\n' "$_h" > "$DIR/h"; diff "$DIR/w" "$DIR/h" | head -10)"; fi
tap_is "every name added once, nothing sent twice (BIND's update log)" "$(twice)" ""
_rows=$(lab_pg_sql "$DIR" "SELECT count(*) FROM leasesnoop.owner")
tap_is "the shared store holds one binding per lease" "$_rows" "$(printf '%s\n' "$_w" | grep -c .)"

# node 1 back: a follower (node 0 keeps every shard)
start 1
if WAIT_STEP=0.2 wait_for 10 held_is 1 0 && held_is 0 8; then
	tap_pass "node 1 restarted: a follower, node 0 keeps the 8 shards"
else tap_fail "node 1 restarted as a follower" "held: $(held 0) $(held 1)"; fi

# every lease expires and Kea deletes it; node 0 killed in the middle of the removals
WAIT_STEP=0.2 wait_for 90 stat_above 0 '."removes-sent"' 20
_rm0=$(ls_daemon_stats "$DIR/n0" | jq '."removes-sent"')
kill -9 "$PID0"; wait "$PID0" 2>/dev/null; PID0=
if WAIT_STEP=0.2 wait_for 30 held_is 1 8; then
	tap_pass "node 0 killed mid-removals (after $_rm0 removes): node 1 took all 8 shards"
else tap_fail "node 1 takes every shard" "held: $(held 1)" "$(tail -5 "$DIR/n1/ls.err")"; fi
empty() { [ -z "$(have)$(have_ptr)" ]; }
WAIT_STEP=0.5 wait_for 90 empty
tap_is "every lease expired: the zones hold no dynamic record" "$(have)$(have_ptr)" ""
tap_is "every name removed once, nothing sent twice" "$(removed_twice)$(twice)" ""
tap_is "the shared store is empty" "$(lab_pg_sql "$DIR" "SELECT count(*) FROM leasesnoop.owner")" 0

# the database hangs: the postmaster stopped (a new session waits for ever;
# the feed's session, its own process, goes on); node 1's lock session is cut
_pm=$(head -1 "$DIR/pg/data/postmaster.pid")
_lock=$(lab_pg_sql "$DIR" "SELECT DISTINCT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $((0x4c534e50))")
kill -STOP "$_pm"
kill -TERM "$_lock"
connecting() { [ "$(ls_daemon_stats "$DIR/n1" 2>/dev/null | jq '."lease-database-shared".connecting')" = 1 ]; }
if WAIT_STEP=0.2 wait_for 30 held_is 1 0 && WAIT_STEP=0.2 wait_for 30 connecting; then
	tap_pass "lock session cut: node 1 gave up its shards and opens a new one"
else tap_fail "node 1 gives up its shards and reconnects" "held: $(held 1)" "$(tail -5 "$DIR/n1/ls.err")"; fi
# its new session waits on the stopped server (connect-timeout 60 s): the loop goes on meanwhile
_st=$(timeout 5 "$LS_BIN" --stats --json --control-socket "$DIR/n1/ctl.sock" 2>&1)
if [ "$(printf '%s' "$_st" | jq '."lease-database-shared".connecting')" = 1 ]; then
	tap_pass "while the session waits on the hung database, --stats answers at once"
else tap_fail "--stats answers while the session waits" "$_st"; fi
kill -CONT "$_pm"
if WAIT_STEP=0.2 wait_for 60 held_is 1 8; then
	tap_pass "database back: node 1 leads the 8 shards again"
else tap_fail "node 1 leads again once the database is back" "held: $(held 1)" "$(tail -5 "$DIR/n1/ls.err")"; fi
tap_done

#!/bin/sh
# tests/integ/62_pgsql_faults.sh - the PostgreSQL lease source under bad
# conditions, against a real cluster (tools/lab/pg.sh, Kea's schema from
# kea-admin) and BIND; lease rows are written with SQL into Kea's own
# tables, as kea-dhcp4 writes them. leasesnoop keeps running and says
# clearly what is wrong, counted and rate-limited, in each case:
# the database unreachable at start; the schema missing (the message says
# to run --db-init; then it is run and the leases reach DNS); the session
# lost mid-run (nothing expires meanwhile, it reconnects by itself with
# backoff and catches up); change rows for an address Kea no longer has and
# garbage ones; change rows committed out of order, 12,000 behind a hole,
# and a rolled-back one;
# a schema newer than this build (start and --db-init refuse); wrong
# credentials; NOTIFY waking the feed (poll-interval 60 s, a change still
# arrives at once); the database hung; restarts on a pruned and on an empty
# change table.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named psql kea-admin runuser
. "$LS_TOP/tests/lib/daemon_cases.sh"
. "$LS_TOP/tools/lab/pg.sh"
[ -x "$(lab_pg_bindir)/initdb" ] || tap_skip_all "needs PostgreSQL's server (make deps)"

dc_want() {
	lab_pg_sql "$DC_DIR" "
	  SELECT lower(regexp_replace(hostname, '\\.?\$', '.')) || ' ' || host('0.0.0.0'::inet + address)
	    FROM lease4 WHERE state = 0 AND expire > now() AND coalesce(hostname, '') <> ''" | sort
}

# ins4 N NAME [LIFETIME] - a lease of 10.64.2.N to client N, as Kea writes it
ins4() {
	lab_pg_sql "$DC_DIR" "INSERT INTO lease4 (address, hwaddr, client_id, valid_lifetime, expire,
	  subnet_id, fqdn_fwd, fqdn_rev, hostname, state) VALUES ($((171966976 + $1)),
	  decode('0a0b0c0d0e$(printf %02x "$1")', 'hex'), decode('010a0b0c0d0e$(printf %02x "$1")', 'hex'),
	  ${3:-3600}, now() + interval '${3:-3600} seconds', 1, true, true, '$2.dyn.example.', 0)"
}
stat() { ls_daemon_stats "$DC_DIR" | jq -r ".\"lease-database\"[\"$1\"]"; }
stat_ge() { [ "$(stat "$1")" -ge "$2" ] 2>/dev/null; }
stat_is() { [ "$(stat "$1")" = "$2" ]; }
have_is_want() { [ "$(dc_have)" = "$(dc_want)" ] && [ -n "$(dc_want)" ]; }
lines() { grep -c "$1" "$DC_DIR/ls.err"; }

# the cluster's processes: the postmaster and its children
pg_procs() { _pm=$(head -1 "$DC_DIR/pg/data/postmaster.pid" 2>/dev/null) && echo "$_pm $(pgrep -P "$_pm" | tr '\n' ' ')"; }
ls2_down() {
	[ -n "${LS2_PID:-}" ] && kill -9 "$LS2_PID" 2>/dev/null
	[ -n "${PG_HUNG:-}" ] && kill -CONT $PG_HUNG 2>/dev/null
	return 0
}
DC_DB_DOWN=ls2_down
dc_db_lab pgfault lab_pg_stop
tap_plan 24
DC_PORT=$(lab_dns_free_port)
DC_SECRET=$(lab_dns_secret 32)

tap_ok "PostgreSQL cluster up, Kea's schema from kea-admin db-init pgsql" \
	lab_pg_start "$DC_DIR" "$(lab_dns_free_port)"
mkdir -p "$DC_DIR/dns"
DC_DNS_STOP=lab_bind_stop
lab_bind_start "$DC_DIR/dns" "$DC_PORT" k hmac-sha256 "$DC_SECRET" "$FZ" "$RZ4" >/dev/null 2>&1
tap_ok "bind up with $FZ, $RZ4" lab_dns_wait "$DC_PORT" "$FZ"
for _i in 1 2 3 4 5; do ins4 "$_i" "a$_i"; done

ls_conf -d "$DC_DIR" -p "$DC_PORT" -s "$DC_SECRET" -f "$FZ" -r "$RZ4" \
	-x "\"lease-database\": $(lab_pg_kea_db "$DC_DIR")" \
	-x '"lease-database-feed": { "poll-interval": 0.1 }' |
	sed '/"lease-files"/d' > "$DC_DIR/ls.conf"

# 1. unreachable at start: the daemon runs, counts, says so once (rate-limited)
lab_pg_stop "$DC_DIR"
if ls_daemon_start "$DC_DIR"; then tap_pass "database down: leasesnoop starts anyway"
else tap_fail "database down: leasesnoop starts anyway" "$(cat "$DC_DIR/ls.err")"; fi
WAIT_STEP=0.2 wait_for 15 stat_ge connect-failures 3
_n=$(lines "sqlfeed: cannot connect to database 'kea' on '$DC_DIR/pg' port")
if stat_ge connect-failures 3 && [ "$_n" -ge 1 ] && [ "$_n" -le 3 ] && stat_is connected false; then
	tap_pass "unreachable: $(stat connect-failures) tries with backoff, $_n log lines naming the database"
else tap_fail "unreachable: counted and logged once" "tries $(stat connect-failures) lines $_n" "$(tail -3 "$DC_DIR/ls.err")"; fi

# 2. up but without leasesnoop's schema: the message says what to run
lab_pg_restart "$DC_DIR"
WAIT_STEP=0.2 wait_for 40 stat_ge schema-errors 1
if grep -q "schema 'leasesnoop' in database 'kea' .* is missing: run 'leasesnoop -c FILE --db-init'" "$DC_DIR/ls.err"; then
	tap_pass "schema missing: the message says to run --db-init"
else tap_fail "schema missing: the message says to run --db-init" "$(tail -3 "$DC_DIR/ls.err")"; fi
tap_is "nothing reached DNS before the database could be read" "$(dc_have)" ""

# 3. --db-init while it runs: it connects by itself and the leases reach DNS
"$LS_BIN" -c "$DC_DIR/ls.conf" --db-init > "$DC_DIR/init.out" 2>&1
WAIT_STEP=0.2 wait_for 40 have_is_want
tap_is "after --db-init: DNS equals the database" "$(dc_have)" "$(dc_want)"

# 4. the session lost mid-run: counted, nothing expires or is removed meanwhile
_t0=$(date +%s)
ins4 6 a6 8	# expires while the database is away
_a6() { dc_have | grep -q '^a6\.'; }
WAIT_STEP=0.1 wait_for 6 _a6
lab_pg_stop "$DC_DIR"
WAIT_STEP=0.2 wait_for 20 stat_ge disconnects 1
# a6's expiry passes: it cannot be checked, so it waits
while [ "$(date +%s)" -le $((_t0 + 9)) ]; do sleep 0.5; done
if stat_ge disconnects 1 && grep -q "sqlfeed: lost the session with database 'kea'" "$DC_DIR/ls.err" &&
   dc_have | grep -q '^a6\.'; then
	tap_pass "session lost: counted, logged, nothing expired while renewals cannot be checked"
else tap_fail "session lost: counted, logged, nothing expired" "$(stat disconnects)" "$(dc_have)" "$(tail -3 "$DC_DIR/ls.err")"; fi
lab_pg_restart "$DC_DIR"
WAIT_STEP=0.2 wait_for 40 stat_is connected true
ins4 7 a7
lab_pg_sql "$DC_DIR" "DELETE FROM lease4 WHERE address = $((171966976 + 1))"
WAIT_STEP=0.2 wait_for 20 have_is_want
tap_is "reconnected: the expired lease, a new one and a deletion reach DNS" "$(dc_have)" "$(dc_want)"
if ! dc_have | grep -q '^a6\.' && dc_have | grep -q '^a7\.'; then tap_pass "a6 (expired) removed, a7 added"
else tap_fail "a6 (expired) removed, a7 added" "$(dc_have)"; fi

# 5. change rows for an address Kea no longer has, and garbage
_gone=$(stat gone)
lab_pg_sql "$DC_DIR" "INSERT INTO leasesnoop.change (family, address, op) VALUES
  (4, '$((171966976 + 99))', 'U'), (4, 'not-an-address', 'I')"
WAIT_STEP=0.2 wait_for 10 stat_ge gone $((_gone + 1))
if stat_ge gone $((_gone + 1)) && stat_ge bad-rows 1 &&
   grep -q "sqlfeed: skipped a lease4 row at address 'not-an-address'" "$DC_DIR/ls.err" &&
   [ "$(dc_have)" = "$(dc_want)" ]; then
	tap_pass "a change for an address Kea no longer has: counted (gone), nothing sent; garbage: bad-rows, logged"
else tap_fail "change rows without a lease / garbage" "gone $(stat gone) bad $(stat bad-rows)" "$(tail -3 "$DC_DIR/ls.err")"; fi

# tx_hold SQL: a psql session of its own runs BEGIN and SQL and holds the
# transaction open (tx_held once it does) until tx_commit. The FIFO is opened
# read-write here: a psql that failed cannot SIGPIPE the test; psql does not
# inherit it, so it sees the end of its input.
mkfifo "$DC_DIR/tx"
tx_held() { grep -q '^held$' "$DC_DIR/tx.out"; }
tx_hold() {
	: > "$DC_DIR/tx.out"	# emptied before: no "held" left from an earlier session
	exec 7<> "$DC_DIR/tx"
	# (exec: a redirection of a function call would keep a saved copy open)
	(exec 7>&-; lab_pg_psql "$DC_DIR") < "$DC_DIR/tx" >> "$DC_DIR/tx.out" 2>&1 &
	_txpid=$!
	echo "BEGIN; $1; SELECT 'held';" >&7
	WAIT_STEP=0.1 wait_for 10 tx_held
}
tx_commit() { echo "COMMIT;" >&7; exec 7>&-; wait "$_txpid"; }

# 5b. change rows commit out of order (kea-dhcp4 and kea-dhcp6, or Kea's
# threads, write on sessions of their own): a transaction holds its change
# row's sequence number while a later one commits and is taken; then it
# commits. (Subnet 2: Kea's lease4_stat trigger locks a row per subnet.) Its lease must
# still reach DNS by the feed, not wait for the next full pass (an hour).
tx_hold "INSERT INTO lease4 (address, hwaddr, client_id, valid_lifetime, expire, subnet_id,
  fqdn_fwd, fqdn_rev, hostname, state) VALUES ($((171966976 + 10)), decode('0a0b0c0d0e0a', 'hex'),
  decode('010a0b0c0d0e0a', 'hex'), 3600, now() + interval '3600 seconds', 2, true, true,
  'a10.dyn.example.', 0)"
ins4 11 a11
_a11() { dc_have | grep -q '^a11\.'; }
WAIT_STEP=0.1 wait_for 10 _a11
tx_commit
WAIT_STEP=0.2 wait_for 15 have_is_want
if tx_held && _a11 && dc_have | grep -q '^a10\.' && [ "$(dc_have)" = "$(dc_want)" ]; then
	tap_pass "a change row committed after a later one was taken still reaches DNS (a11 first, then a10)"
else tap_fail "a change row committed after a later one" "$(cat "$DC_DIR/tx.out")" "$(dc_have)" \
	"cursor $(stat cursor) change-rows $(stat change-rows)"; fi
# more than one poll (10,000 rows) behind a hole: read at once, not after
# the hole's 10 s (a transaction held open again; 12,000 nameless leases)
tx_hold "INSERT INTO lease4 (address, hwaddr, valid_lifetime, expire, subnet_id, fqdn_fwd, fqdn_rev,
  hostname, state) VALUES ($((171966976 + 65535)), decode('0a0b0c0d0eff', 'hex'), 3600,
  now() + interval '3600 seconds', 2, false, false, '', 0)"
_rows0=$(stat change-rows)
lab_pg_sql "$DC_DIR" "INSERT INTO lease4 (address, hwaddr, valid_lifetime, expire, subnet_id, fqdn_fwd,
  fqdn_rev, hostname, state) SELECT $((171966976 + 65536)) + g, decode(lpad(to_hex(g), 12, '0'), 'hex'),
  3600, now() + interval '3600 seconds', 1, false, false, '', 0 FROM generate_series(1, 12000) g"
_t0=$(date +%s)
_all_read() { [ "$(stat change-rows)" -ge $((_rows0 + 12000)) ] 2>/dev/null; }
WAIT_STEP=0.2 wait_for 8 _all_read
_t1=$(date +%s)
_rows1=$(stat change-rows)
tx_commit
if tx_held && [ "$_rows1" -ge $((_rows0 + 12000)) ]; then
	tap_pass "12,000 change rows behind a hole read at once ($((_rows1 - _rows0)) rows in $((_t1 - _t0)) s)"
else tap_fail "12,000 change rows behind a hole read at once" "$(cat "$DC_DIR/tx.out")" \
	"change-rows $_rows0 -> $_rows1, cursor $(stat cursor)"; fi

# a write rolled back leaves a hole for good: given up after 10 s, counted, logged
lab_pg_sql "$DC_DIR" "BEGIN; INSERT INTO lease4 (address, hwaddr, valid_lifetime, expire, subnet_id,
  fqdn_fwd, fqdn_rev, hostname, state) VALUES ($((171966976 + 12)), decode('0a0b0c0d0e0c', 'hex'),
  3600, now() + interval '3600 seconds', 2, true, true, 'a12.dyn.example.', 0); ROLLBACK"
ins4 13 a13
WAIT_STEP=0.5 wait_for 20 stat_ge holes-skipped 1
if stat_is holes-skipped 1 && [ "$(lines "sqlfeed: 1 hole(s) in the numbers of leasesnoop.change not filled within 10 s given up")" = 1 ] &&
   [ "$(dc_have)" = "$(dc_want)" ]; then
	tap_pass "a rolled-back write's hole: given up after 10 s, counted (holes-skipped) and logged once"
else tap_fail "a rolled-back write's hole" "holes-skipped $(stat holes-skipped)" "$(grep 'given up' "$DC_DIR/ls.err")"; fi

# 6. a schema newer than this build: start and --db-init refuse, naming it
kill -TERM "$LS_DPID"; wait "$LS_DPID"; LS_DPID=
_minor=$(lab_pg_sql "$DC_DIR" "SELECT minor FROM leasesnoop.schema_version")
lab_pg_sql "$DC_DIR" "UPDATE leasesnoop.schema_version SET version = 99, minor = 0"
if "$LS_BIN" -c "$DC_DIR/ls.conf" --db-init > "$DC_DIR/init2.out" 2>&1; then
	tap_fail "--db-init refuses a newer schema" "$(cat "$DC_DIR/init2.out")"
elif grep -q "version 99.0 .* is newer than this leasesnoop knows" "$DC_DIR/init2.out"; then
	tap_pass "--db-init refuses a newer schema, naming its version"
else tap_fail "--db-init refuses a newer schema, naming its version" "$(cat "$DC_DIR/init2.out")"; fi
ls_daemon_start "$DC_DIR"
WAIT_STEP=0.2 wait_for 10 stat_ge schema-errors 1
if grep -q "version 99.0 in database 'kea' .* is newer than this leasesnoop knows" "$DC_DIR/ls.err" &&
   kill -0 "$LS_DPID" 2>/dev/null; then
	tap_pass "newer schema at start: refused with a message, the daemon keeps retrying"
else tap_fail "newer schema at start: refused" "$(tail -3 "$DC_DIR/ls.err")"; fi
lab_pg_sql "$DC_DIR" "UPDATE leasesnoop.schema_version SET version = 1, minor = $_minor"
WAIT_STEP=0.2 wait_for 40 stat_is connected true
tap_is "schema back to 1: connected, DNS equals the database" "$(dc_have)" "$(dc_want)"

# 7. wrong credentials: a second instance says so, and keeps running
mkdir -p "$DC_DIR/two"
sed -e "s|\"password\": \"kea\"|\"password\": \"wrong\"|" -e "s|$DC_DIR/state|$DC_DIR/two/state|" \
	-e "s|$DC_DIR/ctl.sock|$DC_DIR/two/ctl.sock|" "$DC_DIR/ls.conf" > "$DC_DIR/two/ls.conf"
"$LS_BIN" -c "$DC_DIR/two/ls.conf" --dry-run > "$DC_DIR/two/out" 2> "$DC_DIR/two/err" &
LS2_PID=$!
_auth() { grep -q "password authentication failed for user" "$DC_DIR/two/err"; }
WAIT_STEP=0.2 wait_for 10 _auth
if _auth && kill -0 "$LS2_PID" 2>/dev/null && ! grep -q "dry-run:" "$DC_DIR/two/out"; then
	tap_pass "wrong credentials: the server's reason is logged, nothing is done, it keeps retrying"
else tap_fail "wrong credentials" "$(tail -3 "$DC_DIR/two/err")"; fi
kill -TERM "$LS2_PID"; wait "$LS2_PID"; LS2_PID=

# 8. NOTIFY wakes the feed: a third instance (dry run) polls the change table
# only every 60 s, yet a committed lease reaches it well before that could
mkdir -p "$DC_DIR/three"
sed -e 's|"poll-interval": 0.1|"poll-interval": 60|' -e "s|$DC_DIR/state|$DC_DIR/three/state|" \
	-e "s|$DC_DIR/ctl.sock|$DC_DIR/three/ctl.sock|" "$DC_DIR/ls.conf" > "$DC_DIR/three/ls.conf"
_t0=$(date +%s)
"$LS_BIN" -c "$DC_DIR/three/ls.conf" --dry-run > "$DC_DIR/three/out" 2> "$DC_DIR/three/err" &
LS2_PID=$!
stat3() { "$LS_BIN" --stats --json --control-socket "$DC_DIR/three/ctl.sock" 2>/dev/null |
	jq -r ".\"lease-database\"[\"$1\"]"; }
_loaded3() { [ "$(stat3 loaded)" = true ] && [ "$(stat3 polls)" -ge 1 ] 2>/dev/null; }
WAIT_STEP=0.2 wait_for 20 _loaded3
_rows=$(stat3 change-rows)
ins4 8 a8
_seen3() { [ "$(stat3 change-rows)" -gt "${_rows:-0}" ] 2>/dev/null; }
WAIT_STEP=0.2 wait_for 30 _seen3
_t1=$(date +%s)
if _seen3 && [ "$(stat3 notifies)" -ge 1 ] && [ $((_t1 - _t0)) -lt 60 ]; then
	tap_pass "poll-interval 60 s: a committed lease reaches the feed by NOTIFY ($((_t1 - _t0)) s after start, $(stat3 notifies) notifies, $(stat3 polls) polls)"
else tap_fail "poll-interval 60 s: a committed lease reaches the feed by NOTIFY" \
	"rows $_rows -> $(stat3 change-rows), notifies $(stat3 notifies), $((_t1 - _t0)) s" "$(tail -3 "$DC_DIR/three/err")"; fi
kill -TERM "$LS2_PID"; wait "$LS2_PID"; LS2_PID=

# 9. the database hangs: every process of the cluster stopped, its socket open
# but nothing answers (no keepalive or TCP timeout ends such a session): the
# feed gives its session up after its own bound, counted and logged, and
# the daemon is not held for ever; once the server runs again it catches up
_d0=$(stat disconnects)
PG_HUNG=$(pg_procs)
kill -STOP $PG_HUNG
_lost() { [ "$(stat disconnects)" -gt "$_d0" ] 2>/dev/null; }
WAIT_STEP=0.5 wait_for 60 _lost
if _lost && grep -q "no answer from the server within 15 s" "$DC_DIR/ls.err"; then
	tap_pass "database hung: the feed gives the session up after 15 s without an answer, counted and logged"
else tap_fail "database hung: the session given up" "disconnects $_d0 -> $(stat disconnects)" "$(tail -3 "$DC_DIR/ls.err")"; fi
kill -CONT $PG_HUNG; PG_HUNG=
ins4 9 a9
WAIT_STEP=0.2 wait_for 60 have_is_want
tap_is "database running again: reconnected, DNS equals the database" "$(dc_have)" "$(dc_want)"

# 10. restarts on a pruned change table: the cursor starts at its first row
# (pruned numbers are not holes to wait for), at its end at once; and on an
# empty one 64 numbers before the last the sequence handed out (a change
# numbered before the start may commit after it): those are waited for
# (10 s) but not counted. Either way a new lease reaches DNS at once.
maxseq() { lab_pg_sql "$DC_DIR" "SELECT max(seq) FROM leasesnoop.change"; }
at_end() { [ "$(stat cursor)" = "$(maxseq)" ]; }
restart_at_end() { # WHAT SQL N SECONDS
	kill -TERM "$LS_DPID"; wait "$LS_DPID"; LS_DPID=
	lab_pg_sql "$DC_DIR" "$2"
	ls_daemon_start "$DC_DIR"
	ins4 "$3" "a$3"
	_rn=$3
	_in() { dc_have | grep -q "^a$_rn\\."; }
	WAIT_STEP=0.2 wait_for 5 _in
	_in; _in_rc=$?
	WAIT_STEP=0.2 wait_for "$4" at_end
	if [ "$_in_rc" = 0 ] && at_end && stat_is holes-skipped 0; then
		tap_pass "restart on $1 change table: a new lease in DNS at once, the cursor at its end (seq $(maxseq)) within $4 s, nothing counted as given up"
	else tap_fail "restart on $1 change table" "lease in DNS: $_in_rc" \
		"cursor $(stat cursor), last seq $(maxseq), holes-skipped $(stat holes-skipped)" "$(dc_have)"; fi
}
restart_at_end "a pruned" "DELETE FROM leasesnoop.change WHERE seq < (SELECT max(seq) - 1 FROM leasesnoop.change)" 14 4
restart_at_end "an empty" "DELETE FROM leasesnoop.change" 15 20

kill -TERM "$LS_DPID"; wait "$LS_DPID"; _rc=$?; LS_DPID=
tap_is "SIGTERM: clean exit" "$_rc" 0
tap_done

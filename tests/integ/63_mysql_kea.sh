#!/bin/sh
# tests/integ/63_mysql_kea.sh - Kea with its leases in MariaDB, the same
# design and checks as 61_pgsql_kea.sh: a throwaway server
# (tools/lab/mysql.sh) with Kea 2.2's schema from `kea-admin db-init
# mysql`, leasesnoop's tables and triggers from `--db-init` (idempotent, and
# `kea-admin db-upgrade` still succeeds with them), real kea-dhcp4 and
# kea-dhcp6 with "lease-database": {"type": "mysql", …}
# serving perfdhcp clients in namespaces, and leasesnoop following the
# database alone ("interfaces": [], its lease-database taken from Kea's own
# files through "kea-config-file"). DNS (BIND) must equal the database's
# active named leases exactly: after leases, renewals and releases; after
# kill -9 mid-stream and a restart; and empty once every lease expired and
# Kea reclaimed it (v4 deletes reclaimed leases, v6 keeps them with state 2
# and the hostname cleared: the name removed is the one leasesnoop stored).
# Then: the server lost and back; a server that never answers; a restart on
# an emptied change table starts 64 before AUTO_INCREMENT's last number.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named mariadbd mariadb mariadb-install-db kea-admin
. "$LS_TOP/tests/lib/daemon_cases.sh"
. "$LS_TOP/tools/lab/mysql.sh"

# what the database says DNS must hold: "name address" of active leases with a name
dc_want() {
	lab_my_sql "$DC_DIR" "
	  SELECT CONCAT(LOWER(TRIM(TRAILING '.' FROM hostname)), '. ', INET_NTOA(address))
	    FROM lease4 WHERE state = 0 AND expire > NOW() AND COALESCE(hostname, '') <> ''
	  UNION ALL
	  SELECT CONCAT(LOWER(TRIM(TRAILING '.' FROM hostname)), '. ', address)
	    FROM lease6 WHERE state = 0 AND expire > NOW() AND COALESCE(hostname, '') <> ''
	      AND lease_type = 0" | grep -v '^h-10-64-1-[0-4]\.' | sort
}

HOLE=
hole_down() { [ -n "$HOLE" ] && kill $HOLE 2>/dev/null; return 0; }
DC_DB_DOWN=hole_down
dc_db_lab mysql lab_my_stop
tap_plan 18
DC_PORT=$(lab_dns_free_port)
DC_SECRET=$(lab_dns_secret 32)

# not under tap_ok: MYSQL_UNIX_PORT must reach Kea and leasesnoop
if lab_my_start "$DC_DIR"; then tap_pass "MariaDB up, Kea's schema from kea-admin db-init mysql"
else tap_fail "MariaDB up, Kea's schema from kea-admin db-init mysql"; fi

mkdir -p "$DC_DIR/dns"
for _i in 0 1 2 3 4; do echo "h-10-64-1-$_i.dyn.example. 300 IN A 192.0.2.$_i"; done > "$DC_DIR/dns/extra-$FZ"
DC_DNS_STOP=lab_bind_stop
lab_bind_start "$DC_DIR/dns" "$DC_PORT" k hmac-sha256 "$DC_SECRET" "$FZ" "$RZ4" "$RZ6" >/dev/null 2>&1
tap_ok "bind up with $FZ, $RZ4, $RZ6" lab_dns_wait "$DC_PORT" "$FZ"

tap_ok "lab: namespaces and veth up" kea_lab_net_up
dc_db_kea_up MariaDB "$(lab_my_kea_db)"
dc_db_conf
# the schema: installed, installed again (idempotent), and Kea's upgrade still runs
dc_db_init_twice mysql 6 "SELECT count(*) FROM information_schema.TRIGGERS WHERE TRIGGER_NAME LIKE 'leasesnoop\\_%'"

if ls_daemon_start "$DC_DIR"; then tap_pass "leasesnoop -c starts on the lease database (kea-config-file)"
else tap_fail "leasesnoop -c starts on the lease database" "$(cat "$DC_DIR/ls.err")"; fi

# clients: grants, renewals and releases, v4 and v6
dc_db_clients "the change table (polled, no NOTIFY)"
dc_static_ok

# kill -9 in the middle of a stream, restart: exact again
dc_db_kill_restart
# every lease expires, Kea reclaims (v4: row deleted; v6: state 2, hostname cleared)
dc_db_reclaimed mysql

# the server lost mid-run (Kea's own reaction aside): counted, logged, reconnected with
# backoff, and what was written meanwhile reaches DNS
_db() { ls_daemon_stats "$DC_DIR" | jq -r ".\"lease-database\"[\"$1\"]"; }
_db_ge() { [ "$(_db "$1")" -ge "$2" ] 2>/dev/null; }
_db_is() { [ "$(_db "$1")" = "$2" ]; }
kea_lab_down >/dev/null 2>&1	# Kea exits on a lost database anyway (on-fail stop-retry-exit)
lab_my_stop "$DC_DIR"
WAIT_STEP=0.2 wait_for 20 _db_ge disconnects 1
if _db_ge disconnects 1 && grep -q "sqlfeed: lost the session with database 'kea' on 'localhost' port 3306" "$DC_DIR/ls.err"; then
	tap_pass "MariaDB stopped: the lost session is counted and logged"
else tap_fail "MariaDB stopped: the lost session is counted and logged" "$(_db disconnects)" "$(tail -3 "$DC_DIR/ls.err")"; fi
lab_my_restart "$DC_DIR"
lab_my_sql "$DC_DIR" "INSERT INTO lease4 (address, hwaddr, client_id, valid_lifetime, expire, subnet_id,
  fqdn_fwd, fqdn_rev, hostname, state) VALUES (INET_ATON('10.64.9.9'), 0x0a0b0c0d0e09, 0x010a0b0c0d0e09,
  3600, NOW() + INTERVAL 1 HOUR, 1, 1, 1, 'back.dyn.example.', 0)"
_back() { dc_have | grep -q '^back\.dyn\.example\. 10\.64\.9\.9$'; }
WAIT_STEP=0.2 wait_for 40 _back
if _back && _db_is connected true; then tap_pass "MariaDB back: reconnected, a lease written since reaches DNS"
else tap_fail "MariaDB back: reconnected, a lease written since reaches DNS" "$(_db connected)" "$(dc_have)"; fi

# a server that takes the connection and never answers (tests/lib/blackhole.pl):
# a second instance sets its session up a step at a time, so it answers
# --stats while the connect waits (connect-timeout 60 s), and says so
_hp=$(lab_dns_free_port)
mkdir -p "$DC_DIR/hole"
perl "$LS_TOP/tests/lib/blackhole.pl" 127.0.0.1 "$_hp" > "$DC_DIR/hole/out" 2>&1 &
HOLE=$!
WAIT_STEP=0.1 wait_for 5 grep -q listening "$DC_DIR/hole/out"
ls_conf -d "$DC_DIR/hole" -p "$DC_PORT" -s "$DC_SECRET" -f "$FZ" -r "$RZ4" \
	-x "\"lease-database\": { \"type\": \"mysql\", \"name\": \"kea\", \"host\": \"127.0.0.1\", \"port\": $_hp, \"user\": \"kea\", \"password\": \"kea\", \"connect-timeout\": 60 }" |
	sed '/"lease-files"/d' > "$DC_DIR/hole/ls.conf"
"$LS_BIN" -c "$DC_DIR/hole/ls.conf" --dry-run > "$DC_DIR/hole/log" 2>&1 &
HOLE="$HOLE $!"
_accepted() { [ "$(ss -Htn state established "( sport = :$_hp )" | wc -l)" -ge 1 ]; }
WAIT_STEP=0.1 wait_for 10 _accepted && WAIT_STEP=0.1 wait_for 10 test -S "$DC_DIR/hole/ctl.sock"
_st=$(timeout 5 "$LS_BIN" --stats --json --control-socket "$DC_DIR/hole/ctl.sock" 2>&1)
if _accepted && [ "$(printf '%s' "$_st" | jq '."lease-database".connected')" = false ]; then
	tap_pass "a server that never answers: the session waits a step at a time, --stats answers meanwhile"
else tap_fail "--stats answers while the session waits on a silent server" "$_st" "$(tail -3 "$DC_DIR/hole/log")"; fi
hole_down; HOLE=

# a restart on an emptied change table (every row pruned): the cursor starts
# 64 numbers before the last AUTO_INCREMENT handed out, not at 0: a new
# lease reaches DNS at once, the cursor its end within 20 s, nothing counted
kill -TERM "$LS_DPID"; wait "$LS_DPID"; LS_DPID=
lab_my_sql "$DC_DIR" "DELETE FROM leasesnoop_change"
ls_daemon_start "$DC_DIR"
lab_my_sql "$DC_DIR" "INSERT INTO lease4 (address, hwaddr, client_id, valid_lifetime, expire, subnet_id,
  fqdn_fwd, fqdn_rev, hostname, state) VALUES (INET_ATON('10.64.9.10'), 0x0a0b0c0d0e0a, 0x010a0b0c0d0e0a,
  3600, NOW() + INTERVAL 1 HOUR, 1, 1, 1, 'empty.dyn.example.', 0)"
_maxseq() { lab_my_sql "$DC_DIR" "SELECT max(seq) FROM leasesnoop_change"; }
_at_end() { [ "$(_db cursor)" = "$(_maxseq)" ]; }
_in() { dc_have | grep -q '^empty\.dyn\.example\. '; }
WAIT_STEP=0.2 wait_for 5 _in
_in; _in_rc=$?
WAIT_STEP=0.2 wait_for 20 _at_end
if [ "$_in_rc" = 0 ] && _at_end && _db_is holes-skipped 0; then
	tap_pass "restart on an empty change table: a new lease in DNS at once, the cursor at its end (seq $(_maxseq)), nothing counted as given up"
else tap_fail "restart on an empty change table" "lease in DNS: $_in_rc" \
	"cursor $(_db cursor), last seq $(_maxseq), holes-skipped $(_db holes-skipped)" "$(tail -3 "$DC_DIR/ls.err")"; fi

kill -TERM "$LS_DPID"; wait "$LS_DPID"; _rc=$?; LS_DPID=
tap_is "SIGTERM: clean exit" "$_rc" 0
tap_done

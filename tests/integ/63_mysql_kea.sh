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

pg_cleanup() {
	lab_my_stop "$DC_DIR" 2>/dev/null
	dc_cleanup
}

DC_KIND=bind
DC_DIR=$(mktemp -d /tmp/ls-mysql-XXXXXX)
trap pg_cleanup EXIT
trap 'exit 1' INT TERM
tap_plan 16
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
# v4 deletes a lease when it reclaims it (flush 0), v6 keeps it as state 2
export KEA_LAB_DDNS=1 KEA_LAB_VALID=30 KEA_LAB_RECLAIM=2 KEA_LAB_RECLAIM_MAX=0
KEA_LAB_LEASE_DB=$(lab_my_kea_db)
export KEA_LAB_LEASE_DB
if KEA_LAB_FLUSH=0 kea_lab_kea4_up "$DC_DIR" && kea_lab_kea6_up "$DC_DIR"; then
	tap_pass "kea-dhcp4 and kea-dhcp6 up on MariaDB (names generated)"
else tap_fail "kea-dhcp4 and kea-dhcp6 up on MariaDB" "$(tail -5 "$DC_DIR"/kea-dhcp*.log)"; fi

ls_conf -d "$DC_DIR" -p "$DC_PORT" -s "$DC_SECRET" -f "$FZ" -r "$RZ4" -r "$RZ6" \
	-x "\"kea-config-file\": [ \"$DC_DIR/kea-dhcp4.conf\", \"$DC_DIR/kea-dhcp6.conf\" ]" \
	-x '"batching": { "backoff-max-ms": 1000, "timeout-ms": 500 }' |
	sed '/"lease-files"/d' > "$DC_DIR/ls.conf"

# the schema: installed, installed again (idempotent), and Kea's upgrade still runs
_o=$("$LS_BIN" -c "$DC_DIR/ls.conf" --db-init 2>&1) && _o2=$("$LS_BIN" -c "$DC_DIR/ls.conf" --db-init 2>&1) &&
	_t=$(lab_my_sql "$DC_DIR" "SELECT count(*) FROM information_schema.TRIGGERS WHERE TRIGGER_NAME LIKE 'leasesnoop\\_%'")
if [ "${_t:-0}" = 6 ] && printf '%s' "$_o2" | grep -q 'already version'; then
	tap_pass "--db-init installs the schema and triggers, and again changes nothing"
else tap_fail "--db-init installs the schema and triggers" "$_o" "$_o2" "triggers: ${_t:-}"; fi
if lab_my_kea_admin "$DC_DIR" db-upgrade > "$DC_DIR/upgrade.log" 2>&1 &&
   [ "$(lab_my_sql "$DC_DIR" "SELECT count(*) FROM information_schema.TRIGGERS WHERE TRIGGER_NAME LIKE 'leasesnoop\\_%'")" = 6 ]; then
	tap_pass "kea-admin db-upgrade mysql succeeds with leasesnoop's tables and triggers installed"
else tap_fail "kea-admin db-upgrade mysql with leasesnoop's schema" "$(tail -5 "$DC_DIR/upgrade.log")"; fi

if ls_daemon_start "$DC_DIR"; then tap_pass "leasesnoop -c starts on the lease database (kea-config-file)"
else tap_fail "leasesnoop -c starts on the lease database" "$(cat "$DC_DIR/ls.err")"; fi

# clients: grants, renewals and releases, v4 and v6
kea_lab_perfdhcp4 -r 40 -R 300 -p 5 -f 20 -F 10 > "$DC_DIR/perf4.out" 2>&1 &
DC_BG="$!"
kea_lab_perfdhcp6 -r 30 -R 200 -p 5 -f 10 -F 5 > "$DC_DIR/perf6.out" 2>&1
wait $DC_BG 2>/dev/null; DC_BG=
ls_daemon_settle "$DC_DIR" 20
dc_exact "leases, renewals and releases: DNS equals the database"
_st=$(ls_daemon_stats "$DC_DIR")
if [ "$(printf '%s' "$_st" | jq '."lease-database"."change-rows"')" -gt 0 ] &&
   [ "$(printf '%s' "$_st" | jq '."lease-database"."full-passes"')" -ge 1 ]; then
	tap_pass "the change table carried the leases (polled, no NOTIFY) ($(printf '%s' "$_st" | jq -c '."lease-database" | {"change-rows", lookups, debounced, "expiry-checks"}'))"
else tap_fail "the change feed carried the leases" "$(printf '%s' "$_st" | jq -c '."lease-database"')"; fi
dc_static_ok

# kill -9 in the middle of a stream, restart: exact again
_adds=$(ls_daemon_stats "$DC_DIR" | jq '."adds-sent"')
kea_lab_perfdhcp4 -r 60 -R 400 -p 4 -F 10 > "$DC_DIR/perf4b.out" 2>&1 &
DC_BG="$!"
WAIT_STEP=0.1 wait_for 20 dc_stat_above '."adds-sent"' "$_adds"
kill -9 "$LS_DPID"; wait "$LS_DPID" 2>/dev/null; LS_DPID=
sleep 1	# Kea goes on writing leases while leasesnoop is down
ls_daemon_start "$DC_DIR"
wait $DC_BG 2>/dev/null; DC_BG=
ls_daemon_settle "$DC_DIR" 20
dc_exact "kill -9 mid-stream, restart: DNS equals the database"

# every lease expires, Kea reclaims (v4: row deleted; v6: state 2, hostname cleared)
WAIT_STEP=0.5 wait_for 90 dc_no_dynamic
tap_is "all leases expired and reclaimed: no dynamic record left" "$(dc_have)$(dc_have_ptr)" ""
_v6kept=$(lab_my_sql "$DC_DIR" "SELECT count(*) FROM lease6 WHERE state = 2 AND COALESCE(hostname, '') = ''")
if [ "${_v6kept:-0}" -gt 0 ]; then tap_pass "v6 reclaimed leases kept with their hostname cleared ($_v6kept)"
else tap_fail "v6 reclaimed leases kept with their hostname cleared" "$(lab_my_sql "$DC_DIR" "SELECT state, count(*) FROM lease6 GROUP BY state")"; fi

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

kill -TERM "$LS_DPID"; wait "$LS_DPID"; _rc=$?; LS_DPID=
tap_is "SIGTERM: clean exit" "$_rc" 0
tap_done

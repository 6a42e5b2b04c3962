#!/bin/sh
# tests/integ/61_pgsql_kea.sh - Kea with its leases in PostgreSQL: a
# throwaway cluster (tools/lab/pg.sh) with Kea 2.2's schema from
# `kea-admin db-init pgsql`, leasesnoop's schema from `--db-init`
# (idempotent, and `kea-admin db-upgrade` still succeeds with it), real
# kea-dhcp4 and kea-dhcp6 with "lease-database": {"type": "postgresql", …}
# serving perfdhcp clients in namespaces, and leasesnoop following the
# database (its lease-database taken from Kea's own files through
# "kea-config-file") with its BPF programs on the server's interface: wire
# events are confirmed by looking their address up in the database. BIND
# and leasesnoop run in the server namespace; the cluster's socket is a
# file, reachable from there. DNS must equal the database's active named
# leases exactly: after leases, renewals and releases; after
# kill -9 mid-stream and a restart; and empty once every lease expired and
# Kea reclaimed it (v4 deletes reclaimed leases, v6 keeps them with state 2
# and the hostname cleared: the name removed is the one leasesnoop stored).
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named psql kea-admin runuser
. "$LS_TOP/tests/lib/daemon_cases.sh"
. "$LS_TOP/tools/lab/pg.sh"
[ -x "$(lab_pg_bindir)/initdb" ] || tap_skip_all "needs PostgreSQL's server (make deps)"

# BIND and leasesnoop live in the server namespace (leasesnoop attaches to its veth)
srv() { ip netns exec "$KEA_LAB_SRV_NS" "$@"; }
lab_dns_axfr() { srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_dns_axfr \"\$@\"" sh "$@"; }
lab_dns_wait() { srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_dns_wait \"\$@\"" sh "$@"; }
ls_daemon_start() {
	rm -f "$1/ctl.sock"
	# ip execs leasesnoop: $! is the daemon itself
	ip netns exec "$KEA_LAB_SRV_NS" "$LS_BIN" -c "$1/ls.conf" >>"$1/ls.out" 2>>"$1/ls.err" &
	LS_DPID=$!
	wait_for 10 _ls_daemon_up_or_gone "$1"
	[ -S "$1/ctl.sock" ] && kill -0 "$LS_DPID" 2>/dev/null
}

# what the database says DNS must hold: "name address" of active leases with a name
dc_want() {
	lab_pg_sql "$DC_DIR" "
	  SELECT lower(regexp_replace(hostname, '\\.?\$', '.')) || ' ' || host('0.0.0.0'::inet + address)
	    FROM lease4 WHERE state = 0 AND expire > now() AND coalesce(hostname, '') <> ''
	  UNION ALL
	  SELECT lower(regexp_replace(hostname, '\\.?\$', '.')) || ' ' || address
	    FROM lease6 WHERE state = 0 AND expire > now() AND coalesce(hostname, '') <> ''
	      AND lease_type = 0" | grep -v '^h-10-64-1-[0-4]\.' | sort
}

dc_db_lab pgsql lab_pg_stop
tap_plan 15
DC_PORT=53	# in the server namespace
DC_SECRET=$(lab_dns_secret 32)

tap_ok "PostgreSQL cluster up, Kea's schema from kea-admin db-init pgsql" \
	lab_pg_start "$DC_DIR" "$(lab_dns_free_port)"

tap_ok "lab: namespaces and veth up" kea_lab_net_up
mkdir -p "$DC_DIR/dns"
for _i in 0 1 2 3 4; do echo "h-10-64-1-$_i.dyn.example. 300 IN A 192.0.2.$_i"; done > "$DC_DIR/dns/extra-$FZ"
DC_DNS_STOP=lab_bind_stop
srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_bind_start '$DC_DIR/dns' $DC_PORT k hmac-sha256 '$DC_SECRET' $FZ $RZ4 $RZ6" >/dev/null 2>&1
tap_ok "bind up in the server namespace with $FZ, $RZ4, $RZ6" lab_dns_wait "$DC_PORT" "$FZ"

dc_db_kea_up PostgreSQL "$(lab_pg_kea_db "$DC_DIR")"
dc_db_conf -i "$KEA_LAB_SRV_IF"
# the schema: installed, installed again (idempotent), and Kea's upgrade still runs
dc_db_init_twice pgsql 2 "SELECT count(*) FROM pg_trigger WHERE tgname = 'leasesnoop_change'"

if ls_daemon_start "$DC_DIR"; then tap_pass "leasesnoop -c starts on the lease database (kea-config-file), attached to $KEA_LAB_SRV_IF"
else tap_fail "leasesnoop -c starts on the lease database" "$(cat "$DC_DIR/ls.err")"; fi

# clients: grants, renewals and releases, v4 and v6
dc_db_clients "the change feed"
dc_static_ok
# the wire path: events looked up by address in the database and confirmed there
_w=$(printf '%s' "$_st" | jq '."lease-database"."wire-lookups"')
_c=$(printf '%s' "$_st" | jq '.confirmed')
if [ "${_w:-0}" -gt 100 ] && [ "${_c:-0}" -gt 100 ]; then
	tap_pass "wire events confirmed by lookups in the database ($_c confirmed, $_w looked up, $(printf '%s' "$_st" | jq .unconfirmed) unconfirmed)"
else tap_fail "wire events confirmed by lookups in the database" "$(printf '%s' "$_st" | jq -c '{confirmed, unconfirmed, pending, "lease-database"}')"; fi

# kill -9 in the middle of a stream, restart: exact again
dc_db_kill_restart
# every lease expires, Kea reclaims (v4: row deleted; v6: state 2, hostname cleared)
dc_db_reclaimed pgsql

kill -TERM "$LS_DPID"; wait "$LS_DPID"; _rc=$?; LS_DPID=
tap_is "SIGTERM: clean exit" "$_rc" 0
tap_done

#!/bin/sh
# tools/bench/e2e_pgsql.sh - tools/bench/e2e.sh with Kea's leases in
# PostgreSQL (issue 14's benchmark): the same lab, load, phases, figures,
# JSON lines and table, leasesnoop beside kea-dhcp-ddns in the same run,
# bench names "e2e-pgsql-bind", "e2e-pgsql-knot".
#
#   sh tools/bench/e2e_pgsql.sh      (root: namespaces, BPF, the cluster)
#
# What differs from e2e.sh (everything else is e2e.sh's, sourced at the end
# after its lease backend hooks are defined here):
#   - a throwaway cluster (tools/lab/pg.sh: unix socket in its own folder,
#     fsync off) with Kea 2.2's schema (kea-admin db-init pgsql) and
#     leasesnoop's (leasesnoop --db-init), installed once, before any phase:
#     its trigger writes a change row per lease Kea writes in the D2 phases
#     too, so Kea's load is the same beside both updaters
#   - kea-dhcp4 with "lease-database": {"type": "postgresql", ...}
#     (KEA_LAB_LEASE_DB); before each Kea start and each burst the tables
#     are emptied (TRUNCATE lease4, lease6, lease4_stat, leasesnoop.change,
#     RESTART IDENTITY: each phase sees a fresh install. Without it the
#     change table is empty while its sequence has moved on, and a fresh
#     daemon's cursor (max(seq) of the table, 0) takes the first new rows
#     for a gap and waits LEASEDB_GAP_MS, 10 s, before reading on)
#   - leasesnoop with the same "lease-database" and no lease files: its BPF
#     programs on the server's interface as in e2e.sh, each wire event
#     confirmed by looking its address up in the database, the change table
#     (NOTIFY, poll-interval 0.2 s) for the rest; a phase starts once its
#     first full pass is done ("lease-database".loaded)
#   - leasesnoop's burst: E2E_BURST named leases inserted into lease4 by one
#     INSERT (one transaction), leasesnoop's trigger on; Kea's statistics
#     trigger lease4_AINS is off for it (in one transaction each row's
#     UPDATE of the same lease4_stat row walks every earlier version:
#     quadratic, tens of seconds for 20,000 rows; Kea commits each lease on
#     its own). The landing time counts from the commit, as e2e.sh's from
#     the append. D2's burst is e2e.sh's (E2E_BURST NCRs at once: D2 never
#     reads leases)
# Defaults: E2E_SERVERS ["bind knot"], E2E_COST_ROUNDS [0] (Kea's cost at
# saturation is e2e.sh's; set it to measure it on PostgreSQL too); every
# other E2E_* setting as in e2e.sh. LS_KEEP=1 keeps both work directories.
# The last line on stderr gives the load average when the run ended.
set -u
LS_TOP=${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$LS_TOP/tools/lab/pg.sh"
[ "$(id -u)" = 0 ] || { echo "bench e2e_pgsql: needs root (namespaces, BPF, the cluster)" >&2; exit 1; }
[ -x "$(lab_pg_bindir)/initdb" ] || { echo "bench e2e_pgsql: needs PostgreSQL's server (make deps)" >&2; exit 1; }
for c in psql kea-admin runuser; do
	command -v $c >/dev/null || { echo "bench e2e_pgsql: needs $c (make deps)" >&2; exit 1; }
done
E2E_BENCH=e2e-pgsql
E2E_COST_ROUNDS=${E2E_COST_ROUNDS:-0}
PGW=""		# the cluster's folder

e2e_db_up() {
	PGW=$(mktemp -d /tmp/ls-bench-e2epg-XXXXXX)
	lab_pg_start "$PGW" "$(lab_dns_free_port)" || die "the PostgreSQL cluster did not start ($PGW)"
	KEA_LAB_LEASE_DB=$(lab_pg_kea_db "$PGW")
	export KEA_LAB_LEASE_DB
	# leasesnoop's schema, with a configuration naming the database
	ls_conf -d "$PGW" -p "$DPORT" -s "$SECRET" -f "$FZ" -r "$RZ" | e2e_ls_conf > "$PGW/init.conf"
	"$LS_BIN" -c "$PGW/init.conf" --db-init > "$PGW/db-init.out" 2>&1 ||
		die "leasesnoop --db-init failed: $(tail -3 "$PGW/db-init.out")"
}
e2e_db_down() {
	[ -n "$PGW" ] || return 0
	echo "$E2E_BENCH: leases in PostgreSQL $(lab_pg_sql "$PGW" 'SHOW server_version' 2>/dev/null)" \
		"(Kea and leasesnoop; D2 reads NCRs), load average when the run ended" \
		"$(cut -d' ' -f1-3 /proc/loadavg)" >&2
	lab_pg_stop "$PGW"
	if [ -n "${LS_KEEP:-}" ]; then echo "bench e2e_pgsql: kept $PGW" >&2; else rm -rf "$PGW"; fi
}
e2e_db_fresh() {
	lab_pg_sql "$PGW" "TRUNCATE lease4, lease6, lease4_stat, leasesnoop.change RESTART IDENTITY" >/dev/null ||
		die "cannot empty the lease tables"
}
# leasesnoop's leases from the database: its "lease-files" line becomes the "lease-database" map
e2e_ls_conf() {
	sed "s|^  \"lease-files\": .*|  \"lease-database\": $(lab_pg_kea_db "$PGW"),|"
}
# DIR - wait (30 s at most) until leasesnoop's first full pass is done
e2e_ls_ready() {
	for _i in $(seq 1 300); do
		[ "$("$LS_BIN" --stats --json --control-socket "$1/ctl.sock" 2>/dev/null |
			jq -r '."lease-database".loaded')" = true ] && return 0
		sleep 0.1
	done
	return 1
}
# DIR - e2e.sh's burst (same addresses, MACs and names) as one INSERT into lease4
e2e_burst_write() {
	lab_pg_sql "$PGW" "ALTER TABLE lease4 DISABLE TRIGGER lease4_ains;
	  INSERT INTO lease4 (address, hwaddr, valid_lifetime, expire, subnet_id,
		fqdn_fwd, fqdn_rev, hostname, state)
	  SELECT 171966464 + 256 + i, decode('0200' || lpad(to_hex(i), 8, '0'), 'hex'), 3600,
		now() + interval '1 hour', 1, true, true, 'b' || i || '.dyn.example', 0
	    FROM generate_series(1, $BURST) i;
	  ALTER TABLE lease4 ENABLE TRIGGER lease4_ains" > "$1/burst.sql.out" 2>&1 ||
		die "burst INSERT failed: $(tail -3 "$1/burst.sql.out")"
}

. "$LS_TOP/tools/bench/e2e.sh"

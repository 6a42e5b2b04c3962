#!/bin/sh
# tools/bench/pgsql.sh - the PostgreSQL lease source (issue 14), in one run
# on a throwaway cluster (tools/lab/pg.sh, Kea 2.2's schema):
#   - cold start: LS_BENCH_LEASES (default 100,000) v4 leases in lease4,
#     the time from the daemon's start until its first full pass holds
#     them all, and its resident memory then; beside the same leases from
#     a memfile (the anchor), the same daemon and configuration otherwise.
#   - change feed delay: LS_BENCH_CHANGES (default 200) rows committed one
#     at a time (20/s) to lease4; for each, the time from the commit
#     (psql returned) to leasesnoop counting the change row (its --stats,
#     polled back to back: the figure includes one such probe, a fork of
#     leasesnoop and jq, whose median is printed beside it); p50 and p99,
#     beside the default poll-interval, 200 ms (the anchor: the delay
#     without NOTIFY). The daemon's own poll-interval is 60 s here, so only
#     a NOTIFY can bring a change before a minute: the figure is NOTIFY's.
# No DNS is involved (the leases have no name). One JSON line per figure
# as DESIGN.md says (ratio > 1: leasesnoop's figure better than its anchor),
# then a short table on stderr. Not a test; a few minutes at most.
set -eu
LS_TOP=${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LS_OUTPUT=${LS_OUTPUT:-$LS_TOP/.output}
LS_BIN=${LS_BIN:-$LS_TOP/leasesnoop}
N=${LS_BENCH_LEASES:-100000}
NCH=${LS_BENCH_CHANGES:-200}
. "$LS_TOP/tests/lib/lsconf.sh"
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tools/lab/pg.sh"
[ -x "$LS_BIN" ] || { echo "bench pgsql: $LS_BIN missing (make all)" >&2; exit 1; }
[ -x "$(lab_pg_bindir)/initdb" ] || { echo "bench pgsql: needs PostgreSQL's server (make deps)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench pgsql: needs root (the cluster belongs to postgres)" >&2; exit 1; }

D=$(mktemp -d /tmp/ls-bench-pgsql-XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	lab_pg_stop "$D" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now() { date +%s.%N; }
stats() { "$LS_BIN" --stats --json --control-socket "$D/$1/ctl.sock" 2>/dev/null; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

lab_pg_start "$D" "$(lab_dns_free_port)" || { echo "bench pgsql: cluster did not start" >&2; exit 1; }
# the leases, then leasesnoop's schema (its trigger would log each bulk row);
# Kea's statistics triggers are off for the bulk load: in one transaction
# each row's UPDATE of the same lease4_stat row walks every earlier version
# (quadratic: minutes for 100,000 rows on a loaded machine)
lab_pg_sql "$D" "ALTER TABLE lease4 DISABLE TRIGGER USER" >/dev/null
lab_pg_sql "$D" "INSERT INTO lease4 (address, hwaddr, valid_lifetime, expire, subnet_id,
	fqdn_fwd, fqdn_rev, hostname, state)
  SELECT 167772160 + g, decode(lpad(to_hex(g), 12, '0'), 'hex'), 86400,
	 now() + interval '1 day', 1, false, false, '', 0 FROM generate_series(1, $N) g" >/dev/null
lab_pg_sql "$D" "ALTER TABLE lease4 ENABLE TRIGGER USER" >/dev/null
exp=$(($(date +%s) + 86400))
{
	echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context"
	awk -v n="$N" -v e="$exp" 'BEGIN {
		for (g = 1; g <= n; g++) {
			a = 167772160 + g
			printf "%d.%d.%d.%d,", int(a / 16777216), int(a / 65536) % 256, int(a / 256) % 256, a % 256
			printf "00:00:%02x:%02x:%02x:%02x,,86400,%d,1,0,0,,0,\n", int(g / 16777216) % 256,
				int(g / 65536) % 256, int(g / 256) % 256, g % 256, e
		} }'
} > "$D/leases4.csv"

PORT=$(lab_dns_free_port)	# no DNS server: nothing is sent (no names)
for m in pg mem; do
	mkdir -p "$D/$m"
	if [ $m = pg ]; then
		ls_conf -d "$D/$m" -p "$PORT" -s "$(lab_dns_secret 32)" -f dyn.example. \
			-x "\"lease-database\": $(lab_pg_kea_db "$D")" -x '"log-level": "warn"' \
			-x '"lease-database-feed": { "poll-interval": 60 }' |
			sed '/"lease-files"/d' > "$D/$m/ls.conf"
	else
		ls_conf -d "$D/$m" -p "$PORT" -s "$(lab_dns_secret 32)" -f dyn.example. \
			-4 "$D/leases4.csv" -x '"log-level": "warn"' > "$D/$m/ls.conf"
	fi
done
"$LS_BIN" -c "$D/pg/ls.conf" --db-init >/dev/null

# cold_start M - start the daemon on M, wait until its table holds N leases: sets cs_s, cs_kb
cold_start() {
	_s=$(now)
	"$LS_BIN" -c "$D/$1/ls.conf" > "$D/$1/out" 2> "$D/$1/err" &
	PID=$!
	_n=0
	while [ "${_n:-0}" -lt "$N" ]; do
		kill -0 "$PID" 2>/dev/null || { echo "bench pgsql: daemon exited:" >&2; tail -3 "$D/$1/err" >&2; exit 1; }
		_n=$(stats "$1" | jq '."lease-files".v4.leases // 0' 2>/dev/null || echo 0)
		sleep 0.02
	done
	_e=$(now)
	cs_s=$(awk -v s="$_s" -v e="$_e" 'BEGIN { printf "%.2f", e - s }')
	cs_kb=$(rss_kb "$PID")
}
cold_start mem
mem_s=$cs_s mem_kb=$cs_kb
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
cold_start pg
pg_s=$cs_s pg_kb=$cs_kb

# the change feed, on the daemon still running on PostgreSQL
base=$(stats pg | jq '."lease-database"."change-rows"')
: > "$D/delays"
: > "$D/probes"
i=1
while [ $i -le "$NCH" ]; do
	lab_pg_sql "$D" "UPDATE lease4 SET hostname = 'b$i' WHERE address = $((167772160 + i))" >/dev/null
	_c=$(now)
	want=$((base + i))
	while :; do
		_p=$(now)
		_n=$(stats pg | jq '."lease-database"."change-rows"')
		_e=$(now)
		awk -v s="$_p" -v e="$_e" 'BEGIN { printf "%.1f\n", (e - s) * 1000 }' >> "$D/probes"
		[ "$_n" -lt "$want" ] || break
		[ "$(awk -v s="$_c" -v e="$_e" 'BEGIN { print (e - s > 30) }')" = 0 ] ||
			{ echo "bench pgsql: change $i not seen within 30 s (poll-interval 60 s: no NOTIFY?)" >&2; exit 1; }
	done
	awk -v s="$_c" -v e="$_e" 'BEGIN { printf "%.1f\n", (e - s) * 1000 }' >> "$D/delays"
	sleep 0.05
	i=$((i + 1))
done
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
pct() { sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; print v[i] }'; }
p50=$(pct 50 "$D/delays") p99=$(pct 99 "$D/delays") probe=$(pct 50 "$D/probes")
poll=200

r() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
printf '{"bench":"pgsql-cold-start","figure":"seconds_%s_leases","value":%s,"unit":"s","anchor":"memfile","anchor_value":%s,"ratio":%s}\n' \
	"$N" "$pg_s" "$mem_s" "$(r "$mem_s" "$pg_s")"
printf '{"bench":"pgsql-cold-start","figure":"rss_kib","value":%s,"unit":"KiB","anchor":"memfile","anchor_value":%s,"ratio":%s}\n' \
	"$pg_kb" "$mem_kb" "$(r "$mem_kb" "$pg_kb")"
printf '{"bench":"pgsql-feed","figure":"delay_p50_ms","value":%s,"unit":"ms","anchor":"poll-interval","anchor_value":%s,"ratio":%s}\n' \
	"$p50" "$poll" "$(r "$poll" "$p50")"
printf '{"bench":"pgsql-feed","figure":"delay_p99_ms","value":%s,"unit":"ms","anchor":"poll-interval","anchor_value":%s,"ratio":%s}\n' \
	"$p99" "$poll" "$(r "$poll" "$p99")"
{
	echo "pgsql: cold start of $N v4 leases: PostgreSQL ${pg_s} s, ${pg_kb} KiB RSS; memfile ${mem_s} s, ${mem_kb} KiB RSS"
	echo "pgsql: change feed, row committed -> change seen ($NCH rows, --stats polled): p50 ${p50} ms, p99 ${p99} ms (one --stats probe: median ${probe} ms; poll-interval 60 s, default ${poll} ms)"
} >&2

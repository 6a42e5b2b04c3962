# shellcheck shell=sh
# tests/lib/daemon_cases.sh - the daemon end to end (sourced by
# tests/integ/40_daemon_*.sh): real kea-dhcp4 and kea-dhcp6 (names
# generated, short lifetimes, LFC every few seconds) in a netns pair with
# perfdhcp clients, `leasesnoop -c` following their lease files alone
# ("interfaces": []), and a real authoritative server on loopback.
# DNS must equal the lease files exactly (AXFR against --kea-leases):
# after leases, renewals and releases with LFC rotations; after kill -9 in
# the middle of a stream and a restart; after the DNS server was stopped
# while clients kept getting leases; and empty once every lease expired and
# Kea reclaimed it. Static records at names the leases get are never touched.
#   daemon_cases bind|knot|pdns

need_root
need_cmd kea-dhcp4 kea-dhcp6 perfdhcp jq dig ip
. "$LS_TOP/tools/lab/kea.sh"
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

FZ=dyn.example.
RZ4=64.10.in-addr.arpa.
RZ6=0.0.0.0.0.0.0.0.4.6.0.0.0.0.d.f.ip6.arpa.

dc_cleanup() {
	[ -n "${LS_DPID:-}" ] && kill -9 "$LS_DPID" 2>/dev/null
	for _p in ${DC_BG:-}; do kill "$_p" 2>/dev/null; done
	[ -f "$DC_DIR/dns/daemon.pid" ] && kill -CONT "$(cat "$DC_DIR/dns/daemon.pid")" 2>/dev/null
	[ -n "${DC_DNS_STOP:-}" ] && $DC_DNS_STOP "$DC_DIR/dns" 2>/dev/null
	kea_lab_down
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DC_DIR" || rm -rf "$DC_DIR"
}

# expected "name addr" lines of the active leases with names
dc_want() {
	for _f in 4 6; do
		"$LS_BIN" --kea-leases "$DC_DIR/kea-leases$_f.csv" --json 2>/dev/null
	done | jq -r 'select(.hostname != "" and (.lease_type // 0) == 0) | "\(.hostname | ascii_downcase | sub("\\.?$"; ".")) \(.address)"' |
		grep -v '^h-10-64-1-[0-4]\.' | sort
}
dc_have() {
	lab_dns_axfr "$DC_PORT" "$FZ" k hmac-sha256 "$DC_SECRET" |
		awk '$3 == "A" || $3 == "AAAA" { print $1, $4 }' | grep -v '^h-10-64-1-[0-4]\.' | sort
}
dc_have_ptr() {
	{ lab_dns_axfr "$DC_PORT" "$RZ4" k hmac-sha256 "$DC_SECRET"
	  lab_dns_axfr "$DC_PORT" "$RZ6" k hmac-sha256 "$DC_SECRET"; } |
		awk '$3 == "PTR" { print $1, $4 }' | perl -ne '
		my ($o, $n) = split; $o =~ s/\.$//;
		if ($o =~ s/\.in-addr\.arpa$//) { print join(".", reverse split /\./, $o), " $n\n" }
		elsif ($o =~ s/\.ip6\.arpa$//) { my $h = join("", reverse split /\./, $o);
			my @g = map { sprintf "%x", hex } ($h =~ /(....)/g);
			my $a = join(":", @g); $a =~ s/(^|:)0(:0)+(:|$)/::/; print "$a $n\n" }' | sort
}

dc_no_dynamic() { [ -z "$(dc_have)" ] && [ -z "$(dc_have_ptr)" ]; }
# dc_stat_above JQ N - the daemon's statistic JQ is above N
dc_stat_above() { [ "$(ls_daemon_stats "$DC_DIR" | jq "$1")" -gt "$2" ] 2>/dev/null; }
# dc_grew FILE SIZE - FILE is larger than SIZE bytes
dc_grew() { [ "$(wc -c < "$1")" -gt "$2" ]; }

# dc_check WANT0 WANT HAVE - HAVE holds every binding in both WANT0 and WANT
# and none that is in neither (one per line, sorted); prints what differs
dc_check() {
	printf '%s\n' "$1" | grep . > "$DC_DIR/w0"
	printf '%s\n' "$2" | grep . > "$DC_DIR/w"
	printf '%s\n' "$3" | grep . > "$DC_DIR/h"
	comm -12 "$DC_DIR/w0" "$DC_DIR/w" | comm -23 - "$DC_DIR/h" | sed 's/^/missing: /'
	sort -u "$DC_DIR/w0" "$DC_DIR/w" | comm -13 - "$DC_DIR/h" | sed 's/^/extra: /'
}

# dc_exact NAME - DNS holds exactly the lease files' bindings, forward and reverse.
# Leases of an earlier burst (24 s lifetimes) can expire while DNS is read
# (seconds under load), and the daemon rightly removes them at once; so the
# lease files are read before (then the daemon settles, so an expiry just past
# is applied) and after the AXFRs. A binding active at both reads must be in
# DNS, one active at neither must not; one that changed in between may be
# either way (it is counted in the message).
dc_exact() {
	_w0=$(dc_want)
	ls_daemon_settle "$DC_DIR" 10
	_h=$(dc_have); _hp=$(dc_have_ptr); _w=$(dc_want)
	_n=$(printf '%s\n%s\n' "$_w0" "$_w" | grep . | sort | uniq -u | wc -l)
	_st=$(printf '%s\n%s\n' "$_w0" "$_w" | grep . | sort | uniq -d | wc -l)
	_d=$(dc_check "$_w0" "$_w" "$_h")
	if [ "$_st" -gt 0 ] && [ -z "$_d" ]; then
		_d=$(dc_check "$(printf '%s\n' "$_w0" | awk 'NF { print $2, $1 }' | sort)" \
			"$(printf '%s\n' "$_w" | awk 'NF { print $2, $1 }' | sort)" "$_hp")
		if [ -z "$_d" ]; then
			tap_pass "$1 ($_st bindings, $_n changing while read)"
			return
		fi
		tap_fail "$1: PTR differ" "$(printf '%s\n' "$_d" | head -10)"
		return
	fi
	tap_fail "$1" "want $_st (+$_n changing) have $(echo "$_h" | grep -c .)" "$(printf '%s\n' "$_d" | head -10)"
}

dc_static_ok() {
	_s=$(lab_dns_axfr "$DC_PORT" "$FZ" k hmac-sha256 "$DC_SECRET" | grep '^h-10-64-1-[0-4]\.' | sort)
	_e=$(for _i in 0 1 2 3 4; do echo "h-10-64-1-$_i.dyn.example. IN A 192.0.2.$_i"; done)
	tap_is "static records at names leases got are untouched (no DHCID added)" "$_s" "$_e"
}

# dc_outage - the DNS server stopped while clients keep getting leases: DHCP
# does not notice, and DNS converges once the server is back
dc_outage() {
	# the server is stopped and started again: BIND's journal and Knot's
	# (zonefile-load difference, tools/lab/dns.sh) keep the zone
	$DC_DNS_STOP "$DC_DIR/dns"
	kea_lab_perfdhcp4 -r 50 -R 500 -p 4 > "$DC_DIR/perf4c.out" 2>&1
	_acks=$(awk '/REQUEST-ACK/ { f = 1 } f && /received packets/ { print $NF; exit }' "$DC_DIR/perf4c.out")
	if [ "${_acks:-0}" -ge 100 ]; then tap_pass "DNS down: Kea keeps granting leases ($_acks ACKs)"
	else tap_fail "DNS down: Kea keeps granting leases" "$(tail -20 "$DC_DIR/perf4c.out")"; fi
	# the daemon has met the outage (retried) before the server comes back
	WAIT_STEP=0.1 wait_for 20 dc_stat_above '.dns.retries + ."dns-retry-reports"' 0
	lab_${DC_KIND}_start "$DC_DIR/dns" "$DC_PORT" k hmac-sha256 "$DC_SECRET" "$FZ" "$RZ4" "$RZ6" >/dev/null 2>&1
	lab_dns_wait "$DC_PORT" "$FZ"
	ls_daemon_settle "$DC_DIR" 60
	dc_exact "DNS back: DNS equals the lease files"
	_st=$(ls_daemon_stats "$DC_DIR")
	if [ "$(printf '%s' "$_st" | jq '.dns.retries + ."dns-retry-reports"')" -gt 0 ]; then tap_pass "the outage was retried, not dropped"
	else tap_fail "the outage was retried, not dropped" "$_st"; fi
}

# dc_clients WHAT: perfdhcp v4 and v6 clients (grants, renewals, releases),
# then DNS exact: one TAP line, "leases, renewals and releases" WHAT
dc_clients() {
	kea_lab_perfdhcp4 -r 40 -R 300 -p 5 -f 20 -F 10 > "$DC_DIR/perf4.out" 2>&1 &
	DC_BG="$!"
	kea_lab_perfdhcp6 -r 30 -R 200 -p 5 -f 10 -F 5 > "$DC_DIR/perf6.out" 2>&1
	wait $DC_BG 2>/dev/null; DC_BG=
	ls_daemon_settle "$DC_DIR" 20
	dc_exact "leases, renewals and releases$1"
}

# The lease-database tests (61, 62, 63) share these:
#   dc_db_lab TAG STOP   DC_DIR: a new /tmp/ls-TAG-XXXXXX (DNS by BIND); at
#                        exit DC_DB_DOWN (a command, if set), STOP DC_DIR (the
#                        database: lab_pg_stop, lab_my_stop), then dc_cleanup
#   dc_db_kea_up NAME DB  kea-dhcp4 and kea-dhcp6 on lease-database DB (JSON),
#                        names generated, v4 deleting the leases it reclaims
#                        (flush 0), v6 keeping them as state 2: one TAP line
#   dc_db_conf [OPT...]  DC_DIR/ls.conf (ls_conf OPTs added) following the
#                        lease-database of Kea's own files, no lease files
#   dc_db_init_twice pgsql|mysql N SQL   --db-init, and again (changes nothing),
#                        SQL counts N triggers, kea-admin db-upgrade still
#                        succeeds: two TAP lines
#   dc_db_clients FEED   perfdhcp v4 and v6 clients, DNS exact, the change feed
#                        (named FEED) carried them: two TAP lines; stats in _st
#   dc_db_kill_restart   kill -9 in the middle of a stream, restart: DNS exact
#   dc_db_reclaimed pgsql|mysql   every lease expired, Kea reclaimed it (v4: row
#                        deleted; v6: state 2, hostname cleared): no dynamic
#                        record left, v6 rows kept: two TAP lines
dc_db_lab() {
	DC_KIND=bind
	DC_DIR=$(mktemp -d "/tmp/ls-$1-XXXXXX")
	_DC_DB_STOP=$2
	trap _dc_db_lab_down EXIT
	trap 'exit 1' INT TERM
}
_dc_db_lab_down() {
	${DC_DB_DOWN:-:}
	$_DC_DB_STOP "$DC_DIR" 2>/dev/null
	dc_cleanup
}
dc_db_kea_up() {
	export KEA_LAB_DDNS=1 KEA_LAB_VALID=30 KEA_LAB_RECLAIM=2 KEA_LAB_RECLAIM_MAX=0
	KEA_LAB_LEASE_DB=$2
	export KEA_LAB_LEASE_DB
	if KEA_LAB_FLUSH=0 kea_lab_kea4_up "$DC_DIR" && kea_lab_kea6_up "$DC_DIR"; then
		tap_pass "kea-dhcp4 and kea-dhcp6 up on $1 (names generated)"
	else tap_fail "kea-dhcp4 and kea-dhcp6 up on $1" "$(tail -5 "$DC_DIR"/kea-dhcp*.log)"; fi
}
dc_db_conf() {
	ls_conf -d "$DC_DIR" -p "$DC_PORT" -s "$DC_SECRET" -f "$FZ" -r "$RZ4" -r "$RZ6" "$@" \
		-x "\"kea-config-file\": [ \"$DC_DIR/kea-dhcp4.conf\", \"$DC_DIR/kea-dhcp6.conf\" ]" \
		-x '"batching": { "backoff-max-ms": 1000, "timeout-ms": 500 }' |
		sed '/"lease-files"/d' > "$DC_DIR/ls.conf"
}
dc_db_init_twice() {
	_sql=lab_pg_sql _admin=lab_pg_kea_admin
	[ "$1" = mysql ] && _sql=lab_my_sql _admin=lab_my_kea_admin
	_o=$("$LS_BIN" -c "$DC_DIR/ls.conf" --db-init 2>&1) &&
		_o2=$("$LS_BIN" -c "$DC_DIR/ls.conf" --db-init 2>&1) && _t=$($_sql "$DC_DIR" "$3")
	if [ "${_t:-0}" = "$2" ] && printf '%s' "$_o2" | grep -q 'already version'; then
		tap_pass "--db-init installs the schema and triggers, and again changes nothing"
	else tap_fail "--db-init installs the schema and triggers" "$_o" "$_o2" "triggers: ${_t:-}"; fi
	if $_admin "$DC_DIR" db-upgrade > "$DC_DIR/upgrade.log" 2>&1 &&
	   [ "$($_sql "$DC_DIR" "$3")" = "$2" ]; then
		tap_pass "kea-admin db-upgrade $1 succeeds with leasesnoop's schema installed"
	else tap_fail "kea-admin db-upgrade $1 with leasesnoop's schema" "$(tail -5 "$DC_DIR/upgrade.log")"; fi
}
dc_db_clients() {
	dc_clients ": DNS equals the database"
	_st=$(ls_daemon_stats "$DC_DIR")
	if [ "$(printf '%s' "$_st" | jq '."lease-database"."change-rows"')" -gt 0 ] &&
	   [ "$(printf '%s' "$_st" | jq '."lease-database"."full-passes"')" -ge 1 ]; then
		tap_pass "$1 carried the leases ($(printf '%s' "$_st" | jq -c '."lease-database" | {"change-rows", lookups, debounced, "expiry-checks"}'))"
	else tap_fail "$1 carried the leases" "$(printf '%s' "$_st" | jq -c '."lease-database"')"; fi
}

dc_db_kill_restart() {
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
}
dc_db_reclaimed() {
	_sql=lab_pg_sql
	[ "$1" = mysql ] && _sql=lab_my_sql
	WAIT_STEP=0.5 wait_for 90 dc_no_dynamic
	tap_is "all leases expired and reclaimed: no dynamic record left" "$(dc_have)$(dc_have_ptr)" ""
	_v6kept=$($_sql "$DC_DIR" "SELECT count(*) FROM lease6 WHERE state = 2 AND COALESCE(hostname, '') = ''")
	if [ "${_v6kept:-0}" -gt 0 ]; then tap_pass "v6 reclaimed leases kept with their hostname cleared ($_v6kept)"
	else tap_fail "v6 reclaimed leases kept with their hostname cleared" "$($_sql "$DC_DIR" "SELECT state, count(*) FROM lease6 GROUP BY state")"; fi
}

daemon_cases() {
	DC_KIND=$1
	DC_DIR=$(mktemp -d /tmp/ls-daemon-XXXXXX)
	trap dc_cleanup EXIT
	trap 'exit 1' INT TERM
	tap_plan 15
	DC_PORT=$(lab_dns_free_port)
	DC_SECRET=$(lab_dns_secret 32)
	mkdir -p "$DC_DIR/dns"
	for _i in 0 1 2 3 4; do echo "h-10-64-1-$_i.dyn.example. 300 IN A 192.0.2.$_i"; done > "$DC_DIR/dns/extra-$FZ"
	DC_DNS_STOP=lab_${DC_KIND}_stop
	lab_${DC_KIND}_start "$DC_DIR/dns" "$DC_PORT" k hmac-sha256 "$DC_SECRET" "$FZ" "$RZ4" "$RZ6" >/dev/null 2>&1
	tap_ok "$DC_KIND up with $FZ, $RZ4, $RZ6" lab_dns_wait "$DC_PORT" "$FZ"

	tap_ok "lab: namespaces and veth up" kea_lab_net_up
	export KEA_LAB_DDNS=1 KEA_LAB_LFC=4 KEA_LAB_VALID=24 KEA_LAB_RECLAIM=2 KEA_LAB_RECLAIM_MAX=0
	if kea_lab_kea4_up "$DC_DIR" && kea_lab_kea6_up "$DC_DIR"; then tap_pass "kea-dhcp4 and kea-dhcp6 up (names generated, LFC every 4 s)"
	else tap_fail "kea-dhcp4 and kea-dhcp6 up" "$(tail -5 "$DC_DIR"/kea-dhcp*.log)"; fi

	# leasesnoop for the integ tier: lease files only
	ls_conf -d "$DC_DIR" -p "$DC_PORT" -s "$DC_SECRET" \
		-4 "$DC_DIR/kea-leases4.csv" -6 "$DC_DIR/kea-leases6.csv" -f "$FZ" -r "$RZ4" -r "$RZ6" \
		-x '"batching": { "backoff-max-ms": 1000, "timeout-ms": 500 }' > "$DC_DIR/ls.conf"
	# not under tap_ok: LS_DPID must survive (tap_ok runs in a subshell)
	if ls_daemon_start "$DC_DIR"; then tap_pass "leasesnoop -c starts on lease files alone"
	else tap_fail "leasesnoop -c starts on lease files alone" "$(cat "$DC_DIR/ls.err")"; fi

	# clients: grants, renewals and releases, v4 and v6, across LFC rotations
	dc_clients " (LFC rotating): DNS equals the lease files"
	dc_static_ok
	_conf=$(ls_daemon_stats "$DC_DIR" | jq '.conflicts')
	if [ "$_conf" -ge 1 ]; then tap_pass "conflicts counted at the static names ($_conf)"
	else tap_fail "conflicts counted at the static names" "$_st"; fi


	# kill -9 in the middle of a stream, restart: exact again
	_adds=$(ls_daemon_stats "$DC_DIR" | jq '."adds-sent"')
	kea_lab_perfdhcp4 -r 60 -R 400 -p 4 -F 10 > "$DC_DIR/perf4b.out" 2>&1 &
	DC_BG="$!"
	# mid-stream: the daemon is sending the new leases' records ...
	WAIT_STEP=0.1 wait_for 20 dc_stat_above '."adds-sent"' "$_adds"
	kill -9 "$LS_DPID"; wait "$LS_DPID" 2>/dev/null; LS_DPID=
	# ... and Kea goes on writing leases while it is down
	_size=$(wc -c < "$DC_DIR/kea-leases4.csv")
	wait_for 20 dc_grew "$DC_DIR/kea-leases4.csv" "$_size"
	ls_daemon_start "$DC_DIR"
	wait $DC_BG 2>/dev/null; DC_BG=
	ls_daemon_settle "$DC_DIR" 20
	dc_exact "kill -9 mid-stream, restart: DNS equals the lease files"

	# DNS down (stopped, restarted) while clients keep getting leases
	dc_outage
	# leasesnoop --stats prints counters readably
	# (the dashboard's ZONES table: the zone, then applied, conflict, failed as numbers)
	if "$LS_BIN" --stats --control-socket "$DC_DIR/ctl.sock" | sed -n '/^ZONES/,/^[A-Z]/p' |
		grep -qE '^  dyn\.example\. +[0-9,]+( +[0-9,]+){2}$'; then
		tap_pass "--stats prints per-zone counters"
	else tap_fail "--stats prints per-zone counters" "$("$LS_BIN" --stats --control-socket "$DC_DIR/ctl.sock" 2>&1 | head)"; fi

	# every lease expires, Kea reclaims: only the static records are left
	WAIT_STEP=0.5 wait_for 60 dc_no_dynamic
	tap_is "all leases expired and reclaimed: no dynamic record left" "$(dc_have)$(dc_have_ptr)" ""
	dc_static_ok

	kill -TERM "$LS_DPID"; wait "$LS_DPID"; _rc=$?; LS_DPID=
	tap_is "SIGTERM: clean exit" "$_rc" 0
	tap_done
}

#!/bin/sh
# tools/bench/e2e.sh - end to end against Kea's own DHCP-DDNS daemon (D2),
# on BIND 9 then on Knot DNS, in one run (issue 6's benchmark).
#
#   sh tools/bench/e2e.sh            (root: network namespaces; ~6 minutes)
#
# A lab of two namespaces joined by a veth (tools/lab/kea.sh): kea-dhcp4
# (memfile, names generated h-A-B-C-D.dyn.example, NCRs sent to
# 127.0.0.1:53001) and the DNS server (tools/lab/dns.sh, zones dyn.example.
# and 64.10.in-addr.arpa., TSIG hmac-sha256) in the server namespace,
# perfdhcp in the client one. Per server, four phases, each on a freshly
# started, empty DNS server and (1, 2) a fresh kea-dhcp4 and lease file:
#   1. leasesnoop -c attached to the server's interface, following Kea's
#      lease file, while perfdhcp runs E2E_RATE DORA/s for E2E_SECONDS
#   2. the same load with kea-dhcp-ddns (the D2 configuration of
#      tools/bench/dns.sh: same zones, key and server; logging at INFO,
#      Kea's default) receiving Kea's NCRs
#   3. burst, leasesnoop: E2E_BURST new lease rows appended to a lease file
#      at once (one write, as Kea would write them)
#   4. burst, D2: E2E_BURST NCRs sent at once to its UDP listener
#      (tools/dnsdrive --ncr-to with a window of the whole burst)
# In 1 and 2, .output/tools/e2eprobe watches the ACKs leaving the server's
# interface and, for every E2E_PROBE_EVERY-th new lease, queries the DNS
# server until the lease's A record answers (latency ACK on the wire ->
# record answered); it also polls the zones' SOA serials to know when
# applying ended. A phase ends E2E_QUIET seconds after the last serial change
# once perfdhcp is done; what DNS holds then (AXFR) is what was applied.
#
# Figures (bench "e2e-bind", "e2e-knot"), leasesnoop's value beside D2's from
# the same run, ratio > 1 meaning leasesnoop is better (for latency, CPU and
# RSS ratio = D2 / leasesnoop):
#   leases_offered_per_s   DISCOVERs perfdhcp sent per second (the same load)
#   leases_granted_per_s   ACKs perfdhcp received per second (Kea's rate
#                          beside each updater)
#   changes_per_s          A records in DNS at the end / (last SOA change -
#                          first ACK)
#   reached_dns_pct        A records in DNS / distinct leases ACKed
#   latency_p50_ms, latency_p99_ms   of the sampled leases that reached DNS
#   cpu_s_per_1000_changes user+system CPU of the updater process (from
#                          /proc/PID/stat) per 1,000 A records applied
#                          (leasesnoop's BPF programs run in the kernel's
#                          packet path and are not in it: tools/bench_bpf
#                          measures them, ~0.3 us per ACK)
#   peak_rss_mib           the updater's VmHWM (leasesnoop's includes its BPF
#                          ring buffer, mapped twice: 32 MiB at --ring-size's
#                          default; the notes line says how much)
#   burst_reached_dns_pct  share of the E2E_BURST burst in DNS at the end
# Kea's cost (bench "e2e-kea-cost", on the first server of E2E_SERVERS):
# Kea's own lease rate at saturation (perfdhcp offering E2E_COST_RATE DORA/s
# for E2E_COST_SECONDS, a fresh kea-dhcp4 and lease file each time) with
# DDNS off entirely ("enable-updates": false, no updater) against the same
# Kea with DDNS on as with D2 and leasesnoop attached and listening for its
# NCRs (and, once, with kea-dhcp-ddns instead), E2E_COST_ROUNDS rounds of
# off / on (DDNS on, NCRs read and dropped by a sink: Kea's own DDNS work) /
# leasesnoop interleaved, the median of each (a shared machine's load moves
# single runs by tens of percent):
#   kea_leases_per_s_with_leasesnoop   anchor: DDNS off; ratio = with / off
#                                      (1 - ratio is what leasesnoop costs Kea)
#   kea_leases_per_s_with_d2           the same with D2 in leasesnoop's place
#   kea_leases_per_s_ddns_on_ncr_sink  Kea's DDNS on, its NCRs dropped
#   kea_leases_per_s_with_leasesnoop_vs_sink  with leasesnoop, anchor: the
#                                      sink (what leasesnoop itself costs Kea)
#   kea_cpu_s_per_1000_leases_*        the same four, as Kea's own CPU seconds
#                                      per 1,000 leases granted (ratio = anchor
#                                      / value): what each makes Kea itself do,
#                                      which a loaded machine moves less than
#                                      the rate (that one also counts the CPU
#                                      the updater and the DNS server take from
#                                      Kea on a machine with few cores)
# (the notes line has each phase's rate and the CPU seconds the updater, the
# DNS server and Kea used: on 2 CPUs they compete with Kea for the same cores)
# then a short table on stderr (tools/bench/run.sh's convention) and notes:
# records counted, burst landing times, and the probe's query rate (beside
# D2 it is higher: most sampled leases never answer and are polled until
# given up).
#
# Same Kea configuration in both phases, as with D2 ("enable-updates": true,
# NCRs to 127.0.0.1:53001): in phase 1 leasesnoop listens there in D2's place
# (its default "kea-ddns-updates": true), so the DHCP server's load is identical.
# Settings (environment): E2E_RATE [2000] DORA/s offered, E2E_SECONDS [20]
# per load phase, E2E_BURST [20000], E2E_SERVERS ["bind knot"],
# E2E_PROBE_EVERY [40], E2E_QUIET [3] s, E2E_COST_RATE [8000] DORA/s,
# E2E_COST_SECONDS [6], E2E_COST_ROUNDS [3] (0: no cost phase). LS_KEEP=1
# keeps the work directory. E2E_ONLY_LS=1: only phase 1 per server, its
# figures in the notes (for comparing two builds: LS_BIN=…).
# perfdhcp draws clients at random from 4 x E2E_RATE x E2E_SECONDS MACs, so
# ~88 % of ACKs are new leases; E2E_RATE x E2E_SECONDS beyond ~70,000 would
# exhaust the /16 pool (Kea stops offering), and the bench refuses it.
set -u
LS_TOP=${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LS_OUTPUT=${LS_OUTPUT:-$LS_TOP/.output}
LS_BIN=${LS_BIN:-$LS_TOP/leasesnoop}
RATE=${E2E_RATE:-2000}
SECS=${E2E_SECONDS:-20}
BURST=${E2E_BURST:-20000}
SERVERS=${E2E_SERVERS:-bind knot}
EVERY=${E2E_PROBE_EVERY:-40}
QUIET=${E2E_QUIET:-3}
COST_RATE=${E2E_COST_RATE:-8000}
COST_SECS=${E2E_COST_SECONDS:-6}
COST_ROUNDS=${E2E_COST_ROUNDS:-3}
LOADS="ls d2"
[ -n "${E2E_ONLY_LS:-}" ] && LOADS=ls
PROBE=$LS_OUTPUT/tools/e2eprobe
DRIVE=$LS_OUTPUT/tools/dnsdrive
# --- lease backend hooks (issue 14): Kea's memfile here; tools/bench/e2e_pgsql.sh
# defines them for PostgreSQL, then sources this script
E2E_BENCH=${E2E_BENCH:-e2e}	# the "bench" prefix of the figures
command -v e2e_db_up >/dev/null 2>&1 || e2e_db_up() { :; }		# once the namespaces are up
command -v e2e_db_down >/dev/null 2>&1 || e2e_db_down() { :; }		# at exit
command -v e2e_db_fresh >/dev/null 2>&1 || e2e_db_fresh() { :; }	# no leases: before each Kea or burst
command -v e2e_ls_conf >/dev/null 2>&1 || e2e_ls_conf() { cat; }	# ls_conf's output -> leasesnoop's
command -v e2e_ls_ready >/dev/null 2>&1 || e2e_ls_ready() { :; }	# DIR: leasesnoop started, has its leases
command -v e2e_burst_write >/dev/null 2>&1 ||	# DIR: the burst, at once, where leasesnoop reads leases
	e2e_burst_write() { cat "$1/burst.csv" >> "$1/kea-leases4.csv"; }
# --- end of the lease backend hooks

[ $((RATE * SECS)) -le 70000 ] || { echo "bench e2e: E2E_RATE x E2E_SECONDS > 70000 exhausts the pool" >&2; exit 1; }
[ $((COST_RATE * COST_SECS)) -le 70000 ] || { echo "bench e2e: E2E_COST_RATE x E2E_COST_SECONDS > 70000 exhausts the pool" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench e2e: needs root (network namespaces, BPF)" >&2; exit 1; }
for c in kea-dhcp4 kea-dhcp-ddns perfdhcp named knotd dig jq ip; do
	command -v $c >/dev/null || { echo "bench e2e: needs $c (make deps)" >&2; exit 1; }
done
for f in "$LS_BIN" "$PROBE" "$DRIVE"; do
	[ -x "$f" ] || { echo "bench e2e: needs $f (make all)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/ls-bench-e2e-XXXXXX)
export KEA_LAB_PREFIX=e2e$$ KEA_LAB_STATE="$WORK/lab.state"
export KEA_LAB_DDNS=1 KEA_LAB_D2_PORT=53001 KEA_LAB_LFC=0 KEA_LAB_VALID=3600
. "$LS_TOP/tools/lab/kea.sh"
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsconf.sh"

FZ=dyn.example.
RZ=64.10.in-addr.arpa.
DPORT=5301		# inside the server namespace: nothing else there
SECRET=$(lab_dns_secret 32)
BG=""			# pids of our background processes (updaters, probe, perfdhcp)
DNSDIR=""		# the running DNS server's directory

cleanup() {
	for p in $BG; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in $BG; do kill -9 "$p" 2>/dev/null; done
	[ -n "$DNSDIR" ] && lab_bind_stop "$DNSDIR"
	kea_lab_down
	e2e_db_down
	if [ -n "${LS_KEEP:-}" ]; then echo "bench e2e: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

die() { echo "bench e2e: $*" >&2; exit 1; }
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN { if (b > 0) printf f, a / b; else print 0 }'; }
jget() { jq -r ".$2 // 0" "$1"; }
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }
hwm_mib() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# the part of the RSS that is BPF maps mapped into the process (leasesnoop's ring buffer)
bpf_mib() { awk '/^[0-9a-f]+-/ { m = /bpf-map/ } /^Rss:/ && m { s += $2 } END { printf "%.1f", s / 1024 }' "/proc/$1/smaps" 2>/dev/null || echo 0; }
stop_pid() { # PID - SIGTERM, wait up to 5 s, then SIGKILL
	kill "$1" 2>/dev/null
	for _i in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	BG=$(echo " $BG " | sed "s/ $1 / /; s/^ *//; s/ *$//")
}

# dns_fresh KIND DIR - an empty KIND server in the server netns on $DPORT
dns_fresh() {
	[ -n "$DNSDIR" ] && lab_bind_stop "$DNSDIR"
	DNSDIR=$2
	kea_lab_srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_$1_start '$2' $DPORT k hmac-sha256 '$SECRET' $FZ $RZ" \
		>/dev/null 2>&1
	kea_lab_srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_dns_wait $DPORT $FZ" || die "$1 did not start ($2)"
}
dns_stop() { [ -n "$DNSDIR" ] && lab_bind_stop "$DNSDIR"; DNSDIR=""; }
# count ZONE TYPE - records of TYPE in ZONE
count() {
	kea_lab_srv dig +nocmd +nostats +noall +answer +onesoa -p $DPORT @127.0.0.1 -y "hmac-sha256:k:$SECRET" "$1" AXFR |
		awk -v t="$2" '$4 == t' | wc -l
}
serials() { kea_lab_srv dig +short -p $DPORT @127.0.0.1 $FZ SOA $RZ SOA | awk '{ printf "%s ", $3 }'; }
# wait_quiet T0 MAX - until the zones' serials have not changed for $QUIET s
# (MAX s at most); prints the seconds from T0 (date +%s.%N) to the last change
wait_quiet() {
	_t0=$1 _last=$1 _s=$(serials)
	while :; do
		sleep 0.5
		_now=$(date +%s.%N) _n=$(serials)
		[ "$_n" != "$_s" ] && { _s=$_n; _last=$_now; }
		awk -v a="$_now" -v b="$_last" -v q="$QUIET" -v t="$_t0" -v m="$2" \
			'BEGIN { exit !((a - b >= q && b > t) || a - b >= q + 10 || a - t >= m) }' && break
	done
	awk -v a="$_last" -v t="$_t0" 'BEGIN { printf "%.1f", a - t }'
}

d2_conf() { # FILE LOG
	cat > "$1" <<EOF
{ "DhcpDdns": { "ip-address": "127.0.0.1", "port": $KEA_LAB_D2_PORT,
  "tsig-keys": [ { "name": "k", "algorithm": "HMAC-SHA256", "secret": "$SECRET" } ],
  "forward-ddns": { "ddns-domains": [ { "name": "$FZ", "key-name": "k",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $DPORT } ] } ] },
  "reverse-ddns": { "ddns-domains": [ { "name": "$RZ", "key-name": "k",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $DPORT } ] } ] },
  "loggers": [ { "name": "kea-dhcp-ddns", "severity": "INFO",
      "output_options": [ { "output": "$2", "flush": true, "maxsize": 2000000000 } ] } ] } }
EOF
}
d2_start() { # DIR - kea-dhcp-ddns in the server netns; UPD_PID
	d2_conf "$1/d2.conf" "$1/d2.log"
	: > "$1/d2.log"
	KEA_PIDFILE_DIR=$1 KEA_LOCKFILE_DIR=$1 ip netns exec "$KEA_LAB_SRV_NS" \
		kea-dhcp-ddns -c "$1/d2.conf" > "$1/d2.out" 2>&1 &
	UPD_PID=$!; BG="$BG $UPD_PID"
	for _i in $(seq 1 50); do grep -q DHCP_DDNS_STARTED "$1/d2.log" && return 0; sleep 0.1; done
	die "kea-dhcp-ddns did not start: $(tail -3 "$1/d2.out" "$1/d2.log")"
}
ls_start() { # DIR IFACE|"" LEASEFILE - leasesnoop -c in the server netns; UPD_PID
	# in D2's place: Kea's DDNS on, leasesnoop listening for its NCRs where D2 did
	ls_conf -d "$1" -p "$DPORT" -s "$SECRET" ${2:+-i "$2"} -4 "$3" -f "$FZ" -r "$RZ" \
		-N "$KEA_LAB_D2_PORT" -x '"log-level": "warn"' | e2e_ls_conf > "$1/ls.conf"
	ip netns exec "$KEA_LAB_SRV_NS" "$LS_BIN" -c "$1/ls.conf" > "$1/ls.out" 2> "$1/ls.err" &
	UPD_PID=$!; BG="$BG $UPD_PID"
	for _i in $(seq 1 100); do
		[ -S "$1/ctl.sock" ] && { e2e_ls_ready "$1" || die "leasesnoop did not load its leases"; return 0; }
		kill -0 "$UPD_PID" 2>/dev/null || break
		sleep 0.05
	done
	die "leasesnoop -c did not start: $(tail -5 "$1/ls.err")"
}

# stages STATS_JSON - where leasesnoop's time went (--stats: dns.stages, per
# stage p50/p99 ms) and each server's pace when the load ended
stages() {
	jq -r '"stages p50/p99 ms: " + ([.dns.stages | to_entries[] |
		"\(.key) \(.value["p50-ms"] | floor)/\(.value["p99-ms"] | floor)"] | join(", ")) +
		"; slow \(.dns.slow); " + ([.dns.servers[] | "\(.zone) \(.messages) msgs, reply p50/p99 " +
		"\(.["latency-p50-ms"] | floor)/\(.["latency-p99-ms"] | floor) ms, srtt \(.["srtt-ms"]), " +
		"batch \(.["batch-size"]), window \(.window), cuts \(.["pace-cuts"])"] | join("; ")) + "; "' "$1" | tr -d '\n'
}
# commits DNSDIR - Knot's own view (its log at info): per zone, commits,
# UPDATE messages merged per commit and the commit time p50/p99/max (s)
commits() {
	[ -f "$1/knot.log" ] || return 0
	awk '/DDNS, processing/ { z = $3; n[z] += $6 }
	     /DDNS, finished, serial/ { z = $3; c[z]++; t[z, c[z]] = $(NF - 1) }
	     END { for (z in c) {
		m = c[z]; for (i = 1; i <= m; i++) v[i] = t[z, i]
		for (i = 2; i <= m; i++) { x = v[i]; for (k = i - 1; k >= 1 && v[k] > x; k--) v[k + 1] = v[k]; v[k + 1] = x }
		q = int(m * 0.99) + 1; if (q > m) q = m
		printf "knot %s %d commits, %.1f UPDATEs each, commit p50/p99/max %s/%s/%s s; ", z, m, n[z] / m,
			v[int(m * 0.5) + 1], v[q], v[m] } }' "$1/knot.log"
}

# load WHO DIR - phase 1 or 2: Kea + updater WHO (ls|d2) + perfdhcp + probe;
# writes DIR/fig: offered granted changes_per_s reached_pct p50 p99 cpu hwm a ptr leases
# bpf_map_mib probe_queries_per_s
load() {
	_d=$2
	mkdir -p "$_d"
	e2e_db_fresh
	kea_lab_kea4_up "$_d" || die "kea-dhcp4 did not start"
	if [ "$1" = ls ]; then ls_start "$_d" "$KEA_LAB_SRV_IF" "$_d/kea-leases4.csv"
	else d2_start "$_d"; fi
	ip netns exec "$KEA_LAB_SRV_NS" "$PROBE" -i "$KEA_LAB_SRV_IF" -p $DPORT -e "$EVERY" -q "$QUIET" \
		-f "${FZ%.}" -r "${RZ%.}" -w $((SECS + 300)) > "$_d/probe.json" 2> "$_d/probe.err" &
	_probe=$!; BG="$BG $_probe"
	sleep 0.5
	c0=$(cpu_s "$UPD_PID")
	kea_lab_perfdhcp_bg 4 "$_d/perf.out" -r "$RATE" -R $((RATE * SECS * 4)) -p "$SECS"
	BG="$BG $KEA_LAB_BG_PID"
	wait "$KEA_LAB_BG_PID"
	BG=$(echo " $BG " | sed "s/ $KEA_LAB_BG_PID / /")
	kill -USR1 "$_probe"
	wait "$_probe"
	BG=$(echo " $BG " | sed "s/ $_probe / /")
	c1=$(cpu_s "$UPD_PID") hwm=$(hwm_mib "$UPD_PID") bpfm=$(bpf_mib "$UPD_PID")
	: > "$_d/detail"
	[ "$1" = ls ] && "$LS_BIN" --stats --json --control-socket "$_d/ctl.sock" > "$_d/stats.json" 2>/dev/null &&
		stages "$_d/stats.json" > "$_d/detail"
	stop_pid "$UPD_PID"
	commits "$_d/dns" >> "$_d/detail"
	kea_lab_ha_kea4_down "$_d"
	_a=$(count $FZ A) _p=$(count $RZ PTR)
	_sent=$(awk '/DISCOVER-OFFER/ { f = 1 } f && /sent packets/ { print $NF; exit }' "$_d/perf.out")
	_acks=$(awk '/REQUEST-ACK/ { f = 1 } f && /received packets/ { print $NF; exit }' "$_d/perf.out")
	_j=$_d/probe.json
	[ -s "$_j" ] || die "no figures from e2eprobe ($(cat "$_d/probe.err"))"
	echo "$(div "${_sent:-0}" "$SECS" %.0f) $(div "${_acks:-0}" "$SECS" %.0f)" \
		"$(div "$_a" "$(jget "$_j" apply_s)" %.0f) $(div $((_a * 100)) "$(jget "$_j" leases)" %.1f)" \
		"$(jget "$_j" p50_ms) $(jget "$_j" p99_ms)" \
		"$(awk -v a="$c0" -v b="$c1" -v n="$_a" 'BEGIN { if (n > 0) printf "%.3f", (b - a) * 1000 / n; else print 0 }')" \
		"$hwm $_a $_p $(jget "$_j" leases) $bpfm" \
		"$(div "$(jget "$_j" queries)" "$(jget "$_j" apply_s)" %.0f)" > "$_d/fig"
}

# burst WHO DIR - phase 3 or 4; writes DIR/fig: pct a ptr seconds
burst() {
	_d=$2
	mkdir -p "$_d"
	if [ "$1" = ls ]; then
		e2e_db_fresh
		echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" \
			> "$_d/kea-leases4.csv"
		ls_start "$_d" "" "$_d/kea-leases4.csv"
		awk -v n="$BURST" -v now="$(date +%s)" 'BEGIN {
			for (i = 1; i <= n; i++) {
				a = i + 256
				printf "10.64.%d.%d,02:00:00:%02x:%02x:%02x,,3600,%d,1,1,1,b%d.dyn.example,0,\n",
					int(a / 256), a % 256, int(i / 65536), int(i / 256) % 256, i % 256, now + 3600, i
			}
		}' > "$_d/burst.csv"
		e2e_burst_write "$_d"	# memfile: one append, the whole burst at once
		_t0=$(date +%s.%N)	# from when the whole burst is written
	else
		d2_start "$_d"
		_t0=$(date +%s.%N)
		ip netns exec "$KEA_LAB_SRV_NS" "$DRIVE" -g "$BURST" -N "127.0.0.1:$KEA_LAB_D2_PORT" \
			-L "$_d/d2.log" -W "$BURST" -a 10.64.1.0 -w 600000 > "$_d/drive.json" 2>&1 &
		_drv=$!; BG="$BG $_drv"
	fi
	_s=$(wait_quiet "$_t0" 120)
	[ "$1" = d2 ] && stop_pid "$_drv"
	stop_pid "$UPD_PID"
	_a=$(count $FZ A) _p=$(count $RZ PTR)
	echo "$(div $((_a * 100)) "$BURST" %.1f) $_a $_p $_s" > "$_d/fig"
}

# cost WHO DIR - Kea's lease rate at saturation with WHO: off (DDNS off
# entirely, no updater), on (DDNS on, Kea's NCRs read and dropped by a
# sink: Kea's own DDNS work), ls (DDNS on, leasesnoop attached and on D2's port),
# d2 (DDNS on, kea-dhcp-ddns); writes DIR/fig: leases_per_s A-records, the
# CPU seconds the updater, the DNS server and Kea used meanwhile, and the
# DISCOVERs/s perfdhcp managed to send (on a busy machine it is a limit too)
cost() {
	_d=$2
	mkdir -p "$_d"
	_ddns=$KEA_LAB_DDNS
	[ "$1" = off ] && KEA_LAB_DDNS=0
	e2e_db_fresh
	kea_lab_kea4_up "$_d" || die "kea-dhcp4 did not start"
	KEA_LAB_DDNS=$_ddns
	UPD_PID=
	case $1 in
	ls) ls_start "$_d" "$KEA_LAB_SRV_IF" "$_d/kea-leases4.csv" ;;
	d2) d2_start "$_d" ;;
	on)	# a sink on D2's port: reads and drops every NCR (no ICMP errors back to Kea)
		ip netns exec "$KEA_LAB_SRV_NS" perl -MIO::Socket::INET -e '
			my $s = IO::Socket::INET->new(Proto => "udp", LocalAddr => "127.0.0.1:$ARGV[0]") or die;
			my $b; 1 while defined $s->recv($b, 65536);' "$KEA_LAB_D2_PORT" &
		UPD_PID=$!; BG="$BG $UPD_PID" ;;
	esac
	sleep 0.5
	_kea=$(cat "$_d/kea-dhcp4.pid") _ns=$(cat "$DNSDIR/named.pid" 2>/dev/null || echo 0)
	_u0=$(cpu_s "${UPD_PID:-0}") _n0=$(cpu_s "$_ns") _k0=$(cpu_s "$_kea")
	kea_lab_perfdhcp4 -r "$COST_RATE" -R $((COST_RATE * COST_SECS * 4)) -p "$COST_SECS" > "$_d/perf.out" 2>&1
	_u1=$(cpu_s "${UPD_PID:-0}") _n1=$(cpu_s "$_ns") _k1=$(cpu_s "$_kea")
	[ -n "$UPD_PID" ] && stop_pid "$UPD_PID"
	kea_lab_ha_kea4_down "$_d"
	_acks=$(awk '/REQUEST-ACK/ { f = 1 } f && /received packets/ { print $NF; exit }' "$_d/perf.out")
	_sent=$(awk '/DISCOVER-OFFER/ { f = 1 } f && /sent packets/ { print $NF; exit }' "$_d/perf.out")
	_a=0
	[ -n "$DNSDIR" ] && _a=$(count $FZ A)
	echo "$(div "${_acks:-0}" "$COST_SECS" %.0f) $_a" \
		"$(awk -v a="$_u0" -v b="$_u1" -v c="$_n0" -v d="$_n1" -v e="$_k0" -v f="$_k1" \
			'BEGIN { printf "%.1f %.1f %.1f", b - a, d - c, f - e }') $(div "${_sent:-0}" "$COST_SECS" %.0f)" > "$_d/fig"
}

# fig BENCH NAME UNIT LS D2 higher|lower
fig() {
	if [ "$6" = higher ]; then _r=$(div "$4" "$5"); else _r=$(div "$5" "$4"); fi
	echo "{\"bench\":\"$1\",\"figure\":\"$2\",\"value\":$4,\"unit\":\"$3\",\"anchor\":\"kea-dhcp-ddns\",\"anchor_value\":$5,\"ratio\":$_r}"
	printf '%-6s %-24s %10s %10s %8s  %s\n' "${1#e2e-}" "$2" "$4" "$5" "${_r}x" "$3" >> "$WORK/table"
}

kea_lab_net_up || die "cannot create the namespaces"
e2e_db_up
T0=$(date +%s) LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$WORK/table"
: > "$WORK/notes"
# median N… - the middle value (the lower of the two middle ones)
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
if [ "$COST_ROUNDS" -gt 0 ]; then
	kind=${SERVERS%% *}
	for r in $(seq 1 "$COST_ROUNDS"); do
		for who in off on ls; do
			echo "bench e2e: Kea's cost, round $r, $who: $COST_RATE DORA/s offered for $COST_SECS s" >&2
			# a DNS server only where something writes to it
			[ "$who" = ls ] && dns_fresh "$kind" "$WORK/cost-$who-$r/dns"
			cost "$who" "$WORK/cost-$who-$r"
			dns_stop
		done
	done
	echo "bench e2e: Kea's cost, d2: $COST_RATE DORA/s offered for $COST_SECS s" >&2
	dns_fresh "$kind" "$WORK/cost-d2/dns"
	cost d2 "$WORK/cost-d2"
	dns_stop
	# shellcheck disable=SC2046
	_off=$(median $(for r in $(seq 1 "$COST_ROUNDS"); do cut -d' ' -f1 "$WORK/cost-off-$r/fig"; done))
	# shellcheck disable=SC2046
	_on=$(median $(for r in $(seq 1 "$COST_ROUNDS"); do cut -d' ' -f1 "$WORK/cost-on-$r/fig"; done))
	# shellcheck disable=SC2046
	_ls=$(median $(for r in $(seq 1 "$COST_ROUNDS"); do cut -d' ' -f1 "$WORK/cost-ls-$r/fig"; done))
	_d2=$(cut -d' ' -f1 "$WORK/cost-d2/fig")
	# Kea's own CPU per 1,000 leases granted (the load of the machine moves it less than the rate)
	kcpu() { awk -v s="$COST_SECS" '{ if ($1 > 0) printf "%.3f\n", $5 * 1000 / ($1 * s); else print 0 }' "$1"; }
	# shellcheck disable=SC2046
	_koff=$(median $(for r in $(seq 1 "$COST_ROUNDS"); do kcpu "$WORK/cost-off-$r/fig"; done))
	# shellcheck disable=SC2046
	_kon=$(median $(for r in $(seq 1 "$COST_ROUNDS"); do kcpu "$WORK/cost-on-$r/fig"; done))
	# shellcheck disable=SC2046
	_kls=$(median $(for r in $(seq 1 "$COST_ROUNDS"); do kcpu "$WORK/cost-ls-$r/fig"; done))
	_kd2=$(kcpu "$WORK/cost-d2/fig")
	for f in "with_leasesnoop $_ls $_off kea-ddns-off" "with_d2 $_d2 $_off kea-ddns-off" \
		 "ddns_on_ncr_sink $_on $_off kea-ddns-off" "with_leasesnoop_vs_sink $_ls $_on kea-ddns-on-ncr-sink"; do
		set -- $f
		_r=$(div "$2" "$3" %.3f)
		echo "{\"bench\":\"$E2E_BENCH-kea-cost\",\"figure\":\"kea_leases_per_s_$1\",\"value\":$2,\"unit\":\"1/s\",\"anchor\":\"$4\",\"anchor_value\":$3,\"ratio\":$_r}"
		printf '%-6s %-24s %10s %10s %8s  %s\n' cost "kea_leases_per_s_$1" "$2" "$3" "${_r}x" "1/s (anchor: $4)" >> "$WORK/table"
	done
	for f in "with_leasesnoop $_kls $_koff kea-ddns-off" "with_d2 $_kd2 $_koff kea-ddns-off" \
		 "ddns_on_ncr_sink $_kon $_koff kea-ddns-off" "with_leasesnoop_vs_sink $_kls $_kon kea-ddns-on-ncr-sink"; do
		set -- $f
		_r=$(div "$3" "$2" %.3f)
		echo "{\"bench\":\"$E2E_BENCH-kea-cost\",\"figure\":\"kea_cpu_s_per_1000_leases_$1\",\"value\":$2,\"unit\":\"s\",\"anchor\":\"$4\",\"anchor_value\":$3,\"ratio\":$_r}"
		printf '%-6s %-24s %10s %10s %8s  %s\n' cost "kea_cpu_s_per_1000_leases_$1" "$2" "$3" "${_r}x" "s (anchor: $4)" >> "$WORK/table"
	done
	# per phase: leases/s, then CPU s of updater / DNS server / Kea during the load
	_ph() { for r in $(seq 1 "$COST_ROUNDS"); do awk '{ printf "%s/s (cpu %s/%s/%s, offered %s/s) ", $1, $3, $4, $5, $6 }' "$WORK/cost-$1-$r/fig"; done; }
	echo "Kea's cost ($kind, saturation: $COST_RATE DORA/s offered, $COST_SECS s, $COST_ROUNDS rounds;" \
		"leases/s, then CPU s of updater/DNS server/Kea): DDNS off $(_ph off); DDNS on, NCR sink $(_ph on);" \
		"with leasesnoop $(_ph ls); with D2 $(awk '{ printf "%s/s (cpu %s/%s/%s, offered %s/s)", $1, $3, $4, $5, $6 }' "$WORK/cost-d2/fig");" \
		"A records when the load ended with leasesnoop $(for r in $(seq 1 "$COST_ROUNDS"); do cut -d' ' -f2 "$WORK/cost-ls-$r/fig"; done | tr '\n' ' ')with D2 $(cut -d' ' -f2 "$WORK/cost-d2/fig")" >> "$WORK/notes"
fi
for kind in $SERVERS; do
	for who in $LOADS; do
		echo "bench e2e: $kind, $who: $RATE DORA/s for $SECS s" >&2
		dns_fresh "$kind" "$WORK/$kind-$who-load/dns"
		load "$who" "$WORK/$kind-$who-load"
		dns_stop
	done
	if [ -n "${E2E_ONLY_LS:-}" ]; then
		# shellcheck disable=SC2046
		set -- $(cat "$WORK/$kind-ls-load/fig")
		echo "$kind, leasesnoop only: granted $2/s, changes $3/s, reached $4 %, latency p50 $5 ms, p99 $6 ms;" \
			"$(cat "$WORK/$kind-ls-load/detail")" >> "$WORK/notes"
		continue
	fi
	for who in ls d2; do
		echo "bench e2e: $kind, $who: burst of $BURST" >&2
		dns_fresh "$kind" "$WORK/$kind-$who-burst/dns"
		burst "$who" "$WORK/$kind-$who-burst"
		dns_stop
	done
	# shellcheck disable=SC2046
	set -- $(cat "$WORK/$kind-ls-load/fig") $(cat "$WORK/$kind-d2-load/fig")
	L_off=$1 L_gr=$2 L_cps=$3 L_pct=$4 L_p50=$5 L_p99=$6 L_cpu=$7 L_hwm=$8 L_a=$9 L_p=${10} L_n=${11}
	L_bpf=${12} L_q=${13}
	shift 13
	D_off=$1 D_gr=$2 D_cps=$3 D_pct=$4 D_p50=$5 D_p99=$6 D_cpu=$7 D_hwm=$8 D_a=$9 D_p=${10} D_n=${11}
	D_q=${13}
	# shellcheck disable=SC2046
	set -- $(cat "$WORK/$kind-ls-burst/fig") $(cat "$WORK/$kind-d2-burst/fig")
	b="$E2E_BENCH-$kind"
	fig "$b" leases_offered_per_s 1/s "$L_off" "$D_off" higher
	fig "$b" leases_granted_per_s 1/s "$L_gr" "$D_gr" higher
	fig "$b" changes_per_s 1/s "$L_cps" "$D_cps" higher
	fig "$b" reached_dns_pct % "$L_pct" "$D_pct" higher
	fig "$b" latency_p50_ms ms "$L_p50" "$D_p50" lower
	fig "$b" latency_p99_ms ms "$L_p99" "$D_p99" lower
	fig "$b" cpu_s_per_1000_changes s "$L_cpu" "$D_cpu" lower
	fig "$b" peak_rss_mib MiB "$L_hwm" "$D_hwm" lower
	fig "$b" burst_reached_dns_pct % "$1" "$5" higher
	echo "$kind: load leasesnoop A/PTR $L_a/$L_p of $L_n leases, D2 $D_a/$D_p of $D_n;" \
		"burst of $BURST leasesnoop A/PTR $2/$3 in ${4}s, D2 $6/$7 in ${8}s;" \
		"leasesnoop RSS includes $L_bpf MiB of BPF maps (the ring buffer, --ring-size);" \
		"probe queries/s $L_q beside leasesnoop, $D_q beside D2" >> "$WORK/notes"
	echo "$kind, leasesnoop load: $(cat "$WORK/$kind-ls-load/detail")" >> "$WORK/notes"
done
{
	printf '%-6s %-24s %10s %10s %8s\n' server figure leasesnoop D2 ratio
	cat "$WORK/table"
	cat "$WORK/notes"
	echo "($RATE DORA/s offered for $SECS s per phase, latency sampled every $EVERY-th lease," \
		"$(nproc) CPUs, load average before the run $LOAD0, $(($(date +%s) - T0)) s)"
} >&2

#!/bin/sh
# tools/bench/scale.sh - a whole site's worth of leases (issue 15's
# benchmark): `make bench-scale N=1000000` (N defaults to 250000 there);
# `make bench` runs it at LS_SCALE_N, default 250000 (5.5 minutes on a
# quiet 2-vCPU machine, both servers; 28 minutes when it was loaded).
#
#   sh tools/bench/scale.sh [N]
#   LS_SCALE_KINDS="bind knot" (the servers, in order), LS_SCALE_IDLE_S,
#   LS_SCALE_STOP_S (below), LS_SCALE_PHASES (below)
#
# N active v4 leases (tools/leasegen: 2.7 rows per lease, every lease named
# h-10-A-B-C.dyn.example, address 10.A.B.C), zones dyn.example. and
# 10.in-addr.arpa. on one server started by tools/lab/dns.sh (TSIG
# hmac-sha256), leasesnoop in lease-files-only mode with the default
# batching (tests/lib/lsconf.sh). Phases, on BIND and on Knot:
#   cold      leasesnoop starts on the lease file, zones empty: time until
#             --stats says idle, then the zones must hold exactly N A + N PTR
#   anchor    the same 4N records (A + DHCID, PTR + DHCID) sent by the best
#             plain client we have, BIND's nsupdate over TCP, 1,000 records
#             per UPDATE (the server's saturation: its CPU is the limit),
#             one client per zone in parallel, on a fresh empty server: the
#             server's own time; then the same client deletes the 10 % the
#             expiry phase expires (the anchor of that phase)
#   restart   SIGTERM, start again with everything in place: time to idle,
#             UPDATEs sent (should be 0)
# and on BIND only:
#   full      one full pass (config-reload): time until idle again
#   expiry    one lease in ten renewed to expire 15 s later (appended rows,
#             as Kea writes them); from that moment to idle with the zones
#             holding exactly 0.9 N names
#   adopt     state removed, "adopt-existing": true: time until the
#             adoption round has ended and it is idle; every remaining
#             binding adopted, 0 UPDATEs; the slowest status-get meanwhile
#   idle      leasesnoop's CPU over LS_SCALE_IDLE_S (60) s with nothing to do
#   stopped   the server SIGSTOPped, N/100 new leases appended: leasesnoop's
#             CPU over LS_SCALE_STOP_S (30) s while they wait; SIGCONT, they
#             land
# LS_SCALE_PHASES picks some of them, in this order whatever the list says
# (default: all): e.g. "restart full" times only those two at N=1000000 in
# a fraction of the whole run (the cold start, without its anchor, builds
# the site they need; later phases that are not picked are skipped).
# Each with leasesnoop's CPU, the server's CPU and leasesnoop's peak RSS
# (VmHWM) and anonymous memory (RssAnon) per lease. Output: one JSON line
# per figure ({"bench","figure","value","unit","anchor","anchor_value",
# "ratio"}, ratio > 1: leasesnoop better; where there is no client to
# compare with, the anchor is the issue's target), then a table on stderr.
# Needs a lot of memory and time at N=1000000 (~30 min): run it nice'd.
set -u
LS_TOP=${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LS_OUTPUT=${LS_OUTPUT:-$LS_TOP/.output}
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsconf.sh"
N=${1:-${LS_SCALE_N:-250000}}
KINDS=${LS_SCALE_KINDS:-bind knot}
IDLE_S=${LS_SCALE_IDLE_S:-60}
STOP_S=${LS_SCALE_STOP_S:-30}
PHASES=${LS_SCALE_PHASES:-anchor cold restart full expiry adopt idle stopped}
# phase NAME - whether NAME was picked; the cold start always runs (it builds the site)
phase() { case " $PHASES " in *" $1 "*) return 0 ;; esac; [ "$1" = cold ]; }
for _p in $PHASES; do
	case $_p in anchor|cold|restart|full|expiry|adopt|idle|stopped) ;;
	*) echo "bench scale: unknown phase '$_p' in LS_SCALE_PHASES" >&2; exit 1 ;;
	esac
done
LS_BIN=${LS_BIN:-$LS_TOP/leasesnoop}
GEN=$LS_OUTPUT/tools/leasegen
FZ=dyn.example.
RZ=10.in-addr.arpa.
W=$(mktemp -d /tmp/ls-bench-scale-XXXXXX)
LPID=""
cleanup() {
	[ -n "$LPID" ] && kill -CONT "$LPID" 2>/dev/null && kill "$LPID" 2>/dev/null
	[ -f "$W/srv/daemon.pid" ] && kill -CONT "$(cat "$W/srv/daemon.pid")" 2>/dev/null
	lab_bind_stop "$W/srv"
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
for c in named knotd nsupdate dig jq perl; do
	command -v $c >/dev/null || { echo "bench scale: needs $c (make deps)" >&2; exit 1; }
done
for b in "$LS_BIN" "$GEN"; do
	[ -x "$b" ] || { echo "bench scale: needs $b (make all)" >&2; exit 1; }
done

HZ=$(getconf CLK_TCK)
SECRET=$(lab_dns_secret 32)
NOW=$(date +%s)
die() { echo "bench scale: $*" >&2; [ -f "$W/ls.err" ] && tail -5 "$W/ls.err" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "null" }'; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
cpu_s() { awk -v t="$1" -v hz="$HZ" 'BEGIN { printf "%.1f", t / hz }'; }
cpu_pct() { awk -v t="$1" -v hz="$HZ" -v s="$2" 'BEGIN { printf "%.2f", 100 * t / hz / s }'; }	# TICKS SECONDS
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
json() {	# bench figure value unit anchor anchor_value ratio ("-": none, null)
	_a=$6 _r=$7
	[ "$_a" = - ] && _a=null
	[ "$_r" = - ] && _r=null
	printf '{"bench":"%s","figure":"%s","value":%s,"unit":"%s","anchor":"%s","anchor_value":%s,"ratio":%s}\n' \
		"$1" "$2" "$3" "$4" "$5" "$_a" "$_r"
	TABLE="$TABLE$(printf '%-12s %-24s %12s %-4s %-18s %12s %6s' "$@")
"
}
TABLE=""

# the lease file: N leases, every one named
"$GEN" -4 -n "$N" -t "$NOW" > "$W/leases.orig" || die "leasegen failed"
ROWS=$(($(wc -l < "$W/leases.orig") - 1))

# ---- servers and the plain client
fresh() { # KIND
	lab_bind_stop "$W/srv"
	rm -rf "$W/srv"
	PORT=$(lab_dns_free_port)
	"lab_$1_start" "$W/srv" "$PORT" k hmac-sha256 "$SECRET" $FZ $RZ
	lab_dns_wait "$PORT" $FZ || die "$1 did not start"
	SPID=$(cat "$W/srv/daemon.pid")
}
# nsupdate scripts: the same records leasesnoop writes for leasegen's
# leases (A + DHCID, PTR + DHCID; a DHCID of the same size); "del" removes
# those of every tenth lease (i % 10 == 0), the ones the expiry phase ends
ns_scripts() { # OP
	awk -v n="$N" -v port="$PORT" -v fz=$FZ -v rz=$RZ -v w="$W" -v op="$1" 'BEGIN {
		dh = "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA="
		f = w "/ns-f.txt"; r = w "/ns-r.txt"
		printf "server 127.0.0.1 %d\nzone %s\n", port, fz > f
		printf "server 127.0.0.1 %d\nzone %s\n", port, rz > r
		k = 0
		for (i = 0; i < n; i++) {
			if (op == "del" && i % 10) continue
			a = int(i / 65536) % 256; b = int(i / 256) % 256; c = i % 256
			h = sprintf("h-10-%d-%d-%d.%s", a, b, c, fz)
			p = sprintf("%d.%d.%d.%s", c, b, a, rz)
			if (op == "add") {
				printf "update add %s 3600 A 10.%d.%d.%d\nupdate add %s 3600 DHCID %s\n", h, a, b, c, h, dh > f
				printf "update add %s 3600 PTR %s\nupdate add %s 3600 DHCID %s\n", p, h, p, dh > r
			} else {
				printf "update delete %s A\nupdate delete %s DHCID\n", h, h > f
				printf "update delete %s PTR\nupdate delete %s DHCID\n", p, p > r
			}
			if (++k % 500 == 0) { print "send" > f; print "send" > r }
		}
		print "send" > f; print "send" > r
	}'
}
# anchor OP - the plain client's run; sets A_S (wall s) and A_CPU (server CPU s)
anchor() {
	ns_scripts "$1"
	_c0=$(ticks "$SPID")
	_t0=$(now)
	nsupdate -v -y "hmac-sha256:k:$SECRET" "$W/ns-f.txt" & _p1=$!
	nsupdate -v -y "hmac-sha256:k:$SECRET" "$W/ns-r.txt" & _p2=$!
	wait $_p1 || die "nsupdate ($1, forward) failed"
	wait $_p2 || die "nsupdate ($1, reverse) failed"
	A_S=$(since "$_t0")
	A_CPU=$(cpu_s $(($(ticks "$SPID") - _c0)))
}
# rrs ZONE TYPE - how many TYPE records ZONE holds (AXFR)
rrs() {
	dig +nocmd +nostats +noall +answer +onesoa -p "$PORT" @127.0.0.1 -y "hmac-sha256:k:$SECRET" \
		"$1" AXFR 2>/dev/null | awk -v t="$2" '$4 == t { n++ } END { print n + 0 }'
}

# ---- leasesnoop
conf() { # extra -x items…
	ls_conf -d "$W" -p "$PORT" -s "$SECRET" -4 "$W/kea-leases4.csv" -f $FZ -r $RZ \
		-x '"log-level": "info"' "$@" > "$W/ls.conf"
}
ls_start() {
	rm -f "$W/ctl.sock"
	"$LS_BIN" -c "$W/ls.conf" >> "$W/ls.out" 2>> "$W/ls.err" &
	LPID=$!
	for _i in $(seq 1 600); do
		[ -S "$W/ctl.sock" ] && return 0
		kill -0 "$LPID" 2>/dev/null || die "leasesnoop exited at start"
		sleep 0.1
	done
	die "no control socket after 60 s"
}
ls_stop() {
	kill -TERM "$LPID"; wait "$LPID"; _rc=$?; LPID=""
	[ "$_rc" = 0 ] || die "leasesnoop exited $_rc at SIGTERM"
}
stats() { "$LS_BIN" --stats --json --control-socket "$W/ctl.sock" 2>/dev/null; }
# until idle (polled every 0.2 s), at most LIMIT s; STATS holds the last answer
wait_idle() { # LIMIT
	_end=$(($(date +%s) + $1))
	while [ "$(date +%s)" -lt "$_end" ]; do
		kill -0 "$LPID" 2>/dev/null || die "leasesnoop died"
		STATS=$(stats)
		[ "$(echo "$STATS" | jq -r .idle 2>/dev/null)" = true ] && return 0
		sleep 0.2
	done
	die "not idle after $1 s"
}
st() { echo "$STATS" | jq -r "$1"; }
ms_timeouts() { st '[.dns.servers[]?.timeouts] | add // 0'; }
LIMIT=$((600 + N / 500))

exact() { # WHAT A-EXPECTED
	_a=$(rrs $FZ A) _p=$(rrs $RZ PTR)
	[ "$_a" = "$2" ] && [ "$_p" = "$2" ] || die "$1: zones hold $_a A and $_p PTR, expected $2 each"
}

for kind in $KINDS; do
	B=scale-$kind
	# the plain client into an empty server, then its 10 % delete
	COLD_A=- COLD_ACPU=- EXP_A=- EXP_ACPU=-
	if phase anchor; then
		fresh $kind
		anchor add
		COLD_A=$A_S COLD_ACPU=$A_CPU
		exact "$kind nsupdate" "$N"
		anchor del
		EXP_A=$A_S EXP_ACPU=$A_CPU
	fi

	# cold start
	LIVE=$N	# leases that should be in DNS (the expiry phase ends a tenth)
	fresh $kind
	rm -rf "$W/state" "$W/ls.err" "$W/ls.out"
	cp "$W/leases.orig" "$W/kea-leases4.csv"
	conf
	c0=$(ticks "$SPID")
	t0=$(now)
	ls_start
	wait_idle "$LIMIT"
	cold=$(since "$t0")
	lcpu=$(cpu_s "$(ticks "$LPID")")
	scpu=$(cpu_s $(($(ticks "$SPID") - c0)))
	msgs=$(st .dns.messages) bis=$(st .dns.bisections) tmo=$(ms_timeouts)
	sleep 2	# the daemon gives a burst's heap back at its next timer tick once idle
	hwm=$(kb "$LPID" VmHWM) anon=$(kb "$LPID" RssAnon)
	exact "$kind cold start" "$N"
	json $B cold_start_s "$cold" s nsupdate "$COLD_A" "$(div "$COLD_A" "$cold")"
	json $B cold_start_cpu_s "$lcpu" s "$kind-cpu" "$scpu" "$(div "$scpu" "$lcpu")"
	json $B cold_start_server_cpu_s "$scpu" s "$kind-cpu-nsupdate" "$COLD_ACPU" "$(div "$COLD_ACPU" "$scpu")"
	json $B cold_start_updates "$msgs" 1 nsupdate "$(((N + 499) / 500 * 2))" -
	json $B cold_start_bisections "$bis" 1 target 0 -
	json $B cold_start_timeouts "$tmo" 1 target 0 -
	json $B peak_rss_mib "$((hwm / 1024))" MiB target - -
	json $B anon_bytes_per_lease "$(awk -v k="$anon" -v n="$N" 'BEGIN { printf "%.0f", k * 1024 / n }')" B target 250 \
		"$(awk -v k="$anon" -v n="$N" 'BEGIN { printf "%.2f", 250 / (k * 1024 / n) }')"
	cp "$W/ls.err" "$W/cold-$kind.log"

	if phase restart; then
		# restart with everything in place
		ls_stop
		c0=$(ticks "$SPID")
		t0=$(now)
		ls_start
		wait_idle "$LIMIT"
		rs=$(since "$t0")
		json $B restart_s "$rs" s target 10 "$(div 10 "$rs")"
		json $B restart_updates "$(st .dns.messages)" 1 target 0 -
		json $B restart_cpu_s "$(cpu_s "$(ticks "$LPID")")" s "$kind-cpu" "$(cpu_s $(($(ticks "$SPID") - c0)))" -
	fi
	if [ $kind = bind ]; then
		if phase full; then
			# one full pass
			n0=$(grep -c "configuration reloaded" "$W/ls.err")
			c0=$(ticks "$LPID")
			t0=$(now)
			kill -HUP "$LPID"
			for _i in $(seq 1 3000); do
				[ "$(grep -c "configuration reloaded" "$W/ls.err")" -gt "$n0" ] && break
				sleep 0.1
			done
			wait_idle "$LIMIT"
			fp=$(since "$t0")
			json $B full_pass_s "$fp" s target 10 "$(div 10 "$fp")"
			json $B full_pass_cpu_s "$(cpu_s $(($(ticks "$LPID") - c0)))" s target - -
		fi
		if phase expiry; then
			# mass expiry: one lease in ten renewed to end at TEXP
			TEXP=$(($(date +%s) + 15))
			awk -v n="$N" -v e="$TEXP" 'BEGIN { for (i = 0; i < n; i += 10) {
				a = int(i / 65536) % 256; b = int(i / 256) % 256; c = i % 256
				hw = sprintf("00:0c:00:%02x:%02x:%02x", a, b, c)
				printf "10.%d.%d.%d,%s,01:%s,3600,%d,1,1,1,h-10-%d-%d-%d.dyn.example,0,\n", a, b, c, hw, hw, e, a, b, c } }' \
				>> "$W/kea-leases4.csv"
			x0=$(stats | jq '."lease-changes".expired')
			c0=$(ticks "$LPID") s0=$(ticks "$SPID")
			while [ "$(date +%s)" -lt "$TEXP" ]; do sleep 0.1; done
			t0=$(now)
			_end=$(($(date +%s) + LIMIT))
			while [ "$(stats | jq '."lease-changes".expired')" -lt $((x0 + (N + 9) / 10)) ]; do
				[ "$(date +%s)" -lt "$_end" ] || die "the leases did not expire"
				sleep 0.1
			done
			wait_idle "$LIMIT"
			ex=$(since "$t0")
			LIVE=$((N - (N + 9) / 10))
			exact "expiry" "$LIVE"
			json $B expiry_10pct_s "$ex" s nsupdate "$EXP_A" "$(div "$EXP_A" "$ex")"
			json $B expiry_cpu_s "$(cpu_s $(($(ticks "$LPID") - c0)))" s "$kind-cpu" \
				"$(cpu_s $(($(ticks "$SPID") - s0)))" "$(div "$(cpu_s $(($(ticks "$SPID") - s0)))" "$(cpu_s $(($(ticks "$LPID") - c0)))")"
		fi
		if phase adopt; then
			# adoption of everything into an empty store
			ls_stop
			rm -rf "$W/state"
			conf -x '"adopt-existing": true'
			c0=$(ticks "$SPID")
			t0=$(now)
			ls_start
			worst=0
			_end=$(($(date +%s) + LIMIT))
			while :; do
				[ "$(date +%s)" -lt "$_end" ] || die "adoption not over after $LIMIT s"
				q0=$(now)
				STATS=$(stats)
				worst=$(awk -v w="$worst" -v d="$(since "$q0")" 'BEGIN { print (d > w ? d : w) }')
				[ "$(st .idle)" = true ] && break
				sleep 0.2
			done
			ad=$(since "$t0")
			adopted=$(st .adopted)
			json $B adopt_s "$ad" s target 180 "$(div 180 "$ad")"
			json $B adopt_bindings "$adopted" 1 target "$LIVE" "$(div "$adopted" "$LIVE")"
			json $B adopt_updates "$(st .dns.messages)" 1 target 0 -
			json $B adopt_stats_worst_s "$worst" s target 1 "$(div 1 "$worst")"
			json $B adopt_cpu_s "$(cpu_s "$(ticks "$LPID")")" s "$kind-cpu" "$(cpu_s $(($(ticks "$SPID") - c0)))" -
			json $B adopt_peak_rss_mib "$(($(kb "$LPID" VmHWM) / 1024))" MiB target - -
			exact "adoption" "$LIVE"
		fi
		if phase idle; then
			# idle
			c0=$(ticks "$LPID")
			sleep "$IDLE_S"
			idle=$(cpu_pct $(($(ticks "$LPID") - c0)) "$IDLE_S")
			json $B idle_cpu_pct "$idle" % target 1 "$(div 1 "$idle")"
		fi
		if phase stopped; then
			# a stopped server holds the queue
			K=$((N / 100))
			kill -STOP "$SPID"
			awk -v n="$N" -v k="$K" -v now="$NOW" 'BEGIN { for (i = n; i < n + k; i++) {
				a = int(i / 65536) % 256; b = int(i / 256) % 256; c = i % 256
				hw = sprintf("00:0d:00:%02x:%02x:%02x", a, b, c)
				printf "10.%d.%d.%d,%s,01:%s,86400,%d,1,1,1,h-10-%d-%d-%d.dyn.example,0,\n", a, b, c, hw, hw, now + 86400, a, b, c } }' \
				>> "$W/kea-leases4.csv"
			sleep 3
			c0=$(ticks "$LPID")
			sleep "$STOP_S"
			stp=$(cpu_pct $(($(ticks "$LPID") - c0)) "$STOP_S")
			STATS=$(stats)
			held=$(st '.dns.pending // 0')
			kill -CONT "$SPID"
			t0=$(now)
			wait_idle "$LIMIT"
			json $B stopped_server_cpu_pct "$stp" % target 1 "$(div 1 "$stp")"
			json $B stopped_server_held "$held" 1 target "$K" -
			json $B after_cont_s "$(since "$t0")" s target - -
			exact "after SIGCONT" "$((LIVE + K))"
		fi
	fi
	ls_stop
	cp "$W/ls.err" "$W/last-$kind.log"
	lab_bind_stop "$W/srv"
done
{
	echo
	echo "scale: N=$N leases ($ROWS rows), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
	printf '%-12s %-24s %12s %-4s %-18s %12s %6s\n' bench figure value unit anchor anchor_value ratio
	printf '%s' "$TABLE"
	echo "targets (issue 15, N=1M): cold start <= 1.3x the server's own time, no timeout-driven split;"
	echo "leasesnoop CPU <= 1/3 of the server's; restart and full pass <= 10 s; adoption <= 180 s;"
	echo "anonymous memory <= 250 B per lease"
} >&2

#!/bin/sh
# tools/bench/dns.sh - the DNS update engine against kea-dhcp-ddns (D2), on
# BIND 9 and on Knot DNS, in the same run (issue 4's benchmark).
#
#   sh tools/bench/dns.sh [N]        N lease changes per phase (20000)
#
# For each server, each phase on a freshly started, empty server
# (tools/lab/dns.sh; zones dyn.example. and 10.in-addr.arpa., TSIG
# hmac-sha256, check-with-dhcid as Kea's default):
#   1. engine: N adds then N removes (A + DHCID + PTR + DHCID each) through
#      .output/tools/dnsdrive (user/dnsengine), server CPU sampled from /proc
#   2. kea-dhcp-ddns: the same N adds then N removes as NameChangeRequests
#      over UDP (2-byte length + JSON), at most 100 outstanding (its queue
#      holds 1024, its socket buffer ~160), completion read from its log
#   3. ceiling: the same 4N records (A + DHCID, PTR + DHCID) added by BIND's
#      own nsupdate over TCP, 1,000 records per UPDATE, no prerequisites,
#      one nsupdate per zone in parallel: what the server applies from a
#      plain client with large messages (RRs/s)
# Output: one JSON line per figure ({"bench","figure","value","unit",
# "anchor","anchor_value","ratio"}; ratio > 1 means leasesnoop is better;
# for rrs_per_s the ratio is the share of the server's ceiling reached),
# then a short table on stderr (tools/bench/run.sh's convention). Runs the
# servers as the calling user on loopback; about 5 minutes for N=20000.
# LS_DNS_KINDS="knot": one server only.
set -u
LS_TOP=${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LS_OUTPUT=${LS_OUTPUT:-$LS_TOP/.output}
. "$LS_TOP/tools/lab/dns.sh"
N=${1:-20000}
DRIVE=$LS_OUTPUT/tools/dnsdrive
FZ=dyn.example.
RZ=10.in-addr.arpa.
WORK=$(mktemp -d /tmp/ls-bench-dns-XXXXXX)
D2PID=""
cleanup() {
	[ -n "$D2PID" ] && kill "$D2PID" 2>/dev/null
	lab_bind_stop "$WORK/srv"
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
for c in named knotd kea-dhcp-ddns nsupdate; do
	command -v $c >/dev/null || { echo "bench dns: needs $c (make deps)" >&2; exit 1; }
done
[ -x "$DRIVE" ] || { echo "bench dns: needs $DRIVE (make all)" >&2; exit 1; }

jget() { sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" "$1"; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print 0 }'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

SECRET=$(lab_dns_secret 32)
conf() { # FILE PORT D2PORT
	cat > "$1" <<EOF
{ "DhcpDdns": { "ip-address": "127.0.0.1", "port": $3,
  "tsig-keys": [ { "name": "ddns-key", "algorithm": "HMAC-SHA256", "secret": "$SECRET" } ],
  "forward-ddns": { "ddns-domains": [ { "name": "$FZ", "key-name": "ddns-key",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $2 } ] } ] },
  "reverse-ddns": { "ddns-domains": [ { "name": "$RZ", "key-name": "ddns-key",
      "dns-servers": [ { "ip-address": "127.0.0.1", "port": $2 } ] } ] },
  "loggers": [ { "name": "kea-dhcp-ddns", "severity": "INFO",
      "output_options": [ { "output": "$WORK/d2.log", "flush": true, "maxsize": 2000000000 } ] } ] } }
EOF
}

fresh() { # KIND
	lab_bind_stop "$WORK/srv"
	rm -rf "$WORK/srv"
	PORT=$(lab_dns_free_port)
	"lab_$1_start" "$WORK/srv" "$PORT" ddns-key hmac-sha256 "$SECRET" $FZ $RZ
	lab_dns_wait "$PORT" $FZ || { echo "bench dns: $1 did not start" >&2; exit 1; }
	SPID=$(cat "$WORK/srv/daemon.pid")
	conf "$WORK/d2.conf" "$PORT" $((PORT + 1))
}

# ceiling - two nsupdate (one per zone, in parallel, as the engine works)
# add 4N records in 1000-record UPDATEs over TCP; prints RRs/s
ceiling() {
	awk -v n="$N" -v port="$PORT" -v fz=$FZ -v rz=$RZ -v w="$WORK" 'BEGIN {
		dh = "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA="
		f = w "/nsupdate-f.txt"; r = w "/nsupdate-r.txt"
		printf "server 127.0.0.1 %d\nzone %s\n", port, fz > f
		printf "server 127.0.0.1 %d\nzone %s\n", port, rz > r
		for (i = 1; i <= n; i++) {
			a = i; o4 = a % 256; a = int(a / 256); o3 = a % 256; o2 = int(a / 256)
			printf "update add h%d.%s 3600 A 10.%d.%d.%d\n", i, fz, o2, o3, o4 > f
			printf "update add h%d.%s 3600 DHCID %s\n", i, fz, dh > f
			printf "update add %d.%d.%d.10.in-addr.arpa. 3600 PTR h%d.%s\n", o4, o3, o2, i, fz > r
			printf "update add %d.%d.%d.10.in-addr.arpa. 3600 DHCID %s\n", o4, o3, o2, dh > r
			if (i % 500 == 0 || i == n) { print "send" > f; print "send" > r }
		}
	}'
	_t0=$(date +%s.%N)
	nsupdate -v -y "hmac-sha256:ddns-key:$SECRET" "$WORK/nsupdate-f.txt" & _p1=$!
	nsupdate -v -y "hmac-sha256:ddns-key:$SECRET" "$WORK/nsupdate-r.txt" & _p2=$!
	wait $_p1 || return 1
	wait $_p2 || return 1
	_t1=$(date +%s.%N)
	awk -v n="$N" -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.0f", 4 * n / (b - a) }'
}

HZ=$(getconf CLK_TCK)
TABLE=""
for kind in ${LS_DNS_KINDS:-bind knot}; do
	# 1. engine
	fresh $kind
	c0=$(cpu_ticks "$SPID")
	"$DRIVE" -c "$WORK/d2.conf" -g "$N" -q > "$WORK/e-add.json" || exit 1
	"$DRIVE" -c "$WORK/d2.conf" -g "$N" -q -o del > "$WORK/e-del.json" || exit 1
	c1=$(cpu_ticks "$SPID")
	# 2. kea-dhcp-ddns
	fresh $kind
	: > "$WORK/d2.log"
	KEA_PIDFILE_DIR=$WORK KEA_LOCKFILE_DIR=$WORK kea-dhcp-ddns -c "$WORK/d2.conf" > "$WORK/d2.out" 2>&1 &
	D2PID=$!
	for _i in $(seq 1 50); do grep -q DHCP_DDNS_STARTED "$WORK/d2.log" && break; sleep 0.1; done
	"$DRIVE" -g "$N" -N "127.0.0.1:$((PORT + 1))" -L "$WORK/d2.log" -w 600000 > "$WORK/k-add.json"
	"$DRIVE" -g "$N" -N "127.0.0.1:$((PORT + 1))" -L "$WORK/d2.log" -w 600000 -o del > "$WORK/k-del.json"
	kill "$D2PID"; wait "$D2PID" 2>/dev/null; D2PID=""
	# 3. the server's ceiling
	fresh $kind
	ceil=$(ceiling) || exit 1
	lab_bind_stop "$WORK/srv"

	ea=$(jget "$WORK/e-add.json" changes_per_s) ed=$(jget "$WORK/e-del.json" changes_per_s)
	ka=$(jget "$WORK/k-add.json" changes_per_s) kd=$(jget "$WORK/k-del.json" changes_per_s)
	et=$(awk -v a="$(jget "$WORK/e-add.json" seconds)" -v b="$(jget "$WORK/e-del.json" seconds)" 'BEGIN { print a + b }')
	kt=$(awk -v a="$(jget "$WORK/k-add.json" seconds)" -v b="$(jget "$WORK/k-del.json" seconds)" 'BEGIN { print a + b }')
	ec=$(awk -v n="$N" -v t="$et" 'BEGIN { printf "%.0f", 2 * n / t }')
	kc=$(awk -v n="$N" -v t="$kt" 'BEGIN { printf "%.0f", 2 * n / t }')
	err=$(awk -v c="$ec" 'BEGIN { printf "%.0f", 4 * c }')
	ecpu=$(awk -v a="$(jget "$WORK/e-add.json" cpu_s)" -v b="$(jget "$WORK/e-del.json" cpu_s)" -v n="$N" \
		'BEGIN { printf "%.1f", (a + b) * 1e6 / (2 * n) }')
	scpu=$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v n="$N" 'BEGIN { printf "%.1f", t / hz * 1e6 / (2 * n) }')
	kfail=$(( $(jget "$WORK/k-add.json" failed) + $(jget "$WORK/k-del.json" failed) ))
	b="\"bench\":\"dns-$kind\""
	echo "{$b,\"figure\":\"adds_per_s\",\"value\":$ea,\"unit\":\"1/s\",\"anchor\":\"kea-dhcp-ddns\",\"anchor_value\":$ka,\"ratio\":$(div "$ea" "$ka")}"
	echo "{$b,\"figure\":\"removes_per_s\",\"value\":$ed,\"unit\":\"1/s\",\"anchor\":\"kea-dhcp-ddns\",\"anchor_value\":$kd,\"ratio\":$(div "$ed" "$kd")}"
	echo "{$b,\"figure\":\"changes_per_s\",\"value\":$ec,\"unit\":\"1/s\",\"anchor\":\"kea-dhcp-ddns\",\"anchor_value\":$kc,\"ratio\":$(div "$ec" "$kc")}"
	echo "{$b,\"figure\":\"rrs_per_s\",\"value\":$err,\"unit\":\"1/s\",\"anchor\":\"server-ceiling\",\"anchor_value\":$ceil,\"ratio\":$(div "$err" "$ceil")}"
	echo "{$b,\"figure\":\"cpu_us_per_change\",\"value\":$ecpu,\"unit\":\"us\",\"anchor\":\"$kind-server-cpu\",\"anchor_value\":$scpu,\"ratio\":$(div "$scpu" "$ecpu")}"
	TABLE="$TABLE$(printf '%-5s %9s %9s %9s %9s %9s %7s %9s %9s %6s' "$kind" "$ea" "$ed" "$ka" "$kd" "$(div "$ec" "$kc")x" "$kfail" "$err" "$ceil" "$ecpu/$scpu")
"
done
{
	printf '%-5s %9s %9s %9s %9s %9s %7s %9s %9s %6s\n' server eng-add/s eng-del/s d2-add/s d2-del/s \
		ratio d2-fail eng-RR/s ceil-RR/s us/chg
	printf '%s' "$TABLE"
	echo "(N=$N per phase; eng-RR/s counts A+DHCID+PTR+DHCID per change; us/chg: engine CPU / server CPU per change)"
} >&2

#!/bin/sh
# tests/integ/47_daemon_dns_slow.sh - leasesnoop -c (lease files only) against
# a real BIND 9 that answers slowly: BIND in one network namespace, the
# daemon in another, a veth between them whose daemon side is a thin link
# (tc tbf, 96 kbit/s: a 100-change UPDATE takes about 0.7 s to cross, so
# with 4 in flight per zone and two zones the last waits 5 s, against the
# initial 2 s timeout; this kernel has no netem, and a queue that grows
# with what is sent is the harder case anyway: every resend adds to it).
# The first UPDATEs time out; a resend whose prerequisites fail is checked
# (prerequisite-only UPDATE) and found applied instead of being split;
# the timeout per server and zone moves above the measured latency and
# batches and window shrink (AIMD). Nothing is split, nothing marked down,
# no conflict, every record lands, then a second wave lands the same way.
# Addresses only inside the namespaces this test makes.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_root
need_cmd named dig jq tc ip
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

P=lsw$$
NSD=$P-d NSL=$P-l IFD=${P}d IFL=${P}l
ADDR_D=10.97.0.1 ADDR_L=10.97.0.2
DIR=$(mktemp -d /tmp/ls-slow-XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	lab_bind_stop "$DIR/dns" 2>/dev/null
	ip netns del "$NSD" 2>/dev/null
	ip netns del "$NSL" 2>/dev/null
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tap_plan 9

FZ=slow.example.
RZ=67.10.in-addr.arpa.
PORT=$(lab_dns_free_port)
SECRET=$(lab_dns_secret 32)

# --- the slow link
ip netns add "$NSD" && ip netns add "$NSL" &&
	ip link add "$IFD" type veth peer name "$IFL" &&
	ip link set "$IFD" netns "$NSD" && ip link set "$IFL" netns "$NSL" &&
	ip -n "$NSD" addr add "$ADDR_D/30" dev "$IFD" && ip -n "$NSL" addr add "$ADDR_L/30" dev "$IFL" &&
	ip -n "$NSD" link set lo up && ip -n "$NSL" link set lo up &&
	ip -n "$NSD" link set "$IFD" up && ip -n "$NSL" link set "$IFL" up &&
	tc -n "$NSL" qdisc add dev "$IFL" root tbf rate 96kbit burst 1600 latency 60s
tap_is "namespaces, veth and a 96 kbit/s link set up" "$?" 0

in_dns() { ip netns exec "$NSD" sh -c ". '$LS_TOP/tools/lab/dns.sh'; $*"; }
in_dns "LAB_DNS_LISTEN=$ADDR_D lab_bind_start '$DIR/dns' $PORT k hmac-sha256 '$SECRET' $FZ $RZ" \
	>/dev/null 2>&1
tap_ok "BIND up in its namespace" in_dns "lab_dns_wait $PORT $FZ"
tap_ok "BIND answers across the veth" \
	ip netns exec "$NSL" dig +short +time=5 +tries=1 -p "$PORT" @"$ADDR_D" "$FZ" SOA

# rows FIRST LAST: Kea-style rows for leases FIRST..LAST, named sN.slow.example.
rows() {
	awk -v a="$1" -v b="$2" -v now="$(date +%s)" 'BEGIN {
		for (i = a; i <= b; i++)
			printf "10.67.%d.%d,02:00:00:67:%02x:%02x,,3600,%d,1,1,1,s%d.slow.example.,0,\n",
				int(i / 250) + 1, i % 250 + 1, int(i / 256), i % 256, now + 3600, i
	}'
}
count() { in_dns "lab_dns_axfr $PORT $1 k hmac-sha256 '$SECRET'" | awk -v t="$2" '$3 == t' | wc -l; }
stats() { ls_daemon_stats "$DIR"; }
all_in() { [ "$(count "$FZ" A)" -eq "$1" ] && [ "$(count "$RZ" PTR)" -eq "$1" ]; }

echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" > "$DIR/kea-leases4.csv"
rows 0 799 >> "$DIR/kea-leases4.csv"
ls_conf -d "$DIR" -a "$ADDR_D" -p "$PORT" -s "$SECRET" -4 "$DIR/kea-leases4.csv" -f "$FZ" -r "$RZ" \
	-x '"log-level": "info"' -x '"batching": { "max-changes-per-message": 100 }' > "$DIR/ls.conf"
LS_NETNS=$NSL ls_daemon_start "$DIR"
tap_is "daemon up in the other namespace" "$?" 0
PID=$LS_DPID

# --- wave 1: 800 leases, 16 UPDATEs of 100, from a cold start
WAIT_STEP=1 wait_for 180 all_in 800
tap_is "wave 1: 800 A and 800 PTR records in BIND" "$(count "$FZ" A) $(count "$RZ" PTR)" "800 800"
ls_daemon_settle "$DIR" 60
s1=$(stats)
to1=$(echo "$s1" | jq '[.dns.servers[].timeouts] | add')
tap_diag "wave 1: $(echo "$s1" | jq -c '{bisections: .dns.bisections, retries: .dns.retries, checks: .dns."applied-checks", found: .dns."already-applied", servers: [.dns.servers[] | {zone, messages, timeouts, "timeout-ms", "srtt-ms", "batch-size", window, "pace-cuts", "latency-p50-ms", "latency-p99-ms"}]}')"
tap_is "wave 1: nothing split, no conflict, nothing failed" \
	"$(echo "$s1" | jq -c '[.dns.bisections, .dns.conflicts, .dns.failed]')" "[0,0,0]"
# the timeout of each zone moved above the latency it measured, and the pace was cut
tap_is "wave 1: each zone's timeout follows its measured latency (above 2 s and the smoothed RTT), its pace was cut" \
	"$(echo "$s1" | jq '[.dns.servers[] | ."timeout-ms" > 2000 and ."timeout-ms" > ."srtt-ms" and ."pace-cuts" > 0] | all')" true

# --- wave 2: 400 more, at the adapted pace
rows 800 1199 >> "$DIR/kea-leases4.csv"
WAIT_STEP=1 wait_for 120 all_in 1200
ls_daemon_settle "$DIR" 60
s2=$(stats)
tap_diag "wave 2: $(echo "$s2" | jq -c '{bisections: .dns.bisections, servers: [.dns.servers[] | {zone, messages, timeouts, "timeout-ms", "srtt-ms", "batch-size", window}]}') (timeouts in wave 1: $to1)"
tap_is "wave 2: 1200 A and 1200 PTR records, nothing split, no conflict" \
	"$(count "$FZ" A) $(count "$RZ" PTR) $(echo "$s2" | jq -c '[.dns.bisections, .dns.conflicts, .dns.failed]')" \
	"1200 1200 [0,0,0]"
tap_is "a slow server is not marked down" "$(grep -c 'marked down' "$DIR/ls.err")" 0

kill -TERM "$PID"
wait "$PID"
PID=
tap_done

#!/bin/sh
# tests/integ/78_adopt_sigterm.sh - SIGTERM in the middle of an adoption
# round, then a restart: nothing lost, nothing written twice, the zones
# exactly as they were. BIND sits in a network namespace behind a thin
# link (tc tbf on its side of a veth: its answers cross slowly), the daemon
# in another. 6,000 leases' records are put in place by a first daemon,
# whose store is then thrown away (a site taking over records it does not
# own yet); a second daemon with "adopt-existing" is stopped with SIGTERM
# once its first chunk of 4,096 leases is adopted and the second chunk is
# still being asked about; a third start finishes the round. Across both:
# every binding adopted exactly once, not one UPDATE sent, each zone's
# transfer identical to the one before, and releases afterwards remove the
# records of leases adopted in either run (the store holds them as ours).
# Addresses only inside the namespaces this test makes.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_root
need_cmd named dig jq tc ip
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

P=lsa$$
NSD=$P-d NSL=$P-l IFD=${P}d IFL=${P}l
ADDR_D=10.98.0.1 ADDR_L=10.98.0.2
DIR=$(mktemp -d /tmp/ls-adopt-term-XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	ip netns exec "$NSD" sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_bind_stop '$DIR/dns'" 2>/dev/null
	ip netns del "$NSD" 2>/dev/null
	ip netns del "$NSL" 2>/dev/null
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tap_plan 14

N=6000
FZ=adopt.example.
RZ=68.10.in-addr.arpa.
PORT=$(lab_dns_free_port)
SECRET=$(lab_dns_secret 32)

ip netns add "$NSD" && ip netns add "$NSL" &&
	ip link add "$IFD" type veth peer name "$IFL" &&
	ip link set "$IFD" netns "$NSD" && ip link set "$IFL" netns "$NSL" &&
	ip -n "$NSD" addr add "$ADDR_D/30" dev "$IFD" && ip -n "$NSL" addr add "$ADDR_L/30" dev "$IFL" &&
	ip -n "$NSD" link set lo up && ip -n "$NSL" link set lo up &&
	ip -n "$NSD" link set "$IFD" up && ip -n "$NSL" link set "$IFL" up
tap_is "namespaces and veth set up" "$?" 0

in_dns() { ip netns exec "$NSD" sh -c ". '$LS_TOP/tools/lab/dns.sh'; $*"; }
in_dns "LAB_DNS_LISTEN=$ADDR_D lab_bind_start '$DIR/dns' $PORT k hmac-sha256 '$SECRET' $FZ $RZ" \
	>/dev/null 2>&1
tap_ok "BIND up in its namespace" in_dns "lab_dns_wait $PORT $FZ"

{
	echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context"
	awk -v n=$N -v now="$(date +%s)" 'BEGIN { for (i = 0; i < n; i++)
		printf "10.68.%d.%d,02:00:00:68:%02x:%02x,,86400,%d,1,1,1,a%d.adopt.example.,0,\n",
			int(i / 250) + 1, i % 250 + 1, int(i / 256), i % 256, now + 86400, i }'
} > "$DIR/kea-leases4.csv"
conf() {
	ls_conf -d "$DIR" -a "$ADDR_D" -p "$PORT" -s "$SECRET" -4 "$DIR/kea-leases4.csv" -f "$FZ" -r "$RZ" \
		-x '"log-level": "info"' "$@" > "$DIR/ls.conf"
}
axfr() { in_dns "lab_dns_axfr $PORT $1 k hmac-sha256 '$SECRET'"; }
count() { axfr "$1" | awk -v t="$2" '$3 == t' | wc -l; }
all_in() { [ "$(count "$FZ" A)" -eq "$1" ] && [ "$(count "$RZ" PTR)" -eq "$1" ]; }
stats() { ls_daemon_stats "$DIR"; }
launch() { LS_NETNS=$NSL ls_daemon_start "$DIR"; _r=$?; PID=$LS_DPID; return $_r; }
stop() { kill -TERM "$PID"; wait "$PID"; _r=$?; PID=; return $_r; }

# --- the records, in place before anyone owns them
anon() { awk '$1 == "RssAnon:" { print $2 }' "/proc/$PID/status"; }
peak=0
in_and_peak() { _m=$(anon); [ "${_m:-0}" -gt $peak ] && peak=$_m; all_in "$@"; }
conf
launch
m0=$(anon)
WAIT_STEP=0.2 wait_for 120 in_and_peak $N
ls_daemon_settle "$DIR" 60
sleep 2	# the timer's next tick trims the heap once the burst is done
m1=$(anon)
stop
tap_ok "$N leases' records written by a first daemon (then its store is thrown away)" all_in $N
# the burst's entries and queued changes are given back once it is done
# (glibc kept them all before)
tap_ok "the memory the burst took is given back: anonymous $m0 kB at start, $peak kB at most, $m1 kB after" \
	test $((m1 - m0)) -le $(((peak - m0) / 2))
axfr $FZ > "$DIR/fwd.before"
axfr $RZ > "$DIR/rev.before"
rm -rf "$DIR/state"

# --- adoption, stopped half way: BIND's answers cross at 1 Mbit/s now
tc -n "$NSD" qdisc add dev "$IFD" root tbf rate 1mbit burst 1600 latency 60s
# by query (the probe's chunks of 4,096): a transfer settles all 6,000 at once, no middle to stop in
conf -x '"adopt-existing": true' -x '"adopt-method": "query"'
: > "$DIR/ls.err"
launch
first_chunk() { [ "$(stats | jq .adopted)" -gt 0 ] 2>/dev/null; }
WAIT_STEP=0.1 wait_for 120 first_chunk
s1=$(stats)
a1=$(echo "$s1" | jq .adopted)
over1=$(grep -c "reconcile: adoption pass:" "$DIR/ls.err")
stop
rc=$?
tap_is "SIGTERM during the round: a clean exit" "$rc" 0
tap_ok "... it came in the middle of the round ($a1 of $N adopted, the round not over, $(echo "$s1" | jq '.dns."adopt-queries"') queries)" \
	test "$a1" -gt 0 -a "$a1" -lt $N -a "$over1" -eq 0 -a "$(echo "$s1" | jq .idle)" = false
tap_is "... and nothing was sent to DNS at exit" \
	"$(grep -c "still in flight at exit" "$DIR/ls.err") $(echo "$s1" | jq .dns.messages)" "0 0"
tap_is "the zones are as they were" "$(axfr $FZ | cmp - "$DIR/fwd.before" && axfr $RZ | cmp - "$DIR/rev.before" && echo same)" same
mv "$DIR/ls.err" "$DIR/ls.err.1"

# --- the restart finishes the round
tc -n "$NSD" qdisc del dev "$IFD" root
launch
tap_is "restarted" "$?" 0
round_over() { grep -q "reconcile: adoption pass:" "$DIR/ls.err"; }
WAIT_STEP=0.2 wait_for 120 round_over
ls_daemon_settle "$DIR" 60
s2=$(stats)
a2=$(echo "$s2" | jq .adopted)
tap_diag "first run adopted $a1, the restart $a2; store: $(echo "$s2" | jq -c .store)"
tap_is "every binding adopted exactly once across the two runs (the store holds $N)" \
	"$((a1 + a2)) $(echo "$s2" | jq .store.records)" "$N $N"
tap_is "no UPDATE sent, nothing in conflict or failed" \
	"$(echo "$s2" | jq -c '[.dns.messages, .dns.conflicts, .dns.failed]')" "[0,0,0]"
tap_is "each zone's transfer is identical to the one before: no record lost or duplicated" \
	"$(axfr $FZ | cmp - "$DIR/fwd.before" && axfr $RZ | cmp - "$DIR/rev.before" && echo same)" same

# --- the adopted bindings are ours: releases of leases adopted in either run remove their records
# (each run logs its first 100 adoptions: "reconcile: adopt 10.68.x.y 'aI.adopt.example.' …")
adopted_in() { sed -n "s/.*reconcile: adopt 10\.68\.[0-9.]* 'a\([0-9]*\)\.adopt\.example\.'.*/\1/p" "$1" | head -3; }
picks="$(adopted_in "$DIR/ls.err.1") $(adopted_in "$DIR/ls.err")"
tap_diag "releasing leases $(echo $picks)"
{
	for i in $picks; do
		awk -v i="$i" -v now="$(date +%s)" 'BEGIN {
			printf "10.68.%d.%d,02:00:00:68:%02x:%02x,,0,%d,1,1,1,a%d.adopt.example.,0,\n",
				int(i / 250) + 1, i % 250 + 1, int(i / 256), i % 256, now, i }'
	done
} >> "$DIR/kea-leases4.csv"
WAIT_STEP=0.5 wait_for 60 all_in $((N - 6))
tap_is "six releases (three leases adopted by each run) remove exactly their records" \
	"$(echo $picks | wc -w) $(count "$FZ" A) $(count "$RZ" PTR) $(count "$FZ" DHCID)" "6 $((N - 6)) $((N - 6)) $((N - 6))"
stop
tap_is "it stops cleanly (exit 0)" "$?" 0
tap_done

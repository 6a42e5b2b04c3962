#!/bin/sh
# tests/integ/80_adopt_transfer.sh - "adopt-existing" by zone transfer
# (issue 15). Two real BINDs hold, written by nsupdate, what Kea D2 leaves
# for N active leases (A + DHCID, PTR + DHCID), plus five names that are
# wrong or missing: an old address under the client's DHCID, a PTR to
# another name, a reverse side missing, nothing at all, and the name and
# reverse name holding the lease's address and name under another client's
# DHCID. On the first server leasesnoop's key may
# transfer: one AXFR per zone, every lease decided from the index (no
# query), exactly N adopted with no UPDATE for any of them, the four ours
# to fix fixed, the foreign name left alone. The second server refuses
# AXFR to the key leasesnoop holds there (it may still update): the
# refusal is counted and logged once per zone with the zone, server and
# key, the leases are asked about by query instead, and the result is the
# same, record for record.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named dig jq nsupdate
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

DNSDRIVE=${LS_DNSDRIVE:-$LS_TOP/.output/tools/dnsdrive}
[ -x "$DNSDRIVE" ] || tap_skip_all "no $DNSDRIVE (make tools)"
ls_bind_lab adopt-xfr
LS_LAB_DOWN='lab_bind_stop "$DIR/dns2"'
tap_plan 20

N=3000
FZ=adopt80.example.
RZ=80.10.in-addr.arpa.
SECRET=$(lab_dns_secret 32)
SECRET2=$(lab_dns_secret 32)
NOW=$(date +%s)
mkdir -p "$DIR/dns" "$DIR/dns2"

# leases c0..c(N-1) at 10.80.x.y (hwaddr 02:00:00:50:hi:lo), then the five others at 10.80.200.1-5
addr() { echo "10.80.$(($1 / 250 + 1)).$(($1 % 250 + 1))"; }
{
	echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context"
	awk -v n=$N -v now=$NOW 'BEGIN { for (i = 0; i < n; i++)
		printf "10.80.%d.%d,02:00:00:50:%02x:%02x,,3600,%d,1,1,1,c%d.adopt80.example.,0,\n",
			int(i / 250) + 1, i % 250 + 1, int(i / 256), i % 256, now + 3600, i }'
	i=1
	for h in moved ptr half none foreign; do
		echo "10.80.200.$i,02:00:00:51:00:0$i,,3600,$((NOW + 3600)),1,1,1,$h.adopt80.example.,0,"
		i=$((i + 1))
	done
} > "$DIR/kea-leases4.csv"
# the DHCIDs D2 computed for them (dnsdrive --dhcid: leasesnoop's code, checked against D2 in test 58)
{
	awk -v n=$N 'BEGIN { for (i = 0; i < n; i++)
		printf "hw:01:02:00:00:50:%02x:%02x c%d.adopt80.example.\n", int(i / 256), i % 256, i }'
	i=1
	for h in moved ptr half none; do echo "hw:01:02:00:00:51:00:0$i $h.adopt80.example."; i=$((i + 1)); done
	echo "hw:01:02:aa:aa:aa:aa:aa foreign.adopt80.example."	# another client
} | "$DNSDRIVE" --dhcid > "$DIR/dhcid" || { echo "Bail out! dnsdrive --dhcid"; exit 1; }
dh() { awk -v n="$1" '$1 == n { print $2 }' "$DIR/dhcid"; }
# nsupdate scripts, 500 names per UPDATE, as D2 would have left things
{
	awk -v n=$N 'NR <= n { i = NR - 1
		printf "update add %s 3600 A 10.80.%d.%d\nupdate add %s 3600 DHCID %s\n", $1, int(i / 250) + 1, i % 250 + 1, $1, $2
		if (NR % 250 == 0) print "send" }' "$DIR/dhcid"
	echo "update add moved.$FZ 3600 A 10.80.200.99"		# the client's old address
	echo "update add moved.$FZ 3600 DHCID $(dh moved.$FZ)"
	for h in ptr half; do
		echo "update add $h.$FZ 3600 A 10.80.200.$([ $h = ptr ] && echo 2 || echo 3)"
		echo "update add $h.$FZ 3600 DHCID $(dh $h.$FZ)"
	done
	echo "update add foreign.$FZ 3600 A 10.80.200.5"
	echo "update add foreign.$FZ 3600 DHCID $(dh foreign.$FZ)"
	echo send
} > "$DIR/ns-f"
{
	awk -v n=$N 'NR <= n { i = NR - 1
		r = sprintf("%d.%d.80.10.in-addr.arpa.", i % 250 + 1, int(i / 250) + 1)
		printf "update add %s 3600 PTR %s\nupdate add %s 3600 DHCID %s\n", r, $1, r, $2
		if (NR % 250 == 0) print "send" }' "$DIR/dhcid"
	echo "update add 1.200.$RZ 3600 PTR moved.$FZ"
	echo "update add 1.200.$RZ 3600 DHCID $(dh moved.$FZ)"
	echo "update add 2.200.$RZ 3600 PTR someone-else.$FZ"	# a PTR to another name
	echo "update add 2.200.$RZ 3600 DHCID $(dh ptr.$FZ)"
	echo "update add 5.200.$RZ 3600 PTR foreign.$FZ"	# both sides, but another client's
	echo "update add 5.200.$RZ 3600 DHCID $(dh foreign.$FZ)"
	echo send
} > "$DIR/ns-r"

# server 1: key k may update and transfer; server 2: k2 may update only (LAB_DNS_KEYS)
PORT=$(lab_dns_free_port)
lab_bind_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" "$RZ" >/dev/null 2>&1
PORT2=$(lab_dns_free_port)
while [ "$PORT2" = "$PORT" ] || [ "$PORT2" = $((PORT + 1)) ]; do PORT2=$(lab_dns_free_port); done
LAB_DNS_KEYS="k2:hmac-sha256:$SECRET2" \
	lab_bind_start "$DIR/dns2" "$PORT2" k hmac-sha256 "$SECRET" "$FZ" "$RZ" >/dev/null 2>&1
fill() { # PORT
	for f in ns-f ns-r; do
		{ echo "server 127.0.0.1 $1"; echo "zone $([ $f = ns-f ] && echo $FZ || echo $RZ)"; cat "$DIR/$f"; } |
			nsupdate -y "hmac-sha256:k:$SECRET" || return 1
	done
}
filled() { lab_dns_wait "$PORT" "$FZ" && lab_dns_wait "$PORT2" "$FZ" && fill "$PORT" && fill "$PORT2"; }
tap_ok "two BINDs hold D2's records for $N leases, written by nsupdate" filled
a() { dig +short -p "$1" @127.0.0.1 "$2" "$3"; }
count() { lab_dns_axfr "$1" "$2" k hmac-sha256 "$SECRET" | awk -v t="$3" '$3 == t' | wc -l; }
tap_is "... both zones full on both servers" \
	"$(count "$PORT" $FZ A) $(count "$PORT" $RZ PTR) $(count "$PORT2" $FZ A) $(count "$PORT2" $RZ PTR)" \
	"$((N + 4)) $((N + 3)) $((N + 4)) $((N + 3))"

# run leasesnoop against the server on PORT with KEY; until the round is over and it is idle
run() { # PORT KEY SECRET
	rm -rf "$DIR/state"
	ls_conf -d "$DIR" -p "$1" -k "$2" -s "$3" -4 "$DIR/kea-leases4.csv" -f "$FZ" -r "$RZ" \
		-x '"adopt-existing": true' -x '"log-level": "info"' \
		-x '"batching": { "timeout-ms": 10000 }' > "$DIR/ls.conf"
	: > "$DIR/ls.err"
	start || return 1
	round_over() { grep -q "reconcile: adoption pass" "$DIR/ls.err"; }
	WAIT_STEP=0.2 wait_for 120 round_over && settle 60
}
ulog() { wc -l < "$1/named.log"; }	# BIND's log (its updates: one line per RR changed) so far

# ---- by transfer
u0=$(ulog "$DIR/dns")
if run "$PORT" k "$SECRET"; then tap_pass "adoption by transfer: the round ends"
else tap_fail "adoption by transfer: the round ends" "$(tail -5 "$DIR/ls.err")"; fi
S=$(stats)
tap_is "exactly the $N right leases adopted" "$(echo "$S" | jq .adopted)" "$N"
tap_is "one AXFR per zone, none refused, no query asked" \
	"$(echo "$S" | jq -r '.dns | "\(."adopt-transfers") \(."adopt-transfer-failures") \(."adopt-queries")"')" "2 0 0"
tap_is "every lease decided from the transfer (RRs indexed: both zones)" \
	"$(echo "$S" | jq -r '.dns | "\(."adopt-settled") \(."adopt-transfer-rrs")"')" \
	"$((N + 5)) $((4 * N + 16))"
tap_is "the index is freed once the round is over" "$(echo "$S" | jq '.dns."adopt-index-bytes"')" 0
tap_is "adds sent: only the five that were not right (one a conflict)" \
	"$(echo "$S" | jq -r '"\(."adds-sent") \(.conflicts)"')" "5 1"
upd=$(tail -n +$((u0 + 1)) "$DIR/dns/named.log" | grep "updating zone" |
	sed -n "s/.*at '\([^']*\)'.*/\1/p" | sort -u | grep -v -e '^moved\.' -e '^ptr\.' -e '^half\.' -e '^none\.' \
		-e '^[1-4]\.200\.80\.10\.in-addr\.arpa$')
tap_is "no UPDATE touched an adopted name" "$upd" ""
tap_is "an old address under the client's DHCID: rewritten" "$(a "$PORT" moved.$FZ A)" 10.80.200.1
tap_is "a PTR to another name: rewritten" "$(a "$PORT" 2.200.$RZ PTR)" "ptr.$FZ"
tap_is "a missing reverse side, and a lease with nothing: written" \
	"$(a "$PORT" 3.200.$RZ PTR) $(a "$PORT" none.$FZ A) $(a "$PORT" 4.200.$RZ PTR)" \
	"half.$FZ 10.80.200.4 none.$FZ"
tap_is "another client's name and reverse name (its DHCID): left alone" \
	"$(a "$PORT" foreign.$FZ DHCID) $(a "$PORT" 5.200.$RZ DHCID)" "$(dh foreign.$FZ) $(dh foreign.$FZ)"
tap_ok "the transfers are logged with their size" grep -q "adopt: zone '$FZ' transferred from '127.0.0.1#$PORT' (serial [0-9]*): $((2 * N + 9)) RRs" "$DIR/ls.err"
kill -TERM "$PID"; wait "$PID"; PID=

# ---- refused: the same leases against server 2, whose AXFR is not for k2
u0=$(ulog "$DIR/dns2")
if run "$PORT2" k2 "$SECRET2"; then tap_pass "AXFR refused to the key: the round ends"
else tap_fail "AXFR refused to the key: the round ends" "$(tail -5 "$DIR/ls.err")"; fi
S=$(stats)
tap_is "both refusals counted, no transfer, the leases asked by query (4 questions each)" \
	"$(echo "$S" | jq -r '.dns | "\(."adopt-transfer-failures") \(."adopt-transfers") \(."adopt-settled") \(."adopt-queries")"')" \
	"2 0 0 $((4 * (N + 5)))"
tap_is "one line per zone names the refusal, the server and the key" \
	"$(grep -c "adopt: server '127.0.0.1#$PORT2' refused AXFR of zone '[a-z0-9.-]*' to key 'k2\.' (REFUSED\|NOTAUTH)" "$DIR/ls.err")" 2
tap_is "the same adoptions and the same changes" \
	"$(echo "$S" | jq -r '"\(.adopted) \(."adds-sent") \(.conflicts)"')" "$N 5 1"
for z in $FZ $RZ; do
	lab_dns_axfr "$PORT" "$z" k hmac-sha256 "$SECRET" > "$DIR/z1-$z"
	lab_dns_axfr "$PORT2" "$z" k hmac-sha256 "$SECRET" > "$DIR/z2-$z"
done
tap_ok "both servers end with the same zones, record for record" \
	sh -c "cmp -s '$DIR/z1-$FZ' '$DIR/z2-$FZ' && cmp -s '$DIR/z1-$RZ' '$DIR/z2-$RZ'"
kill -TERM "$PID"; wait "$PID"; rc=$?; PID=
tap_is "it stops cleanly (exit 0)" "$rc" 0
tap_done

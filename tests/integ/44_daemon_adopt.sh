#!/bin/sh
# tests/integ/44_daemon_adopt.sh - "adopt-existing" against BIND: the zones
# start with what Kea D2 would have left (A/AAAA + DHCID, PTR + DHCID) for N
# active v4 leases and 4 v6 leases, plus a name with another client's DHCID
# and a static A without one. leasesnoop adopts the N + 4 matching bindings
# with no UPDATE (every zone serial unchanged, stats adopted), leaves the
# foreign and static names alone, and when leases leave the file removes
# their adopted records, nothing else.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named dig jq
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

DNSDRIVE=${LS_DNSDRIVE:-$LS_TOP/.output/tools/dnsdrive}
[ -x "$DNSDRIVE" ] || tap_skip_all "no $DNSDRIVE (make tools)"
ls_bind_lab adopt
tap_plan 17

N=300
FZ=adopt.example.
RZ=64.10.in-addr.arpa.
RZ6=8.b.d.0.1.0.0.2.ip6.arpa.
PORT=$(lab_dns_free_port)
SECRET=$(lab_dns_secret 32)
NOW=$(date +%s)
mkdir -p "$DIR/dns"

# v4 leases c0..c(N-1) at 10.64.x.y, hwaddr 02:00:00:00:hi:lo; two more
# whose names DNS gives to someone else: "foreign" (another DHCID), "static".
{
	echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context"
	awk -v n=$N -v now=$NOW 'BEGIN { for (i = 0; i < n; i++)
		printf "10.64.%d.%d,02:00:00:00:%02x:%02x,,3600,%d,1,1,1,c%d.adopt.example.,0,\n",
			int(i / 250) + 1, i % 250 + 1, int(i / 256), i % 256, now + 3600, i }'
	echo "10.64.9.1,02:00:00:00:ff:01,,3600,$((NOW + 3600)),1,1,1,foreign.adopt.example.,0,"
	echo "10.64.9.2,02:00:00:00:ff:02,,3600,$((NOW + 3600)),1,1,1,static.adopt.example.,0,"
} > "$DIR/kea-leases4.csv"
{
	echo "address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,prefix_len,fqdn_fwd,fqdn_rev,hostname,hwaddr,state,user_context,hwtype,hwaddr_source"
	for i in 1 2 3 4; do
		echo "2001:db8:1::$i,00:01:00:01:00:00:00:0$i:02:00:00:00:01:0$i,3600,$((NOW + 3600)),1,1800,0,$i,128,1,1,v6h$i.adopt.example.,,0,,0,0"
	done
} > "$DIR/kea-leases6.csv"

# what D2 would have written: DHCIDs computed the way D2 does (dnsdrive --dhcid)
awk -v n=$N 'BEGIN { for (i = 0; i < n; i++)
	printf "hw:01:02:00:00:00:%02x:%02x c%d.adopt.example.\n", int(i / 256), i % 256, i }' |
	"$DNSDRIVE" --dhcid > "$DIR/dhcid4" || { echo "Bail out! dnsdrive --dhcid"; exit 1; }
for i in 1 2 3 4; do echo "duid:000100010000000${i}02000000010${i} v6h$i.adopt.example."; done |
	"$DNSDRIVE" --dhcid > "$DIR/dhcid6" || { echo "Bail out! dnsdrive --dhcid"; exit 1; }
FOREIGN=$(echo "hw:01:02:aa:aa:aa:aa:aa foreign.adopt.example." | "$DNSDRIVE" --dhcid | cut -d' ' -f2)
awk -v n=$N '{ i = NR - 1
	printf "%s 3600 IN A 10.64.%d.%d\n%s 3600 IN DHCID %s\n", $1, int(i / 250) + 1, i % 250 + 1, $1, $2 }' \
	"$DIR/dhcid4" > "$DIR/dns/extra-$FZ"
awk '{ printf "%s 3600 IN AAAA 2001:db8:1::%d\n%s 3600 IN DHCID %s\n", $1, NR, $1, $2 }' \
	"$DIR/dhcid6" >> "$DIR/dns/extra-$FZ"
cat >> "$DIR/dns/extra-$FZ" <<ZEOF
foreign.adopt.example. 3600 IN A 10.64.9.1
foreign.adopt.example. 3600 IN DHCID $FOREIGN
static.adopt.example. 3600 IN A 10.64.9.2
ZEOF
awk '{ i = NR - 1
	printf "%d.%d.64.10.in-addr.arpa. 3600 IN PTR %s\n%d.%d.64.10.in-addr.arpa. 3600 IN DHCID %s\n",
		i % 250 + 1, int(i / 250) + 1, $1, i % 250 + 1, int(i / 250) + 1, $2 }' \
	"$DIR/dhcid4" > "$DIR/dns/extra-$RZ"
awk '{ printf "%d.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 3600 IN PTR %s\n", NR, $1
       printf "%d.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 3600 IN DHCID %s\n", NR, $2 }' \
	"$DIR/dhcid6" > "$DIR/dns/extra-$RZ6"

lab_bind_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" "$RZ" "$RZ6" >/dev/null 2>&1
tap_ok "BIND up with D2's records" lab_dns_wait "$PORT" "$FZ"
ls_conf -d "$DIR" -p "$PORT" -s "$SECRET" -4 "$DIR/kea-leases4.csv" -6 "$DIR/kea-leases6.csv" \
	-f "$FZ" -r "$RZ" -r "$RZ6" -x '"adopt-existing": true' -x '"log-level": "info"' > "$DIR/ls.conf"

serials() {
	for _z in "$FZ" "$RZ" "$RZ6"; do dig +short -p "$PORT" @127.0.0.1 "$_z" SOA | awk '{ printf "%s ", $3 }'; done
}
axfr() { lab_dns_axfr "$PORT" "$1" k hmac-sha256 "$SECRET"; }
count() { axfr "$1" | awk -v t="$2" '$3 == t' | wc -l; }
rr() { dig +short -p "$PORT" @127.0.0.1 "$1" "$2"; }

S0=$(serials)
tap_diag "serials before: $S0"
axfr "$FZ" > "$DIR/fz.before"
if start; then tap_pass "leasesnoop -c starts with adopt-existing"; else tap_fail "leasesnoop -c starts with adopt-existing" "$(cat "$DIR/ls.err")"; fi
settle 60
tap_is "stats: adopted = $N v4 + 4 v6" "$(stats | jq .adopted)" "$((N + 4))"
tap_is "no zone changed (serials of the three zones)" "$(serials)" "$S0"
tap_is "the only changes sent were the two names that are not ours" "$(stats | jq '."adds-sent"')" 2
tap_is "... and both were conflicts" "$(stats | jq .conflicts)" 2
tap_is "store: every adopted binding is owned" "$(stats | jq '.store.records')" "$((N + 6))"
axfr "$FZ" > "$DIR/fz.after"
tap_ok "forward zone identical, record for record" cmp -s "$DIR/fz.before" "$DIR/fz.after"
n=$(grep -c 'reconcile: adopt ' "$DIR/ls.err" "$DIR/ls.out" | awk -F: '{ s += $2 } END { print s }')
tap_is "one info line per adoption up to 100, the rest at debug" "$n" 100

# leases leave the file: two v4 (Kea-style delete rows), one v6 released
r0=$(ls_daemon_rows "$DIR")
echo "10.64.1.1,02:00:00:00:00:00,,0,$NOW,1,1,1,c0.adopt.example.,0," >> "$DIR/kea-leases4.csv"
echo "10.64.1.2,02:00:00:00:00:01,,3600,$((NOW + 3600)),1,1,1,c1.adopt.example.,3," >> "$DIR/kea-leases4.csv"
echo "2001:db8:1::1,00:01:00:01:00:00:00:01:02:00:00:00:01:01,3600,$((NOW + 3600)),1,1800,0,1,128,1,1,v6h1.adopt.example.,,3,,0,0" >> "$DIR/kea-leases6.csv"
wait_for 10 ls_daemon_has_read "$DIR" $((r0 + 3))
settle 30
tap_is "removed leases: their A, DHCID and PTR are gone" \
	"$(rr c0.adopt.example. A)|$(rr c1.adopt.example. DHCID)|$(rr 1.1.64.10.in-addr.arpa. PTR)|$(rr 2.1.64.10.in-addr.arpa. PTR)|$(rr v6h1.adopt.example. AAAA)" "||||"
tap_is "the other adopted records stay" "$(count "$FZ" A) $(count "$FZ" AAAA) $(count "$RZ" PTR) $(count "$RZ6" PTR)" \
	"$N 3 $((N - 2)) 3"
tap_is "the foreign name is untouched" "$(rr foreign.adopt.example. A) $(rr foreign.adopt.example. DHCID)" "10.64.9.1 $FOREIGN"
tap_is "the static A is untouched" "$(rr static.adopt.example. A)|$(rr static.adopt.example. DHCID)" "10.64.9.2|"
tap_is "removes sent: exactly the three ended leases" "$(stats | jq '."removes-sent"')" 3

# a restart adopts nothing more and sends nothing
kill -TERM "$PID"; wait "$PID"; PID=
S1=$(serials)
start && settle 30
tap_is "restart: nothing new adopted, nothing sent, serials unchanged" \
	"$(stats | jq '.adopted, ."adds-sent", ."removes-sent"' | tr '\n' ' ')$(serials)" "0 0 0 $S1"

# a full pass every 2 s, and a lease in no configured zone, either side:
# it never gets a binding, so each pass begins an adoption round for it. A
# round a periodic pass begins is run by the loop like the first one (it
# used to wait for ever: the daemon never went idle again).
kill -TERM "$PID"; wait "$PID"; PID=
echo "10.99.0.1,02:00:00:00:ff:03,,3600,$((NOW + 3600)),1,1,1,elsewhere.other.example.,0," >> "$DIR/kea-leases4.csv"
ls_conf -d "$DIR" -p "$PORT" -s "$SECRET" -4 "$DIR/kea-leases4.csv" -6 "$DIR/kea-leases6.csv" \
	-f "$FZ" -r "$RZ" -r "$RZ6" -x '"adopt-existing": true' -x '"log-level": "info"' \
	-x '"full-reconcile-interval": 2' > "$DIR/ls.conf"
start
passes() { grep -c 'reconcile: adoption pass: ' "$DIR/ls.err"; }
p0=$(passes)
passes_past() { [ "$(passes)" -ge "$1" ]; }
tap_ok "periodic full passes begin adoption rounds, and each ends" wait_for 20 passes_past $((p0 + 3))
tap_ok "... so the daemon goes idle between passes" settle 10
tap_done

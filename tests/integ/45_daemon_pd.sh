#!/bin/sh
# tests/integ/45_daemon_pd.sh - "prefix-delegation" on a reverse-ddns
# domain, against BIND, from a Kea 2.2 v6 lease file: a delegated prefix
# with a name gets PTR + DHCID at its nibble-aligned reverse name (/56 and
# /60), and nothing forward; the router's address lease keeps its own
# AAAA/PTR; a prefix in a reverse domain without the key gets nothing
# (the default); release and delete rows remove the prefix records only.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_cmd named dig jq
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

DNSDRIVE=${LS_DNSDRIVE:-$LS_TOP/.output/tools/dnsdrive}
[ -x "$DNSDRIVE" ] || tap_skip_all "no $DNSDRIVE (make tools)"
ls_bind_lab pd
tap_plan 13

FZ=pd.example.
RZ=8.b.d.0.1.0.0.2.ip6.arpa.	# prefix-delegation: true
RZX=9.b.d.0.1.0.0.2.ip6.arpa.	# no key: the default, off
PORT=$(lab_dns_free_port)
SECRET=$(lab_dns_secret 32)
NOW=$(date +%s)
D1=00:01:00:01:00:00:00:01:02:00:00:00:00:01
D2=00:01:00:01:00:00:00:02:02:00:00:00:00:02
D3=00:01:00:01:00:00:00:03:02:00:00:00:00:03
H6="address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,prefix_len,fqdn_fwd,fqdn_rev,hostname,hwaddr,state,user_context,hwtype,hwaddr_source"
# row ADDR DUID TYPE IAID PLEN NAME STATE [LIFETIME]
row() { echo "$1,$2,${8:-3600},$((NOW + ${8:-3600})),1,1800,$3,$4,$5,1,1,$6,,$7,,0,0"; }
{
	echo "$H6"
	row 2001:db8::5 $D1 0 1 128 cpe1.pd.example. 0
	row 2001:db8:1:100:: $D1 2 2 56 cpe1.pd.example. 0
	row 2001:db8:2:ff00:: $D2 2 1 60 cpe2.pd.example. 0
	row 2001:db9:1:: $D3 2 1 48 cpe3.pd.example. 0
	row 2001:db8:3:: $D3 2 7 48 "" 0
} > "$DIR/kea-leases6.csv"
N56=1.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.
N60=0.f.f.2.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.
NA=5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.

mkdir -p "$DIR/dns"
lab_bind_start "$DIR/dns" "$PORT" k hmac-sha256 "$SECRET" "$FZ" "$RZ" "$RZX" >/dev/null 2>&1
tap_ok "BIND up" lab_dns_wait "$PORT" "$FZ"
ls_conf -d "$DIR" -p "$PORT" -s "$SECRET" -6 "$DIR/kea-leases6.csv" -f "$FZ" -P "$RZ" -r "$RZX" \
	-x '"log-level": "info"' > "$DIR/ls.conf"

rr() { dig +short -p "$PORT" @127.0.0.1 "$1" "$2" | tr '\n' ' ' | sed 's/ $//'; }
serial() { dig +short -p "$PORT" @127.0.0.1 "$1" SOA | awk '{ print $3 }'; }
axfr() { lab_dns_axfr "$PORT" "$1" k hmac-sha256 "$SECRET"; }
DH1=$(echo "duid:$(echo $D1 | tr -d :) cpe1.pd.example." | "$DNSDRIVE" --dhcid | cut -d' ' -f2)

if start; then tap_pass "leasesnoop -c starts"; else tap_fail "leasesnoop -c starts" "$(cat "$DIR/ls.err")"; fi
settle 30
tap_is "/56: PTR at the prefix's nibble name" "$(rr $N56 PTR)" "cpe1.pd.example."
tap_is "/56: the client's DHCID beside it (as D2 computes it)" "$(rr $N56 DHCID)" "$DH1"
tap_is "/60: PTR at the prefix's nibble name" "$(rr $N60 PTR)" "cpe2.pd.example."
tap_is "the router's address lease keeps its own AAAA and PTR, no prefix AAAA" \
	"$(rr cpe1.pd.example. AAAA)|$(rr $NA PTR)" "2001:db8::5|cpe1.pd.example."
tap_is "no forward record for a prefix" "$(rr cpe2.pd.example. ANY)" ""
tap_is "a domain without prefix-delegation: nothing (serial, records)" \
	"$(serial $RZX) $(axfr $RZX | wc -l)" "1 0"
tap_is "the reverse zone holds exactly the NA and the two prefixes" \
	"$(axfr $RZ | awk '$3 == "PTR" { print $1 }' | sort | tr '\n' ' ')" "$(printf '%s\n' $N60 $N56 $NA | sort | tr '\n' ' ')"
tap_is "store: the address lease and the two prefixes" "$(stats | jq .store.records)" 3

# release of the /56 (state 3), delete row for the /60 (lifetime 0)
r0=$(ls_daemon_rows "$DIR")
row 2001:db8:1:100:: $D1 2 2 56 cpe1.pd.example. 3 >> "$DIR/kea-leases6.csv"
row 2001:db8:2:ff00:: $D2 2 1 60 cpe2.pd.example. 0 0 >> "$DIR/kea-leases6.csv"
wait_for 10 ls_daemon_has_read "$DIR" $((r0 + 2))
settle 30
tap_is "released and deleted prefixes: PTR and DHCID gone" "$(rr $N56 PTR)|$(rr $N56 DHCID)|$(rr $N60 ANY)" "||"
tap_is "the address lease's records stay" "$(rr cpe1.pd.example. AAAA)|$(rr $NA PTR)" "2001:db8::5|cpe1.pd.example."
tap_is "removes sent: the two prefixes" "$(stats | jq '."removes-sent"')" 2
tap_done

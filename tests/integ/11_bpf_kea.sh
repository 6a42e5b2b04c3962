#!/bin/sh
# tests/integ/11_bpf_kea.sh - real Kea 2.2 (kea-dhcp4, kea-dhcp6, memfile)
# in a namespace serving perfdhcp clients (with releases; v6 with prefix
# delegation) across a veth pair, leasesnoop attached to the server side:
# every lease Kea writes to its CSV appears as an event with the same
# address, client and lifetime, every release Kea records was seen on the
# wire, and no event names an address Kea never leased.
. "${LS_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$LS_TOP/tests/lib/lsrun.sh"
need_root
need_cmd kea-dhcp4 kea-dhcp6 perfdhcp jq
[ -x "$LS_BIN" ] || tap_skip_all "leasesnoop not built"
KEA_LAB_PREFIX=lsk$$
. "$LS_TOP/tools/lab/kea.sh"
TMP=$(mktemp -d)
cleanup() {
	[ -n "${LS_PID:-}" ] && kill -9 "$LS_PID" 2>/dev/null
	kea_lab_down
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
tap_plan 10

kea_lab_net_up && kea_lab_kea4_up "$TMP" && kea_lab_kea6_up "$TMP"
tap_is "lab up: kea-dhcp4 and kea-dhcp6 answer on their sockets" "$?" 0
ls_events_start "$KEA_LAB_SRV_NS" "$TMP/ev.json" "$TMP/ev.err" -i "$KEA_LAB_SRV_IF"
kea_lab_perfdhcp4 -r 100 -R 300 -p 4 -F 20 >"$TMP/p4.out" 2>&1
kea_lab_perfdhcp6 -r 100 -R 300 -p 4 -F 20 -e address-and-prefix >"$TMP/p6.out" 2>&1
# until the events caught up with the lease files: an ACK per v4 row, a REPLY per v6 row
caught_up() {
	[ "$(grep -c '"type":"ack"' "$TMP/ev.json")" -ge "$(awk -F, 'NR > 1 && $4 > 0' "$TMP/kea-leases4.csv" | wc -l)" ] &&
	[ "$(grep -c '"type":"reply"' "$TMP/ev.json")" -ge "$(awk -F, 'NR > 1 && $3 > 0' "$TMP/kea-leases6.csv" | wc -l)" ]
}
WAIT_STEP=0.1 wait_for 10 caught_up
ls_events_stop
tap_is "leasesnoop exits cleanly" "$?" 0

# v4: CSV rows (address,hwaddr,client_id,valid_lifetime,expire,...)
awk -F, 'NR > 1 && $4 > 0 { print $1, $2, $4 }' "$TMP/kea-leases4.csv" | sort >"$TMP/csv4.ack"
awk -F, 'NR > 1 && $4 == 0 { print $1 }' "$TMP/kea-leases4.csv" | sort -u >"$TMP/csv4.rel"
awk -F, 'NR > 1 { print $1 }' "$TMP/kea-leases4.csv" | sort -u >"$TMP/csv4.all"
jq -r 'select(.family == 4 and .type == "ack") | "\(.addr) \(.hwaddr) \(.valid_lifetime)"' \
	"$TMP/ev.json" | sort >"$TMP/ev4.ack"
jq -r 'select(.family == 4 and .type == "release") | .addr' "$TMP/ev.json" | sort -u >"$TMP/ev4.rel"
n=$(wc -l <"$TMP/csv4.ack")
[ "$n" -ge 100 ] && tap_pass "Kea granted $n v4 leases" || tap_fail "Kea granted enough v4 leases" "only $n"
tap_is "v4: every lease row is an ACK event (address, hwaddr, lifetime), and vice versa" \
	"$(cat "$TMP/ev4.ack")" "$(cat "$TMP/csv4.ack")"
tap_is "v4: every release Kea recorded was a RELEASE event" \
	"$(comm -23 "$TMP/csv4.rel" "$TMP/ev4.rel")" ""
tap_is "v4: no RELEASE event names an address Kea never leased" \
	"$(comm -23 "$TMP/ev4.rel" "$TMP/csv4.all")" ""

# v6: address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,prefix_len,...
awk -F, 'NR > 1 && $3 > 0 { gsub(":", "", $2); print $1 "/" $9, $2, $8, $3, $6, $7 }' \
	"$TMP/kea-leases6.csv" | sort >"$TMP/csv6.rep"
awk -F, 'NR > 1 && $3 == 0 { print $1 "/" $9 }' "$TMP/kea-leases6.csv" | sort -u >"$TMP/csv6.rel"
awk -F, 'NR > 1 { print $1 "/" $9 }' "$TMP/kea-leases6.csv" | sort -u >"$TMP/csv6.all"
jq -r 'select(.family == 6 and .type == "reply")
	| "\(.addr)/\(.prefix_len) \(.duid) \(.iaid) \(.valid_lifetime) \(.preferred_lifetime) \({"na":0,"ta":1,"pd":2}[.ia_type])"' \
	"$TMP/ev.json" | sort >"$TMP/ev6.rep"
jq -r 'select(.family == 6 and .type == "release") | "\(.addr)/\(.prefix_len)"' "$TMP/ev.json" |
	sort -u >"$TMP/ev6.rel"
n=$(grep -c ' 2$' "$TMP/csv6.rep")
[ "$n" -ge 50 ] && tap_pass "Kea delegated $n v6 prefixes" || tap_fail "Kea delegated prefixes" "only $n"
tap_is "v6: every lease row (address or prefix) is a REPLY event (DUID, IAID, lifetimes, type), and vice versa" \
	"$(cat "$TMP/ev6.rep")" "$(cat "$TMP/csv6.rep")"
tap_is "v6: every release Kea recorded was a RELEASE event" \
	"$(comm -23 "$TMP/csv6.rel" "$TMP/ev6.rel")" ""
tap_is "v6: no RELEASE event names a lease Kea never had" \
	"$(comm -23 "$TMP/ev6.rel" "$TMP/csv6.all")" ""
tap_done

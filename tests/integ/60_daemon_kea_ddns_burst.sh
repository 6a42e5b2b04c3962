#!/bin/sh
# tests/integ/60_daemon_kea_ddns_burst.sh - a 20,000-lease burst through a
# real kea-dhcp4 with its DDNS on exactly as with D2 ("enable-updates": true,
# NCRs to 127.0.0.1:53001), leasesnoop attached to Kea's interface, following
# its lease file and listening there in D2's place, writing into BIND.
# Kea's log must show no NCR send error, no rejected NCR
# (DHCPSRV_DHCP_DDNS_NCR_REJECTED is what Kea logs when its sender's queue is
# full) and no suspension of DDNS (DHCPSRV_DHCP_DDNS_SUSPEND_UPDATES); at the
# end every named lease Kea holds has its A and PTR record in DNS, each sent
# once: a lease's DHCPACK, lease-file row and NCR make one UPDATE change.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_root
need_cmd kea-dhcp4 perfdhcp named dig jq ip
LS_BIN=${LS_BIN:-$LS_TOP/leasesnoop}
[ -x "$LS_BIN" ] || tap_skip_all "needs $LS_BIN (make)"
. "$LS_TOP/tools/lab/kea.sh"
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

DIR=$(mktemp -d /tmp/ls-keaburst-XXXXXX)
cleanup() {
	[ -n "${LS_DPID:-}" ] && kill -9 "$LS_DPID" 2>/dev/null
	lab_bind_stop "$DIR/bind"
	kea_lab_down
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FZ=dyn.example.
RZ4=64.10.in-addr.arpa.
PORT=5353		# inside the test's own namespace
D2PORT=53001		# D2's default: where Kea sends, unchanged
SECRET=$(lab_dns_secret 32)
N=${LS_BURST:-20000}
tap_plan 9

tap_ok "lab: namespaces and veth up" kea_lab_net_up
kea_lab_srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_bind_start '$DIR/bind' $PORT ddns-key hmac-sha256 '$SECRET' $FZ $RZ4"
tap_ok "BIND up in the server namespace" kea_lab_srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_dns_wait $PORT $FZ"

mkdir -p "$DIR/ls" "$DIR/k"
: > "$DIR/k/kea-leases4.csv"
ls_conf -i "$KEA_LAB_SRV_IF" -d "$DIR/ls" -p $PORT -s "$SECRET" -k ddns-key -4 "$DIR/k/kea-leases4.csv" -f $FZ -r $RZ4 \
	-N $D2PORT > "$DIR/ls/ls.conf"
LS_NETNS=$KEA_LAB_SRV_NS
# not under tap_ok: LS_DPID must survive (tap_ok runs in a subshell), so cleanup() stops it
if ls_daemon_start "$DIR/ls"; then tap_pass "leasesnoop up, listening for Kea's NCRs on 127.0.0.1:$D2PORT"
else tap_fail "leasesnoop up, listening for Kea's NCRs" "$(tail -5 "$DIR/ls/ls.err")"; fi
export KEA_LAB_DDNS=1 KEA_LAB_D2_PORT=$D2PORT KEA_LAB_LFC=0
tap_ok "kea-dhcp4 up, DDNS on (enable-updates true, NCRs to D2's port)" kea_lab_kea4_up "$DIR/k"

# the burst: DORAs as fast as Kea answers them (perfdhcp offers 2,000/s;
# what Kea cannot take it drops and perfdhcp counts) from clients drawn from
# a space 100x larger (a new base MAC per run), again until Kea holds N named
# leases
leases() { kea_lab_lease_all "$DIR/k/kea4.sock" 4 | jq '[.arguments.leases[] | select(.hostname != "")] | length'; }
st() { ls_daemon_stats "$DIR/ls"; }
nlease=0 round=0
while [ "$nlease" -lt "$N" ] && [ $round -lt 20 ]; do
	round=$((round + 1))
	# -W: wait 2 s for the answers after the last DISCOVER (a short run ends before them)
	kea_lab_perfdhcp4 -b "mac=02:$(printf %02x $round):00:00:00:00" -r 2000 -R $((N * 100)) \
		-n $(((N - nlease) * 11 / 10 + 50)) -W 2000000 > "$DIR/perf.$round" 2>&1
	nlease=$(leases)
	nlease=${nlease:-0}
done
tap_diag "$round perfdhcp runs ($(grep -h '^Rate:' "$DIR"/perf.* | awk '{ print $2 }' | tr '\n' ' ')exchanges/s);" \
	"Kea holds $nlease named leases; leasesnoop received $(st | jq '.ncr."ncr-received"') NCRs so far"
if [ "$nlease" -ge "$N" ]; then tap_pass "Kea granted the burst ($nlease leases)"
else tap_fail "Kea granted the burst" "$nlease leases; $(tail -20 "$DIR/perf.$round")"; fi

cnt() {
	kea_lab_srv dig +nocmd +nostats +noall +answer +onesoa -p $PORT @127.0.0.1 \
		-y "hmac-sha256:ddns-key:$SECRET" "$1" AXFR 2>/dev/null | awk -v t="$2" '$4 == t' | wc -l
}
all_in() { [ "$(cnt $FZ A)" -ge "$nlease" ] && [ "$(cnt $RZ4 PTR)" -ge "$nlease" ]; }
if wait_for 120 all_in; then tap_pass "every lease in DNS: $nlease A and PTR records"
else tap_fail "every lease in DNS" "want $nlease, have A $(cnt $FZ A), PTR $(cnt $RZ4 PTR); $(st | jq -c '.ncr')"; fi
adds() { st | jq --arg rr "$1" '[.changes[] | select(.op == "add" and .rr == $rr) | .count] | add // 0'; }
tap_is "one add per lease, as D2 (the ACK, the row and the NCR of a lease make one UPDATE change)" \
	"$(adds A) $(adds PTR)" "$nlease $nlease"
ncr=$(st | jq -c '[.ncr."ncr-received" >= '"$nlease"', .ncr."ncr-invalid", .ncr."ncr-error"]')
tap_is "leasesnoop received an NCR for every lease, none invalid" "$ncr" "[true,0,0]"
# Kea's view: its NCR sender never failed, its queue never filled, DDNS never suspended
errs=$(grep -E "DHCPSRV_DHCP_DDNS_(NCR_REJECTED|SUSPEND_UPDATES|ERROR_EXCEPTION|HANDLER_NULL)|DHCP_DDNS_NCR_|DHCP4_DDNS_REQUEST_SEND_FAILED|DHCP4_NCR_CREATION_FAILED" \
	"$DIR/k/kea-dhcp4.log")
tap_is "Kea logged no NCR send error, no full queue, no DDNS suspension" "$errs" ""
tap_done

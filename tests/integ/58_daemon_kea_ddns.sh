#!/bin/sh
# tests/integ/58_daemon_kea_ddns.sh - leasesnoop in D2's place, Kea's
# configuration unchanged ("enable-updates": true, NCRs to 127.0.0.1:53001).
# The same perfdhcp clients (a fixed list of MACs, each with a reserved
# address, so both runs give the same leases and names) are served twice by
# a real kea-dhcp4 in the lab's server namespace: once with a real
# kea-dhcp-ddns writing into BIND #1, once with leasesnoop listening on D2's
# port writing into BIND #2. The two zones' AXFRs must be equal, record for
# record, TTL and DHCID included. Kea's log must show no NCR send error and
# no suspension of DDNS across a leasesnoop restart and a 30 s stop (the
# lease file catches up); a bad NCR is counted and logged with its sender.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_root
need_cmd kea-dhcp4 kea-dhcp-ddns perfdhcp named dig jq ip perl
LS_BIN=${LS_BIN:-$LS_TOP/leasesnoop}
[ -x "$LS_BIN" ] || tap_skip_all "needs $LS_BIN (make)"
. "$LS_TOP/tools/lab/kea.sh"
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

DIR=$(mktemp -d /tmp/ls-keaddns-XXXXXX)
D2PID= LSPID=
cleanup() {
	[ -n "$D2PID" ] && kill "$D2PID" 2>/dev/null
	[ -n "$LSPID" ] && kill -9 "$LSPID" 2>/dev/null
	lab_bind_stop "$DIR/bind1"
	lab_bind_stop "$DIR/bind2"
	kea_lab_down
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FZ=dyn.example.
RZ4=64.10.in-addr.arpa.
P1=5353 P2=5354		# inside the test's own namespace
D2PORT=53001		# D2's default: where Kea sends, unchanged
SECRET=$(lab_dns_secret 32)
NMAC=6
tap_plan 14

tap_ok "lab: namespaces and veth up" kea_lab_net_up
kea_lab_srv ip link set lo up
for p in $P1 $P2; do
	kea_lab_srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_bind_start '$DIR/bind$((p - 5352))' $p ddns-key hmac-sha256 '$SECRET' $FZ $RZ4"
done
tap_ok "two BINDs up in the server namespace" kea_lab_srv sh -c \
	". '$LS_TOP/tools/lab/dns.sh'; lab_dns_wait $P1 $FZ && lab_dns_wait $P2 $FZ"

# the clients: NMAC MACs, each with a reserved address, so both runs agree
: > "$DIR/macs"
res=
for i in $(seq 1 $NMAC); do
	mac=$(printf '00:0c:01:02:03:%02x' "$i")
	echo "$mac" >> "$DIR/macs"
	res="$res${res:+,} { \"hw-address\": \"$mac\", \"ip-address\": \"10.64.2.$i\" }"
done
export KEA_LAB_DDNS=1 KEA_LAB_D2_PORT=$D2PORT KEA_LAB_LFC=0
export KEA_LAB_EXTRA4=", \"reservations-global\": true, \"reservations-in-subnet\": false,
    \"host-reservation-identifiers\": [ \"hw-address\" ],
    \"reservations\": [ $res ]"
clients() {
	# 60 exchanges over 6 MACs: every MAC is drawn (the odds of one missing are 1e-4)
	kea_lab_perfdhcp4 -M "$DIR/macs" -r 20 -n 60 -p 6 > "$DIR/perf.$1" 2>&1
}
# "owner ttl class type rdata", sorted, SOA/NS left out: the TTL stays in
axfr() {
	kea_lab_srv dig +nocmd +nostats +noall +answer +onesoa -p "$1" @127.0.0.1 \
		-y "hmac-sha256:ddns-key:$SECRET" "$2" AXFR 2>/dev/null |
		awk '$4 != "SOA" && $4 != "NS" && $4 != "TSIG" { $1 = tolower($1); print }' |
		tr -s ' \t' ' ' | sort
}
has_dhcids() { [ "$(axfr "$1" $FZ | grep -c ' DHCID ')" -ge "$2" ] && [ "$(axfr "$1" $RZ4 | grep -c ' PTR ')" -ge "$2" ]; }
kea_down() {
	kill "$(cat "$1/kea-dhcp4.pid")" 2>/dev/null
	wait_for 10 sh -c "! kill -0 $(cat "$1/kea-dhcp4.pid") 2>/dev/null"
}
dom() { echo "{\"name\":\"$1\",\"key-name\":\"ddns-key\",\"dns-servers\":[{\"ip-address\":\"127.0.0.1\",\"port\":$2}]}"; }

# run 1: Kea -> kea-dhcp-ddns -> BIND #1
mkdir -p "$DIR/k1" "$DIR/k2" "$DIR/ls"
cat > "$DIR/d2.conf" <<EOF
{ "DhcpDdns": { "ip-address": "127.0.0.1", "port": $D2PORT, "dns-server-timeout": 1000,
  "tsig-keys": [ { "name": "ddns-key", "algorithm": "HMAC-SHA256", "secret": "$SECRET" } ],
  "forward-ddns": { "ddns-domains": [ $(dom $FZ $P1) ] },
  "reverse-ddns": { "ddns-domains": [ $(dom $RZ4 $P1) ] },
  "loggers": [ { "name": "kea-dhcp-ddns", "severity": "INFO",
                 "output_options": [ { "output": "$DIR/d2.log" } ] } ] } }
EOF
KEA_PIDFILE_DIR=$DIR KEA_LOCKFILE_DIR=$DIR ip netns exec "$KEA_LAB_SRV_NS" \
	kea-dhcp-ddns -c "$DIR/d2.conf" > "$DIR/d2.out" 2>&1 &
D2PID=$!
kea_lab_kea4_up "$DIR/k1" || { tap_fail "kea-dhcp4 up (run 1)" "$(tail "$DIR/k1/kea-dhcp4.log")"; exit 1; }
clients 1
if wait_for 30 has_dhcids $P1 $NMAC; then tap_pass "D2 wrote A, PTR and DHCID for all $NMAC clients"
else tap_fail "D2 wrote all $NMAC" "$(axfr $P1 $FZ)"; fi
kea_down "$DIR/k1"
kill "$D2PID"; wait "$D2PID" 2>/dev/null; D2PID=

# run 2: the same Kea configuration, leasesnoop where D2 listened -> BIND #2
cat > "$DIR/ls/ls.conf" <<EOF
{ "Leasesnoop": {
  "interfaces": [],
  "lease-files": { "v4": "$DIR/k2/kea-leases4.csv" },
  "state-dir": "$DIR/ls/state",
  "control-socket": "$DIR/ls/ctl.sock",
  "ddns-config-file": "$DIR/d2ls.conf"
} }
EOF
# D2's own file, pointed at BIND #2: its ip-address/port are where we listen
sed "s/\"port\":$P1/\"port\":$P2/g" "$DIR/d2.conf" > "$DIR/d2ls.conf"
: > "$DIR/k2/kea-leases4.csv"
ls_up() {
	rm -f "$DIR/ls/ctl.sock"
	ip netns exec "$KEA_LAB_SRV_NS" "$LS_BIN" -c "$DIR/ls/ls.conf" >> "$DIR/ls/ls.out" 2>> "$DIR/ls/ls.err" &
	LSPID=$!
	wait_for 10 sh -c "[ -S '$DIR/ls/ctl.sock' ] || ! kill -0 $LSPID 2>/dev/null"
	[ -S "$DIR/ls/ctl.sock" ] && kill -0 "$LSPID" 2>/dev/null
}
st() { ls_daemon_stats "$DIR/ls"; }
ls_ok() { if ls_up; then tap_pass "$1"; else tap_fail "$1" "$(tail -3 "$DIR/ls/ls.err")"; fi; }
ls_down() { kill "$LSPID"; wait "$LSPID" 2>/dev/null; LSPID=; }
ls_ok "leasesnoop up, listening on D2's 127.0.0.1:$D2PORT"
grep -q "listening for Kea's NameChangeRequests on 127.0.0.1 port $D2PORT" "$DIR/ls/ls.err" ||
	tap_diag "$(cat "$DIR/ls/ls.err")"
kea_lab_kea4_up "$DIR/k2" || { tap_fail "kea-dhcp4 up (run 2)" "$(tail "$DIR/k2/kea-dhcp4.log")"; exit 1; }
clients 2
wait_for 30 has_dhcids $P2 $NMAC
ncr=$(st | jq '.ncr."ncr-received"')
if [ "${ncr:-0}" -ge "$NMAC" ]; then tap_pass "Kea's NCRs reached leasesnoop ($ncr)"
else tap_fail "Kea's NCRs reached leasesnoop" "$(st | jq -c .ncr)"; fi
for z in $FZ $RZ4; do
	axfr $P1 $z > "$DIR/d2.$z"
	axfr $P2 $z > "$DIR/ls.$z"
	if [ -s "$DIR/d2.$z" ] && cmp -s "$DIR/d2.$z" "$DIR/ls.$z"; then
		tap_pass "$z: leasesnoop's records = D2's ($(wc -l < "$DIR/d2.$z") RRs, TTL and DHCID included)"
	else
		tap_fail "$z: leasesnoop's records = D2's" "$(diff "$DIR/d2.$z" "$DIR/ls.$z")"
	fi
done

# kea-dhcp-ddns's commands that monitoring calls, on leasesnoop's socket
cmd() { kea_lab_cmd "$DIR/ls/ctl.sock" "$1"; }
tap_is "statistic-get-all: D2's names in Kea's form beside ours" \
	"$(cmd '{"command":"statistic-get-all"}' | jq -c '.result, (.arguments | ."ncr-received"[0][0] >= '$NMAC', ."ncr-invalid"[0][0], ."update-sent"[0][0] > 0, ."update-timeout"[0][0], (."update-success"[0][0] == ."update-sent"[0][0]), (.store.records > 0))' | tr '\n' ' ')" \
	"0 true 0 true 0 true true "
tap_is "version-get, config-test (D2's own file: sane; TCP NCRs: refused)" \
	"$(cmd '{"command":"version-get"}' | jq -r '.result, .text' | tr '\n' ' ')$(
	   cmd "{\"command\":\"config-test\",\"arguments\":$(jq -c . "$DIR/d2ls.conf")}" | jq -r .result)$(
	   cmd "{\"command\":\"config-test\",\"arguments\":$(jq -c '.DhcpDdns."ncr-protocol" = "TCP"' "$DIR/d2ls.conf")}" | jq -r .result)" \
	"0 leasesnoop 0.1 01"

# a bad NCR: counted, logged with its sender, the listener carries on
kea_lab_srv perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(Proto => "udp", PeerAddr => "127.0.0.1:$ARGV[0]",
				      LocalAddr => "127.0.0.1:$ARGV[1]") or exit 1;
	$s->send("\x00\x05garbage"); $s->send("\x00\x02{}");' "$D2PORT" 40999
bad_counted() { [ "$(st | jq '.ncr."ncr-invalid"')" = 2 ]; }
if wait_for 5 bad_counted && grep -q "ncr: bad NameChangeRequest from 127.0.0.1:40999" "$DIR/ls/ls.err"; then
	tap_pass "bad NCRs counted (ncr-invalid 2) and logged naming the sender"
else
	tap_fail "bad NCRs counted and logged" "$(st | jq -c .ncr) $(grep ncr: "$DIR/ls/ls.err")"
fi

# restart, then a 30 s stop while clients come: Kea must not notice; the lease file catches up
ls_down
ls_ok "leasesnoop restarted"
ls_down
# new clients meanwhile: other MACs, from the pool
kea_lab_perfdhcp4 -b mac=00:0c:01:09:00:00 -R 20 -r 20 -n 20 -p 6 > "$DIR/perf.stop" 2>&1
sleep 24	# the rest of the 30 s stop (perfdhcp took 6): Kea keeps sending into a closed port
nlease=$(kea_lab_lease_all "$DIR/k2/kea4.sock" 4 | jq '[.arguments.leases[] | select(.hostname != "")] | length')
before=$(axfr $P2 $FZ | grep -c ' A ')
ls_ok "leasesnoop started again after a 30 s stop ($before of $nlease named leases in DNS while it was down)"
caught() { [ "$(axfr $P2 $FZ | grep -c ' A ')" -ge "$nlease" ]; }
if wait_for 30 caught; then tap_pass "the lease file caught up: A records for all $nlease named leases"
else tap_fail "caught up" "want $nlease A, have $(axfr $P2 $FZ | grep -c ' A ')"; fi
# Kea's view: no NCR send error, no suspended DDNS, through all of it
errs=$(grep -E "DHCPSRV_DHCP_DDNS_(NCR_SENT_FAILED|SUSPEND_UPDATES|ERROR_EXCEPTION|HANDLER_NULL)|DDNS.*(fail|error)" \
	"$DIR/k2/kea-dhcp4.log")
tap_is "Kea logged no NCR send error and no DDNS suspension" "$errs" ""
tap_done

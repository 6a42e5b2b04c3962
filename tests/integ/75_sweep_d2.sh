#!/bin/sh
# tests/integ/75_sweep_d2.sh - the orphan sweep ("sweep-orphans") against
# records a real kea-dhcp-ddns left behind. A real kea-dhcp4 (6 clients,
# each with a reserved address, names generated) sends its NCRs to a real
# kea-dhcp-ddns, which writes A + DHCID and PTR + DHCID into a real BIND.
# D2 then stops, and 3 of the leases end (expired through Kea's own
# lease4-update, then reclaimed by Kea: its removal NCRs reach no one), so
# D2's records for them stay. A foreign name without DHCID and a name (and
# PTR) with the DHCID of a client no lease file knows are added beside
# them. leasesnoop, reading Kea's lease file, with sweep-orphans: --dry-run
# lists exactly the 3 forward names and 3 PTRs and changes nothing; the
# daemon's dns-verify then removes exactly those (counted per zone) and
# nothing else: the 3 live clients' records (now owned), the foreign name
# and the unknown client's name and PTR stay.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_root
need_cmd kea-dhcp4 kea-dhcp-ddns perfdhcp named dig jq ip perl nsupdate
LS_BIN=${LS_BIN:-$LS_TOP/leasesnoop}
[ -x "$LS_BIN" ] || tap_skip_all "needs $LS_BIN (make)"
. "$LS_TOP/tools/lab/kea.sh"
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsrun.sh"

DIR=$(mktemp -d /tmp/ls-sweepd2-XXXXXX)
D2PID= LS_DPID= DRYPID=
cleanup() {
	[ -n "$D2PID" ] && kill "$D2PID" 2>/dev/null
	[ -n "$LS_DPID" ] && kill -9 "$LS_DPID" 2>/dev/null
	[ -n "$DRYPID" ] && kill -9 "$DRYPID" 2>/dev/null
	lab_bind_stop "$DIR/bind"
	kea_lab_down
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FZ=dyn.example.
RZ4=64.10.in-addr.arpa.
PORT=5353		# inside the test's own namespace
D2PORT=53001		# D2's default, inside the test's own namespace
SECRET=$(lab_dns_secret 32)
NMAC=6
tap_plan 11

tap_ok "lab: namespaces and veth up" kea_lab_net_up
kea_lab_srv ip link set lo up
kea_lab_srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_bind_start '$DIR/bind' $PORT ddns-key hmac-sha256 '$SECRET' $FZ $RZ4"
tap_ok "BIND up in the server namespace" kea_lab_srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_dns_wait $PORT $FZ"

: > "$DIR/macs"
res=
for i in $(seq 1 $NMAC); do
	mac=$(printf '00:0c:01:02:04:%02x' "$i")
	echo "$mac" >> "$DIR/macs"
	res="$res${res:+,} { \"hw-address\": \"$mac\", \"ip-address\": \"10.64.2.$i\" }"
done
export KEA_LAB_DDNS=1 KEA_LAB_D2_PORT=$D2PORT KEA_LAB_LFC=0 KEA_LAB_RECLAIM=1
export KEA_LAB_EXTRA4=", \"reservations-global\": true, \"reservations-in-subnet\": false,
    \"host-reservation-identifiers\": [ \"hw-address\" ],
    \"reservations\": [ $res ]"
dom() { echo "{\"name\":\"$1\",\"key-name\":\"ddns-key\",\"dns-servers\":[{\"ip-address\":\"127.0.0.1\",\"port\":$PORT}]}"; }
cat > "$DIR/d2.conf" <<EOF
{ "DhcpDdns": { "ip-address": "127.0.0.1", "port": $D2PORT, "dns-server-timeout": 1000,
  "tsig-keys": [ { "name": "ddns-key", "algorithm": "HMAC-SHA256", "secret": "$SECRET" } ],
  "forward-ddns": { "ddns-domains": [ $(dom $FZ) ] },
  "reverse-ddns": { "ddns-domains": [ $(dom $RZ4) ] },
  "loggers": [ { "name": "kea-dhcp-ddns", "severity": "INFO",
                 "output_options": [ { "output": "$DIR/d2.log" } ] } ] } }
EOF
KEA_PIDFILE_DIR=$DIR KEA_LOCKFILE_DIR=$DIR ip netns exec "$KEA_LAB_SRV_NS" \
	kea-dhcp-ddns -c "$DIR/d2.conf" > "$DIR/d2.out" 2>&1 &
D2PID=$!
mkdir -p "$DIR/k" "$DIR/ls"
kea_lab_kea4_up "$DIR/k" || { tap_fail "kea-dhcp4 up" "$(tail "$DIR/k/kea-dhcp4.log")"; exit 1; }
# 60 exchanges over 6 MACs: every MAC is drawn (the odds of one missing are 1e-4)
kea_lab_perfdhcp4 -M "$DIR/macs" -r 20 -n 60 -p 6 > "$DIR/perf.out" 2>&1

# "owner type rdata", sorted, SOA/NS/TSIG left out
axfr() {
	kea_lab_srv dig +nocmd +nostats +noall +answer +onesoa -p $PORT @127.0.0.1 \
		-y "hmac-sha256:ddns-key:$SECRET" "$1" AXFR 2>/dev/null |
		awk '$4 != "SOA" && $4 != "NS" && $4 != "TSIG" { $1 = tolower($1); $2 = ""; $3 = ""; print }' |
		tr -s ' \t' ' ' | sed 's/^ *//' | sort
}
has_all() { [ "$(axfr $FZ | grep -c ' DHCID ')" -ge $NMAC ] && [ "$(axfr $RZ4 | grep -c ' PTR ')" -ge $NMAC ]; }
if wait_for 30 has_all; then tap_pass "D2 wrote A, PTR and DHCID for all $NMAC clients"
else tap_fail "D2 wrote all $NMAC" "$(axfr $FZ)"; fi

# D2 goes; then 3 leases end: Kea expires and reclaims them, its NCRs reach no one
kill "$D2PID"; wait "$D2PID" 2>/dev/null; D2PID=
leases() { kea_lab_lease_all "$DIR/k/kea4.sock" 4; }
leases | jq -c '.arguments.leases | sort_by(."ip-address") | .[]' > "$DIR/leases.json"
head -3 "$DIR/leases.json" | jq -r '.hostname | ascii_downcase | sub("\\.?$"; ".")' | sort > "$DIR/gone.names"
head -3 "$DIR/leases.json" | jq -r '."ip-address"' | sort > "$DIR/gone.addrs"
now=$(date +%s)
head -3 "$DIR/leases.json" | while read -r l; do
	kea_lab_cmd "$DIR/k/kea4.sock" "$(echo "$l" | jq -c --argjson t $((now - 30)) \
		'{ command: "lease4-update", arguments: (del(.cltt, .state) + { "valid-lft": 20, expire: $t }) }')"
done > "$DIR/update.out"
reclaimed() { [ "$(leases | jq '[.arguments.leases[] | select(.state == 0)] | length')" = 3 ]; }
if wait_for 30 reclaimed; then tap_pass "3 leases expired and reclaimed by Kea with D2 gone ($(tr '\n' ' ' < "$DIR/gone.names"))"
else tap_fail "3 leases expired" "$(cat "$DIR/update.out"; leases | jq -c '.arguments.leases[] | [."ip-address", .state]')"; fi

# beside them: a name without DHCID, and a client no lease file knows (name and PTR)
UNKNOWN=$(perl -MMIME::Base64 -e 'print encode_base64("\x00\x01\x01" . ("\x5a" x 32), "")')
kea_lab_srv nsupdate -y "hmac-sha256:ddns-key:$SECRET" > "$DIR/nsupdate.out" 2>&1 <<EOF
server 127.0.0.1 $PORT
update add www.$FZ 300 A 10.64.9.9
update add stranger.$FZ 300 A 10.64.9.8
update add stranger.$FZ 300 DHCID $UNKNOWN
send
update add 8.9.64.10.in-addr.arpa. 300 PTR stranger.$FZ
update add 8.9.64.10.in-addr.arpa. 300 DHCID $UNKNOWN
send
EOF
axfr $FZ > "$DIR/before.fz"
axfr $RZ4 > "$DIR/before.rz"
rev() { echo "$1" | awk -F. '{ print $4 "." $3 "." $2 "." $1 ".in-addr.arpa." }'; }
# what the sweep must remove: the gone names' forward records, the gone addresses' PTRs
{ while read -r n; do grep "^$n " "$DIR/before.fz"; done < "$DIR/gone.names"; } | sort > "$DIR/orphans.fz"
{ while read -r a; do grep "^$(rev "$a") " "$DIR/before.rz"; done < "$DIR/gone.addrs"; } | sort > "$DIR/orphans.rz"
tap_is "D2's records of the ended leases are still there (3 names x A + DHCID, 3 x PTR + DHCID)" \
	"$(wc -l < "$DIR/orphans.fz") $(wc -l < "$DIR/orphans.rz") $(grep -c '^www\|^stranger' "$DIR/before.fz")" "6 6 3"

# leasesnoop reads Kea's lease file; verify only on request
ls_conf -d "$DIR/ls" -p $PORT -s "$SECRET" -k ddns-key -4 "$DIR/k/kea-leases4.csv" -f $FZ -r $RZ4 \
	-x '"sweep-orphans": true' -x '"dns-verify-interval": 0' > "$DIR/ls/ls.conf"
ctl() {
	perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
		print $s $ARGV[1]; shutdown($s, 1); local $/; print scalar <$s>;' "$DIR/ls/ctl.sock" "$1"
}
verify_all() { ctl '{"command":"dns-verify"}' > /dev/null; }
runs_done() { [ "$(ls_daemon_stats "$DIR/ls" | jq "[.verify[].runs] | min")" -ge "$1" ] 2>/dev/null; }

# --dry-run: lists what the sweep would remove, removes nothing
rm -f "$DIR/ls/ctl.sock"
ip netns exec "$KEA_LAB_SRV_NS" "$LS_BIN" -c "$DIR/ls/ls.conf" --dry-run > "$DIR/ls/dry.out" 2> "$DIR/ls/dry.err" &
DRYPID=$!
wait_for 10 sh -c "[ -S '$DIR/ls/ctl.sock' ]"
LS_NETNS=$KEA_LAB_SRV_NS ls_daemon_settle "$DIR/ls" 20
verify_all
wait_for 20 runs_done 1
kill "$DRYPID"; wait "$DRYPID" 2>/dev/null; DRYPID=
listed() {
	# "dry-run: remove ADDR NAME fwd|rev ttl 0 dhcid HEX"
	grep "^dry-run: remove .* $1 ttl " "$DIR/ls/dry.out" | awk '{ print $4 }' | sort
}
tap_is "--dry-run lists exactly the ended leases' names and PTRs" \
	"$(listed fwd | tr '\n' ' ')/$(listed rev | tr '\n' ' ')" \
	"$(tr '\n' ' ' < "$DIR/gone.names")/$(tr '\n' ' ' < "$DIR/gone.names")"
tap_is "--dry-run changed nothing in DNS" "$(axfr $FZ; axfr $RZ4)" "$(cat "$DIR/before.fz" "$DIR/before.rz")"

# the daemon: dns-verify sweeps
LS_NETNS=$KEA_LAB_SRV_NS ls_daemon_start "$DIR/ls" || { tap_fail "leasesnoop up" "$(tail "$DIR/ls/ls.err")"; exit 1; }
LS_NETNS=$KEA_LAB_SRV_NS ls_daemon_settle "$DIR/ls" 20
verify_all
wait_for 20 runs_done 1
swept() { ls_daemon_stats "$DIR/ls" | jq -e "[.verify[].\"orphans-removed\"] | add == 6" > /dev/null; }
wait_for 20 swept
LS_NETNS=$KEA_LAB_SRV_NS ls_daemon_settle "$DIR/ls" 20
axfr $FZ > "$DIR/after.fz"
axfr $RZ4 > "$DIR/after.rz"
tap_is "exactly D2's orphans are gone, everything else stays" \
	"$(cat "$DIR/after.fz" "$DIR/after.rz")" \
	"$(comm -23 "$DIR/before.fz" "$DIR/orphans.fz"; comm -23 "$DIR/before.rz" "$DIR/orphans.rz")"
tap_is "the unknown client's name and PTR and the name without DHCID stay" \
	"$(grep -c '^www\|^stranger' "$DIR/after.fz") $(grep -c "^8.9.64.10.in-addr.arpa. " "$DIR/after.rz")" "3 2"
tap_is "verify counters: orphans found and removed per zone" \
	"$(ls_daemon_stats "$DIR/ls" | jq -c "[.verify.\"$FZ\", .verify.\"$RZ4\"] | map([.\"orphans-found\", .\"orphans-removed\"])")" \
	"[[3,3],[3,3]]"
n=$(grep -c "orphan (DHCID of a known client" "$DIR/ls/ls.err")
tap_is "each orphan logged once" "$n" 6
tap_done

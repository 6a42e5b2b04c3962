#!/bin/sh
# tests/integ/32_dns_kea_d2.sh - DHCID byte-identity with Kea. Real
# kea-dhcp4 and kea-dhcp6 (names generated for every lease) send their
# NameChangeRequests to a real kea-dhcp-ddns, which writes A/AAAA + DHCID and
# PTR + DHCID into a real BIND, all in the lab's server namespace; perfdhcp
# clients get leases across a veth. Then, for every lease Kea granted, the
# DHCID leasesnoop computes from the lease's identity (client-id, hardware
# address or DUID) and name must equal the DHCID D2 wrote, byte for byte;
# and the engine, under check-with-dhcid, must be recognised by BIND as the
# owner of D2's records: it can move one to another address and remove it.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_root
need_cmd kea-dhcp4 kea-dhcp6 kea-dhcp-ddns perfdhcp named dig jq ip
DRIVE=$LS_OUTPUT/tools/dnsdrive
[ -x "$DRIVE" ] || tap_skip_all "needs $DRIVE (make test-bins)"
. "$LS_TOP/tools/lab/kea.sh"
. "$LS_TOP/tools/lab/dns.sh"

DIR=$(mktemp -d /tmp/ls-dns-d2-XXXXXX)
D2PID=
cleanup() {
	[ -n "$D2PID" ] && kill "$D2PID" 2>/dev/null
	lab_bind_stop "$DIR/bind"
	kea_lab_down
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FZ=dyn.example.
RZ4=64.10.in-addr.arpa.
RZ6=0.0.0.0.0.0.0.0.4.6.0.0.0.0.d.f.ip6.arpa.
PORT=5353
D2PORT=53001
SECRET=$(lab_dns_secret 32)
tap_plan 9

tap_ok "lab: namespaces and veth up" kea_lab_net_up
kea_lab_srv ip link set lo up
# BIND in the server namespace (where kea-dhcp-ddns sends from 127.0.0.1)
kea_lab_srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_bind_start '$DIR/bind' $PORT ddns-key hmac-sha256 '$SECRET' $FZ $RZ4 $RZ6"
tap_ok "BIND up in the server namespace" kea_lab_srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_dns_wait $PORT $FZ"

dom() { echo "{\"name\":\"$1\",\"key-name\":\"ddns-key\",\"dns-servers\":[{\"ip-address\":\"127.0.0.1\",\"port\":$PORT}]}"; }
cat > "$DIR/d2.conf" <<EOF
{ "DhcpDdns": { "ip-address": "127.0.0.1", "port": $D2PORT, "dns-server-timeout": 1000,
  "tsig-keys": [ { "name": "ddns-key", "algorithm": "HMAC-SHA256", "secret": "$SECRET" } ],
  "forward-ddns": { "ddns-domains": [ $(dom $FZ) ] },
  "reverse-ddns": { "ddns-domains": [ $(dom $RZ4), $(dom $RZ6) ] },
  "loggers": [ { "name": "kea-dhcp-ddns", "severity": "INFO",
                 "output_options": [ { "output": "$DIR/d2.log" } ] } ] } }
EOF
KEA_PIDFILE_DIR=$DIR KEA_LOCKFILE_DIR=$DIR ip netns exec "$KEA_LAB_SRV_NS" \
	kea-dhcp-ddns -c "$DIR/d2.conf" > "$DIR/d2.out" 2>&1 &
D2PID=$!
export KEA_LAB_DDNS=1 KEA_LAB_D2_PORT=$D2PORT
tap_ok "kea-dhcp4 up, DDNS to kea-dhcp-ddns" kea_lab_kea4_up "$DIR"
tap_ok "kea-dhcp6 up, DDNS to kea-dhcp-ddns" kea_lab_kea6_up "$DIR"
kea_lab_perfdhcp4 -R 8 -r 8 -n 8 -p 3 > "$DIR/perf4.out" 2>&1
kea_lab_perfdhcp6 -R 8 -r 8 -n 8 -p 3 > "$DIR/perf6.out" 2>&1

axfr() { kea_lab_srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_dns_axfr $PORT $1 ddns-key hmac-sha256 '$SECRET'"; }
# leases Kea granted: "IDENTITY FQDN ADDRESS", identity as dnsdrive spells it
{
	kea_lab_lease_all "$DIR/kea4.sock" 4 | jq -r '.arguments.leases[] |
		select(.hostname != "") |
		(if (."client-id" // "") != "" then "cid:" + ."client-id" else "hw:01:" + ."hw-address" end)
		+ " " + .hostname + " " + ."ip-address"'
	kea_lab_lease_all "$DIR/kea6.sock" 6 | jq -r '.arguments.leases[] |
		select(.hostname != "" and .type == "IA_NA") | "duid:" + .duid + " " + .hostname + " " + ."ip-address"'
} > "$DIR/leases"
n=$(wc -l < "$DIR/leases")
# wait until D2 has written a DHCID for every one of them (it works at its own pace)
for _i in $(seq 1 100); do
	[ "$(axfr $FZ | grep -c ' DHCID ')" -ge "$n" ] && break
	sleep 0.2
done
if [ "$n" -ge 8 ]; then tap_pass "$n leases with names (v4 and v6)"; else tap_fail "leases with names" "$(cat "$DIR/leases")"; fi

axfr $FZ | awk '$3 == "DHCID" { print $1, $4 }' | sort > "$DIR/d2.dhcid"
awk '{ print $1, $2 }' "$DIR/leases" | "$DRIVE" -D | sort > "$DIR/ours.dhcid"
tap_is "kea-dhcp-ddns wrote a DHCID for every lease" "$(wc -l < "$DIR/d2.dhcid")" "$n"
if [ -s "$DIR/ours.dhcid" ] && cmp -s "$DIR/d2.dhcid" "$DIR/ours.dhcid"; then
	tap_pass "our DHCID = D2's DHCID, byte for byte, for all $n (v4 $(grep -c '^cid:\|^hw:' "$DIR/leases"), v6 $(grep -c '^duid:' "$DIR/leases"))"
else
	tap_fail "our DHCID = D2's DHCID" "$(diff "$DIR/d2.dhcid" "$DIR/ours.dhcid")"
fi

# The engine is the owner of what D2 wrote: move one v4 and one v6 name, then remove them.
v4=$(grep -v '^duid:' "$DIR/leases" | head -1) v6=$(grep '^duid:' "$DIR/leases" | head -1)
cat > "$DIR/ls.conf" <<EOF
{ "tsig-keys": [ { "name": "ddns-key", "algorithm": "HMAC-SHA256", "secret": "$SECRET" } ],
  "forward-ddns": { "ddns-domains": [ $(dom $FZ) ] },
  "reverse-ddns": { "ddns-domains": [ $(dom $RZ4), $(dom $RZ6) ] } }
EOF
set -- $v4; id4=$1 n4=$2
set -- $v6; id6=$1 n6=$2
out=$(printf 'add %s 10.64.250.1 %s\nadd %s fd00:64::250:1 %s\n' "$n4" "$id4" "$n6" "$id6" |
	kea_lab_srv "$DRIVE" -c "$DIR/ls.conf" -w 10000 2>&1 | sort)
tap_is "engine replaces D2's records as their owner (check-with-dhcid)" "$out" \
	"$(printf 'add %s 10.64.250.1 fwd=applied rev=applied\nadd %s fd00:64::250:1 fwd=applied rev=applied' "$n4" "$n6" | sort)"
out=$(printf 'del %s 10.64.250.1 %s\ndel %s fd00:64::250:1 %s\n' "$n4" "$id4" "$n6" "$id6" |
	kea_lab_srv "$DRIVE" -c "$DIR/ls.conf" -w 10000 2>&1 | sort)
tap_is "engine removes them; names gone" "$out $(axfr $FZ | awk -v a="$n4" -v b="$n6" '$1 == a || $1 == b')" \
	"$(printf 'del %s 10.64.250.1 fwd=applied rev=applied\ndel %s fd00:64::250:1 fwd=applied rev=applied' "$n4" "$n6" | sort) "
tap_done

#!/bin/sh
# tools/lab/demo.sh - `make demo`: the whole system in a lab of network
# namespaces on this machine, then torn down. Steps:
#   1. two namespaces joined by a veth pair (tools/lab/kea.sh)
#   2. BIND 9 inside the server namespace, authoritative for dyn.example.,
#      64.10.in-addr.arpa. and the fd00:64::/64 ip6.arpa zone, TSIG-only
#   3. kea-dhcp4 and kea-dhcp6 serving that side, generated names, a short
#      lease lifetime so expiry happens during the demo
#   4. leasesnoop -c attached to the server's interface (XDP + tc)
#   5. a few hundred perfdhcp clients (v4 and v6, with releases)
#   6. `leasesnoop --stats` as it changes; dig answers for live leases;
#      NXDOMAIN once they have expired; tear down
# Needs root. Leaves nothing behind: namespaces, processes, attachments and
# its temp directory go in the trap. DEMO_VALID (lease lifetime, s) and
# DEMO_CLIENTS tune it.
set -u
LS_TOP=${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
LS_BIN=${LS_BIN:-$LS_TOP/leasesnoop}
VALID=${DEMO_VALID:-40}
CLIENTS=${DEMO_CLIENTS:-300}
[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (network namespaces, BPF)" >&2; exit 1; }
[ -x "$LS_BIN" ] || { echo "demo: $LS_BIN missing (make all)" >&2; exit 1; }

KEA_LAB_PREFIX=lsdemo
. "$LS_TOP/tools/lab/kea.sh"
. "$LS_TOP/tools/lab/dns.sh"
. "$LS_TOP/tests/lib/lsconf.sh"
DIR=$(mktemp -d /tmp/leasesnoop-demo-XXXXXX)
LS_PID=""
FZ=dyn.example.
RZ4=64.10.in-addr.arpa.
RZ6=0.0.0.0.0.0.0.0.4.6.0.0.0.0.d.f.ip6.arpa.
PORT=53

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
srv() { ip netns exec "$KEA_LAB_SRV_NS" "$@"; }
dig_srv() { srv dig +short +time=1 +tries=1 -p "$PORT" @127.0.0.1 "$@"; }

teardown() {
	say "tearing the lab down"
	[ -n "$LS_PID" ] && kill -TERM "$LS_PID" 2>/dev/null && wait "$LS_PID" 2>/dev/null
	srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_bind_stop '$DIR/bind'" 2>/dev/null
	kea_lab_down
	rm -rf "$DIR"
	ip netns list | grep -q "^$KEA_LAB_PREFIX" && echo "demo: namespaces left behind!" >&2
	echo "done: namespaces, daemons, BPF attachments and $DIR removed"
}
trap teardown EXIT
trap 'exit 1' INT TERM

say "1. network namespaces $KEA_LAB_SRV_NS <-> $KEA_LAB_CLI_NS (veth $KEA_LAB_SRV_IF/$KEA_LAB_CLI_IF)"
kea_lab_net_up || exit 1

say "2. BIND 9 in the server namespace: $FZ $RZ4 $RZ6 (updates need TSIG key 'demo-key')"
SECRET=$(lab_dns_secret 32)
srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_bind_start '$DIR/bind' $PORT demo-key hmac-sha256 '$SECRET' $FZ $RZ4 $RZ6" \
	>/dev/null 2>&1
srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_dns_wait $PORT $FZ" || { echo "demo: BIND did not start" >&2; exit 1; }
echo "named answers on 127.0.0.1:$PORT inside $KEA_LAB_SRV_NS"

say "3. kea-dhcp4 + kea-dhcp6 (memfile, names h-<address>.$FZ, lifetime ${VALID}s)"
export KEA_LAB_DDNS=1 KEA_LAB_VALID=$VALID KEA_LAB_RECLAIM=3 KEA_LAB_RECLAIM_MAX=0 KEA_LAB_LFC=20
kea_lab_kea4_up "$DIR" && kea_lab_kea6_up "$DIR" || exit 1
echo "lease files: $DIR/kea-leases4.csv $DIR/kea-leases6.csv"

say "4. leasesnoop attached to $KEA_LAB_SRV_IF (XDP ingress + tc egress)"
# the demo's configuration: the same shape as an operator's
ls_conf -d "$DIR" -p "$PORT" -s "$SECRET" -k demo-key -c "$DIR/leasesnoop.sock" \
	-i "$KEA_LAB_SRV_IF" -4 "$DIR/kea-leases4.csv" -6 "$DIR/kea-leases6.csv" \
	-f "$FZ" -r "$RZ4" -r "$RZ6" \
	-x '"conflict-resolution-mode": "check-with-dhcid"' \
	-x '"ttl": { "percent": 33, "min": 10, "max": 86400 }' > "$DIR/leasesnoop.conf"
# ip execs leasesnoop: $! is the daemon itself (a shell function would fork)
ip netns exec "$KEA_LAB_SRV_NS" "$LS_BIN" -c "$DIR/leasesnoop.conf" >"$DIR/leasesnoop.log" 2>&1 &
LS_PID=$!
for _i in $(seq 1 100); do
	[ -S "$DIR/leasesnoop.sock" ] && break
	kill -0 "$LS_PID" 2>/dev/null || { cat "$DIR/leasesnoop.log" >&2; exit 1; }
	sleep 0.1
done
head -5 "$DIR/leasesnoop.log"

say "5. $CLIENTS perfdhcp clients per family (with releases), 10 s"
kea_lab_perfdhcp_bg 4 "$DIR/perf4.out" -r 60 -R "$CLIENTS" -p 10 -F 5
P4=$KEA_LAB_BG_PID
kea_lab_perfdhcp_bg 6 "$DIR/perf6.out" -r 60 -R "$CLIENTS" -p 10 -F 5
P6=$KEA_LAB_BG_PID

say "6. leasesnoop --stats while the clients run"
for _i in 1 2 3 4; do
	sleep 3
	echo "--- t+$((_i * 3))s"
	"$LS_BIN" --stats --control-socket "$DIR/leasesnoop.sock" 2>&1 | head -30
done
wait "$P4" "$P6" 2>/dev/null
sleep 2

say "7. dig: live leases resolve forward and reverse"
A4=$(awk -F, 'NR > 1 && $4 > 0 && $9 != "" { a = $1; n = $9 } END { print a, n }' "$DIR/kea-leases4.csv")
A6=$(awk -F, 'NR > 1 && $3 > 0 && $12 != "" && $7 == 0 { a = $1; n = $12 } END { print a, n }' "$DIR/kea-leases6.csv")
set -- $A4
if [ $# -eq 2 ]; then
	echo "\$ dig A $2"; dig_srv A "$2"
	echo "\$ dig -x $1"; dig_srv -x "$1"
fi
set -- $A6
if [ $# -eq 2 ]; then
	echo "\$ dig AAAA $2"; dig_srv AAAA "$2"
	echo "\$ dig -x $1"; dig_srv -x "$1"
fi
N_A=$(srv dig +noall +answer -p "$PORT" @127.0.0.1 AXFR "$FZ" -y "hmac-sha256:demo-key:$SECRET" | awk '$4 == "A" || $4 == "AAAA"' | wc -l)
echo "$FZ holds $N_A A/AAAA records for the active leases"

say "8. the leases expire (lifetime ${VALID}s): waiting for Kea to reclaim and leasesnoop to clean up"
for _i in $(seq 1 $((VALID + 30))); do
	N_A=$(srv dig +noall +answer -p "$PORT" @127.0.0.1 AXFR "$FZ" -y "hmac-sha256:demo-key:$SECRET" | awk '$4 == "A" || $4 == "AAAA"' | wc -l)
	[ "$N_A" -eq 0 ] && break
	[ $((_i % 10)) -eq 0 ] && echo "  t+${_i}s: $N_A A/AAAA records left"
	sleep 1
done
set -- $A4
if [ $# -eq 2 ]; then
	echo "\$ dig A $2"
	srv dig +time=1 +tries=1 -p "$PORT" @127.0.0.1 A "$2" | grep -E 'status:|^[a-z0-9-]+\.'
fi
"$LS_BIN" --stats --control-socket "$DIR/leasesnoop.sock" 2>&1 | head -30

#!/bin/sh
# tests/integ/43_daemon_wire.sh - the daemon with its BPF programs attached
# to the server's interface (the fast path), real kea-dhcp4/kea-dhcp6 and
# BIND in the server namespace, perfdhcp clients across the veth: leases are
# seen on the wire and confirmed against the lease files, and land in DNS;
# forged DHCPACK / DHCPv6 REPLY frames (tools/pktforge) replayed into and
# out of the interface, with no lease behind them, are counted unconfirmed
# and create nothing in DNS; detaching at SIGTERM leaves nothing behind.
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
. "$LS_TOP/tests/lib/lsrun.sh"
need_root
need_cmd kea-dhcp4 kea-dhcp6 perfdhcp named dig jq tcpreplay
[ -x "$LS_BIN" ] || tap_skip_all "leasesnoop not built"
FORGE=$LS_OUTPUT/tools/pktforge
[ -x "$FORGE" ] || tap_skip_all "tools/pktforge not built"
KEA_LAB_PREFIX=lsw$$
. "$LS_TOP/tools/lab/kea.sh"
DIR=$(mktemp -d /tmp/ls-wire-XXXXXX)
LS_PID=""
FZ=dyn.example.
RZ4=64.10.in-addr.arpa.
RZ6=0.0.0.0.0.0.0.0.4.6.0.0.0.0.d.f.ip6.arpa.
PORT=53
SECRET=$(head -c 32 /dev/urandom | base64)
srv() { ip netns exec "$KEA_LAB_SRV_NS" "$@"; }
q() { srv dig +short +time=1 +tries=2 -p "$PORT" @127.0.0.1 "$@"; }
cleanup() {
	[ -n "$LS_PID" ] && kill -9 "$LS_PID" 2>/dev/null
	srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_bind_stop '$DIR/bind'" 2>/dev/null
	kea_lab_down
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tap_plan 18

kea_lab_net_up
srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_bind_start '$DIR/bind' $PORT k hmac-sha256 '$SECRET' $FZ $RZ4 $RZ6" >/dev/null 2>&1
tap_ok "BIND up inside the server namespace" srv sh -c ". '$LS_TOP/tools/lab/dns.sh'; lab_dns_wait $PORT $FZ"
export KEA_LAB_DDNS=1 KEA_LAB_VALID=600
if kea_lab_kea4_up "$DIR" && kea_lab_kea6_up "$DIR"; then tap_pass "kea-dhcp4 and kea-dhcp6 up"
else tap_fail "kea-dhcp4 and kea-dhcp6 up"; fi

ls_conf -d "$DIR" -p "$PORT" -s "$SECRET" -i "$KEA_LAB_SRV_IF" \
	-4 "$DIR/kea-leases4.csv" -6 "$DIR/kea-leases6.csv" -f "$FZ" -r "$RZ4" -r "$RZ6" \
	-x '"pending-timeout": 1.5' \
	-x '"metrics": { "listen": "127.0.0.1:9547" }' > "$DIR/ls.conf"
# ip execs leasesnoop: $! is the daemon itself (a shell function would fork)
ip netns exec "$KEA_LAB_SRV_NS" "$LS_BIN" -c "$DIR/ls.conf" >"$DIR/ls.out" 2>"$DIR/ls.err" &
LS_PID=$!
wait_for 10 test -S "$DIR/ctl.sock"
tap_ok "leasesnoop -c attached to $KEA_LAB_SRV_IF" sh -c "ip -n $KEA_LAB_SRV_NS link show $KEA_LAB_SRV_IF | grep -q xdp"
# the hook in use per interface: --stats and the control command status-get
tap_is "--stats names the hooks of $KEA_LAB_SRV_IF" \
	"$(stats | jq -r --arg i "$KEA_LAB_SRV_IF" '.hooks[$i] | "\(.ingress) \(.egress)"')" "xdp-native $(ls_tc_hook)"
tap_is "status-get names them too" \
	"$(kea_lab_cmd "$DIR/ctl.sock" '{"command":"status-get"}' |
	   jq -r --arg i "$KEA_LAB_SRV_IF" '.arguments.hooks[$i] | "\(.ingress) \(.egress)"')" "xdp-native $(ls_tc_hook)"
for _i in $(seq 1 30); do srv curl -sf http://127.0.0.1:9547/metrics >"$DIR/metrics.txt" && grep -q bpf_hook "$DIR/metrics.txt" && break; sleep 0.1; done
tap_is "and /metrics (in the server namespace's own loopback)" \
	"$(grep "^leasesnoop_bpf_hook_info{interface=\"$KEA_LAB_SRV_IF\"" "$DIR/metrics.txt" | sort)" \
	"$(printf 'leasesnoop_bpf_hook_info{interface="%s",direction="egress",hook="%s"} 1\nleasesnoop_bpf_hook_info{interface="%s",direction="ingress",hook="xdp-native"} 1' \
		"$KEA_LAB_SRV_IF" "$(ls_tc_hook)" "$KEA_LAB_SRV_IF")"

kea_lab_perfdhcp4 -r 50 -R 100 -p 3 >/dev/null 2>&1
kea_lab_perfdhcp6 -r 50 -R 100 -p 3 >/dev/null 2>&1
stat_ge() { [ "$(stats | jq "$1")" -ge "$2" ] 2>/dev/null; }
WAIT_STEP=0.1 wait_for 10 stat_ge '.events["v4-ack"] // .events.v4_ack // 0' 50
WAIT_STEP=0.1 wait_for 10 stat_ge .confirmed 100
S=$(stats)
acks=$(echo "$S" | jq '.events["v4-ack"] // .events.v4_ack // 0')
conf=$(echo "$S" | jq '.confirmed')
[ "$acks" -ge 50 ] && tap_pass "DHCPv4 ACKs seen on the wire ($acks)" || tap_fail "ACKs seen on the wire" "$S"
[ "$conf" -ge 100 ] && tap_pass "wire events confirmed by the lease files ($conf)" || tap_fail "wire events confirmed" "$S"

# a live lease resolves forward and reverse
set -- $(awk -F, 'NR > 1 && $4 > 0 && $9 != "" { a = $1; n = $9 } END { print a, n }' "$DIR/kea-leases4.csv")
tap_is "A $2 answers $1" "$(q A "$2")" "$1"
tap_is "PTR $1 answers $2" "$(q -x "$1")" "${2%.}."
set -- $(awk -F, 'NR > 1 && $3 > 0 && $12 != "" && $7 == 0 { a = $1; n = $12 } END { print a, n }' "$DIR/kea-leases6.csv")
tap_is "AAAA $2 answers $1" "$(q AAAA "$2")" "$1"

# forged replies, no lease behind them: into the interface (XDP) and out of it (tc)
unc0=$(stats | jq '.unconfirmed')
"$FORGE" "$DIR/forged.pcap" ack4 10.64.250.9 forged forged.dyn.example. \
	reply6 fd00:64::ff:9 forged6.dyn.example. 2>/dev/null
kea_lab_cli tcpreplay -q -i "$KEA_LAB_CLI_IF" "$DIR/forged.pcap" >/dev/null 2>&1
srv tcpreplay -q -i "$KEA_LAB_SRV_IF" "$DIR/forged.pcap" >/dev/null 2>&1
WAIT_STEP=0.1 wait_for 10 stat_ge .unconfirmed $((unc0 + 4))	# after pending-timeout (1.5 s)
unc1=$(stats | jq '.unconfirmed')
tap_is "the 4 forged events were counted unconfirmed" "$((unc1 - unc0))" 4
tap_is "no A record for the forged ACK's name" "$(q A forged.dyn.example.)" ""
tap_is "no PTR for the forged ACK's address" "$(q -x 10.64.250.9)" ""
tap_is "no AAAA for the forged REPLY's name" "$(q AAAA forged6.dyn.example.)" ""
tap_ok "the log names the unconfirmed address" grep -q "unconfirmed.*10.64.250.9" "$DIR/ls.err"

kill -TERM "$LS_PID"; wait "$LS_PID"; rc=$?; LS_PID=""
tap_is "SIGTERM: clean exit" "$rc" 0
tap_ok "SIGTERM detaches: no XDP program, no clsact qdisc left" \
	sh -c "! ip -n $KEA_LAB_SRV_NS link show $KEA_LAB_SRV_IF | grep -q xdp && ! tc -n $KEA_LAB_SRV_NS qdisc show dev $KEA_LAB_SRV_IF | grep -q clsact"
tap_done

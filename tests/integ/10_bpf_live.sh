#!/bin/sh
# tests/integ/10_bpf_live.sh - the real BPF programs attached to a veth pair
# in namespaces this test makes: tcpreplay of the tcpdump corpus into the
# interface (XDP ingress) and out of it (tc egress) gives the same events as
# the offline decode; attach/detach leave nothing behind; a stale attachment
# of a killed leasesnoop is replaced; someone else's XDP program is never
# touched (leasesnoop sees ingress at tc beside it; 12_bpf_coexist.sh has
# the details); clear errors for a missing interface and missing privileges.
. "${LS_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$LS_TOP/tests/lib/lsrun.sh"
need_root
need_cmd tcpreplay ip tc clang setpriv
[ -x "$LS_BIN" ] || tap_skip_all "leasesnoop not built"
CORPUS=${LS_CORPUS:-$LS_TOP/tests/corpus/data/tcpdump}
KEA_LAB_PREFIX=lsb$$
. "$LS_TOP/tools/lab/kea.sh"
TMP=$(mktemp -d)
cleanup() {
	[ -n "${LS_PID:-}" ] && kill -9 "$LS_PID" 2>/dev/null
	kea_lab_down
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
tap_plan 20

kea_lab_net_up || { tap_fail "lab network up"; exit 1; }
SRV=$KEA_LAB_SRV_IF CLI=$KEA_LAB_CLI_IF
CAPS="dhcp-rfc4388.pcap dhcp-mud.pcap dhcp-rfc3004.pcap dhcp-rfc5859.pcap dhcpv6-ia-na.pcap dhcpv6-ia-pd.pcap dhcpv6-ia-ta.pcap dhcpv6-AFTR-Name-RFC6334.pcap dhcpv6-rfc6355-duid-uuid.pcap dhcpv4v6-rfc5970-rfc8572.pcap 802.1ad_QinQ.pcap"
: >"$TMP/offline.json"
for c in $CAPS; do
	"$LS_BIN" --pcap "$CORPUS/$c" --events --json >>"$TMP/all.json"
done
ls_strip_local "$TMP/all.json" >"$TMP/offline.json"
[ -s "$TMP/offline.json" ] || { tap_fail "offline decode of the captures gives events"; exit 1; }
N_OFF=$(wc -l < "$TMP/offline.json")
# lines_ge FILE N - FILE has N lines or more (the live run has printed them)
lines_ge() { [ "$(wc -l < "$1")" -ge "$2" ]; }

# attached: our XDP program on SRV and our egress program (a tc filter, or a
# tcx link from Linux 6.6 on); every check below that something is absent
# after exit means nothing unless this held
ls_egress_attached() {
	if [ "$(ls_tc_hook)" = tcx ]; then
		for _id in $(bpftool prog show name ls_tc_egress 2>/dev/null | sed -n 's/^\([0-9]*\):.*/\1/p'); do
			bpftool link show 2>/dev/null | grep -q "prog $_id\b" && return 0
		done
		return 1
	fi
	tc -n "$KEA_LAB_SRV_NS" filter show dev "$SRV" egress | grep -q ls_tc_egress
}
ls_attached() {
	ip -n "$KEA_LAB_SRV_NS" link show "$SRV" | grep -q 'prog/xdp' && ls_egress_attached
}
# ls_start NAME OUT ERR: start leasesnoop on SRV; one "ok" when it attached
ls_start() {
	if ls_events_start "$KEA_LAB_SRV_NS" "$2" "$3" -i "$SRV" 2>>"$3.start"; then
		tap_ok "$1: leasesnoop attaches XDP and its egress program" ls_attached
	else
		tap_fail "$1: leasesnoop attaches XDP and its egress program" "$(cat "$3" "$3.start")"
	fi
}

# --- ingress: frames sent by the client side arrive at the server's XDP hook
ls_start "ingress run" "$TMP/in.json" "$TMP/in.err"
for c in $CAPS; do
	kea_lab_cli timeout 30 tcpreplay -q --topspeed -i "$CLI" "$CORPUS/$c" >/dev/null 2>&1
done
wait_for 10 lines_ge "$TMP/in.json" "$N_OFF"
ls_events_stop
tap_is "XDP ingress: live events equal the offline decode" \
	"$(ls_strip_local "$TMP/in.json")" "$(cat "$TMP/offline.json")"
tap_ok "XDP ingress events say dir ingress" sh -c "[ -s '$TMP/in.json' ] && ! grep -v '\"dir\":\"ingress\"' '$TMP/in.json'"

# --- egress: frames sent by the server side leave through the tc hook
ls_start "egress run" "$TMP/eg.json" "$TMP/eg.err"
for c in $CAPS; do
	kea_lab_srv timeout 30 tcpreplay -q --topspeed -i "$SRV" "$CORPUS/$c" >/dev/null 2>&1
done
wait_for 10 lines_ge "$TMP/eg.json" "$N_OFF"
ls_events_stop
tap_is "tc egress: live events equal the offline decode" \
	"$(ls_strip_local "$TMP/eg.json")" "$(cat "$TMP/offline.json")"
tap_ok "tc egress events say dir egress" sh -c "[ -s '$TMP/eg.json' ] && ! grep -v '\"dir\":\"egress\"' '$TMP/eg.json'"
tap_ok "kernel counters printed at exit (no ring drops)" \
	grep -q '"ring_full_drops":0' "$TMP/eg.err"

# --- clean detach: nothing of ours stays on the interface
tap_ok "no XDP program left after SIGINT" sh -c "! ip -n $KEA_LAB_SRV_NS link show $SRV | grep -q xdp"
tap_ok "no clsact qdisc left after SIGINT" sh -c "! tc -n $KEA_LAB_SRV_NS qdisc show dev $SRV | grep -q clsact"

# --- kill -9 leaves the attachment; the next run replaces it
ls_start "run to be killed" "$TMP/k.json" "$TMP/k.err"
[ -n "${LS_PID:-}" ] && { kill -9 "$LS_PID"; wait "$LS_PID" 2>/dev/null; LS_PID=""; }
tap_ok "after kill -9 the stale XDP program is still attached" \
	sh -c "ip -n $KEA_LAB_SRV_NS link show $SRV | grep -q xdp"
ls_start "run after kill -9" "$TMP/r.json" "$TMP/r.err"
kea_lab_cli timeout 30 tcpreplay -q --topspeed -i "$CLI" "$CORPUS/dhcpv6-ia-na.pcap" >/dev/null 2>&1
wait_for 10 lines_ge "$TMP/r.json" 1
ls_events_stop
tap_ok "the next run replaces the stale attachment with a warning" grep -q "replacing stale" "$TMP/r.err"
tap_is "and sees events" "$(grep -c '"type":"reply"' "$TMP/r.json")" "1"
# The clsact qdisc the killed run created predates this run: it may hold other
# tools' filters now, so only our filter is removed from it.
tap_ok "and leaves no program attached" sh -c "! ip -n $KEA_LAB_SRV_NS link show $SRV | grep -q xdp && [ -z \"\$(tc -n $KEA_LAB_SRV_NS filter show dev $SRV egress)\" ]"
tc -n "$KEA_LAB_SRV_NS" qdisc del dev "$SRV" clsact 2>/dev/null

# --- someone else's XDP program is left alone: ingress moves to tc beside it
printf '%s\n' '__attribute__((section("xdp"), used)) int other(void *c) { return 2; }' \
	'char _l[] __attribute__((section("license"), used)) = "GPL";' >"$TMP/other.c"
clang -O2 -target bpf -c "$TMP/other.c" -o "$TMP/other.o" 2>/dev/null
ip -n "$KEA_LAB_SRV_NS" link set dev "$SRV" xdpgeneric obj "$TMP/other.o" sec xdp 2>/dev/null
ls_events_start "$KEA_LAB_SRV_NS" "$TMP/o.json" "$TMP/o.err" -i "$SRV"
kea_lab_cli timeout 30 tcpreplay -q --topspeed -i "$CLI" "$CORPUS/dhcpv6-ia-na.pcap" >/dev/null 2>&1
sleep 0.3
ls_events_stop
tap_ok "a foreign XDP program is left alone, ingress seen at tc instead" \
	grep -q "ingress at $(ls_tc_hook) (XDP hook holds program id [0-9]* 'other': not ours, left alone)" "$TMP/o.err"
tap_is "and events are seen there" "$(grep -c '"type":"reply"' "$TMP/o.json")" "1"
tap_ok "the foreign program is still attached" sh -c "ip -n $KEA_LAB_SRV_NS link show $SRV | grep -q xdp"
ip -n "$KEA_LAB_SRV_NS" link set dev "$SRV" xdpgeneric off

# --- clear errors
timeout 10 ip netns exec "$KEA_LAB_SRV_NS" "$LS_BIN" -i nosuch0 --events >/dev/null 2>"$TMP/n.err"
tap_ok "missing interface: exit 1 naming it" grep -q "no such interface 'nosuch0'" "$TMP/n.err"
ip netns exec "$KEA_LAB_SRV_NS" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	timeout 10 "$LS_BIN" -i "$SRV" --events >/dev/null 2>"$TMP/p.err"
tap_ok "without privileges: a clear error" grep -q "needs root" "$TMP/p.err"
tap_done

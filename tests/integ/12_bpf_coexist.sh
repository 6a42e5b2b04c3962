#!/bin/sh
# tests/integ/12_bpf_coexist.sh - leasesnoop on interfaces whose hooks other
# tools already own (an appliance's firewall): a plain XDP program attached
# with `ip link set … xdp obj`, clsact filters on ingress and egress, and an
# XDP program managed by libxdp (Debian's xdp-filter). leasesnoop attaches
# beside them (joining a libxdp dispatcher, or at tc ingress: tcx links from
# Linux 6.6 on, clsact filters with its own priority and handle before),
# sees the same events as the offline decode of the replayed capture, the
# other programs keep working (their own counters move) and are still
# attached, unchanged, after leasesnoop exits.
#
# Needs (nothing else, so it also runs in the QEMU kernel tier): root; ip
# and tc (iproute2); tcpreplay; bpftool (to read the other programs'
# counters); xdp-filter and xdp-loader (xdp-tools, with libxdp's
# xdp-dispatcher.o); a kernel that can mount bpffs; the built ./leasesnoop
# and .output/tests/bpf/count.bpf.o (make test-bins); the tcpdump corpus.
# No Kea, no DNS server. Names carry lsx$$; libxdp's pins go to a bpffs
# instance of this test's own ($LIBXDP_BPFFS), so parallel runs never meet.
. "${LS_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$LS_TOP/tests/lib/lsrun.sh"
need_root
need_cmd ip tc tcpreplay bpftool xdp-filter xdp-loader mount
[ -x "$LS_BIN" ] || tap_skip_all "leasesnoop not built"
COUNT=$LS_OUTPUT/tests/bpf/count.bpf.o
[ -f "$COUNT" ] || tap_skip_all "tests/bpf/count.bpf.o not built (make test-bins)"
CORPUS=${LS_CORPUS:-$LS_TOP/tests/corpus/data/tcpdump}
KEA_LAB_PREFIX=lsx$$
. "$LS_TOP/tools/lab/kea.sh"
TMP=$(mktemp -d)
export LIBXDP_BPFFS=$TMP/bpffs
cleanup() {
	[ -n "${LS_PID:-}" ] && kill -9 "$LS_PID" 2>/dev/null
	kea_lab_down
	umount "$LIBXDP_BPFFS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
tap_plan 31

mkdir -p "$LIBXDP_BPFFS"
mount -t bpf bpf "$LIBXDP_BPFFS" || { tap_fail "mount a bpffs of our own"; exit 1; }
kea_lab_net_up || { tap_fail "lab network up"; exit 1; }
SRV=$KEA_LAB_SRV_IF CLI=$KEA_LAB_CLI_IF NS=$KEA_LAB_SRV_NS
TC=$(ls_tc_hook)
srv() { ip netns exec "$NS" "$@"; }
CAPS="dhcp-rfc4388.pcap dhcp-mud.pcap dhcp-rfc3004.pcap dhcpv6-ia-na.pcap dhcpv6-ia-pd.pcap dhcpv6-AFTR-Name-RFC6334.pcap dhcpv4v6-rfc5970-rfc8572.pcap 802.1ad_QinQ.pcap"
NPKT=0
for c in $CAPS; do
	"$LS_BIN" --pcap "$CORPUS/$c" --events --json --counters >>"$TMP/all.json" 2>"$TMP/c.json"
	NPKT=$((NPKT + $(sed -n 's/.*"packets":\([0-9]*\).*/\1/p' "$TMP/c.json")))
done
ls_strip_local "$TMP/all.json" >"$TMP/offline.json"

# replay_in / replay_out: the captures into the server interface / out of it
replay_in() {
	for c in $CAPS; do
		kea_lab_cli timeout 30 tcpreplay -q --topspeed -i "$CLI" "$CORPUS/$c" >/dev/null 2>&1
	done
}
replay_out() {
	for c in $CAPS; do
		srv timeout 30 tcpreplay -q --topspeed -i "$SRV" "$CORPUS/$c" >/dev/null 2>&1
	done
}
# wait_lines FILE N: until FILE has N lines (the ring is drained every 100 ms)
wait_lines() {
	for _i in $(seq 1 50); do
		[ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
NOFF=$(wc -l <"$TMP/offline.json")
# live NAME FILE: the events of FILE equal the offline decode, with direction dir
live_equal() {
	wait_lines "$2" "$NOFF"
	tap_is "$1: live events equal the offline decode" \
		"$(ls_strip_local "$2")" "$(cat "$TMP/offline.json")"
}

# the other tools' programs and their counters
xdp_id() { ip -n "$NS" link show dev "$SRV" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'; }
tc_id() { tc -n "$NS" filter show dev "$SRV" "$1" | sed -n 's/.* id \([0-9]*\) name count_tc .*/\1/p' | head -1; }
# counter PROG_ID: the packets its one-entry array map counted (bpftool prints
# the value as a number where the map has BTF, as little-endian bytes where not)
counter() {
	_m=$(bpftool prog show id "$1" | sed -n 's/.*map_ids \([0-9]*\).*/\1/p')
	bpftool map lookup id "$_m" key 0 0 0 0 | awk '
		function hex(h,  d) { d = "0123456789abcdef"; return (index(d, substr(h, 1, 1)) - 1) * 16 + index(d, substr(h, 2, 1)) - 1 }
		/"value": *[0-9]/ { sub(/.*"value": */, ""); print $0 + 0; exit }
		/value: / { sub(/.*value: /, ""); v = 0
			    for (i = NF; i >= 1; i--) v = v * 256 + hex(tolower($i)); print v; exit }'
}

# --- a plain XDP program and clsact filters on both directions, all someone else's
srv ip link set dev "$SRV" xdpgeneric obj "$COUNT" sec xdp
tc -n "$NS" qdisc add dev "$SRV" clsact
tc -n "$NS" filter add dev "$SRV" ingress bpf da obj "$COUNT" sec tc
tc -n "$NS" filter add dev "$SRV" egress bpf da obj "$COUNT" sec tc
X=$(xdp_id) I=$(tc_id ingress) E=$(tc_id egress)
tap_ok "another tool's XDP program and tc filters are in place (ids $X $I $E)" \
	test -n "$X" -a -n "$I" -a -n "$E"

for mode in default no-tcx; do
	if [ "$mode" = default ]; then hook=$TC; args=""; else hook=tc-clsact; args=--no-tcx; fi
	# the other programs' counters move by every replayed frame while ours is attached
	ls_events_start "$NS" "$TMP/in-$mode.json" "$TMP/in-$mode.err" -i "$SRV" $args
	x0=$(counter "$X") i0=$(counter "$I")
	replay_in
	live_equal "plain XDP taken, $hook ingress" "$TMP/in-$mode.json"
	x1=$(counter "$X") i1=$(counter "$I") e0=$(counter "$E")
	tap_is "$hook ingress: all $NOFF events say dir ingress" \
		"$(grep -c '"dir":"ingress"' "$TMP/in-$mode.json")" "$NOFF"
	replay_out
	wait_lines "$TMP/in-$mode.json" $((NOFF * 2))
	e1=$(counter "$E")
	sed -n "$((NOFF + 1)),\$p" "$TMP/in-$mode.json" >"$TMP/eg-$mode.json"
	tap_is "$hook egress beside another filter: live events equal the offline decode" \
		"$(ls_strip_local "$TMP/eg-$mode.json")" "$(cat "$TMP/offline.json")"
	ls_events_stop
	tap_ok "the log names the hooks and leaves the XDP program alone" \
		grep -q "interface '$SRV': ingress at $hook (XDP hook holds program id $X 'count_xdp': not ours, left alone), egress at $hook" \
		"$TMP/in-$mode.err"
	tap_ok "the other XDP program saw all $NPKT frames ($x0 -> $x1)" test $((x1 - x0)) -ge "$NPKT"
	tap_ok "the other tc ingress filter saw all $NPKT frames ($i0 -> $i1)" test $((i1 - i0)) -ge "$NPKT"
	tap_ok "the other tc egress filter saw all $NPKT frames ($e0 -> $e1)" test $((e1 - e0)) -ge "$NPKT"
	tap_is "after exit: the same XDP program and filters, nothing of ours" \
		"$(xdp_id) $(tc_id ingress) $(tc_id egress) $(tc -n "$NS" filter show dev "$SRV" ingress | grep -c ls_tc)" \
		"$X $I $E 0"
done
tap_ok "after exit: the clsact qdisc the other tool made is still there" \
	sh -c "tc -n $NS qdisc show dev $SRV | grep -q clsact"
srv ip link set dev "$SRV" xdpgeneric off
tc -n "$NS" qdisc del dev "$SRV" clsact

# --- an XDP program managed by libxdp (xdp-filter): join its dispatcher where
# the kernel lets libxdp build one (freplace programs), else tc ingress
srv xdp-filter load -m skb "$SRV" >"$TMP/xf.out" 2>&1
tap_ok "xdp-filter loaded on $SRV" srv xdp-filter status
X=$(xdp_id)
xname=$(bpftool prog show id "$X" | sed -n 's/^[0-9]*: [a-z_]* *name \([^ ]*\).*/\1/p')
if [ "$xname" = xdp_dispatcher ]; then
	hook=xdp-multiprog
	why="(joined the libxdp dispatcher id $X)"
else
	hook=$TC
	why="(XDP hook holds program id $X '$xname': not ours, left alone)"
	tap_diag "libxdp loaded xdp-filter without a dispatcher here (its log: $(grep -i dispatcher "$TMP/xf.out" | head -2 | tr '\n' ' '))" \
		"so leasesnoop takes the tc path; the QEMU tier's Debian kernels exercise the join"
fi
ls_events_start "$NS" "$TMP/xf.json" "$TMP/xf.err" -i "$SRV"
pass0=$(srv xdp-filter status | sed -n 's/^ *XDP_PASS *\([0-9]*\) pkts.*/\1/p')
tap_ok "the log says ingress at $hook $why" \
	grep -q "interface '$SRV': ingress at $hook $why, egress at $TC" "$TMP/xf.err"
if [ "$hook" = xdp-multiprog ]; then
	tap_ok "ls_xdp runs first in the chain (priority 1) and chains on XDP_PASS" \
		sh -c "ip netns exec $NS xdp-loader status $SRV | grep -E ' ls_xdp .*XDP_PASS' | grep -qE '^ *=> +1 '"
else
	tap_ok "the XDP hook still holds xdp-filter's program alone" test "$(xdp_id)" = "$X"
fi
replay_in
live_equal "libxdp-managed XDP, $hook" "$TMP/xf.json"
pass1=$(srv xdp-filter status | sed -n 's/^ *XDP_PASS *\([0-9]*\) pkts.*/\1/p')
ls_events_stop
tap_ok "xdp-filter passed all $NPKT frames ($pass0 -> $pass1)" test $((${pass1:-0} - ${pass0:-0})) -ge "$NPKT"
tap_ok "after exit xdp-filter is still loaded" sh -c "ip netns exec $NS xdp-loader status $SRV | grep -q xdpfilt_"
tap_ok "and no program of ours is left in the chain or at tc" \
	sh -c "! ip netns exec $NS xdp-loader status $SRV | grep -q ls_xdp && ! tc -n $NS filter show dev $SRV ingress | grep -q ls_tc"

# --- kill -9 while joined: the next run takes its stale ls_xdp out first
ls_events_start "$NS" "$TMP/k.json" "$TMP/k.err" -i "$SRV"
kill -9 "$LS_PID"; wait "$LS_PID" 2>/dev/null; LS_PID=""
ls_events_start "$NS" "$TMP/k2.json" "$TMP/k2.err" -i "$SRV"
replay_in
live_equal "after a kill -9, $hook again" "$TMP/k2.json"
ls_events_stop
if [ "$hook" = xdp-multiprog ]; then
	tap_ok "the stale ls_xdp was removed from the chain with a warning" grep -q "removing stale leasesnoop program" "$TMP/k2.err"
elif [ "$hook" = tcx ]; then
	tap_ok "a tcx link dies with its process: nothing stale to remove" sh -c "! grep -q stale '$TMP/k2.err'"
else
	tap_ok "the stale clsact filter was replaced with a warning" grep -q "replacing stale leasesnoop tc ingress" "$TMP/k2.err"
fi
tap_ok "xdp-filter is still loaded, nothing of ours left" \
	sh -c "ip netns exec $NS xdp-loader status $SRV | grep -q xdpfilt_ && ! ip netns exec $NS xdp-loader status $SRV | grep -q ls_xdp"
srv xdp-filter unload "$SRV" --all >/dev/null 2>&1
# a clsact qdisc the killed run made predates the next run, which leaves it
tc -n "$NS" qdisc del dev "$SRV" clsact 2>/dev/null

# --- tc ingress on a free XDP hook (--tc-ingress), and the hook list in --counters
ls_events_start "$NS" "$TMP/t.json" "$TMP/t.err" -i "$SRV" --tc-ingress
tap_ok "--tc-ingress: the log says ingress at $TC" grep -q "ingress at $TC, egress at $TC" "$TMP/t.err"
replay_in
live_equal "--tc-ingress" "$TMP/t.json"
ls_events_stop
tap_is "and leaves nothing behind" \
	"$(xdp_id)$(tc -n "$NS" qdisc show dev "$SRV" | grep clsact)" ""
tap_done
